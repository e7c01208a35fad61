// A notified (or polled) resource as a CaseloadEvent, before governance: which caseload patient it is about
// (by NHS number, or the source's Patient id), what happened, when and where. Undefined when it is not an
// alert; `notOnCaseload` when it is about someone else (ignored and counted by the caller).
import type { CaseloadEvent } from '../../../common/caseload-events';
import { isObject, str, type JsonObject } from '../../../common/json';
import { utcInstantText } from '../../../common/london-date';
import { classify, patientOf, readableShape } from './classify';
import type { CaseloadPatient } from './source-subscriptions';

export interface CaseloadPatients {
  /** Every NHS number on the caseload → the name the source gives (none until the source holds the patient). */
  names: ReadonlyMap<string, string | undefined>;
  /** This source's Patient id → NHS number. */
  byId: ReadonlyMap<string, string>;
}

/** A source's caseload patients: every NHS number on the caseload, and those the source holds so far. */
export class HeldPatients implements CaseloadPatients {
  readonly names: Map<string, string | undefined>;
  readonly byId = new Map<string, string>();

  constructor(nhsNumbers: readonly string[], held: readonly CaseloadPatient[]) {
    this.names = new Map(nhsNumbers.map((n) => [n, undefined]));
    this.hold(held);
  }

  /** Caseload patients the source holds (when the watch began, or since): their Patient ids and name. */
  hold(patients: readonly CaseloadPatient[]): void {
    for (const p of patients) {
      if (!this.names.has(p.nhsNumber)) continue;
      if (p.name) this.names.set(p.nhsNumber, p.name);
      for (const id of p.ids) this.byId.set(id, p.nhsNumber);
    }
  }
}

export type BuiltEvent =
  | { event: CaseloadEvent; dedupeKeys: string[] }
  | { notOnCaseload: true }
  | { notAnAlert: true }
  /** Its fields are not the shapes FHIR gives them: counted as unreadable. */
  | { unreadable: true };

export interface EventSource {
  sourceId: string;
  sourceName: string;
}

export function buildEvent(
  resource: JsonObject,
  topic: string | undefined,
  source: EventSource,
  patients: CaseloadPatients,
  receivedAt: Date,
  timestamp?: string,
  /** The NHS number the notification names the patient by (`additional-context`). */
  notifiedNhsNumber?: string,
): BuiltEvent {
  const pointer = patientOf(resource);
  const nhsNumber =
    pointer.nhsNumber ??
    notifiedNhsNumber ??
    (pointer.patientId ? patients.byId.get(pointer.patientId) : undefined);
  if (!nhsNumber || !patients.names.has(nhsNumber)) return { notOnCaseload: true };
  if (!readableShape(resource)) return { unreadable: true };
  const what = classify(resource, topic);
  if (!what) return { notAnAlert: true };
  const focus = `${String(resource.resourceType)}/${str(resource.id) ?? 'unknown'}`;
  const version = isObject(resource.meta) ? str(resource.meta.versionId) : undefined;
  const id = `${source.sourceId}|${focus}|${what.kind}`;
  const name = patients.names.get(nhsNumber);
  const received = receivedAt.toISOString();
  const event: CaseloadEvent = {
    id,
    sourceId: source.sourceId,
    sourceName: source.sourceName,
    nhsNumber,
    ...(name ? { patientName: name } : {}),
    kind: what.kind,
    at: validInstant(what.at) ?? validInstant(timestamp) ?? received,
    receivedAt: received,
    ...(what.where ? { where: clip(what.where) } : {}),
    ...(what.since ? { since: what.since } : {}),
    ...(what.until ? { until: what.until } : {}),
    ...(what.title ? { title: clip(what.title) } : {}),
  };
  // One alert per encounter and meaning (an admission is not announced again when the ward changes), and
  // per resource version.
  const dedupeKeys = [id, ...(version ? [`${source.sourceId}|${focus}|v${version}|${what.kind}`] : [])];
  return { event, dedupeKeys };
}

/** An event the server sent without details: "new activity", withheld because the patient declined sharing. */
export function withheldEvent(
  withheld: { key: string; nhsNumber: string },
  source: EventSource,
  patients: CaseloadPatients,
  receivedAt: Date,
  timestamp: string | undefined,
  withheldReason: string,
): BuiltEvent {
  if (!patients.names.has(withheld.nhsNumber)) return { notOnCaseload: true };
  const id = `${source.sourceId}|${withheld.key}`;
  const name = patients.names.get(withheld.nhsNumber);
  const received = receivedAt.toISOString();
  return {
    event: {
      id,
      sourceId: source.sourceId,
      sourceName: source.sourceName,
      nhsNumber: withheld.nhsNumber,
      ...(name ? { patientName: name } : {}),
      kind: 'new-activity',
      at: validInstant(timestamp) ?? received,
      receivedAt: received,
      withheldReason,
    },
    dedupeKeys: [id],
  };
}

/** Server text kept and shown: a ward or a letter title, never a whole document. */
const MAX_TEXT = 300;
function clip(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

/**
 * When something happened, as events are kept and ordered: an instant in UTC (servers write their own offsets,
 * and events are listed by this text), a date alone as recorded.
 */
function validInstant(value: string | undefined): string | undefined {
  if (!value || Number.isNaN(Date.parse(value))) return undefined;
  return utcInstantText(value) ?? value;
}
