// `npm run security`: electronegativity on main/, preload/ and renderer/, SARIF written to
// test-results/electronegativity.sarif (uploaded by CI), failing on any HIGH finding not justified in
// build/electronegativity-allowlist.json.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import {
  findingsOf,
  gateFindings,
  loadAllowlist,
  runElectronegativity,
  writeSarif,
} from './electronegativity';

const root = path.resolve(__dirname, '..');
const SOURCES = ['main', 'preload', 'renderer'];

async function main(): Promise<number> {
  const allowlist = await loadAllowlist(path.join(__dirname, 'electronegativity-allowlist.json'));
  const sarif = await runElectronegativity(root, SOURCES);
  const out = path.join(root, 'test-results', 'electronegativity.sarif');
  await mkdir(path.dirname(out), { recursive: true });
  await writeSarif(out, sarif);

  const findings = findingsOf(sarif);
  const gate = gateFindings(findings, allowlist);
  console.log(`electronegativity: ${findings.length} finding(s) in ${SOURCES.join(', ')} — SARIF: ${out}`);
  for (const finding of findings) {
    const mark = finding.severity !== 'HIGH' ? ' ' : gate.unjustified.includes(finding) ? '✗' : '✓';
    console.log(
      `  ${mark} ${finding.severity.padEnd(13)} ${finding.ruleId.padEnd(34)} ${finding.file}:${finding.line}`,
    );
  }
  for (const entry of gate.stale)
    console.log(`  stale allow-list entry (remove it): ${entry.ruleId} ${entry.file}`);
  if (gate.unjustified.length > 0) {
    console.error(
      `${gate.unjustified.length} HIGH finding(s) not justified in build/electronegativity-allowlist.json: fix them, or add a reviewed justification.`,
    );
    return 1;
  }
  console.log(`No unjustified HIGH findings (${gate.justified.length} justified).`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`electronegativity run failed: ${(error as Error).message}`);
    process.exit(2);
  },
);
