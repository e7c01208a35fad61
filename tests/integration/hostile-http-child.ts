// Run in a child process by hostile-http.test.ts, so its peak memory is this process's alone (the hostile
// server stays in the parent). Reads one JSON job from argv, prints one JSON line with the outcome and the
// process's peak RSS (getrusage maxrss: a true peak, not a sample that might miss it).
import { TokenExchangeProvider } from '../../main/services/auth/token-exchange';
import { tokensBySource } from '../../main/services/auth/source-tokens';
import { noTokens, type TokenProvider } from '../../main/services/auth/token-provider';
import type { SecretStore } from '../../main/services/keystore/secret-store';
import { LaunchError, SmartLaunchService } from '../../main/services/launch';
import { assembleRecord, type EngineOptions, type EngineSource } from '../../main/services/record';

export interface RecordJob {
  kind: 'record';
  sources: (EngineSource & { tokenExchange?: { issuer: string } })[];
  options?: Partial<EngineOptions>;
}

export interface LaunchJob {
  kind: 'launch-discovery';
  iss: string;
}

export type ChildJob = RecordJob | LaunchJob;

export interface ChildReport {
  elapsedMs: number;
  /** Peak RSS of the whole child process, in bytes. */
  peakRss: number;
  /** RSS once everything was loaded, before the job started. */
  startRss: number;
  statuses?: { id: string; state: string; message?: string; resourceCount: number; warnings: string[] }[];
  error?: { code?: string; message: string };
}

/** The user's id_token (any string: the hostile server never checks it), exchanged at the source's issuer. */
function tokensFor(job: RecordJob): TokenProvider {
  const authorised = job.sources.filter((s) => s.tokenExchange);
  if (!authorised.length) return noTokens;
  const provider = new TokenExchangeProvider({
    targets: authorised.map((s) => ({
      id: s.id,
      name: s.name,
      audience: s.fhirBase,
      auth: { type: 'token-exchange' as const, issuer: s.tokenExchange!.issuer, clientId: 'wessex-viewer' },
    })),
    subjectToken: () => ({ token: 'hostile-test-id-token', expiresAt: Date.now() + 3_600_000 }),
  });
  return tokensBySource(
    provider,
    authorised.map((s) => s.id),
  );
}

/** Nothing is stored by a launch that fails at discovery; the launch just needs a store to hand. */
const memoryStore: SecretStore = {
  get: async () => null,
  set: async () => undefined,
  delete: async () => false,
};

async function run(job: ChildJob): Promise<Omit<ChildReport, 'elapsedMs' | 'peakRss' | 'startRss'>> {
  if (job.kind === 'record') {
    const record = await assembleRecord({
      requestId: 'hostile',
      identity: { nhsNumber: '9434765919', mayQueryRegionalSources: true },
      sources: job.sources.map(({ id, name, fhirBase }) => ({ id, name, fhirBase })),
      tokens: tokensFor(job),
      ...(job.options ? { options: job.options } : {}),
    });
    return {
      statuses: record.sources.map((s) => ({
        id: s.id,
        state: s.state,
        ...(s.message ? { message: s.message } : {}),
        resourceCount: s.resourceCount,
        warnings: s.warnings,
      })),
    };
  }
  const service = new SmartLaunchService({
    allowedIssuers: [job.iss],
    clientId: 'wessex-care-record',
    secretStore: memoryStore,
    openExternal: async () => undefined,
  });
  try {
    await service.beginEhrLaunch({ iss: job.iss, launch: 'hostile' });
    return { error: { message: 'the launch began' } };
  } catch (error) {
    return {
      error: {
        ...(error instanceof LaunchError ? { code: error.code } : {}),
        message: error instanceof Error ? error.message : String(error),
      },
    };
  }
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as ChildJob;
  const startRss = process.memoryUsage().rss;
  const started = performance.now();
  const outcome = await run(job);
  const report: ChildReport = {
    ...outcome,
    elapsedMs: Math.round(performance.now() - started),
    startRss,
    peakRss: process.resourceUsage().maxRSS * 1024,
  };
  console.log(JSON.stringify(report));
  process.exit(0);
}

void main();
