// The Group Policy templates against the ADMX/ADML schema (build/schema/, our transcription of Microsoft's
// documented PolicyDefinitionFiles.xsd), checked by a real schema validator: xmllint from Debian's
// libxml2-utils, which .ci/run installs. The Group Policy editor refuses a template that fails this schema.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderAdml, renderAdmx } from '../../build/generate-admx';

const SCHEMA = path.resolve(__dirname, '../../build/schema/PolicyDefinitionFiles.xsd');
const XMLLINT = '/usr/bin/xmllint';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'wessex-admx-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** xmllint's verdict on one document: exit code 0 and "validates", or its error lines. */
async function validate(name: string, xml: string): Promise<{ valid: boolean; output: string }> {
  const file = path.join(dir, name);
  await writeFile(file, xml);
  try {
    const { stderr } = await promisify(execFile)(XMLLINT, ['--noout', '--schema', SCHEMA, file]);
    return { valid: true, output: stderr };
  } catch (error) {
    const failure = error as { code?: number | string; stderr?: string };
    if (failure.code === 'ENOENT') throw new Error(`${XMLLINT} is missing: apt-get install libxml2-utils`);
    return { valid: false, output: failure.stderr ?? String(error) };
  }
}

describe('Group Policy templates against the ADMX schema (xmllint --schema)', () => {
  it('the ADMX validates', async () => {
    const result = await validate('WessexCareRecords.admx', renderAdmx());
    expect(result.output).toContain('validates');
    expect(result.valid).toBe(true);
  });

  it('the en-GB ADML validates, multi-line boxes included', async () => {
    const adml = renderAdml();
    expect(adml).toContain('<multiTextBox refId="allowedIssuers" />');
    const result = await validate('WessexCareRecords.adml', adml);
    expect(result.output).toContain('validates');
    expect(result.valid).toBe(true);
  });

  it('rejects label text inside multiTextBox, as the templates had it before', async () => {
    const previous = renderAdml().replace(
      /<text>([^<]*)<\/text><multiTextBox refId="([^"]+)" \/>/g,
      '<multiTextBox refId="$2">$1</multiTextBox>',
    );
    expect(previous).toContain('<multiTextBox refId="allowedIssuers">Allowed EPR issuers');
    const result = await validate('previous.adml', previous);
    expect(result.valid).toBe(false);
    expect(result.output).toMatch(/multiTextBox.*Character content is not allowed/);
  });

  it('rejects a policy with a registry class Windows does not know, and a misspelt element', async () => {
    const badClass = await validate('class.admx', renderAdmx().replace('class="Both"', 'class="Computer"'));
    expect(badClass.valid).toBe(false);
    expect(badClass.output).toContain("'class'");
    const misspelt = await validate('misspelt.admx', renderAdmx().replace(/<multiText /, '<multitext '));
    expect(misspelt.valid).toBe(false);
    expect(misspelt.output).toContain('multitext');
  });
});
