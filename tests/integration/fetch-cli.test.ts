// `wessex fetch` and `wessex prefetch` as a script runs them, against one sandbox the machine policy points at
// (so no command starts servers of its own), with sources made to fail between commands: the exit code says
// whether the record is complete, incomplete or missing; prefetch keeps the caseload pinned unless told
// otherwise. Each case has its own data directory, so no saved copy stands in unless a case makes one.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatNhsNumber } from '../../common/nhs-number';
import { auditKeyName } from '../../main/services/audit';
import { cacheKeyName } from '../../main/services/cache';
import { createKeytarSecretStore } from '../../main/services/keystore/secret-store';
import { startSandbox, type RunningSandbox } from '../../sandbox';
import type { FaultMode } from '../../sandbox/http/faults';
import { runWessex } from '../support/cli';

const dataDirs: string[] = [];
let sandbox: RunningSandbox;
let policy: object;

beforeAll(async () => {
  sandbox = await startSandbox({ requireAuth: false });
  const source = (id: string, name: string, fhirBase: string) => ({
    id,
    name,
    fhirBase,
    auth: { type: 'none' },
  });
  policy = {
    sources: [
      source('dcr', 'Dorset Care Record', sandbox.urls.dcr),
      source('chie', 'CHIE', sandbox.urls.chie),
    ],
    recordLocator: source('locator', 'Record locator', sandbox.urls.locator),
    auditEndpoint: sandbox.urls.audit,
    commandLineRoles: ['nurse', 'paramedic'],
  };
});
afterEach(async () => {
  for (const server of [sandbox.servers.dcr, sandbox.servers.chie, sandbox.servers.locator]) {
    await server.setFault(undefined);
  }
});
afterAll(async () => {
  await sandbox?.close();
  const keys = createKeytarSecretStore();
  for (const dir of dataDirs) {
    await keys.delete(`db-key:${cacheKeyName(dir)}`);
    await keys.delete(auditKeyName(path.join(dir, 'audit.db')));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

const nhs = (key: string) => sandbox.patient(key).nhsNumber;
const newDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wessex-fetch-cli-'));
  dataDirs.push(dir);
  return dir;
};

/** `wessex <args>` as this role, in a fresh data directory (or the one given), under the test's policy. */
function as(role: string, args: string[], options: { dataDir?: string; policy?: object } = {}) {
  const dataDir = options.dataDir ?? newDir();
  const policyFile = path.join(dataDir, 'policy.json');
  fs.writeFileSync(policyFile, JSON.stringify(options.policy ?? policy));
  return runWessex([...args, '--role', role, '--data-dir', dataDir], {
    env: { ...process.env, WESSEX_POLICY_FILE: policyFile },
  });
}
const asNurse = (args: string[], options: { dataDir?: string; policy?: object } = {}) =>
  as('nurse', args, options);

async function failing(faults: Partial<Record<'dcr' | 'chie' | 'locator', FaultMode>>): Promise<void> {
  for (const [id, mode] of Object.entries(faults)) {
    await sandbox.servers[id as 'dcr' | 'chie' | 'locator'].setFault(mode);
  }
}

const fetchCrossBorder = () => asNurse(['fetch', '--nhs', nhs('cross-border')]);

describe('wessex fetch exit codes', () => {
  it('0 when every source answered completely', async () => {
    const result = await fetchCrossBorder();
    expect(result.stdout).toMatch(/✓ CHIE \(regional\) — complete/);
    expect(result.stderr).not.toContain('incomplete');
    expect(result.code).toBe(0);
  });

  it('2 when CHIE is down: the record is incomplete and says CHIE could not be reached', async () => {
    await failing({ chie: 'down' });
    const result = await fetchCrossBorder();
    expect(result.stdout).toMatch(/✓ Dorset Care Record \(regional\) — complete/);
    expect(result.stdout).toMatch(/✗ CHIE \(regional\) — failed/);
    expect(result.stderr).toContain(
      'The record is incomplete: CHIE could not be reached: the server refused the connection.',
    );
    expect(result.code).toBe(2);
  });

  it('2 when a source answers with a server error; --json names it in every section’s completeness', async () => {
    await failing({ dcr: '500' });
    const result = await asNurse(['fetch', '--nhs', nhs('cross-border'), '--json']);
    const record = JSON.parse(result.stdout) as {
      sources: { id: string; state: string }[];
      sections: Record<
        string,
        { completeness: { state: string; gaps: { sourceName: string; reason: string }[] } }
      >;
    };
    expect(record.sources.find((s) => s.id === 'dcr')?.state).toBe('failed');
    expect(Object.keys(record.sections)).toHaveLength(14);
    expect(record.sections.allergies!.completeness.state).toBe('incomplete');
    expect(record.sections.allergies!.completeness.gaps).toEqual([
      expect.objectContaining({
        sourceName: 'Dorset Care Record',
        reason: expect.stringMatching(
          /^Dorset Care Record could not be checked: had a server error \(HTTP 500\)/,
        ),
      }),
    ]);
    expect(result.stderr).toContain('Dorset Care Record failed');
    expect(result.code).toBe(2);
  });

  it('3 when no source answered (DCR, CHIE and the record locator all down)', async () => {
    await failing({ dcr: 'down', chie: 'down', locator: 'down' });
    const result = await fetchCrossBorder();
    const refused = 'could not be reached: the server refused the connection';
    expect(result.stderr).toContain(
      `No source answered: Dorset Care Record ${refused}; CHIE ${refused}; Record locator ${refused}.`,
    );
    expect(result.code).toBe(3);
  });

  it('1 when the command itself fails: a bad --fault, or --fault where a policy configures the sources', async () => {
    const sandboxOnly = { ...policy, sources: [], recordLocator: undefined, commandLineRoles: undefined };
    const bad = await asNurse(['fetch', '--nhs', nhs('cross-border'), '--fault', 'chie=sideways'], {
      policy: sandboxOnly,
    });
    expect(bad.stderr).toContain('unknown fault mode "sideways"');
    expect(bad.code).toBe(1);
    const configured = await asNurse(['fetch', '--nhs', nhs('cross-border'), '--fault', 'chie=down'], {
      policy: {
        sources: [
          {
            id: 'dcr',
            name: 'Dorset Care Record',
            fhirBase: 'http://127.0.0.1:9/fhir',
            auth: { type: 'none' },
          },
        ],
        auditEndpoint: 'http://127.0.0.1:9/audit',
        commandLineRoles: ['nurse'],
      },
    });
    expect(configured.stderr).toContain('--fault acts on the built-in sandbox');
    expect(configured.code).toBe(1);
  });

  it('2 when two people share the NHS number: the other is held apart, never merged, and said so', async () => {
    const result = await asNurse(['fetch', '--nhs', nhs('mixed-identity')]);
    expect(result.stdout).toMatch(/^HOLLIS, Peter Alan .* born 1956-03-22/m);
    expect(result.stdout).toMatch(
      /Held apart: CHIE's record for DUNN, Chloe Marie \(Ms\), born 1987-10-29, female/,
    );
    expect(result.stdout).toMatch(/may hold a different person under this NHS number/);
    expect(result.stdout).not.toMatch(/•.*(Asthma|Pregnan)/i);
    expect(result.stderr).toContain('CHIE held apart: its patient may be a different person');
    expect(result.code).toBe(2);
  });

  it('2 when the patient has declined to share: the withheld source is named, nothing of it shown', async () => {
    const result = await asNurse(['fetch', '--nhs', nhs('dissent')]);
    expect(result.stderr).toMatch(/Dorset Care Record withheld: the patient has declined to share it/);
    expect(result.stderr).toMatch(/CHIE withheld: the patient has declined to share it/);
    expect(result.stdout).not.toMatch(/asthma|salbutamol|penicillin/i);
    expect(result.code).toBe(2);
  });

  it('--offline reads only the saved copy, governed for whoever reads it (--role), and says it is a saved copy', async () => {
    const dataDir = newDir();
    const live = await asNurse(['fetch', '--nhs', nhs('cross-border'), '--json'], { dataDir });
    expect(live.code).toBe(0);
    const encounters = (out: string) =>
      (JSON.parse(out) as { items: { section: string }[] }).items.filter((i) => i.section === 'encounters')
        .length;
    expect(encounters(live.stdout)).toBeGreaterThan(0);
    const asParamedic = await as(
      'paramedic',
      ['fetch', '--nhs', nhs('cross-border'), '--json', '--offline'],
      {
        dataDir,
      },
    );
    expect(asParamedic.stderr).toMatch(/The record is incomplete: .*saved copy from/);
    expect(asParamedic.code).toBe(2);
    const paramedicView = JSON.parse(asParamedic.stdout) as {
      governance: { access: string };
      sections: { encounters: { completeness: { state: string } } };
      sources: { savedCopy?: unknown }[];
    };
    expect(paramedicView.governance.access).toBe('urgent-care-and-documents');
    expect(encounters(asParamedic.stdout)).toBe(0);
    expect(paramedicView.sections.encounters.completeness.state).toBe('withheld');
    expect(paramedicView.sources.every((s) => s.savedCopy)).toBe(true);
    const asNurseOffline = await asNurse(['fetch', '--nhs', nhs('cross-border'), '--json', '--offline'], {
      dataDir,
    });
    expect(encounters(asNurseOffline.stdout)).toBe(encounters(live.stdout));
    const notSaved = await asNurse(['fetch', '--nhs', nhs('frail'), '--offline'], { dataDir });
    expect(notSaved.stderr).toContain('There is no offline copy of this patient’s record on this computer.');
    expect(notSaved.code).toBe(1);
  });

  it('documents the exit codes in its help', async () => {
    const help = await runWessex(['fetch', '--help']);
    expect(help.stdout).toMatch(/Exit codes:\n\s+0 .+\n\s+1 .+\n\s+2 .+\n\s+3 +no source answered/);
    expect(help.stdout).toContain('--fault <spec>');
  });
});

describe('wessex prefetch retention', () => {
  const csv = (dir: string) => {
    const file = path.join(dir, 'caseload.csv');
    fs.writeFileSync(file, `${nhs('frail')}\n${nhs('cross-border')}\n`);
    return file;
  };

  for (const [flags, pinned] of [
    [[], true],
    [['--no-pin'], false],
  ] as const) {
    it(`${flags.join(' ') || 'by default'}: ${pinned ? 'kept as the caseload (pinned)' : 'normal retention'}`, async () => {
      const dataDir = newDir();
      const prefetch = await asNurse(['prefetch', '--file', csv(dataDir), ...flags], { dataDir });
      expect(prefetch.stdout).toContain(
        `2 of 2 record(s) saved for offline use${pinned ? ' (caseload)' : ''}.`,
      );
      expect(prefetch.code).toBe(0);
      const list = await asNurse(['cache', 'list'], { dataDir });
      expect(list.stdout).toContain(formatNhsNumber(nhs('frail')));
      expect(list.stdout.match(/pinned/g) ?? []).toHaveLength(pinned ? 2 : 0);
    });
  }

  it('works on a sandbox with a source down, and says which source each record was saved without', async () => {
    const dataDir = newDir();
    // --pin is what prefetch does anyway; it is still accepted.
    await failing({ chie: 'down' });
    const prefetch = await asNurse(['prefetch', '--file', csv(dataDir), '--pin'], { dataDir });
    expect(prefetch.stdout).toContain('2 of 2 record(s) saved for offline use (caseload).');
    expect(prefetch.stdout).toContain(`✓ ${formatNhsNumber(nhs('frail'))} — Saved without CHIE`);
    expect(prefetch.code).not.toBe(1);
  });
});
