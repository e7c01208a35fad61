/**
 * The built-in Wessex sandbox: DCR and CHIE regional FHIR servers, a record locator, an audit endpoint and
 * (when available) the sandbox EPR, all on loopback, seeded with deterministic synthetic patients.
 *
 * Interfaces other code relies on (keep these names):
 * - `startSandbox({ latencyMs?, includeLargePatient?, host?, requireAuth?, now?, faults?, gzip?, bandwidthMbps? })` → `RunningSandbox`;
 *   `faults` (e.g. `{ chie: { mode: 'down' } }`, or `parseFaultSpecs(['chie=slow:20000'])`) are in place
 *   before it resolves.
 * - `RunningSandbox.urls.{dcr, chie, locator, audit, regionalAuth, epr?}`: FHIR bases (dcr/chie end in /fhir; locator
 *   `.../record-locator/FHIR/R4`; audit `.../audit`, PUT/POST `{audit}/AuditEvent`). `epr` is absent while the
 *   sandbox EPR is unavailable (see `notes`).
 * - `RunningSandbox.patients` (SandboxPatient[]; `patient(key)` throws on unknown keys). Keys: 'cross-border',
 *   'frail', 'dissent', 'sensitive', 'not-traced', 'mixed-identity', 'deceased', 'large' (only with
 *   includeLargePatient), 'synthea-1..3'.
 * - `RunningSandbox.servers.<dcr|chie|locator|audit|elsewhere>`: `.setFault(mode | undefined, opts?)` (await it
 *   for 'down'), `.setLatency(ms)`, `.requests` (method, url, authorization present?, at, status, fault),
 *   `.clearRequests()`. dcr/chie add `updateResource`, `deleteResource`, `readResource`, `setAuth`;
 *   audit adds `.events`. `elsewhere` is the other origin that 'next-link-other-origin' points to.
 * - Only CHIE implements (and advertises) `Patient/{id}/$everything`.
 * - `RunningSandbox.urls.regionalAuth` / `servers.regionalAuth`: the Wessex regional authorization server
 *   (regional-auth/), its own origin = issuer: discovery at `{issuer}/.well-known/openid-configuration`, JWKS,
 *   and RFC 8693 token exchange of the sandbox EPR's id_tokens (client `wessex-viewer`) for ES256 access tokens
 *   bound to one resource server (and optionally one patient); `servers.regionalAuth.signAccessToken` is a test
 *   hook. What it trusts: regional-auth/token-exchange.ts; the token's claims: regional-auth/claims.ts.
 * - With auth on (the EPR running and `requireAuth` not false), DCR, CHIE, the locator and the audit endpoint
 *   require regional access tokens for their own base URL and enforce the regional policy themselves (purpose,
 *   role, patient binding, dissent: 403 with an access-refusal code; http/access-policy.ts). Every request is
 *   audited server-side in `servers.<dcr|chie|locator|audit>.auditEvents`.
 * - `now` (ms clock) drives the EPR, the regional AS and the servers' expiry checks (tests expire tokens with it).
 * - The audit endpoint keeps one hash chain per device (X-Audit-Chain …, see audit/server.ts);
 *   `servers.audit.chainHead(chainId)` is the head it holds.
 * - `describeSandbox()` → [{ key, name, nhsNumber, birthDate, demonstrates }] without starting servers.
 * - Caseload alerts (issue 18, /work/prompts/alerts-contract.md): DCR and CHIE serve topic-based Subscriptions
 *   (R5 Backport on R4, websocket at `ws://<host>:<port>/ws`) unless `subscriptions: { chie: false }` (or dcr)
 *   turns them off; test API `servers.dcr|chie.admit|sendToEd|discharge|addLetter|recordDeath(keyOrNhs, {where?,
 *   className?, at?})`; fault hooks `dropWebsockets()`, `restart()`, `expireBindingTokens()`,
 *   `duplicateNextEvent()`, `reorderNextTwoEvents()`. A patient with dissent gets events with no resource, only
 *   their NHS number. `admin: true` starts the endpoint `wessex sandbox event` uses (`urls.admin`).
 * - `RunningSandbox.caseload`: DCR holds Appointments for today (Europe/London, at start-up) whose participant
 *   actors are `Practitioner/sandbox-nurse` / `Practitioner/sandbox-paramedic` (the EPR users' Practitioner ids)
 *   and the List `caseload.listId` (code "caseload", source the nurse); patient keys in `appointments`/`list`.
 */
