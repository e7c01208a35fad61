// The electronegativity gate, run for real on a small app with known HIGH findings.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  findingsOf,
  gateFindings,
  loadAllowlist,
  runElectronegativity,
  type Finding,
} from '../../build/electronegativity';

let project: string;
let findings: Finding[];

beforeAll(async () => {
  project = await mkdtemp(path.join(os.tmpdir(), 'wessex-eng-fixture-'));
  await mkdir(path.join(project, 'main'));
  await writeFile(
    path.join(project, 'package.json'),
    JSON.stringify({ name: 'fixture', devDependencies: { electron: '45.4.1' } }),
  );
  await writeFile(
    path.join(project, 'main', 'index.ts'),
    [
      "import { app, BrowserWindow } from 'electron';",
      'app.whenReady().then(() => {',
      '  const win = new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false } });',
      "  void win.loadURL('https://example.org');",
      '});',
      '',
    ].join('\n'),
  );
  findings = findingsOf(await runElectronegativity(project, ['main']));
}, 60_000);

afterAll(async () => {
  await rm(project, { recursive: true, force: true });
});

describe('electronegativity gate', () => {
  it('reports HIGH findings from the SARIF with their rule, file and line', () => {
    const high = findings.filter((finding) => finding.severity === 'HIGH');
    expect(high.find((finding) => finding.ruleId === 'CONTEXT_ISOLATION_JS_CHECK')).toMatchObject({
      file: 'main/index.ts',
      line: 3,
    });
    // No will-navigate / window-open limits anywhere: an app-wide finding.
    expect(high.find((finding) => finding.ruleId === 'LIMIT_NAVIGATION_GLOBAL_CHECK')).toMatchObject({
      file: '(global)',
    });
  });

  it('fails on every HIGH finding that is not justified', () => {
    const gate = gateFindings(findings, []);
    expect(gate.unjustified.length).toBeGreaterThanOrEqual(2);
    expect(gate.unjustified.every((finding) => finding.severity === 'HIGH')).toBe(true);
  });

  it('passes findings justified in the allow-list and names entries that no longer match', () => {
    const justification = 'Fixture: this window only ever shows a bundled, static page.';
    const allowlist = findings
      .filter((finding) => finding.severity === 'HIGH')
      .map(({ ruleId, file }) => ({ ruleId, file, justification }));
    const stale = { ruleId: 'CONTEXT_ISOLATION_JS_CHECK', file: 'main/old-window.ts', justification };
    const gate = gateFindings(findings, [...allowlist, stale]);
    expect(gate.unjustified).toEqual([]);
    expect(gate.stale).toEqual([stale]);
  });

  it('rejects an allow-list entry without a real justification', async () => {
    const file = path.join(project, 'allowlist.json');
    await writeFile(file, JSON.stringify([{ ruleId: 'X', file: 'main/index.ts', justification: 'ok' }]));
    await expect(loadAllowlist(file)).rejects.toThrow(/entry 0\.justification .*30 characters/);
  });

  it('the committed allow-list is valid and every entry is justified', async () => {
    const allowlist = await loadAllowlist(
      path.resolve(__dirname, '../../build/electronegativity-allowlist.json'),
    );
    for (const entry of allowlist) expect(entry.justification.length).toBeGreaterThanOrEqual(30);
  });
});
