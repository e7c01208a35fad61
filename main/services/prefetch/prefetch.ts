// Caseload prefetch: open each patient's record (live, saved pinned in the offline cache), a few at a time,
// reporting every patient's outcome as it happens. A failure is listed, never hidden or retried silently.
import { isValidNhsNumber, normaliseNhsNumber } from '../../../common/nhs-number';
import { notFoundAnywhere, type OpenedRecord } from '../offline/record-reader';
import { formatAsOf } from '../../../common/offline-banner';

export interface PrefetchResult {
  nhsNumber: string;
  ok: boolean;
  /** Plain words for failures (and for successes with something to say). */
  message?: string;
}

export interface PrefetchReport {
  total: number;
  done: number;
  results: PrefetchResult[];
  finished: boolean;
}

export interface PrefetchOptions {
  nhsNumbers: readonly string[];
  opener: {
    open(nhsNumber: string, options: { pin?: boolean }): Promise<Pick<OpenedRecord, 'record' | 'from'>>;
  };
  /** Keep for the pinned (caseload) retention. Default true. */
  pin?: boolean;
  concurrency?: number;
  onProgress?: (report: PrefetchReport, latest: PrefetchResult) => void;
  signal?: AbortSignal;
  clock?: () => Date;
}

/** Every source answered and none holds this NHS number (nothing is saved for it). */
export const NOT_KNOWN_MESSAGE = 'Not known to any Wessex source.';

function failureMessage(error: unknown): string {
  return error instanceof Error && error.message ? error.message : 'The record could not be fetched.';
}

export async function prefetchRecords(options: PrefetchOptions): Promise<PrefetchReport> {
  const queue = options.nhsNumbers.map(normaliseNhsNumber);
  const report: PrefetchReport = { total: queue.length, done: 0, results: [], finished: false };
  const clock = options.clock ?? (() => new Date());
  let next = 0;

  const one = async (nhs: string): Promise<PrefetchResult> => {
    if (!isValidNhsNumber(nhs)) return { nhsNumber: nhs, ok: false, message: 'Not a valid NHS number.' };
    if (options.signal?.aborted) return { nhsNumber: nhs, ok: false, message: 'Prefetch was cancelled.' };
    try {
      const opened = await options.opener.open(nhs, { pin: options.pin ?? true });
      if (opened.from === 'offline') {
        const asOf = opened.record.offline ? formatAsOf(new Date(opened.record.offline.asOf), clock()) : '';
        return {
          nhsNumber: nhs,
          ok: false,
          message: `The record sources could not be reached; the offline copy from ${asOf} is kept.`,
        };
      }
      if (notFoundAnywhere(opened.record)) {
        return { nhsNumber: nhs, ok: false, message: NOT_KNOWN_MESSAGE };
      }
      const answered = (s: { state: string }) => s.state === 'complete' || s.state === 'partial';
      const failed = opened.record.sources.filter((s) => !answered(s));
      if (!opened.record.sources.some(answered)) {
        const reasons = [...new Set(failed.map((s) => s.message ?? `${s.name} did not answer`))];
        return {
          nhsNumber: nhs,
          ok: false,
          message: `Not saved: ${reasons.join('; ') || 'no source answered'}.`,
        };
      }
      return {
        nhsNumber: nhs,
        ok: true,
        ...(failed.length
          ? { message: `Saved without ${failed.map((s) => s.name).join(', ')} (did not answer).` }
          : {}),
      };
    } catch (error) {
      return { nhsNumber: nhs, ok: false, message: failureMessage(error) };
    }
  };

  const worker = async (): Promise<void> => {
    while (next < queue.length) {
      const nhs = queue[next++]!;
      const result = await one(nhs);
      report.results.push(result);
      report.done++;
      options.onProgress?.({ ...report, results: [...report.results] }, result);
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? 4, queue.length));
  await Promise.all(Array.from({ length: workers }, worker));
  report.finished = true;
  return report;
}
