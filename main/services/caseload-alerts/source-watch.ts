// One source's part of the caseload watch: discover its topics; with them, one Subscription per topic
// (filtered to the caseload) and a websocket each, caught up by event number after every reconnection;
// without them, polling. Events leave here in order, once each, as resources with their topic; what they mean
// and whether they are kept is the watch service's business.
import { sourceSays } from '../../../common/failure-words';
import type { CaseloadSourceStatus } from '../../../common/caseload-events';
import type { JsonObject } from '../../../common/json';
import { formatUkDateTime } from '../../../common/london-date';
import type { CaseloadPatients } from './caseload-event';
import { EventSequence } from './event-sequence';
import type { Notification, NotifiedEvent } from './notification';
import { CaseloadPoller } from './polling';
import type { CaseloadPatient, SourceSubscriptions } from './source-subscriptions';
import { advertisedTopics, type CaseloadTopic } from './topics';
import { WebsocketChannel } from './websocket-channel';

export interface DeliveredBatch {
  sourceId: string;
  /** Undefined when polled: the resource's own state says what happened. */
  topic?: string;
  items: DeliveredItem[];
}

export type DeliveredItem =
  | { resource: JsonObject; timestamp?: string; patientNhsNumber?: string }
  /** The server sent no details (the patient declined to share): only that something happened, and when. */
  | { withheld: { key: string; nhsNumber: string }; timestamp?: string };

/**
 * Polling sees only how an encounter is now: a stay that began and ended between two looks would show only as
 * its end. Its beginning (as it was when it began) is handed on first, when it began after the watch did; the
 * dedupe drops it if it was already seen.
 */
function startOfEndedStay(resource: JsonObject, watchedSince: string): JsonObject | undefined {
  if (resource.resourceType !== 'Encounter' || resource.status !== 'finished') return undefined;
  const period = resource.period as { start?: unknown } | undefined;
  const start = typeof period?.start === 'string' ? Date.parse(period.start) : NaN;
  if (!(start >= Date.parse(watchedSince))) return undefined;
  return { ...resource, status: 'in-progress', period: { start: period!.start } };
}

/** "Some updates between <from> and <noticed> <what>": updates missed from a watch, in the status's words. */
function gapWords(gap: { from: string; noticed: string }, what: string): string {
  return `Some updates between ${formatUkDateTime(gap.from)} and ${formatUkDateTime(gap.noticed)} ${what}`;
}

export interface SourceWatchOptions {
  sourceId: string;
  sourceName: string;
  subscriptions: SourceSubscriptions;
  /**
   * The watch's caseload patients at this source (polling asks about those held, and looks for the others).
   * The Subscriptions name every NHS number on the caseload (`names`), so a patient's first-ever admission to a
   * trust whose record did not hold them yet is told too.
   */
  patients: CaseloadPatients;
  heartbeatSeconds: number;
  pollIntervalMs: number;
  /** Polling: looks for caseload patients the source did not hold; those it holds now are taken on and returned. */
  takeOn: (nhsNumbers: readonly string[]) => Promise<CaseloadPatient[]>;
  deliver: (batch: DeliveredBatch) => Promise<void>;
  onStatus: () => void;
  clock: () => Date;
  backoffBaseMs?: number;
  /** Notifications that could not be read, and focus resources that could not be fetched. */
  onUnreadable?: () => void;
}

interface Watched {
  id: string;
  topic: CaseloadTopic;
  sequence: EventSequence;
  channel: WebsocketChannel;
  /** Everything for this subscription runs in order, one thing at a time. */
  queue: Promise<void>;
  connected: boolean;
  problem?: string;
  /** When the last update was handed on (or the watch began): a gap's missed updates came after it. */
  handedUpTo: string;
  /** Missed updates `$events` could not fetch yet: from when, noticed when. */
  unfetched?: { from: string; noticed: string };
  /** Missed updates the server no longer holds: never to be shown, said for as long as the watch runs. */
  lost: string[];
}

export class SourceWatch {
  private readonly watched: Watched[] = [];
  private poller: CaseloadPoller | undefined;
  private mode: CaseloadSourceStatus['mode'] = 'unavailable';
  private problem: string | undefined = 'not started';
  private lastEventAt: string | undefined;
  private lastCheckedAt: string | undefined;
  private pollConnected = false;

  constructor(private readonly options: SourceWatchOptions) {}

