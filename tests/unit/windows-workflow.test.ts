// The Windows release workflow's guarantees, read from its YAML so they cannot silently regress: Node 22, a
// code-scanning upload that can never stop packaging, Azure Trusted Signing, and tag builds that fail unsigned.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { load } from 'js-yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { POLICY_FOLDER_SDDL } from '../../build/msi-project-hook.mjs';

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  shell?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  'continue-on-error'?: boolean;
}
interface Workflow {
  on: { push?: { tags?: string[] } };
  jobs: Record<string, { steps: Step[]; needs?: string | string[] }>;
}

let workflow: Workflow;
let steps: Step[];
beforeAll(async () => {
  const file = path.resolve(__dirname, '../../.github/workflows/windows-msi.yml');
  workflow = load(await readFile(file, 'utf8')) as Workflow;
  steps = workflow.jobs.msi?.steps ?? [];
});

const stepIndex = (predicate: (step: Step) => boolean): number => {
  const index = steps.findIndex(predicate);
  expect(index, 'step not found').toBeGreaterThanOrEqual(0);
  return index;
};
const packaging = (step: Step) => /electron-builder --win msi/.test(step.run ?? '');

describe('windows-msi workflow', () => {
  it('builds on Node 22, which Electron 45 needs', () => {
    const setup = steps.find((step) => step.uses?.startsWith('actions/setup-node@'));
    expect(String(setup?.with?.['node-version'])).toBe('22');
  });

  it('uploads the SARIF report without letting a failed upload skip packaging', () => {
    const sarif = stepIndex((step) => !!step.uses?.startsWith('github/codeql-action/upload-sarif@'));
    expect(steps[sarif]?.['continue-on-error']).toBe(true);
    expect(steps[sarif]?.if).toBe('always()');
    // Nothing after it runs only on its success, and packaging is one job with no dependency on another.
    const pack = stepIndex(packaging);
    expect(pack).toBeGreaterThan(sarif);
    for (const step of steps.slice(sarif + 1))
      expect(step.if ?? '', step.name).not.toMatch(/success\(\)|steps\./);
    expect(Object.keys(workflow.jobs)).toEqual(['msi']);
  });

  it('signs with Azure Trusted Signing through electron-builder’s win.azureSignOptions, from named secrets', () => {
    const pack = steps[stepIndex(packaging)] as Step;
    for (const option of ['endpoint', 'codeSigningAccountName', 'certificateProfileName', 'publisherName']) {
      expect(pack.run).toContain(`-c.win.azureSignOptions.${option}=`);
    }
    expect(pack.env).toMatchObject({
      AZURE_TENANT_ID: '${{ secrets.AZURE_TENANT_ID }}',
      AZURE_CLIENT_ID: '${{ secrets.AZURE_CLIENT_ID }}',
      AZURE_CLIENT_SECRET: '${{ secrets.AZURE_CLIENT_SECRET }}',
    });
    // No exportable certificate file or password anywhere.
    const text = JSON.stringify(workflow);
    expect(text).not.toMatch(/CSC_LINK|CSC_KEY_PASSWORD|\.pfx/i);
  });

  it('fails a tag build unless Get-AuthenticodeSignature finds the executable and the MSI Valid', () => {
    expect(workflow.on.push?.tags).toEqual(['v*']);
    const verify = stepIndex((step) => /Get-AuthenticodeSignature/.test(step.run ?? ''));
    expect(verify).toBeGreaterThan(stepIndex(packaging));
    const step = steps[verify] as Step;
    expect(step.shell).toBe('pwsh');
    expect(step['continue-on-error']).toBeUndefined();
    expect(step.if).toBeUndefined();
    expect(step.run).toContain("-ne 'Valid'");
    expect(step.run).toMatch(/GITHUB_REF_TYPE -eq 'tag'\) \{ throw/);
    expect(step.run).toContain('dist\\*.msi');
    expect(step.run).toContain('Wessex Care Record.exe');
  });

  it('checks on Windows that the installed policy folder admits no writer but Administrators and SYSTEM', () => {
    const install = steps[stepIndex((step) => /msiexec\.exe/.test(step.run ?? ''))] as Step;
    expect(install.run).toContain('AreAccessRulesProtected');
    expect(install.run).toContain("'S-1-5-18', 'S-1-5-32-544'");
    const tables = steps[stepIndex((step) => /MsiLockPermissionsEx/.test(step.run ?? ''))] as Step;
    expect(tables.run).toContain(`$expected = '${POLICY_FOLDER_SDDL}'`);
  });
});
