// Runs Doyensec's electronegativity on the app sources and gates on its findings: every HIGH-severity finding
// must be justified in build/electronegativity-allowlist.json, or the run fails.
//
// electronegativity's SARIF carries no severity (only note/warning), so the SARIF it writes is enriched with the
// severity and confidence the run reports for each finding (properties.severity; level "error" for HIGH) before
// it is parsed and gated. Its CLI is unusable (it resolves the project's commander 14, whose API differs), so its
// runner is called directly.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

const require = createRequire(__filename);

export type Severity = 'HIGH' | 'MEDIUM' | 'LOW' | 'INFORMATIONAL';

interface RunnerIssue {
  id: string;
  file: string;
  location: { line: number; column: number };
  severity: { name: Severity };
  confidence: { name: string };
  manualReview: boolean;
}

interface SarifResult {
  ruleId: string;
  level: string;
  message: { text: string };
  locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[];
  properties?: { severity: Severity; confidence: string; manualReview: boolean };
}

export interface Sarif {
  runs: { results: SarifResult[] }[];
}

export interface Finding {
  ruleId: string;
  file: string;
  line: number;
  severity: Severity;
  message: string;
}

export const allowlistSchema = z.array(
  z
    .object({
      ruleId: z.string().min(1),
      /** Source path relative to the project root, as the SARIF reports it; "(global)" for app-wide checks. */
      file: z.string().min(1),
      justification: z.string().min(30, 'a justification a reviewer can check (30 characters at least)'),
    })
    .strict(),
);
export type Allowlist = z.infer<typeof allowlistSchema>;

export async function loadAllowlist(file: string): Promise<Allowlist> {
  const parsed = allowlistSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${file}: entry ${issue?.path.join('.')} ${issue?.message}`);
  }
  return parsed.data;
}

/** electronegativity writes its report with an un-awaited fs.writeFile: wait until the file parses. */
async function readWhenWritten(file: string): Promise<Sarif> {
  for (let attempt = 0; ; attempt++) {
    try {
      return JSON.parse(await readFile(file, 'utf8')) as Sarif;
    } catch (error) {
      if (attempt >= 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

const lineOf = (line: number): number => (line === 0 ? 1 : line);

/**
 * electronegativity asks GitHub for fresher English messages on every run (3 tries of 1 s) before it uses the
 * copy it ships. Builds run without internet, so its loader module is replaced, before its runner first loads
 * it, by one that configures the shipped copy exactly as the original does after a failed download.
 */
function useShippedTranslations(): void {
  const loaderPath = require.resolve('@doyensec/electronegativity/dist/locales/i18n.js');
  require(loaderPath);
  const loaded = require.cache[loaderPath];
  if (!loaded) return;
  const i18n = createRequire(loaderPath)('i18n') as {
    configure(options: Record<string, unknown>): void;
    setLocale(locale: string): void;
  };
  loaded.exports = async (): Promise<void> => {
    i18n.configure({
      locales: ['en-US', 'es-ES', 'fr-FR'],
      defaultLocale: 'en-US',
      directory: path.dirname(loaderPath),
      updateFiles: false,
      objectNotation: true,
      retryInDefaultLocale: true,
      register: global,
    });
    i18n.setLocale(process.env.LANG ?? 'en-US');
  };
}

/** Copies the given source folders (and package.json, for the Electron version) to a scratch folder and scans it. */
export async function runElectronegativity(
  projectRoot: string,
  sourceDirs: readonly string[],
): Promise<Sarif> {
  const stage = await mkdtemp(path.join(os.tmpdir(), 'wessex-electronegativity-'));
  try {
    for (const dir of sourceDirs) {
      await cp(path.join(projectRoot, dir), path.join(stage, dir), {
        recursive: true,
        filter: (source) => !source.split(path.sep).includes('node_modules'),
      });
    }
    await cp(path.join(projectRoot, 'package.json'), path.join(stage, 'package.json'));
    const electronVersion = (require('electron/package.json') as { version: string }).version;
    useShippedTranslations();
    const run = require('@doyensec/electronegativity/dist/runner.js') as (
      options: Record<string, unknown>,
      forCli: boolean,
    ) => Promise<{ issues: RunnerIssue[]; errors: unknown[] }>;
    const output = path.join(stage, 'electronegativity.sarif');
    const result = await run(
      {
        input: stage,
        output,
        isSarif: true,
        customScan: [],
        // It downloads Electron's release list from GitHub to look for newer security fixes. Builds run with no
        // internet: it waited ~5 s for timeouts and then reported nothing, so the gate never depended on it.
        excludeFromScan: ['AvailableSecurityFixesGlobalCheck'],
        isRelative: true,
        isVerbose: false,
        electronVersionOverride: electronVersion,
        parserPlugins: [],
      },
      false,
    );
    if (result.errors.length > 0) {
      throw new Error(`electronegativity could not parse ${result.errors.length} file(s)`);
    }
    const sarif = await readWhenWritten(output);
    for (const finding of sarif.runs[0]?.results ?? []) {
      const location = finding.locations[0]?.physicalLocation;
      const issue = result.issues.find(
        (candidate) =>
          candidate.id === finding.ruleId &&
          (candidate.file === location?.artifactLocation.uri ||
            (candidate.file === 'N/A' && location?.artifactLocation.uri === 'file:///')) &&
          lineOf(candidate.location.line) === location.region.startLine,
      );
      if (!issue)
        throw new Error(`No severity reported for ${finding.ruleId} in ${location?.artifactLocation.uri}`);
      finding.properties = {
        severity: issue.severity.name,
        confidence: issue.confidence.name,
        manualReview: issue.manualReview,
      };
      if (issue.severity.name === 'HIGH') finding.level = 'error';
    }
    return sarif;
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

export const GLOBAL = '(global)';

export function findingsOf(sarif: Sarif): Finding[] {
  return (sarif.runs[0]?.results ?? []).map((result) => {
    const location = result.locations[0]?.physicalLocation;
    return {
      ruleId: result.ruleId,
      // Global checks (e.g. missing navigation limits) are about the whole app, not one file.
      file:
        !location || location.artifactLocation.uri === 'file:///' ? GLOBAL : location.artifactLocation.uri,
      line: location?.region.startLine ?? 0,
      severity: result.properties?.severity ?? (result.level === 'error' ? 'HIGH' : 'MEDIUM'),
      message: result.message.text,
    };
  });
}

export interface GateResult {
  unjustified: Finding[];
  justified: Finding[];
  /** Allow-list entries that no longer match anything: remove them. */
  stale: Allowlist;
}

/** Only HIGH findings gate the run; each must match an allow-list entry by rule and file. */
export function gateFindings(findings: readonly Finding[], allowlist: Allowlist): GateResult {
  const high = findings.filter((finding) => finding.severity === 'HIGH');
  const matches = (entry: Allowlist[number], finding: Finding) =>
    entry.ruleId === finding.ruleId && entry.file === finding.file;
  return {
    unjustified: high.filter((finding) => !allowlist.some((entry) => matches(entry, finding))),
    justified: high.filter((finding) => allowlist.some((entry) => matches(entry, finding))),
    stale: allowlist.filter((entry) => !high.some((finding) => matches(entry, finding))),
  };
}

export async function writeSarif(file: string, sarif: Sarif): Promise<void> {
  await writeFile(file, `${JSON.stringify(sarif, null, 2)}\n`);
}
