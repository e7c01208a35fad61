/**
 * The built-in Wessex sandbox: DCR and CHIE regional FHIR servers, a record locator, an audit endpoint and
 * (when available) the sandbox EPR, all on loopback, seeded with deterministic synthetic patients.
 *
 * Interfaces other code relies on (keep these names):
 * - `startSandbox({ latencyMs?, includeLargePatient?, host?, requireAuth?, faults? })` → `RunningSandbox`;
 *   `faults` (e.g. `{ chie: { mode: 'down' } }`, or `parseFaultSpecs(['chie=slow:20000'])`) are in place
 *   before it resolves.
 * - `RunningSandbox.urls.{dcr, chie, locator, audit, epr?}`: FHIR bases (dcr/chie end in /fhir; locator
 *   `.../record-locator/FHIR/R4`; audit `.../audit`, PUT/POST `{audit}/AuditEvent`). `epr` is absent while the
 *   sandbox EPR is unavailable (see `notes`).
 * - `RunningSandbox.patients` (SandboxPatient[]; `patient(key)` throws on unknown keys). Keys: 'cross-border',
 *   'frail', 'dissent', 'sensitive', 'not-traced', 'mixed-identity', 'deceased', 'large' (only with
 *   includeLargePatient), 'synthea-1..3'.
 * - `RunningSandbox.servers.<dcr|chie|locator|audit|elsewhere>`: `.setFault(mode | undefined, opts?)` (await it
 *   for 'down'), `.setLatency(ms)`, `.requests` (method, url, authorization present?, at, status, fault),
 *   `.clearRequests()`. dcr/chie add `updateResource`, `deleteResource`, `readResource`, `setTokenVerifier`;
 *   audit adds `.events`. `elsewhere` is the other origin that 'next-link-other-origin' points to.
 * - Only CHIE implements (and advertises) `Patient/{id}/$everything`.
 * - Regional servers and the audit endpoint require a bearer token accepted by the EPR's
 *   `verifyAccessToken(token, base)` when the EPR is running and `requireAuth` is not false.
 * - The audit endpoint keeps one hash chain per device (X-Audit-Chain …, see audit/server.ts);
 *   `servers.audit.chainHead(chainId)` is the head it holds.
 * - `describeSandbox()` → [{ key, name, nhsNumber, birthDate, demonstrates }] without starting servers.
 * - `RunningSandbox.caseload`: DCR holds Appointments for today (Europe/London, at start-up) whose participant
 *   actors are `Practitioner/sandbox-nurse` / `Practitioner/sandbox-paramedic` (the EPR users' Practitioner ids)
 *   and the List `caseload.listId` (code "caseload", source the nurse); patient keys in `appointments`/`list`.
 */
import type { Resource } from '../common/fhir';
import { AuditServer } from './audit/server';
import { startElsewhere } from './elsewhere';
import { startSandboxEpr, type SandboxEpr } from './epr';
import type { LoopbackServer } from './http/loopback-server';
import { LocatorServer } from './locator/server';
import { FAULT_TARGETS, type SandboxFaults } from './fault-spec';
import { BASE_PLACEHOLDER } from './patients/documents';
import { generateSandboxPatients, type SandboxPatient } from './patients';
import { sandboxCaseload, type SandboxCaseload } from './patients/caseload';
import { londonDate } from '../common/london-date';
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

export interface SandboxOptions {
  /** Latency added to every request on every server (ms). */
  latencyMs?: number;
  /** Add the ≥ 20,000-resource benchmark patient (default false). */
  includeLargePatient?: boolean;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Regional servers and the audit endpoint require EPR-issued bearer tokens when the EPR runs (default true). */
  requireAuth?: boolean;
  /** Folder holding synthea/ (default ../shared/fixtures from the repository root). */
  fixturesDir?: string;
  /** Faults in place from the start, per server (e.g. `{ chie: { mode: 'down' } }`: CHIE refuses connections). */
  faults?: SandboxFaults;
}

export interface SandboxUrls {
  epr?: string;
  dcr: string;
  chie: string;
  locator: string;
  audit: string;
}

export interface SandboxServers {
  dcr: RegionalServer;
  chie: RegionalServer;
  locator: LocatorServer;
  audit: AuditServer;
  elsewhere: LoopbackServer;
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
): Promise<SandboxEpr | undefined> {
  try {
    return await startSandboxEpr({ patients, host });
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

export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const host = options.host ?? '127.0.0.1';
  const latencyMs = options.latencyMs ?? 0;
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
    otherOrigin,
  });
  const chie = new RegionalServer({
    id: 'chie',
    name: 'CHIE',
    host,
    everything: true,
    latencyMs,
    otherOrigin,
  });
  const locator = new LocatorServer({ host, latencyMs, otherOrigin });
  const audit = new AuditServer({ host, latencyMs });
  const servers: SandboxServers = { dcr, chie, locator, audit, elsewhere };
  const all = [dcr, chie, locator, audit, elsewhere];
  try {
    await Promise.all([dcr.start(), chie.start(), locator.start(), audit.start()]);
    const bases = { dcr: dcr.baseUrl, chie: chie.baseUrl };
    for (const p of patients) {
      resolveDocumentUrls(p.dcr, bases);
      resolveDocumentUrls(p.chie, bases);
      resolveDocumentUrls(p.locator, bases);
    }
    const [epr] = await Promise.all([
      tryStartEpr(patients, host, notes),
      dcr.store.seed([...patients.flatMap((p) => p.dcr), ...caseload.dcr]),
      chie.store.seed(patients.flatMap((p) => p.chie)),
    ]);
    locator.load(patients.flatMap((p) => p.locator));
    await applyFaults(servers, options.faults);
    if (epr && options.requireAuth !== false) {
      for (const server of [dcr, chie]) {
        epr.allowAudience(server.baseUrl);
        server.setTokenVerifier((token, audience) => epr.verifyAccessToken(token, audience));
      }
      epr.allowAudience(audit.baseUrl);
      audit.setTokenVerifier((token, audience) => epr.verifyAccessToken(token, audience));
    }
    return {
      urls: {
        ...(epr ? { epr: epr.fhirBase } : {}),
        dcr: dcr.baseUrl,
        chie: chie.baseUrl,
        locator: locator.baseUrl,
        audit: audit.baseUrl,
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
