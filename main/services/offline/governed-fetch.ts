// The live fetch the offline layer and prefetch use: the record engine, then governance, so that nothing
// ungoverned is ever cached. The composition root can use it for record:open too.
import type { RecordEvent, WessexRecord } from '../../../common/record';
import type { TokenProvider } from '../auth/token-provider';
import { governRecord, type GovernOptions } from '../governance';
import { assembleRecord, type EngineOptions, type EngineSource, type RecordIdentity } from '../record';
import type { LiveFetch } from './record-opener';

export interface GovernedFetchOptions {
  sources: readonly EngineSource[];
  locator?: EngineSource;
  tokens: TokenProvider;
  governance: GovernOptions;
  /** Identity details beyond the NHS number (EPR patient, verification); regional sources asked by default. */
  identity?: (nhsNumber: string) => Partial<Omit<RecordIdentity, 'nhsNumber'>>;
  engine?: Partial<EngineOptions>;
  /** Ties the engine's progress events to the request that asked for them. */
  requestId?: string;
  /**
   * Ungoverned progress events of full fetches; govern them (governRecordEvent) before they reach a screen.
   * An incremental refresh sends none: its sections hold only what changed and must not replace a screen.
   */
  onEvent?: (event: RecordEvent) => void;
}

let requestCounter = 0;

export function createGovernedLiveFetch(options: GovernedFetchOptions): LiveFetch {
  return async (nhsNumber, { since }): Promise<WessexRecord> => {
    const record = await assembleRecord({
      requestId: options.requestId ?? `offline-${++requestCounter}`,
      identity: { mayQueryRegionalSources: true, ...options.identity?.(nhsNumber), nhsNumber },
      sources: options.sources,
      ...(options.locator ? { locator: options.locator } : {}),
      tokens: options.tokens,
      options: { ...options.engine, ...(since ? { since } : {}) },
      ...(options.onEvent && !since ? { onEvent: options.onEvent } : {}),
    });
    return governRecord(record, options.governance);
  };
}
