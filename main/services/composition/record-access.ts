// Opening a patient's record for a clinician: engine → governance → cache → screen, audited once.
// Progress events are governed before they leave main, and held back until dissent is known, so nothing
// the patient declined to share can flash on screen before the final record withholds it.
import type { RecordEvent, WessexRecord } from '../../../common/record';
import type { AuditTrail } from '../audit';
import type { TokenProvider } from '../auth/token-provider';
import type { OfflineCache } from '../cache/offline-cache';
import { findDissent, governRecordEvent, type GovernOptions } from '../governance';
import {
  createGovernedLiveFetch,
  OfflineUnavailableError,
  RecordOpener,
  type LiveFetch,
  type OpenedRecord,
} from '../offline';
import type { EngineOptions, EngineSource, RecordIdentity } from '../record';
import { BridgeError } from '../bridge/dispatch';

export interface RecordAccessOptions {
  sources: readonly EngineSource[];
  locator?: EngineSource;
  tokens: TokenProvider;
  cache?: OfflineCache;
  audit: AuditTrail;
  engine?: Partial<EngineOptions>;
  clock?: () => Date;
}

export interface OpenRecordRequest {
  requestId: string;
  identity: RecordIdentity;
  governance: GovernOptions;
  ungrantedScopes: string[];
  /** The clinician's own words for break-glass, recorded if it overrides the patient's dissent. */
  breakGlassReason?: string;
  preferOffline?: boolean;
  pin?: boolean;
  /** Where progress goes (the bridge's record:event); omitted for prefetch. */
  emit?: (event: RecordEvent) => void;
  /** Prefetches are audited as such rather than as a record view. */
  purpose?: 'view' | 'prefetch';
}

export class RecordAccess {
  constructor(private readonly options: RecordAccessOptions) {}

  async open(request: OpenRecordRequest): Promise<OpenedRecord> {
    const fetchLive = this.liveFetch(request);
    const { cache } = this.options;
    let opened: OpenedRecord;
    try {
      opened = cache
        ? await new RecordOpener({
            cache,
            fetchLive,
            ...(this.options.clock ? { clock: this.options.clock } : {}),
          }).open(request.identity.nhsNumber, {
            ...(request.preferOffline ? { preferOffline: true } : {}),
            ...(request.pin ? { pin: true } : {}),
          })
        : { record: await fetchLive(request.identity.nhsNumber, {}), from: 'live' };
    } catch (error) {
      if (error instanceof OfflineUnavailableError) throw new BridgeError('unavailable', error.message);
      throw error;
    }
    const record: WessexRecord = { ...opened.record, ungrantedScopes: request.ungrantedScopes };
    this.auditOpen(request, record, opened.from);
    // The record itself is the request's answer: sent once, not also as an event (it can be tens of MB).
    return { ...opened, record };
  }

  private liveFetch(request: OpenRecordRequest): LiveFetch {
    return createGovernedLiveFetch({
      sources: this.options.sources,
      ...(this.options.locator ? { locator: this.options.locator } : {}),
      tokens: this.options.tokens,
      governance: request.governance,
      identity: () => request.identity,
      ...(this.options.engine ? { engine: this.options.engine } : {}),
      requestId: request.requestId,
      ...(request.emit ? { onEvent: gatedEmitter(request.emit, request.governance) } : {}),
    });
  }

  private auditOpen(request: OpenRecordRequest, record: WessexRecord, from: OpenedRecord['from']): void {
    const nhsNumber = request.identity.nhsNumber;
    const server =
      from === 'offline'
        ? 'offline cache'
        : record.sources
            .filter((s) => s.state === 'complete' || s.state === 'partial')
            .map((s) => s.baseUrl)
            .join(' ') || 'none answered';
    const outcome = record.sources.some((s) => s.state === 'failed') ? { outcome: '4' as const } : {};
    if (request.purpose === 'prefetch') {
      this.options.audit.record(
        { kind: 'prefetch', nhsNumber, server, requestId: request.requestId },
        outcome,
      );
    } else {
      this.options.audit.record(
        { kind: 'patient-read', nhsNumber, server, requestId: request.requestId },
        outcome,
      );
    }
    if (from !== 'offline' && this.options.cache && record.sources.some((s) => s.state !== 'failed')) {
      this.options.audit.record({ kind: 'cache-write', nhsNumber });
    }
    if (record.governance?.dissentOverridden) {
      this.options.audit.record({
        kind: 'dissent-override',
        reason: request.breakGlassReason ?? 'break-glass',
        nhsNumber,
      });
    }
  }
}

/**
 * Forwards the engine's progress: source statuses at once; critical sections only once every source has
 * answered them (so a Consent refusing sharing is known), governed exactly as the final record will be.
 */
function gatedEmitter(
  emit: (event: RecordEvent) => void,
  governance: GovernOptions,
): (event: RecordEvent) => void {
  let decided: 'show' | 'withhold' | undefined;
  return (event) => {
    // Counts before governance could reveal how much is withheld: the final record carries governed counts.
    if (event.type === 'source') return emit({ ...event, source: { ...event.source, resourceCount: 0 } });
    if (event.type === 'error') return emit(event);
    if (event.type !== 'section' || !event.allSourcesAnswered) return;
    if (decided === undefined && event.section === 'advanceCare') {
      const dissent = governance.dissent || findDissent(event.items.map((item) => item.resource)).full;
      decided =
        dissent && !(governance.breakGlass && governance.breakGlassOverridesDissent) ? 'withhold' : 'show';
    }
    if (decided === 'show') emit(governRecordEvent(event, governance));
  };
}
