// Opening a patient's record for a clinician: the record reader (fetch → patient-level governance → shared
// saved copy → merge → user-level governance), audited once per open, for the app, the CLI and prefetch.
import type { IdentityDecision, RecordEvent, WessexRecord } from '../../../common/record';
import type { AuditIntent, AuditTrail } from '../audit';
import type { TokenProvider } from '../auth/token-provider';
import type { OfflineCache } from '../cache/offline-cache';
import type { GovernOptions } from '../governance';
import type { LogEvent } from '../logging';
import {
  keepUrgentCareDocuments,
  OfflineUnavailableError,
  RecordReader,
  type OpenedRecord,
  type ProgressSkipped,
} from '../offline';
import type { EngineOptions, EngineSource, RecordIdentity } from '../record';
import { BridgeError } from '../bridge/dispatch';
import { fetchDocumentBytes, recordAccessContext } from './documents';

export interface RecordAccessOptions {
  sources: readonly EngineSource[];
  locator?: EngineSource;
  tokens: TokenProvider;
  cache?: OfflineCache;
  audit: AuditTrail;
  engine?: Partial<EngineOptions>;
  clock?: () => Date;
  /** The most bytes of urgent-care documents kept offline per record (policy.offlineDocumentBudgetMb). */
  documentBudgetBytes?: number;
  /** Work finishing after its record was returned failed (for the log, which names only the error's code). */
  onBackgroundFailure?: (
    event: Extract<LogEvent, 'record.not-kept-offline' | 'record.offline-save-failed'>,
    error: unknown,
  ) => void;
  /** A progress update the screen missed (it still gets the whole record): for the log. */
  onProgressSkipped?: (skipped: ProgressSkipped) => void;
}

export interface OpenRecordRequest {
  requestId: string;
  identity: RecordIdentity;
  governance: GovernOptions;
  ungrantedScopes: string[];
  /** The clinician's decisions on held-apart sources for this patient (this session). */
  decisions?: readonly IdentityDecision[];
  /** The clinician's own words for break-glass, recorded if it overrides the patient's dissent. */
  breakGlassReason?: string;
  preferOffline?: boolean;
  /** Only the saved copy: never ask the sources (the CLI's --offline). */
  offlineOnly?: boolean;
  pin?: boolean;
  /** Where progress goes (the bridge's record:event); omitted for prefetch. */
  emit?: (event: RecordEvent) => void;
  /** Prefetches are audited as such rather than as a record view. */
  purpose?: 'view' | 'prefetch';
}

export const NOT_SAVED_OFFLINE = 'There is no offline copy of this patient’s record on this computer.';