import type { Resource } from '../common/fhir';
import { AuditServer } from './audit/server';
import { startElsewhere } from './elsewhere';
import { SANDBOX_SMART_CLIENT_ID, startSandboxEpr, type SandboxEpr } from './epr';
import { startRegionalAuth, type RegionalAuthServer } from './regional-auth/server';
import { regionalTokenVerifier } from './regional-auth/verify';
import type { ResourceServerAuth } from './http/bearer-auth';
import type { LoopbackServer } from './http/loopback-server';
import { PacedLink } from './http/paced-link';
import { LocatorServer } from './locator/server';
import { FAULT_TARGETS, type SandboxFaults } from './fault-spec';
import { BASE_PLACEHOLDER } from './patients/documents';
import { generateSandboxPatients, type SandboxPatient } from './patients';
import { sandboxCaseload, type SandboxCaseload } from './patients/caseload';
import { londonDate } from '../common/london-date';
import { startSandboxAdmin } from './admin/server';
import type * as RegionalServerModule from './regional/server';
import type { RegionalServer } from './regional/server';

export type { SandboxPatient } from './patients';
export type { SandboxCaseload } from './patients/caseload';
export { FAULT_MODES, type FaultMode, type FaultOptions } from './http/faults';
export { HOSTILE_DETAILS, HOSTILE_STRINGS } from './http/hostile-text';
export {
  FAULT_SPEC_SYNTAX,
  FAULT_TARGETS,
  parseFaultSpec,
  parseFaultSpecs,
  type FaultSetting,
  type FaultTarget,
  type SandboxFaults,
} from './fault-spec';
export type { RequestLogEntry } from './http/loopback-server';
export { REGIONAL_VIEWER_CLIENT_ID, type RegionalAuthServer } from './regional-auth/server';
export { ACCESS_REFUSAL_SYSTEM, type RefusalCode } from './http/access-policy';
export { DISCHARGE_LETTER_TYPE, TOPICS, TOPIC_CANONICAL_EXTENSION, type TopicUrl } from './alerts/topics';
export type { ClinicalEventOptions } from './regional/clinical-events';
export { SANDBOX_EVENT_KINDS, type SandboxEventKind } from './admin/server';

export interface SandboxOptions {
  /** Latency added to every request on every server (ms). */
  latencyMs?: number;
  /** Add the ≥ 20,000-resource benchmark patient (default false). */
  includeLargePatient?: boolean;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Regional servers, the locator and the audit endpoint require regional access tokens when the EPR runs (default true). */
  requireAuth?: boolean;
  /** Clock (ms) for the EPR, the regional authorization server and the servers' token checks (default Date.now). */
  now?: () => number;
  /** Folder holding synthea/ (default ../shared/fixtures from the repository root). */
  fixturesDir?: string;
  /** Faults in place from the start, per server (e.g. `{ chie: { mode: 'down' } }`: CHIE refuses connections). */
  faults?: SandboxFaults;
  /** Topic-based Subscriptions per regional source (default on); `{ chie: false }`: CHIE has none (clients poll). */
  subscriptions?: { dcr?: boolean; chie?: boolean };
  /**
   * Gzip answers for clients that ask (default true), as real servers' proxies do. Off for benchmarks on one
   * machine, where the servers' compressing would take the client's CPU.
   */
  gzip?: boolean;
  /** Every answer goes out over one link this fast (Mbit/s), as a mobile connection (default: loopback speed). */
  bandwidthMbps?: number;
  /** Start the loopback admin endpoint `wessex sandbox event` uses (default false; `urls.admin`). */
  admin?: boolean;
}

