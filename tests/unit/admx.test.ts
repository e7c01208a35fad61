import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ADML_FILE, ADMX_FILE, renderAdml, renderAdmx } from '../../build/generate-admx';
import { parseXmlStrictly } from '../../build/msi-project-hook.mjs';
import { machinePolicySchema, POLICY_REGISTRY_KEY, policyKeys } from '../../main/services/policy';

const elements = (doc: Document, name: string): Element[] => Array.from(doc.getElementsByTagName(name));
/** xmldom has no firstElementChild. */
const firstElement = (node: Element | undefined): Element | undefined =>
  Array.from(node?.childNodes ?? []).find((child): child is Element => child.nodeType === 1);

describe('Group Policy templates', () => {
  const admx = parseXmlStrictly(renderAdmx());
  const adml = parseXmlStrictly(renderAdml());

  it('offer every machine policy key, and only those, under the policy registry key', () => {
    const policies = elements(admx, 'policy');
    expect(policies.map((p) => p.getAttribute('name')).sort()).toEqual(
      Object.keys(machinePolicySchema.shape).sort(),
    );
    for (const policy of policies) {
      expect(policy.getAttribute('key')).toBe(POLICY_REGISTRY_KEY);
      expect(policy.getAttribute('class')).toBe('Both');
      const valueName =
        policy.getAttribute('valueName') ||
        firstElement(policy.getElementsByTagName('elements')[0])?.getAttribute('valueName');
      expect(valueName).toBe(policy.getAttribute('name'));
    }
  });

  it('write each value with the registry type the policy loader reads', () => {
    const byName = new Map(elements(admx, 'policy').map((p) => [p.getAttribute('name'), p]));
    for (const info of policyKeys) {
      const policy = byName.get(info.key) as Element;
      const element = firstElement(policy.getElementsByTagName('elements')[0])?.localName;
      const expected = {
        boolean: undefined,
        number: 'decimal',
        string: 'text',
        path: 'text',
        'string-list': 'multiText',
        json: 'text',
      }[info.kind];
      expect(element, info.key).toBe(expected);
    }
    const retention = elements(admx, 'decimal').find((d) => d.getAttribute('id') === 'retentionHours');
    expect([retention?.getAttribute('minValue'), retention?.getAttribute('maxValue')]).toEqual(['1', '744']);
    const sandbox = byName.get('sandboxAllowed');
    expect(firstElement(sandbox?.getElementsByTagName('enabledValue')[0])?.getAttribute('value')).toBe('1');
  });

  it('write every path as REG_EXPAND_SZ, so IT can use %ProgramData%, and nothing else', () => {
    const texts = elements(admx, 'text');
    const expandable = texts
      .filter((t) => t.getAttribute('expandable') === 'true')
      .map((t) => t.getAttribute('id'));
    expect(expandable).toEqual(policyKeys.filter((info) => info.kind === 'path').map((info) => info.key));
    expect(expandable).toContain('sensitiveCodeListPath');
    const help = elements(adml, 'string').find((s) => s.getAttribute('id') === 'sensitiveCodeListPath_Help');
    expect(help?.textContent).toContain('REG_EXPAND_SZ');
  });

  it('resolve every string and presentation the ADMX refers to in the en-GB ADML', () => {
    const strings = new Set(elements(adml, 'string').map((s) => s.getAttribute('id')));
    const presentations = new Set(elements(adml, 'presentation').map((p) => p.getAttribute('id')));
    const text = renderAdmx();
    for (const [, id] of text.matchAll(/\$\(string\.([^)]+)\)/g)) expect(strings, id).toContain(id);
    for (const [, id] of text.matchAll(/\$\(presentation\.([^)]+)\)/g))
      expect(presentations, id).toContain(id);
    for (const info of policyKeys) {
      expect(
        elements(adml, 'string').find((s) => s.getAttribute('id') === `${info.key}_Help`)?.textContent,
      ).toContain(info.key);
    }
  });

  it('are committed up to date (run `npx tsx build/generate-admx.ts` after changing the schema)', async () => {
    expect(await readFile(ADMX_FILE, 'utf8')).toBe(renderAdmx());
    expect(await readFile(ADML_FILE, 'utf8')).toBe(renderAdml());
  });
});

describe('IT deployment guide', () => {
  it('documents every policy setting', async () => {
    const guide = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    for (const info of policyKeys) expect(guide, info.key).toContain(`| \`${info.key}\` |`);
  });
});
