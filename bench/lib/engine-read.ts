// One record read by the engine as the app reads it (assembleRecord: critical sections first, then the rest),
// signed in as the sandbox EPR's GP with tokens exchanged per source: shared by the benches that time reads.
import { CRITICAL_SECTIONS } from '../../common/record';
import { TokenExchangeProvider } from '../../main/services/auth/token-exchange';
import { sandboxEprIdToken } from '../../main/dev/sandbox-sign-in';
import { SANDBOX_REGIONAL_CLIENT_ID } from '../../main/dev/sandbox-policy';
import type { RegionalSource } from '../../main/services/policy/schema';
import { assembleRecord } from '../../main/services/record';
import type { SandboxProcessInfo } from './processes';

/** The page size every bench reads at (_count), the engine and its baselines alike. */
export const PAGE_SIZE = 1000;

export const SOURCES = [
  ['dcr', 'Dorset Care Record'],
  ['chie', 'CHIE'],
] as const;

export interface Setup {
  info: SandboxProcessInfo;
  nhsNumber: string;
  sources: RegionalSource[];
  tokens: TokenExchangeProvider;
}

export interface EngineRun {
  criticalMs: number;
  fullMs: number;
  cpuMs: number;
  requests: number;
  items: number;
  resources: number;
  /** Resources per source and type (for the network floor). */
  perType: [string, number][];
}

export async function engineRun(setup: Setup): Promise<EngineRun> {
  let requests = 0;
  let criticalMs = NaN;
  const answered = new Set<string>();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const record = await assembleRecord({
    requestId: 'bench',
    identity: { nhsNumber: setup.nhsNumber, mayQueryRegionalSources: true },
    sources: setup.sources,
    tokens: setup.tokens,
    options: { pageSize: PAGE_SIZE, onRequest: () => requests++, deadlineMs: 300_000 },
    onEvent: (event) => {
      if (event.type !== 'section') return;
      // The advance care section settles with the whole read (see SETTLED_BY_URGENT_CARE_READS): what the
      // clinician waits for is its decisions on screen.
      const shown =
        event.section === 'advanceCare' ? !!event.items?.length : event.completeness.state === 'complete';
      if (shown) answered.add(event.section);
      if (Number.isNaN(criticalMs) && CRITICAL_SECTIONS.every((s) => answered.has(s))) {
        criticalMs = performance.now() - started;
      }
    },
  });
  const fullMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const bad = record.sources.filter((s) => s.state !== 'complete');
  if (bad.length)
    throw new Error(`engine run incomplete: ${bad.map((s) => `${s.name} ${s.state}`).join(', ')}`);
  const perType = new Map<string, number>();
  for (const item of record.items)
    for (const p of item.provenance) {
      const key = `${p.sourceId}/${p.resourceType}`;
      perType.set(key, (perType.get(key) ?? 0) + 1);
    }
  const resources = record.sources.reduce((n, s) => n + s.resourceCount, 0);
  return {
    criticalMs,
    fullMs,
    cpuMs: (used.user + used.system) / 1000,
    requests,
    items: record.items.length,
    resources,
    perType: [...perType],
  };
}

/** Signs the GP in at the sandbox's EPR, for reading the patient with this key from DCR and CHIE. */
export async function setUp(info: SandboxProcessInfo, patientKey: string): Promise<Setup> {
  if (!info.urls.epr) throw new Error('the sandbox EPR did not start, so no one can sign in');
  const auth = {
    type: 'token-exchange' as const,
    issuer: info.urls.regionalAuth,
    clientId: SANDBOX_REGIONAL_CLIENT_ID,
  };
  const sources: RegionalSource[] = SOURCES.map(([id, name]) => ({
    id,
    name,
    fhirBase: info.urls[id]!,
    auth,
  }));
  // A GP signed in at the sandbox EPR: their id_token is exchanged per source, as the viewer does.
  const idToken = await sandboxEprIdToken(info.urls.epr, 'gp');
  const tokens = new TokenExchangeProvider({
    targets: sources.map((s) => ({ id: s.id, name: s.name, audience: s.fhirBase, auth })),
    subjectToken: () => idToken,
  });
  const nhsNumber = info.patients.find((p) => p.key === patientKey)!.nhsNumber;
  return { info, nhsNumber, sources, tokens };
}