export interface SandboxUrls {
  epr?: string;
  dcr: string;
  chie: string;
  locator: string;
  audit: string;
  /** The regional authorization server's issuer URL. */
  regionalAuth: string;
  /** The admin endpoint (with `admin: true`): POST `{admin}/admit|discharge|ed|letter|death`. */
  admin?: string;
}

export interface SandboxServers {
  dcr: RegionalServer;
  chie: RegionalServer;
  locator: LocatorServer;
  audit: AuditServer;
  elsewhere: LoopbackServer;
  regionalAuth: RegionalAuthServer;
}

export interface RunningSandbox {
  urls: SandboxUrls;
  patients: SandboxPatient[];
  patient(key: string): SandboxPatient;
  /** Today's (Europe/London, at start-up) DCR Appointments and the caseload List, by patient key. */
  caseload: SandboxCaseload;
  servers: SandboxServers;
  epr?: SandboxEpr;
  /** What was skipped or degraded at start-up, in plain words. */
  notes: string[];
  close(): Promise<void>;
}

export interface SandboxPatientSummary {
  key: string;
  name: string;
  nhsNumber: string;
  birthDate: string;
  demonstrates: string;
}

export function describeSandbox(
  options: Pick<SandboxOptions, 'includeLargePatient' | 'fixturesDir'> = {},
): SandboxPatientSummary[] {
  return generateSandboxPatients(options).patients.map(summarise);
}

function summarise(p: SandboxPatient): SandboxPatientSummary {
  return {
    key: p.key,
    name: p.name,
    nhsNumber: p.nhsNumber,
    birthDate: p.birthDate,
    demonstrates: p.demonstrates,
  };
}

/** Replaces the {{dcr}}/{{chie}} placeholders in document URLs with the running servers' bases. */
function resolveDocumentUrls(resources: Resource[], bases: { dcr: string; chie: string }): void {
  for (const r of resources) {
    if (r.resourceType !== 'DocumentReference') continue;
    for (const c of r.content ?? []) {
      const url = c.attachment?.url;
      if (url?.includes('{{')) {
        c.attachment.url = url
          .replace(BASE_PLACEHOLDER.dcr, bases.dcr)
          .replace(BASE_PLACEHOLDER.chie, bases.chie);
      }
    }
  }
}

async function tryStartEpr(
  patients: SandboxPatient[],
  host: string,
  notes: string[],
  now: () => number,
): Promise<SandboxEpr | undefined> {
  try {
    return await startSandboxEpr({ patients, host, now });
  } catch (error) {
    notes.push(
      `Sandbox EPR not started (${error instanceof Error ? error.message : String(error)}); regional servers run without auth`,
    );
    return undefined;
  }
}

/** Sets each requested fault ('down' closes the listener, so it is awaited before the sandbox is handed out). */
async function applyFaults(servers: SandboxServers, faults: SandboxFaults = {}): Promise<void> {
  await Promise.all(
    FAULT_TARGETS.map(async (target) => {
      const fault = faults[target];
      if (fault) await servers[target].setFault(fault.mode, fault.options);
    }),
  );
}

async function loadRegionalServer(): Promise<typeof RegionalServerModule> {
  await import('./fhir/websocket-shim');
  return import('./regional/server');
}

/** The regional AS trusts the sandbox EPR's id_tokens for the viewer's SMART client, keys found by discovery. */
async function trustEpr(regionalAuth: RegionalAuthServer, epr: SandboxEpr): Promise<void> {
  const response = await fetch(`${epr.fhirBase}/.well-known/smart-configuration`);
  const { jwks_uri: jwksUri } = (await response.json()) as { jwks_uri: string };
  regionalAuth.trustIssuer({ issuer: epr.fhirBase, jwksUri, clientIds: [SANDBOX_SMART_CLIENT_ID] });
}

