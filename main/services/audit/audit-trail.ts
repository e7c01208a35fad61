// The one object the app uses to audit: build a BALP AuditEvent, append it to the hash-chained log
// (durable before this returns), then let the uploader send it. Never throws for upload problems.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { AuditEvent } from '../../../common/fhir';
import type { AuditLog } from './audit-log';
import {
  buildAuditEvent,
  type AuditAction,
  type AuditContext,
  type AuditEventOptions,
  type AuditOutcome,
  type AuditUser,
  type PurposeOfUse,
} from './balp';
import type { AuditUploader } from './uploader';

export const APP_CLIENT_ID = 'https://wessexcarerecords.nhs.uk/fhir/Device/wessex-care-record';

export function defaultAuditContext(version = '0.1.0'): AuditContext {
  const host = hostname();
  return {
    client: { id: APP_CLIENT_ID, display: `Wessex Care Record ${version}`, host },
    observer: `Wessex Care Record on ${host}`,
  };
}

/** An action whose event is already in the log (written ahead of it), until it ends. */
export interface AuditIntent {
  readonly id: string;
  /** It finished as its event says. */
  done(): void;
  /** It ended otherwise: a second event, the same with this outcome, says how. */
  endedOtherwise(outcome: AuditOutcome, outcomeDesc: string): void;
}

/** The same event again with a later outcome (cancelled, failed, never finished), pointing back to the first. */
function followUp(
  event: AuditEvent & { id: string },
  outcome: AuditOutcome,
  outcomeDesc: string,
  recorded: Date,
): AuditEvent & { id: string } {
  return {
    ...event,
    id: randomUUID(),
    recorded: recorded.toISOString(),
    outcome,
    outcomeDesc,
    entity: [
      ...(event.entity ?? []),
      { what: { reference: `AuditEvent/${event.id}` }, description: FOLLOWS },
    ],
  };
}

/** The entity of a follow-up event naming the event of the action it ends. */
export const FOLLOWS = 'The audit event of the action this outcome ends';

/** The event a follow-up ends (its id), if it is one. */
export function followsEvent(event: AuditEvent): string | undefined {
  const ref = event.entity?.find((e) => e.description === FOLLOWS)?.what?.reference;
  return ref?.replace(/^AuditEvent\//, '');
}

export const INCOMPLETE =
  'Incomplete: the viewer stopped (closed, crashed or lost power) before this finished, so it may not have happened';

export class AuditTrail {
  private user: AuditUser | undefined;
  private purposeFor: ((nhsNumber: string) => PurposeOfUse[] | undefined) | undefined;

  constructor(
    readonly log: AuditLog,
    private readonly context: AuditContext = defaultAuditContext(),
    private readonly uploader?: AuditUploader,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Who is signed in and why they are looking (purpose of use changes after break-glass). */
  setUser(user: AuditUser | undefined): void {
    this.user = user;
  }

  /** The purpose of use of an event about one patient (their reason for access), where the session knows it. */
  setPurposeFor(purposeFor: ((nhsNumber: string) => PurposeOfUse[] | undefined) | undefined): void {
    this.purposeFor = purposeFor;
  }

  getUser(): AuditUser | undefined {
    return this.user;
  }

  record(action: AuditAction, options: AuditEventOptions = {}): AuditEvent & { id: string } {
    const event = this.build(action, options);
    this.log.append(event);
    this.uploader?.nudge();
    return event;
  }

  /**
   * Write-ahead: the action's event is durable before the action starts, and the action stays open until it
   * ends; if the process dies first, the next start says so (`recoverIncomplete`).
   */
  begin(action: AuditAction, options: AuditEventOptions = {}): AuditIntent {
    const event = this.build(action, options);
    this.log.appendOpen(event, this.now());
    this.uploader?.nudge();
    let ended = false;
    const end = (then?: AuditEvent & { id: string }): void => {
      if (ended) return;
      ended = true;
      this.log.close(event.id, then);
      if (then) this.uploader?.nudge();
    };
    return {
      id: event.id,
      done: () => end(),
      endedOtherwise: (outcome, outcomeDesc) => end(followUp(event, outcome, outcomeDesc, this.now())),
    };
  }

  /**
   * Actions left open by a process that is gone: each either finished after all (`finished` says so, e.g. the
   * offline store holds its write mark) or gets a second event saying it is incomplete. Returns how many were.
   */
  recoverIncomplete(finished: (eventId: string) => boolean = () => false): number {
    let incomplete = 0;
    for (const open of this.log.abandonedActions()) {
      // Ended here unless another process recovering at the same moment ended it first.
      if (finished(open.event.id)) this.log.close(open.event.id);
      else if (this.log.close(open.event.id, followUp(open.event, '4', INCOMPLETE, this.now()))) incomplete++;
    }
    if (incomplete) this.uploader?.nudge();
    return incomplete;
  }

  private build(action: AuditAction, options: AuditEventOptions): AuditEvent & { id: string } {
    const purpose =
      'nhsNumber' in action && action.nhsNumber ? this.purposeFor?.(action.nhsNumber) : undefined;
    const user = this.user && purpose ? { ...this.user, purposeOfUse: purpose } : this.user;
    return buildAuditEvent({ ...this.context, ...(user ? { user } : {}) }, action, {
      recorded: this.now(),
      ...options,
    });
  }
}