  async start(): Promise<void> {
    const { subscriptions } = this.options;
    const nhsNumbers = [...this.options.patients.names.keys()];
    if (nhsNumbers.length === 0) {
      this.mode = 'unavailable';
      this.problem = 'the caseload names no patients';
      this.options.onStatus();
      return;
    }
    let topics: CaseloadTopic[] = [];
    try {
      topics = advertisedTopics(await subscriptions.capability());
    } catch {
      topics = [];
    }
    if (topics.length === 0) {
      this.startPolling('the source offers no caseload subscriptions');
      return;
    }
    try {
      for (const topic of topics) {
        const id = await subscriptions.create(topic, nhsNumbers, this.options.heartbeatSeconds);
        this.watched.push(this.watch(id, topic));
      }
    } catch (error) {
      await this.stop();
      const reason = error instanceof Error ? error.message : 'an unexpected problem';
      this.startPolling(`subscriptions were refused (${reason})`);
      return;
    }
    this.mode = 'websocket';
    this.problem = 'connecting';
    for (const w of this.watched) w.channel.start();
    this.options.onStatus();
  }

  /** Stops listening and deletes this watch's Subscriptions on the server. */
  async stop(): Promise<void> {
    await this.poller?.stop();
    const watched = this.watched.splice(0);
    for (const w of watched) w.channel.stop();
    await Promise.all(watched.map((w) => w.queue));
    await Promise.all(watched.map((w) => this.options.subscriptions.delete(w.id).catch(() => undefined)));
  }

  status(): CaseloadSourceStatus {
    const incomplete = this.incomplete();
    const connected =
      this.mode === 'websocket'
        ? this.watched.length > 0 && this.watched.every((w) => w.connected)
        : this.mode === 'polling' && this.pollConnected;
    const problem =
      this.mode === 'websocket'
        ? (this.watched.find((w) => !w.connected)?.problem ??
          (this.watched.length ? undefined : this.problem))
        : this.problem;
    return {
      sourceId: this.options.sourceId,
      sourceName: this.options.sourceName,
      mode: this.mode,
      connected,
      ...(!connected && problem ? { problem: sourceSays(this.options.sourceName, problem) } : {}),
      ...(incomplete ? { incomplete } : {}),
      ...(this.lastEventAt ? { lastEventAt: this.lastEventAt } : {}),
      ...(this.lastCheckedAt ? { lastCheckedAt: this.lastCheckedAt } : {}),
    };
  }

  /** Plain words for updates missed and not (yet) fetched; undefined when nothing is missing. */
  private incomplete(): string | undefined {
    const name = this.options.sourceName;
    const said = this.watched.flatMap((w) => [
      ...w.lost,
      ...(w.unfetched ? [gapWords(w.unfetched, `could not be fetched from ${name} yet; trying again`)] : []),
    ]);
    return said.length ? [...new Set(said)].join('. ') : undefined;
  }

  /** The websocket channels (tests and the bench read their connection counts). */
  get channels(): readonly WebsocketChannel[] {
    return this.watched.map((w) => w.channel);
  }

  /** The Subscriptions this watch made on the source. */
  get subscriptionIds(): string[] {
    return this.watched.map((w) => w.id);
  }

  get polling(): CaseloadPoller | undefined {
    return this.poller;
  }

  private startPolling(why: string): void {
    this.mode = 'polling';
    this.problem = `${why}; checking every ${Math.round(this.options.pollIntervalMs / 1000)} s`;
    const watchedSince = this.options.clock().toISOString();
    this.poller = new CaseloadPoller({
      subscriptions: this.options.subscriptions,
      patients: this.options.patients,
      takeOn: this.options.takeOn,
      intervalMs: this.options.pollIntervalMs,
      startedAt: this.options.clock(),
      clock: this.options.clock,
      deliver: async (resources) => {
        if (!resources.length) return;
        this.lastEventAt = this.options.clock().toISOString();
        await this.options.deliver({
          sourceId: this.options.sourceId,
          items: resources.flatMap((resource) => {
            const start = startOfEndedStay(resource, watchedSince);
            return start ? [{ resource: start }, { resource }] : [{ resource }];
          }),
        });
      },
      onState: (state) => {
        this.pollConnected = state.connected;
        this.lastCheckedAt = state.checkedAt.toISOString();
        this.problem = state.problem ?? this.problem;
        this.options.onStatus();
      },
    });
    this.poller.start();
    this.options.onStatus();
  }

  private watch(id: string, topic: CaseloadTopic): Watched {
    const watched: Watched = {
      id,
      topic,
      sequence: new EventSequence(),
      queue: Promise.resolve(),
      connected: false,
      problem: 'connecting',
      handedUpTo: this.options.clock().toISOString(),
      lost: [],
      channel: new WebsocketChannel({
        heartbeatMs: this.options.heartbeatSeconds * 1000,
        bind: () => this.options.subscriptions.bindingToken(id),
        ...(this.options.backoffBaseMs !== undefined ? { backoffBaseMs: this.options.backoffBaseMs } : {}),
        onState: (state) => {
          watched.connected = state.connected;
          watched.problem = state.problem;
          this.lastCheckedAt = this.options.clock().toISOString();
          this.options.onStatus();
        },
        onHandshake: (handshake) => this.enqueue(watched, () => this.caughtUp(watched, handshake)),
        onNotification: (notification) => this.enqueue(watched, () => this.received(watched, notification)),
        onUnreadable: () => this.options.onUnreadable?.(),
      }),
    };
    return watched;
  }