export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const host = options.host ?? '127.0.0.1';
  const latencyMs = options.latencyMs ?? 0;
  const gzip = options.gzip !== false;
  const link = options.bandwidthMbps ? new PacedLink(options.bandwidthMbps) : undefined;
  const carried = { gzip, ...(link ? { link } : {}) };
  const now = options.now ?? Date.now;
  const generated = generateSandboxPatients(options);
  const notes = [...generated.notes];
  const patients = generated.patients;
  const caseload = sandboxCaseload(patients, londonDate(new Date()));

  // The FHIR engine (medplum) loads only when a sandbox starts, after the shim Node 20 needs is in place.
  const { RegionalServer } = await loadRegionalServer();
  const elsewhere = await startElsewhere(host);
  const otherOrigin = (): string => elsewhere.origin;
  const dcr = new RegionalServer({
    id: 'dcr',
    name: 'Dorset Care Record',
    host,
    everything: false,
    latencyMs,
    ...carried,
    otherOrigin,
    now,
    subscriptions: options.subscriptions?.dcr !== false,
  });
  const chie = new RegionalServer({
    id: 'chie',
    name: 'CHIE',
    host,
    everything: true,
    latencyMs,
    ...carried,
    otherOrigin,
    now,
    subscriptions: options.subscriptions?.chie !== false,
  });
  const patientKeys = new Map(patients.map((p) => [p.key, p.nhsNumber]));
  dcr.setPatientKeys(patientKeys);
  chie.setPatientKeys(patientKeys);
  const locator = new LocatorServer({ host, latencyMs, ...carried, otherOrigin, now });
  const audit = new AuditServer({ host, latencyMs, ...carried, now });
  const all: { close(): Promise<void> }[] = [dcr, chie, locator, audit, elsewhere];
  try {
    const regionalAuth = await startRegionalAuth({ host, now });
    all.push(regionalAuth);
    const servers: SandboxServers = { dcr, chie, locator, audit, elsewhere, regionalAuth };
    await Promise.all([dcr.start(), chie.start(), locator.start(), audit.start()]);
    const bases = { dcr: dcr.baseUrl, chie: chie.baseUrl };
    for (const p of patients) {
      resolveDocumentUrls(p.dcr, bases);
      resolveDocumentUrls(p.chie, bases);
      resolveDocumentUrls(p.locator, bases);
    }
    const [epr] = await Promise.all([
      tryStartEpr(patients, host, notes, now),
      dcr.store.seed([...patients.flatMap((p) => p.dcr), ...caseload.dcr]),
      chie.store.seed(patients.flatMap((p) => p.chie)),
    ]);
    locator.load(patients.flatMap((p) => p.locator));
    await applyFaults(servers, options.faults);
    if (epr) await trustEpr(regionalAuth, epr);
    for (const server of [dcr, chie, locator, audit]) regionalAuth.allowAudience(server.baseUrl);
    if (epr && options.requireAuth !== false) {
      const auth: ResourceServerAuth = {
        regional: regionalTokenVerifier({ issuer: regionalAuth.issuer, jwksUri: regionalAuth.jwksUri, now }),
      };
      for (const server of [dcr, chie, locator, audit]) server.setAuth(auth);
    }
    const admin = options.admin ? await startSandboxAdmin({ dcr, chie }) : undefined;
    if (admin) all.push(admin);
    return {
      urls: {
        ...(epr ? { epr: epr.fhirBase } : {}),
        dcr: dcr.baseUrl,
        chie: chie.baseUrl,
        locator: locator.baseUrl,
        audit: audit.baseUrl,
        regionalAuth: regionalAuth.issuer,
        ...(admin ? { admin: admin.url } : {}),
      },
      patients,
      patient(key) {
        const found = patients.find((p) => p.key === key);
        if (!found)
          throw new Error(`No sandbox patient "${key}" (have: ${patients.map((p) => p.key).join(', ')})`);
        return found;
      },
      caseload,
      servers,
      ...(epr ? { epr } : {}),
      notes,
      async close() {
        await Promise.all([...all.map((s) => s.close()), epr?.close()]);
      },
    };
  } catch (error) {
    await Promise.allSettled(all.map((s) => s.close()));
    throw error;
  }
}