export class RecordAccess {
  private readonly reader: RecordReader;
  /** Saves (and their audit events) still running after their record was returned. */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: RecordAccessOptions) {
    const { cache } = options;
    const documentSources = {
      sources: [...options.sources, ...(options.locator ? [options.locator] : [])],
      tokens: options.tokens,
    };
    this.reader = new RecordReader({
      sources: options.sources,
      ...(options.locator ? { locator: options.locator } : {}),
      tokens: options.tokens,
      ...(cache ? { cache } : {}),
      ...(options.engine ? { engine: options.engine } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.onProgressSkipped ? { onProgressSkipped: options.onProgressSkipped } : {}),
      ...(cache
        ? {
            keepDocuments: async (nhs: string, record: WessexRecord) => {
              await keepUrgentCareDocuments(nhs, record, {
                cache,
                budgetBytes: options.documentBudgetBytes ?? 25 * 1024 * 1024,
                fetchDocument: (address, contentType, maxBytes) =>
                  fetchDocumentBytes(
                    address,
                    contentType,
                    {
                      ...documentSources,
                      access: recordAccessContext({
                        ...record,
                        patient: { ...record.patient, nhsNumber: nhs },
                      }),
                    },
                    maxBytes,
                  ),
              });
            },
          }
        : {}),
    });
  }

  async open(request: OpenRecordRequest): Promise<OpenedRecord> {
    const read = {
      requestId: request.requestId,
      identity: request.identity,
      governance: request.governance,
      ...(request.decisions ? { decisions: request.decisions } : {}),
      ...(request.preferOffline ? { preferOffline: true } : {}),
      ...(request.pin !== undefined ? { pin: request.pin } : {}),
      ...(request.emit ? { emit: request.emit } : {}),
    };
    // Written ahead: the event is durable before any of the record reaches the screen, the cache or a file.
    const intent = this.beginOpen(request);
    let opened: OpenedRecord;
    try {
      if (request.offlineOnly) {
        const offline = await this.reader.openOffline(read);
        if (!offline) throw new BridgeError('unavailable', NOT_SAVED_OFFLINE);
        opened = offline;
      } else {
        opened = await this.reader.open(read);
      }
    } catch (error) {
      const unavailable = error instanceof OfflineUnavailableError || error instanceof BridgeError;
      intent.endedOtherwise(
        unavailable ? '4' : '8',
        unavailable
          ? 'Nothing was shown: no record could be read'
          : 'Nothing was shown: opening the record failed',
      );
      if (error instanceof OfflineUnavailableError) throw new BridgeError('unavailable', error.message);
      throw error;
    }
    const withScopes = (read: WessexRecord): WessexRecord => ({
      ...read,
      ungrantedScopes: request.ungrantedScopes,
    });
    const record = withScopes(opened.record);
    this.endOpen(intent, request, record, opened.from);
    const written = opened.saved
      // The offline store audits its own writes, ahead of each commit.
      .then((saved) => {
        if (!saved.written && saved.failure !== undefined)
          this.options.onBackgroundFailure?.('record.not-kept-offline', saved.failure);
      })
      .catch((error: unknown) => this.options.onBackgroundFailure?.('record.offline-save-failed', error));
    this.inFlight.add(written);
    void written.then(() => this.inFlight.delete(written));
    // Prefetch is for offline use: it is done when the record and its documents are kept.
    if (request.purpose === 'prefetch') await written.then(() => opened.documentsKept);
    // The record itself is the request's answer: sent once, not also as an event (it can be tens of MB).
    const partial = opened.partial;
    return {
      ...opened,
      record,
      ...(partial && {
        partial: {
          ...partial,
          readWhole: (signal?: AbortSignal) => partial.readWhole(signal).then(withScopes),
        },
      }),
    };
  }

  /**
   * Resolves once every saved copy returned so far has been written and audited: before closing the stores.
   * Document downloads are not waited for (a closed store ends them; they are fetched again next time).
   */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  /** The read (or prefetch) about to happen, audited ahead with the servers it may ask. */
  private beginOpen(request: OpenRecordRequest): AuditIntent {
    const nhsNumber = request.identity.nhsNumber;
    const asked = [
      ...(request.offlineOnly ? [] : this.options.sources.map((s) => s.fhirBase)),
      ...(request.offlineOnly || request.preferOffline ? ['offline cache'] : []),
    ];
    const server = asked.join(' ') || 'none';
    return this.options.audit.begin(
      request.purpose === 'prefetch'
        ? { kind: 'prefetch', nhsNumber, server, requestId: request.requestId }
        : { kind: 'patient-read', nhsNumber, server, requestId: request.requestId },
    );
  }

  /** How the read ended: a second event only when it ended otherwise than its first one says. */
  private endOpen(
    intent: AuditIntent,
    request: OpenRecordRequest,
    record: WessexRecord,
    from: OpenedRecord['from'],
  ): void {
    const failed = record.sources.filter((s) => s.state === 'failed').map((s) => s.baseUrl);
    if (from !== 'offline' && failed.length > 0) {
      intent.endedOtherwise('4', `Not every source answered: ${failed.join(' ')} did not`);
    } else {
      intent.done();
    }
    if (record.governance?.dissentOverridden) {
      this.options.audit.record({
        kind: 'dissent-override',
        reason: request.breakGlassReason ?? 'break-glass',
        nhsNumber: request.identity.nhsNumber,
      });
    }
  }
}