  private enqueue(watched: Watched, work: () => Promise<void>): void {
    watched.queue = watched.queue.then(work).catch(() => {
      // Each step reports its own problems; the queue goes on.
    });
  }

  /** After a (re)connection: whatever happened while away, from `$events`. */
  private async caughtUp(watched: Watched, handshake: Notification): Promise<void> {
    let total = handshake.eventsSinceStart;
    if (total === undefined) {
      try {
        total = (await this.options.subscriptions.status(watched.id)).eventsSinceStart;
      } catch {
        total = undefined;
      }
    }
    const missing = total !== undefined ? watched.sequence.missingUpTo(total) : undefined;
    if (missing) await this.fill(watched, missing);
  }

  private async received(watched: Watched, notification: Notification): Promise<void> {
    const accepted = watched.sequence.accept(notification.events);
    await this.hand(watched, accepted.ready);
    if (accepted.gap) await this.fill(watched, accepted.gap);
  }

  private async fill(watched: Watched, range: { from: number; to: number }): Promise<void> {
    try {
      const caught = await this.options.subscriptions.events(watched.id, range.from, range.to);
      const accepted = watched.sequence.accept(caught.events);
      await this.hand(watched, accepted.ready);
      const from = watched.unfetched?.from ?? watched.handedUpTo;
      const noticed = watched.unfetched?.noticed ?? this.options.clock().toISOString();
      watched.unfetched = undefined;
      if (accepted.gap && accepted.gap.from <= range.to) {
        // The server no longer holds them: go on, and say so for as long as the watch runs.
        watched.lost.push(
          gapWords({ from, noticed }, `are no longer held by ${this.options.sourceName} and cannot be shown`),
        );
        await this.hand(watched, watched.sequence.skipGap());
      }
      this.options.onStatus();
    } catch (error) {
      // Tried again at the next notification or reconnection (the gap is still there), said meanwhile: the
      // channel may be live while what it missed is not here.
      const reason = error instanceof Error ? error.message : 'an unexpected problem';
      watched.problem = `missed events could not be fetched yet (${reason})`;
      watched.unfetched ??= { from: watched.handedUpTo, noticed: this.options.clock().toISOString() };
      this.options.onStatus();
    }
  }

  private async hand(watched: Watched, events: NotifiedEvent[]): Promise<void> {
    if (!events.length) return;
    const items: DeliveredItem[] = [];
    for (const event of events) {
      const timestamp = event.timestamp ? { timestamp: event.timestamp } : {};
      if (!event.focus && !event.focusReference && event.patientNhsNumber) {
        const key = `Subscription/${watched.id}#${event.eventNumber}`;
        items.push({ withheld: { key, nhsNumber: event.patientNhsNumber }, ...timestamp });
        continue;
      }
      const resource = event.focus ?? (await this.readFocus(event.focusReference));
      const nhs = event.patientNhsNumber ? { patientNhsNumber: event.patientNhsNumber } : {};
      if (resource) items.push({ resource, ...timestamp, ...nhs });
      else this.options.onUnreadable?.();
    }
    try {
      await this.options.deliver({ sourceId: this.options.sourceId, topic: watched.topic, items });
    } catch (error) {
      // Not kept: fetched again with `$events` at the next notification or reconnection, said meanwhile.
      watched.sequence.rewind(events[0]!.eventNumber - 1);
      watched.unfetched ??= { from: watched.handedUpTo, noticed: this.options.clock().toISOString() };
      this.options.onStatus();
      throw error;
    }
    this.lastEventAt = this.options.clock().toISOString();
    watched.handedUpTo = this.lastEventAt;
  }

  /** A notification that named its focus without sending it (id-only payload): read it from the source. */
  private async readFocus(reference: string | undefined): Promise<JsonObject | undefined> {
    if (!reference) return undefined;
    try {
      const client = this.options.subscriptions.client;
      const resource = await client.getJson(client.url(reference), { signal: AbortSignal.timeout(30_000) });
      return resource !== null && typeof resource === 'object' && !Array.isArray(resource)
        ? (resource as JsonObject)
        : undefined;
    } catch {
      return undefined;
    }
  }
}
