// Sends logged AuditEvents to the audit endpoint, oldest first: `PUT {endpoint}/AuditEvent/{id}`.
// An event is marked uploaded only after a 2xx, so a crash at any point re-sends it on restart; the
// server sees the same id again and keeps one copy (PUT is idempotent). Failures stop the run (order
// is kept) and retry with exponential backoff; all state lives in the audit database.
import type { AuditLog } from './audit-log';

export interface UploadRun {
  uploaded: number;
  pending: number;
  /** Plain-words reason the run stopped early (endpoint down, rejected). */
  error?: string;
}

export interface AuditUploaderOptions {
  log: AuditLog;
  endpoint: string;
  fetch?: typeof fetch;
  /** Bearer token for the audit endpoint, when it needs one. */
  getToken?: () => Promise<string | undefined>;
  now?: () => Date;
  /** First retry delay; doubles per consecutive failure up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  requestTimeoutMs?: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export class AuditUploader {
  private running: Promise<UploadRun> | undefined;
  private timer: unknown;
  private failures = 0;
  private stopped = true;
  private readonly endpoint: string;

  constructor(private readonly options: AuditUploaderOptions) {
    this.endpoint = options.endpoint.replace(/\/+$/, '');
  }

  /** One pass over everything pending. Concurrent calls share the same pass. */
  flush(): Promise<UploadRun> {
    this.running ??= this.uploadPending().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Uploads now and keeps retrying in the background (with backoff) until stopped. */
  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Call after appending: uploads soon if the uploader is started. */
  nudge(): void {
    if (!this.stopped && this.failures === 0) this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTimer();
    await this.running?.catch(() => undefined);
  }

  private schedule(delayMs: number): void {
    this.cancelTimer();
    const setTimer = this.options.setTimer ?? ((fn, ms) => setTimeout(fn, ms).unref());
    this.timer = setTimer(() => {
      this.timer = undefined;
      void this.flush().then((run) => {
        if (this.stopped) return;
        if (run.error) {
          this.failures += 1;
          this.schedule(this.backoff());
        } else {
          this.failures = 0;
          if (this.options.log.pendingCount() > 0) this.schedule(0);
        }
      });
    }, delayMs);
  }

  private cancelTimer(): void {
    if (this.timer === undefined) return;
    (this.options.clearTimer ?? ((h) => clearTimeout(h as NodeJS.Timeout)))(this.timer);
    this.timer = undefined;
  }

  /** Exponential backoff with ±20 % jitter so many viewers coming back online do not stampede. */
  backoff(): number {
    const base = this.options.baseDelayMs ?? 1_000;
    const max = this.options.maxDelayMs ?? 5 * 60_000;
    const delay = Math.min(max, base * 2 ** Math.max(0, this.failures - 1));
    return Math.round(delay * (0.8 + Math.random() * 0.4));
  }

  private async uploadPending(): Promise<UploadRun> {
    const { log } = this.options;
    let uploaded = 0;
    for (;;) {
      const batch = log.pending(50);
      if (batch.length === 0) return { uploaded, pending: 0 };
      for (const row of batch) {
        const error = await this.put(row.id, row.eventJson);
        if (error) {
          log.markFailed(row.seq, error);
          return { uploaded, pending: log.pendingCount(), error };
        }
        log.markUploaded(row.seq, (this.options.now ?? (() => new Date()))());
        uploaded += 1;
      }
    }
  }

  /** Resolves undefined on success, or a plain-words error. */
  private async put(id: string, body: string): Promise<string | undefined> {
    const doFetch = this.options.fetch ?? fetch;
    const headers: Record<string, string> = { 'content-type': 'application/fhir+json' };
    try {
      const token = await this.options.getToken?.();
      if (token) headers.authorization = `Bearer ${token}`;
      const response = await doFetch(`${this.endpoint}/AuditEvent/${encodeURIComponent(id)}`, {
        method: 'PUT',
        headers,
        body,
        signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 15_000),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) return undefined;
      return `The audit server refused the event (HTTP ${response.status}).`;
    } catch {
      return 'The audit server could not be reached; events are kept and will be sent when it is back.';
    }
  }
}
