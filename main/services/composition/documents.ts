// The document behind a locator pointer or a DocumentReference in an opened record. Its bytes are read from
// the record itself when they came with it, otherwise from the configured source whose origin holds them,
// with that source's token only, or from the copy kept offline with the record when the source cannot be
// reached. Anything held elsewhere is named, never fetched.
import type { Attachment } from '@medplum/fhirtypes';
import type { Resource } from '../../../common/fhir';
import { asArray, isObject } from '../../../common/json';
import type { WessexRecord } from '../../../common/record';
import type { DocumentContent } from '../../../preload/contract';
import { purposeOfUse, type AccessContext, type TokenProvider } from '../auth/token-provider';
import { BridgeError } from '../bridge/dispatch';
import { FetchFailure, SourceClient, sourceHolding, tokenFromProvider, type Transport } from '../http';
import type { OfflineCache } from '../cache/offline-cache';
import type { EngineSource } from '../record';

const MAX_DOCUMENT_BYTES = 20 * 1024 * 1024;
const DOCUMENT_DEADLINE_MS = 30_000;
const SHOWABLE = /^(application\/pdf|text\/html|text\/plain)\b/;

export interface DocumentSources {
  sources: readonly EngineSource[];
  tokens: TokenProvider;
  /** Whose record the document belongs to and why it is read: what the source's token is bound to. */
  access?: AccessContext;
  /** Documents kept offline with saved records. */
  cache?: OfflineCache;
  /** Tests only; default: the client's own undici connections. */
  transport?: Transport;
}

export const NOT_KEPT_OFFLINE =
  'This document was not saved for offline use on this computer. It can be opened when you are online.';

/** `part`: which content entry of a DocumentReference (presentedForm of a report); default the first showable. */
export async function readDocument(
  record: WessexRecord,
  id: string,
  deps: DocumentSources,
  part?: number,
): Promise<DocumentContent> {
  const pointer = record.pointers.find((p) => p.id === id);
  const item = pointer ? undefined : record.items.find((i) => i.key === id);
  const resource: Resource | undefined = pointer?.document ?? item?.resource;
  let title = pointer?.type.display ?? item?.display ?? 'Document';
  if (resource?.resourceType === 'Binary' && resource.data && part === undefined) {
    return inline(resource.contentType ?? 'application/octet-stream', resource.data, title);
  }
  let attachment: Attachment | undefined;
  if (part === undefined) {
    attachment =
      attachmentOf(resource) ??
      (pointer?.url ? { url: pointer.url, contentType: pointer.contentType } : undefined);
  } else {
    attachment = attachmentsOf(resource)[part];
    if (!attachment)
      throw new BridgeError('invalid-argument', 'That part of the document is not in the record.');
    if (attachment.title) title = `${title} — ${attachment.title}`;
  }
  if (!attachment) throw new BridgeError('invalid-argument', 'There is no document to show for that entry.');
  if (attachment.data)
    return inline(attachment.contentType ?? 'application/octet-stream', attachment.data, title);
  if (!attachment.url) throw new BridgeError('unavailable', 'The document has no content or address.');
  const nhsNumber = record.patient.nhsNumber;
  const kept = async () => (nhsNumber ? deps.cache?.readDocument(nhsNumber, attachment.url!) : undefined);
  if (record.offline) {
    const document = await kept();
    if (!document) throw new BridgeError('unavailable', NOT_KEPT_OFFLINE);
    return inline(document.contentType, document.bytes.toString('base64'), title);
  }
  try {
    return await fetchFromSource(attachment.url, attachment.contentType, title, {
      ...deps,
      access: recordAccessContext(record),
    });
  } catch (error) {
    const document = await kept();
    if (!document) throw error;
    return inline(document.contentType, document.bytes.toString('base64'), `${title} (saved copy)`);
  }
}

/** Every content entry, in the order the source sent them (the renderer asks for one by its index). */
function attachmentsOf(resource: Resource | undefined): (Attachment | undefined)[] {
  const found =
    resource?.resourceType === 'DocumentReference'
      ? asArray(resource.content).map((c) => (isObject(c) ? c.attachment : undefined))
      : resource?.resourceType === 'DiagnosticReport'
        ? asArray(resource.presentedForm)
        : [];
  // Servers send what they send: only an object can be an attachment.
  return found.map((a) => (isObject(a) ? (a as Attachment) : undefined));
}

function attachmentOf(resource: Resource | undefined): Attachment | undefined {
  const attachments = attachmentsOf(resource);
  return attachments.find((a) => SHOWABLE.test(a?.contentType ?? '')) ?? attachments[0];
}

function inline(contentType: string, base64: string, title: string): DocumentContent {
  if (!SHOWABLE.test(contentType)) {
    throw new BridgeError('unavailable', `Documents of type ${contentType} cannot be shown in the viewer.`);
  }
  if (contentType.startsWith('application/pdf'))
    return { contentType, data: base64, encoding: 'base64', title };
  return { contentType, data: Buffer.from(base64, 'base64').toString('utf8'), encoding: 'text', title };
}

/** A document is read for the record it belongs to: that patient, and break-glass if the record was. */
export function recordAccessContext(record: WessexRecord): AccessContext {
  return {
    ...(record.patient.nhsNumber ? { patient: record.patient.nhsNumber } : {}),
    purpose: purposeOfUse(record.governance?.breakGlass),
  };
}

async function fetchFromSource(
  rawUrl: string,
  contentType: string | undefined,
  title: string,
  deps: DocumentSources,
): Promise<DocumentContent> {
  const { contentType: type, bytes } = await fetchDocumentBytes(rawUrl, contentType, deps);
  return inline(type, bytes.toString('base64'), title);
}

/** The document at `rawUrl`, from the configured source whose address holds it, with its token only. */
export async function fetchDocumentBytes(
  rawUrl: string,
  contentType: string | undefined,
  deps: DocumentSources,
  maxBytes = MAX_DOCUMENT_BYTES,
): Promise<{ contentType: string; bytes: Buffer }> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new BridgeError('invalid-argument', 'The document address is not valid.');
  }
  const source = sourceHolding(url.href, deps.sources, (s) => s.fhirBase);
  if (!source) {
    throw new BridgeError(
      'unavailable',
      `This document is held at ${url.host}, which this viewer is not set up to reach.`,
    );
  }
  // The source's own client: its token, its origin only, the document read within a size and time limit.
  const client = new SourceClient({
    name: source.name,
    baseUrl: source.fhirBase,
    token: tokenFromProvider(deps.tokens, source.id, { access: deps.access }),
    deadlineMs: DOCUMENT_DEADLINE_MS,
    limits: { maxResponseBytes: Math.min(maxBytes, MAX_DOCUMENT_BYTES), concurrency: 1 },
    ...(deps.transport ? { transport: deps.transport } : {}),
  });
  try {
    const response = await client.get(url.href, { accept: contentType ?? 'application/pdf, text/html' });
    const type = response.contentType || contentType || 'application/octet-stream';
    return { contentType: type.split(';')[0]!.trim(), bytes: response.body };
  } catch (error) {
    if (error instanceof FetchFailure && error.kind === 'oversize') {
      throw new BridgeError('unavailable', 'The document is too large to show.');
    }
    if (error instanceof BridgeError) throw error;
    const reason = error instanceof FetchFailure ? ` (it ${error.message})` : '';
    throw new BridgeError('unavailable', `${source.name} did not return the document${reason}.`);
  } finally {
    await client.close();
  }
}
