// "Trojan Source" text from a source: bidirectional overrides, embeddings, isolates and marks in a dose, a
// medicine, a contact's name, a problem and a letter's markup. On screen each reads in the order it was
// written ("gm 005", never "500 mg"), and right-to-left names still read right to left.
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import type { Resource } from '../../common/fhir';
import { expectQuietPage, showTab, type E2eContext, e2eForFile, openCrossBorderWith } from './e2e-helpers';

const RLO = '\u202e';
const PDF = '\u202c';
const RLI = '\u2067';
const PDI = '\u2069';
const RLM = '\u200f';
const ARABIC = 'محمد عبدالله';
/** Any control that could reorder text, in what the page shows. */
const CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

let ctx: E2eContext;
e2eForFile((started) => (ctx = started));

function hostileResources(patientRef: string): Resource[] {
  const subject = { reference: patientRef };
  return [
    {
      resourceType: 'MedicationRequest',
      id: 'bidi-medicine',
      status: 'active',
      intent: 'order',
      subject,
      authoredOn: '2025-09-01',
      medicationCodeableConcept: { text: `Warfarin ${RLO}gm 5${PDF} tablets` },
      dosageInstruction: [{ text: `Dose: ${RLO} gm 005 ${PDF}` }],
    },
    {
      resourceType: 'RelatedPerson',
      id: 'bidi-contact',
      patient: subject,
      relationship: [{ text: 'Daughter' }],
      name: [{ family: `${RLI}${RLO}ggeL${PDF}${PDI}`, given: ['Ann'] }],
    },
    {
      resourceType: 'RelatedPerson',
      id: 'rtl-contact',
      patient: subject,
      relationship: [{ text: 'Son' }],
      name: [{ text: ARABIC }],
    },
    {
      resourceType: 'Condition',
      id: 'bidi-mark',
      subject,
      clinicalStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
      },
      // A right-to-left mark alone turns "120 - 80" round: the numbers take its direction.
      code: { text: `Target range ${RLM}120 - 80` },
      onsetDateTime: '2025-02-05',
    },
    {
      resourceType: 'DocumentReference',
      id: 'bidi-letter',
      status: 'current',
      subject,
      date: '2025-09-02T10:00:00Z',
      type: { text: 'Bidi letter' },
      text: {
        status: 'generated',
        div: `<div xmlns="http://www.w3.org/1999/xhtml"><p>Give <bdo dir="rtl">gm 007</bdo> then <span dir="rtl">&#x202E;gm 008&#x202C;</span> then ${RLO}gm 009${PDF}.</p></div>`,
      },
    },
  ] as Resource[];
}

/**
 * Where the first and the last character of `needle` are drawn, in the first text node under `testId` that holds
 * it: left of each other when the text reads in logical order.
 */
async function drawn(page: Page, scope: string, needle: string): Promise<{ first: number; last: number }> {
  const found = await page.evaluate(
    ([selector, wanted]) => {
      for (const root of Array.from(document.querySelectorAll(selector))) {
        const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          const at = node.textContent?.indexOf(wanted) ?? -1;
          if (at < 0) continue;
          const left = (i: number) => {
            const range = document.createRange();
            range.setStart(node, i);
            range.setEnd(node, i + 1);
            return range.getBoundingClientRect().left;
          };
          return { first: left(at), last: left(at + wanted.length - 1) };
        }
      }
      return undefined;
    },
    [scope, needle] as const,
  );
  if (!found) throw new Error(`"${needle}" not found in ${scope}`);
  return found;
}

it('shows hostile doses, medicines, names, marks and letters in logical order, and RTL names as RTL', async () => {
  const { page, log } = await openCrossBorderWith(ctx, hostileResources);

  const medicines = page.getByTestId('medications');
  const row = medicines.getByTestId('medication-row').filter({ hasText: 'Warfarin' });
  expect(await row.textContent()).toContain('Warfarin gm 5 tablets');
  expect(await row.textContent()).toContain('Dose:  gm 005');
  const contacts = page.getByTestId('contacts');
  expect(await contacts.textContent()).toContain('ggeL');
  expect(await page.getByTestId('problems').textContent()).toContain('Target range 120 - 80');
  for (const scope of [medicines, contacts, page.getByTestId('problems')])
    expect(await scope.textContent()).not.toMatch(CONTROLS);

  // Drawn as written: the first character left of the last.
  for (const [scope, needle] of [
    ['[data-testid="medication-row"]', 'gm 005'],
    ['[data-testid="medication-row"]', 'gm 5'],
    ['[data-testid="contacts"]', 'ggeL'],
    ['[data-testid="problems"]', '120 - 80'],
  ] as const) {
    const at = await drawn(page, scope, needle);
    expect(at.first, `${needle} in ${scope}`).toBeLessThan(at.last);
  }
  // Arabic still reads right to left: its first letter is drawn right of its last.
  expect(await contacts.textContent()).toContain(ARABIC);
  const arabic = await drawn(page, '[data-testid="contacts"]', ARABIC);
  expect(arabic.first).toBeGreaterThan(arabic.last);

  await showTab(page, 'Documents and letters');
  await page.getByTestId('document-open').filter({ hasText: 'Bidi letter' }).click();
  const narrative = page.getByTestId('document-viewer').getByTestId('narrative').first();
  await narrative.waitFor();
  expect(await narrative.textContent()).not.toMatch(CONTROLS);
  for (const needle of ['gm 007', 'gm 008', 'gm 009']) {
    const at = await drawn(page, '[data-testid="narrative"]', needle);
    expect(at.first, needle).toBeLessThan(at.last);
  }
  expectQuietPage(log);
});
