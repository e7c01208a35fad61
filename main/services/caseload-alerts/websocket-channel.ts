// One Subscription's websocket (R5 Backport IG): a fresh single-use binding token for every connection,
// `bind-with-token`, then the server's handshake, heartbeats and event notifications. A watchdog reconnects
// when nothing has arrived for two heartbeat periods (a half-open connection after sleep, a server gone), with
// backoff; each new handshake lets the caller catch up by event number.
import { Agent, WebSocket } from 'undici';
import { readNotification, type Notification } from './notification';
import type { BindingToken } from './source-subscriptions';

export interface ChannelState {
  connected: boolean;
  /** Plain words when not connected. */
  problem?: string;
}

export interface WebsocketChannelOptions {
  heartbeatMs: number;
  /** A new binding token (and the checked address to use it at). */
  bind: () => Promise<BindingToken>;
  /** The handshake after each (re)connection: the caller catches up from here. */
  onHandshake: (handshake: Notification) => void;
  onNotification: (notification: Notification) => void;
  onState: (state: ChannelState) => void;
  /** Messages that were not notifications (counted by the caller; their text is never logged). */
  onUnreadable?: (problem: string) => void;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

/** The largest message read; a notification with one focus resource is a few kilobytes. */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/**
 * undici reads up to 128 MB per message by default before any check of ours could run: this dispatcher makes
 * it fail the connection (close 1009) as soon as a frame's declared length, or the message so far, passes
 * the limit. One for all channels: it only carries the websocket upgrades.
 */
const limitedMessages = new Agent({ webSocket: { maxPayloadSize: MAX_MESSAGE_BYTES } });

export class WebsocketChannel {
  private socket: WebSocket | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = true;
  private bound = false;
  /** Connections made (the bench and tests read it). */
  connections = 0;

  constructor(private readonly options: WebsocketChannelOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    clearTimeout(this.watchdog);
    this.drop();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    let binding: BindingToken;
    try {
      binding = await this.options.bind();
    } catch (error) {
      this.retryLater(`no websocket binding token (${reasonOf(error)})`);
      return;
    }
    if (this.stopped) return;
    let socket: WebSocket;
    try {
      socket = new WebSocket(binding.url, { dispatcher: limitedMessages });
    } catch (error) {
      this.retryLater(`the websocket could not be opened (${reasonOf(error)})`);
      return;
    }
    this.socket = socket;
    this.bound = false;
    this.connections++;
    let failed = false;
    const mine = () => this.socket === socket;
    socket.addEventListener('open', () => {
      if (!mine()) return;
      socket.send(`bind-with-token ${binding.token}`);
      this.arm();
    });
    socket.addEventListener('message', (event) => {
      if (!mine()) return;
      this.arm();
      this.receive(event.data);
    });
    socket.addEventListener('close', () => {
      if (!mine()) return;
      this.socket = undefined;
      // undici says no more than "error" when it fails a connection itself, as for a message over the limit.
      this.retryLater(
        !this.bound
          ? 'the server did not accept the connection'
          : failed
            ? `the connection failed (for example a message larger than ${MAX_MESSAGE_BYTES / 1024 / 1024} MB); reconnecting`
            : 'the connection was closed',
      );
    });
    socket.addEventListener('error', () => {
      // A close event follows; it decides what happens next.
      failed = true;
    });
  }

  private receive(data: unknown): void {
    // Never longer than MAX_MESSAGE_BYTES: the dispatcher fails the connection first.
    if (typeof data !== 'string') {
      this.options.onUnreadable?.('a websocket message that is not text');
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      this.options.onUnreadable?.('a websocket message that is not JSON');
      return;
    }
    const read = readNotification(parsed);
    if (!read.ok) {
      this.options.onUnreadable?.(read.problem);
      return;
    }
    const notification = read.notification;
    if (notification.type === 'handshake') {
      this.bound = true;
      this.failures = 0;
      this.options.onState({ connected: true });
      this.options.onHandshake(notification);
      return;
    }
    if (!this.bound) return;
    if (notification.type === 'event-notification') this.options.onNotification(notification);
  }

  /** Nothing for two heartbeat periods: the connection is gone, whatever the socket thinks. */
  private arm(): void {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => {
      const socket = this.socket;
      this.socket = undefined;
      socket?.close();
      this.retryLater('no heartbeat from the server');
    }, this.options.heartbeatMs * 2);
    this.watchdog.unref?.();
  }

  private drop(): void {
    const socket = this.socket;
    this.socket = undefined;
    try {
      socket?.close();
    } catch {
      // Already closing.
    }
  }

  private retryLater(problem: string): void {
    clearTimeout(this.watchdog);
    this.drop();
    if (this.stopped) return;
    this.bound = false;
    this.options.onState({ connected: false, problem });
    const base = this.options.backoffBaseMs ?? 500;
    const most = this.options.backoffMaxMs ?? 30_000;
    const delay = Math.min(most, base * 2 ** Math.min(this.failures, 16));
    this.failures++;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.connect(), delay * (0.5 + Math.random() / 2));
  }
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : 'unknown problem';
}
