// Hostile content from a source (narratives, display text, attachment titles, HTML letters) is shown as
// text or sanitised: nothing executes, nothing navigates, nothing remote loads.
import { expect, it } from 'vitest';
import type { Resource } from '../../common/fhir';
import {
  expectQuietPage,
  screenshot,
  a11yViolations,
  showTab,
  type E2eContext,
  e2eForFile,
  openCrossBorderWith,
} from './e2e-helpers';

const PAYLOADS = [
  // First: the unclosed <math> payload below swallows whatever follows it.
  '<img alt="Wound photograph, 3 March" src="data:image/png;base64,iVBORw0KGgo=">',
  '<script>window.__xss=(window.__xss||0)+1</script>',
  '<img src=x onerror="window.__xss=(window.__xss||0)+1">',
  '<svg onload="window.__xss=(window.__xss||0)+1"></svg>',
  '<a href="javascript:window.__xss=(window.__xss||0)+1" id="jslink">click me</a>',
  '<img src="https://evil.example/pixel.png">',
  '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
  '<style>body{background:url(https://evil.example/bg.png)}</style>',
  '<div style="background:url(https://evil.example/inline.png)">styled</div>',
  '<form action="https://evil.example/steal"><button>Submit</button></form>',
  '<math><mtext><table><mglyph><style><img src=x onerror="window.__xss=1">',
  '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
];
const HOSTILE_TEXT = '<img src=x onerror="window.__xss=1">Hostile display';
const narrative = `<div xmlns="http://www.w3.org/1999/xhtml"><p>Discharge letter.</p>${PAYLOADS.join('')}</div>`;
const htmlLetter = Buffer.from(
  `<html><body><h1>Clinic letter</h1>${PAYLOADS.join('\n')}</body></html>`,
).toString('base64');

let ctx: E2eContext;
e2eForFile((started) => (ctx = started));

function hostileResources(patientRef: string): Resource[] {
  const subject = { reference: patientRef };
  return [
    {
      resourceType: 'DocumentReference',
      id: 'xss-letter',
      status: 'current',
      subject,
      date: '2025-09-01T10:00:00Z',
      type: { text: `Letter ${HOSTILE_TEXT}` },
      description: `Letter ${HOSTILE_TEXT}`,
      text: { status: 'generated', div: narrative },
      content: [
        {
          attachment: {
            contentType: 'text/html',
            data: htmlLetter,
            title: `<script>window.__xss=1</script>Attachment title`,
          },
        },
        // A damaged second part: said to be unreadable, never a blank app.
        { attachment: { contentType: 'text/plain', data: '%%% not base64 %%%', title: 'Damaged part' } },
      ],
    },
    {
      resourceType: 'Condition',
      id: 'xss-condition',
      subject,
      clinicalStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
      },
      code: { text: HOSTILE_TEXT },
      onsetDateTime: '2025-01-01',
      text: { status: 'generated', div: narrative },
    },
    {
      resourceType: 'Condition',
      id: 'hostile-bidi',
      subject,
      clinicalStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
      },
      // A right-to-left override that is never closed.
      code: { text: 'Reversed \u202eesrever' },
      onsetDateTime: '2025-02-03',
    },
    {
      resourceType: 'Condition',
      id: 'hostile-long',
      subject,
      clinicalStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
      },
      code: { text: `Long ${'W'.repeat(5000)}` },
      onsetDateTime: '2025-02-04',
    },
    {
      resourceType: 'Flag',
      id: 'xss-flag',
      status: 'active',
      subject,
      code: { text: `Alert ${HOSTILE_TEXT} <a href="javascript:alert(1)">x</a>` },
    },
  ] as Resource[];
}

it('never executes, navigates or loads anything from hostile narratives, displays and attachment titles', async () => {
  const { page, log } = await openCrossBorderWith(ctx, hostileResources);

  // Display text is shown as text, not markup.
  expect(await page.getByTestId('problems').textContent()).toContain(HOSTILE_TEXT);
  expect(await page.getByTestId('alerts').textContent()).toContain('Hostile display');

  // Hostile but valid text: the page does not scroll sideways, and the override stops at the entry's own
  // text: the viewer's "— since 3 February 2025" still reads left to right, after it.
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
  const order = await page.evaluate(() => {
    const row = Array.from(document.querySelectorAll('[data-testid="problems"] li')).find((li) =>
      li.textContent?.includes('Reversed'),
    )!;
    const name = row.querySelector('strong')!;
    const after = Array.from(row.childNodes).find(
      (n) => n.nodeType === 3 && n.textContent?.includes('since'),
    )!;
    const range = document.createRange();
    range.selectNodeContents(after);
    return { nameRight: name.getBoundingClientRect().right, sinceLeft: range.getBoundingClientRect().left };
  });
  // Left unisolated, the override would run on and show "5202 yraurbeF 3 ecnis —" to the name's left.
  expect(order.sinceLeft).toBeGreaterThanOrEqual(order.nameRight - 1);

  await showTab(page, 'Documents and letters');
  const item = page.getByTestId('document-open').filter({ hasText: 'Hostile display' });
  expect(await item.textContent()).toContain('Attachment title');
  await item.click();
  const viewer = page.getByTestId('document-viewer');
  await viewer.getByTestId('narrative').first().waitFor();
  expect(await viewer.textContent()).toContain('Clinic letter');
  expect(await viewer.textContent()).toContain('Discharge letter.');
  // Pictures are not shown, but the letter says where one was and what it was.
  expect(await viewer.textContent()).toContain('[Image not shown: Wound photograph, 3 March]');
  expect(await viewer.getByTestId('document-part-unreadable').textContent()).toMatch(/could not be read/);
  const link = viewer.locator('a', { hasText: 'click me' }).first();
  if (await link.count()) await link.click();

  const dangerous = await page.evaluate<number>(
    `document.querySelectorAll('[data-testid="narrative"] :is(script,img,iframe,svg,style,form,meta,math,[style],[onerror],[onload],[href^="javascript"])').length`,
  );
  expect(dangerous).toBe(0);
  expect(await page.evaluate('window.__xss')).toBeUndefined();
  expect(await page.evaluate('location.href')).toBe(ctx.harness.url);
  await screenshot(page, 'xss-documents');
  expect(await a11yViolations(page)).toEqual([]);
  expectQuietPage(log, { allowCspBlocks: true });
});
