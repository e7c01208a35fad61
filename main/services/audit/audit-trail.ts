// The one object the app uses to audit: build a BALP AuditEvent, append it to the hash-chained log
// (durable before this returns), then let the uploader send it. Never throws for upload problems.
import { hostname } from 'node:os';
import type { AuditEvent } from '../../../common/fhir';
import type { AuditLog } from './audit-log';
import {
  buildAuditEvent,
  type AuditAction,
  type AuditContext,
  type AuditEventOptions,
  type AuditUser,
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

export class AuditTrail {
  private user: AuditUser | undefined;

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

  getUser(): AuditUser | undefined {
    return this.user;
  }

  record(action: AuditAction, options: AuditEventOptions = {}): AuditEvent & { id: string } {
    const event = buildAuditEvent({ ...this.context, ...(this.user ? { user: this.user } : {}) }, action, {
      recorded: this.now(),
      ...options,
    });
    this.log.append(event);
    this.uploader?.nudge();
    return event;
  }
}
