// Sends logged AuditEvents to the audit endpoint, oldest first: `PUT {endpoint}/AuditEvent/{id}`.
// An event is marked uploaded only after a 2xx, so a crash at any point re-sends it on restart; the
// server sees the same id again and keeps one copy (PUT is idempotent). Failures stop the run (order
// is kept) and retry with exponential backoff; all state lives in the audit database.
// Each PUT carries the event's place in the chain (chain id, seq, previous hash, hash: see anchor.ts); the
// server answers with the head it holds, which becomes the acknowledged head (database and keystore). A
// server that is missing earlier events (409 naming a lower head) gets them again, once per run.
import { CHAIN_HEADERS, headFromHeaders, type AnchorKeystore, type ChainAnchorTable } from './anchor';
import type { AuditLog, AuditRow } from './audit-log';

export interface UploadRun {
  uploaded: number;
  pending: number;
  /** Plain-words reason the run stopped early (endpoint down, rejected). */
  error?: string;
  /** No one is signed in to send them as: the events wait for the next sign-in (which nudges the uploader). */
  waitingForSignIn?: boolean;
}

/** Thrown by getToken when no one is signed in: not a failure, so no retry until the next event is logged. */
export class WaitForSignIn extends Error {
  constructor() {
    super('Audit events are kept on this computer until someone signs in.');
    this.name = 'WaitForSignIn';
  }
}

export interface AuditUploaderOptions {
  log: AuditLog;
  endpoint: string;
  fetch?: typeof fetch;
  /** Bearer token for the audit endpoint, when it needs one. */
  getToken?: () => Promise<string | undefined>;
  /** Where the chain id comes from and acknowledged heads go (without it, events go unanchored). */
  anchors?: ChainAnchorTable;
  /** The keystore copy of the acknowledged head. */
  anchorKeystore?: AnchorKeystore;
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
  /** The acknowledged seq last copied to the keystore by this uploader. */
  private keptInKeystore = 0;
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

  /** A pass that starts after everything appended so far (a pass already running may have missed the latest). */
  async uploadAllNow(): Promise<UploadRun> {
    await this.running?.catch(() => undefined);
    return this.flush();
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
      void this.flush()
        // A local failure (the log busy or unreadable) is retried like a network one, never left unhandled.
        .catch((error: unknown): Partial<UploadRun> => ({
          error: error instanceof Error ? error.message : String(error),
        }))
        .then((run) => {
          if (this.stopped || run.waitingForSignIn) return;
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
    const run = await this.sendPending();
    const keystoreError = await this.keepAnchorInKeystore();
    return keystoreError && !run.error ? { ...run, error: keystoreError } : run;
  }

  private async sendPending(): Promise<UploadRun> {
    const { log, anchors } = this.options;
    const now = this.options.now ?? (() => new Date());
    const chainId = anchors?.chainId();
    let uploaded = 0;
    let resent = false;
    for (;;) {
      const batch = log.pending(50);
      if (batch.length === 0) return { uploaded, pending: 0 };
      for (const row of batch) {
        const reply = await this.put(row, chainId);
        let acknowledge: (() => void) | undefined;
        if (reply.head && chainId && anchors) {
          if (reply.ok && reply.head.seq === row.seq && reply.head.hash === row.hash) {
            const head = { chainId, seq: row.seq, hash: row.hash, endpoint: this.endpoint };
            acknowledge = () => anchors.recordAcknowledged({ ...head, at: now().toISOString() });
          } else if (!reply.ok && reply.status === 409 && reply.head.seq < row.seq && !resent) {
            // The server lost (or never had) events this log thinks it sent: send them again.
            resent = true;
            anchors.resendAfter(reply.head.seq);
            break;
          }
        }
        if (!reply.ok && reply.waitingForSignIn) {
          return { uploaded, pending: log.pendingCount(), error: reply.error, waitingForSignIn: true };
        }
        if (!reply.ok) {
          log.markFailed(row.seq, reply.error);
          return { uploaded, pending: log.pendingCount(), error: reply.error };
        }
        // The anchor table is in the log's own database: the head and the mark are written together.
        log.markUploaded(row.seq, now(), acknowledge);
        uploaded += 1;
      }
    }
  }

  /** Copies the acknowledged head to the keystore when it has moved on; a plain-words error on failure. */
  private async keepAnchorInKeystore(): Promise<string | undefined> {
    const head = this.options.anchors?.acknowledged();
    const keystore = this.options.anchorKeystore;
    if (!head || !keystore || head.seq <= this.keptInKeystore) return undefined;
    try {
      await keystore.put(head);
      this.keptInKeystore = head.seq;
      return undefined;
    } catch {
      return 'The audit server’s acknowledgement could not be kept in the keystore; it will be tried again.';
    }
  }

  private async put(
    row: AuditRow,
    chainId: string | undefined,
  ): Promise<
    | { ok: true; head?: { seq: number; hash: string } }
    | {
        ok: false;
        error: string;
        status?: number;
        head?: { seq: number; hash: string };
        waitingForSignIn?: boolean;
      }
  > {
    const doFetch = this.options.fetch ?? fetch;
    const headers: Record<string, string> = { 'content-type': 'application/fhir+json' };
    if (chainId) {
      headers[CHAIN_HEADERS.chain] = chainId;
      headers[CHAIN_HEADERS.seq] = String(row.seq);
      headers[CHAIN_HEADERS.prevHash] = row.prevHash;
      headers[CHAIN_HEADERS.hash] = row.hash;
    }
    try {
      const token = await this.options.getToken?.();
      if (token) headers.authorization = `Bearer ${token}`;
    } catch (error) {
      if (error instanceof WaitForSignIn) return { ok: false, error: error.message, waitingForSignIn: true };
      const reason = error instanceof Error ? error.message : 'no token';
      return { ok: false, error: `The viewer could not sign in to the audit server: ${reason}` };
    }
    try {
      const response = await doFetch(`${this.endpoint}/AuditEvent/${encodeURIComponent(row.id)}`, {
        method: 'PUT',
        headers,
        body: row.eventJson,
        signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 15_000),
      });
      await response.arrayBuffer().catch(() => undefined);
      const head = headFromHeaders(response.headers);
      if (response.ok) return { ok: true, ...(head ? { head } : {}) };
      const error =
        response.status === 401 || response.status === 403
          ? `The audit server refused the viewer's sign-in (HTTP ${response.status}).`
          : response.status === 409
            ? `The audit server holds a different chain of events for this computer (HTTP 409 at event ${row.seq}).`
            : `The audit server refused the event (HTTP ${response.status}).`;
      return { ok: false, error, status: response.status, ...(head ? { head } : {}) };
    } catch {
      return {
        ok: false,
        error: 'The audit server could not be reached; events are kept and will be sent when it is back.',
      };
    }
  }
}
