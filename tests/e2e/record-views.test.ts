// One test per record view, against the real services on the built-in sandbox, in Debian Chromium.
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatNhsNumber } from '../../common/nhs-number';
import { formatDate } from '../../common/summary';
import {
  expectQuietPage,
  sandboxPatient,
  screenshot,
  a11yViolations,
  showTab,
  waitForRecord,
  type E2eContext,
  e2eForFile,
} from './e2e-helpers';
import { pdfText } from './pdf-text';
import { WESSEX_AUDIT_SUBTYPE } from '../../main/services/audit/balp';
import type { HarnessPage } from '../../main/dev/harness';

let ctx: E2eContext;

/** Print/export events as the sandbox's audit server received them. */
const auditedHandovers = (code: 'print' | 'export') =>
  (ctx.services.sandbox?.servers.audit.events ?? []).filter((e) =>
    e.subtype?.some((s) => s.system === WESSEX_AUDIT_SUBTYPE && s.code === code),
  );

e2eForFile((started) => (ctx = started));

describe('paramedic on the frail patient', () => {
  let hp: HarnessPage;
  beforeAll(async () => {
    const frail = sandboxPatient(ctx.services, 'frail');
    await ctx.services.openSandboxSession({ role: 'paramedic', patientNhsNumber: frail.nhsNumber });
    hp = await ctx.harness.newPage();
    await waitForRecord(hp.page);
  }, 60_000);

  it('lands on the urgent-care summary with the banner and ReSPECT/DNACPR above the fold', async () => {
    const { page, log } = hp;
    const frail = sandboxPatient(ctx.services, 'frail');
    await expect.poll(() => page.getByTestId('patient-name').textContent()).toMatch(/Eldridge/i);
    expect(await page.getByTestId('nhs-number').textContent()).toContain(formatNhsNumber(frail.nhsNumber));
    expect(await page.getByTestId('dob').textContent()).toMatch(/2 November 1936 \(\d+ years\)/);
    expect(await page.getByTestId('view-urgent-care').isVisible()).toBe(true);

    // One resuscitation status card: the decision once (its four entries across DCR and CHIE are one
    // decision), the patient's own refusal labelled as such, not as a DNACPR, and the ReSPECT form a click away.
    const card = page.getByTestId('resuscitation-status');
    const decision = (await card.getByTestId('cpr-decision').textContent()) ?? '';
    expect(decision).toMatch(/^Not for CPR \(DNACPR\)\s*14 May 2025/);
    expect((await card.textContent())!.match(/Not for CPR/g)).toHaveLength(1);
    expect(await card.textContent()).not.toMatch(/Sources disagree/);
    await card.getByText(/Earlier or other decisions/).click();
    expect(await card.getByTestId('earlier-cpr-decisions').textContent()).toMatch(/Patient declines CPR/);
    const box = await card.boundingBox();
    expect(box!.y + box!.height, 'resuscitation card bottom edge').toBeLessThanOrEqual(720);
    // A paramedic's first screen at 1280×720: resuscitation status, alerts and allergies all start on it.
    for (const id of ['alerts', 'allergies']) {
      const b = await page.getByTestId(id).boundingBox();
      expect(b!.y, `${id} top edge`).toBeLessThan(720);
    }
    expect(await page.getByTestId('advance-care').textContent()).not.toMatch(/DNACPR|Not for CPR/);
    const alerts = await page.getByTestId('alerts').textContent();
    expect(alerts).toMatch(/Scene safety.*large dog/i);
    expect(alerts).toMatch(/Safeguarding.*financial abuse/i);
    expect(await page.getByTestId('allergies').textContent()).toMatch(/latex/i);
    expect(await page.getByTestId('medications').textContent()).toMatch(/Apixaban/i);
    expect(await page.getByTestId('medications').textContent()).toMatch(/Dorset Care Record|DCR/);
    // A repeat medicine is one row (its statement and its prescriptions together), last issued from the
    // newest prescription, not the date it was started.
    const apixaban = page.getByTestId('medication-row').filter({ hasText: /Apixaban/i });
    expect(await apixaban.count()).toBe(1);
    expect(await apixaban.textContent()).toMatch(/15 September 2025.*Started 10 January 2024/);
    expect(await page.getByTestId('problems').textContent()).toMatch(/dementia/i);
    expect(await page.getByTestId('contacts').textContent()).toMatch(/Next of kin.*Helen/i);
    // Next of kin once, with the relationship and a number to dial; the care team with its people.
    const kin = page.getByTestId('contact').filter({ hasText: 'Helen Cheal' });
    expect(await kin.textContent()).toMatch(
      /^Next of kin: Helen Cheal \(Natural daughter\) · 07700 900412 \(mobile\)/,
    );
    expect(await kin.getByRole('link', { name: '07700 900412' }).getAttribute('href')).toBe(
      'tel:07700900412',
    );
    const team = page.getByTestId('contact').filter({ hasText: 'Wareham community care team' });
    expect(await team.textContent()).toMatch(/GP: Dr Anna Whitfield, Wareham Surgery/);
    expect(await team.getByRole('link', { name: '01929 557 100' }).getAttribute('href')).toBe(
      'tel:01929557100',
    );
    expect(await page.getByTestId('source-status').textContent()).toMatch(/Answered/);
    await screenshot(page, 'urgent-care-summary');
    expect(await a11yViolations(page)).toEqual([]);
    expectQuietPage(log);
  });

  it('keeps resuscitation status, allergies and safety alerts in the banner, each opening its section', async () => {
    const { page, log } = hp;
    const flags = page.getByTestId('banner-flags');
    expect(await flags.getByTestId('flag-advanceCare').textContent()).toBe('Not for CPR (DNACPR)');
    expect(await flags.getByTestId('flag-allergies').textContent()).toMatch(/^1 allergy: .*latex/i);
    expect(await flags.getByTestId('flag-alerts').textContent()).toMatch(/Scene safety.*Safeguarding/);
    // From another view, by keyboard: the flag brings back the summary with the section's heading focused.
    await showTab(page, 'Encounters');
    await flags.getByTestId('flag-allergies').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('h-allergies');
    expect(await page.getByTestId('view-urgent-care').isVisible()).toBe(true);
    expectQuietPage(log);
  });

  it('opens the ReSPECT form from the resuscitation status card in one click', async () => {
    const { page, log } = hp;
    await page.getByTestId('open-respect').click();
    await page.getByTestId('view-documents').waitFor();
    const opened = page.locator('[data-testid="document-open"][aria-pressed="true"]');
    expect(await opened.textContent()).toMatch(/ReSPECT/);
    await showTab(page, 'Urgent care summary');
    await page.getByTestId('resuscitation-status').waitFor();
    expectQuietPage(log);
  });

  it('lists the ReSPECT form once: DCR’s, also listed in the record locator, and still one click from the card', async () => {
    const { page, log } = hp;
    await showTab(page, 'Urgent care summary');
    const card = page.getByTestId('resuscitation-status');
    expect(await card.textContent()).toMatch(
      /14 May 2025 · Dorset Care Record, also listed in Record locator/,
    );
    await showTab(page, 'Documents and letters');
    await page.getByTestId('view-documents').waitFor();
    const rows = page.getByRole('list', { name: 'Documents' }).getByRole('listitem');
    const respect = rows.filter({ hasText: /ReSPECT/ });
    expect(await respect.count()).toBe(1);
    expect(await respect.textContent()).toMatch(/Dorset Care Record · also listed in Record locator/);
    // The locator's pointers to documents no regional source holds are still listed, on their own.
    expect(await rows.filter({ hasText: /End of life care coordination summary/ }).textContent()).toMatch(
      /Record locator$/,
    );
    await showTab(page, 'Urgent care summary');
    await page.getByTestId('open-respect').click();
    await page.getByTestId('view-documents').waitFor();
    expect(
      await page.locator('[data-testid="document-open"][aria-pressed="true"]').getAttribute('data-key'),
    ).toBe(await respect.getByTestId('document-open').getAttribute('data-key'));
    expectQuietPage(log);
  });

  it('full summary adds recent results, encounters and documents', async () => {
    const { page, log } = hp;
    await showTab(page, 'Full summary');
    const view = page.getByTestId('view-full-summary');
    await view.waitFor();
    expect(await view.textContent()).toMatch(/Recent results and vitals.*NEWS2/is);
    await screenshot(page, 'full-summary');
    expect(await a11yViolations(page)).toEqual([]);
    expectQuietPage(log);
  });

  it('documents view renders the ReSPECT PDF with pdf.js', async () => {
    const { page, log } = hp;
    await showTab(page, 'Documents and letters');
    await page.getByTestId('view-documents').waitFor();
    await page
      .getByTestId('document-open')
      .filter({ hasText: /ReSPECT/ })
      .first()
      .click();
    const viewer = page.getByTestId('document-viewer');
    const fetchButton = viewer.getByRole('button', { name: /Fetch document/ });
    if (await fetchButton.isVisible()) await fetchButton.click();
    await expect
      .poll(
        () =>
          viewer
            .getByTestId('pdf-pages')
            .textContent()
            .catch(() => ''),
        { timeout: 15_000 },
      )
      .toMatch(/PDF, 1 page/);
    expect(await viewer.locator('canvas').count()).toBeGreaterThan(0);
    await screenshot(page, 'documents');
    expect(await a11yViolations(page)).toEqual([]);
    expectQuietPage(log);
  });

  it('prints a handover summary stamped with patient, user, time and sources through the host, audited once', async () => {
    const { page, log } = hp;
    await showTab(page, 'Documents and letters');
    await page.getByRole('button', { name: 'Print handover summary' }).click();
    await expect
      .poll(() => page.getByTestId('handover-status').textContent(), { timeout: 15_000 })
      .toBe('Handover summary sent to the printer.');
    expect(log.printed).toHaveLength(1);
    const text = await pdfText(log.printed[0]!);
    expect(text).toMatch(/Handover summary for .*Eldridge/i);
    expect(text).toMatch(/Printed by .*paramedic/i);
    expect(text).toMatch(/Sources:.*answered/i);
    // The urgent-care view is what prints, whichever tab was on screen.
    expect(text).toMatch(/DNACPR/);
    expect(text).not.toMatch(/Caseload prefetch/);
    await expect.poll(() => auditedHandovers('print')).toHaveLength(1);
    expect(auditedHandovers('print')[0]?.entity?.[0]?.what?.identifier?.value).toBe(
      sandboxPatient(ctx.services, 'frail').nhsNumber,
    );
    // Printing again is a second print: a second printout and a second audit event.
    await page.getByRole('button', { name: 'Print handover summary' }).click();
    await expect.poll(() => log.printed.length, { timeout: 15_000 }).toBe(2);
    await expect.poll(() => auditedHandovers('print')).toHaveLength(2);
    expectQuietPage(log);
  });

  it('saves the handover summary as a PDF through the host window’s printer, named without patient details', async () => {
    const { page, log } = hp;
    await page.getByRole('button', { name: 'Save as PDF' }).click();
    const status = page.getByTestId('handover-status');
    await expect.poll(() => status.textContent(), { timeout: 15_000 }).toMatch(/saved as PDF: .+\.pdf$/);
    const path = ((await status.textContent()) ?? '').split('saved as PDF: ')[1] ?? '';
    expect(path).not.toMatch(/eldridge|\d{3} ?\d{3} ?\d{4}/i);
    const text = await pdfText(await readFile(path));
    expect(text).toMatch(/Handover summary for .*Eldridge/i);
    expect(text).toMatch(/DNACPR/);
    expect(log.calls.find((c) => c.channel === 'handover:save-pdf')?.outcome.ok).toBe(true);
    await expect.poll(() => auditedHandovers('export')).toHaveLength(1);
    // Uploads are in order: the export's arrival means no stray print event is still on its way.
    expect(auditedHandovers('print')).toHaveLength(2);
    expect(log.printed).toHaveLength(2);
  });
});

describe('GP on the cross-border patient', () => {
  let hp: HarnessPage;
  beforeAll(async () => {
    const patient = sandboxPatient(ctx.services, 'cross-border');
    await ctx.services.openSandboxSession({
      role: 'general-practitioner',
      patientNhsNumber: patient.nhsNumber,
    });
    hp = await ctx.harness.newPage();
    await waitForRecord(hp.page);
  }, 60_000);

  it('lands on the full summary with data from both DCR and CHIE and the conflicts flagged', async () => {
    const { page, log } = hp;
    await page.getByTestId('view-full-summary').waitFor();
    const status = await page.getByTestId('source-status').textContent();
    expect(status).toMatch(/Dorset Care Record|DCR/);
    expect(status).toMatch(/CHIE/);
    const allergies = await page.getByTestId('allergies').textContent();
    expect(allergies).toMatch(/penicillin/i);
    expect(await page.locator('[data-section="allergies"]').textContent()).toMatch(/Sources disagree/);
    // CHIE's newer DNACPR heads the resuscitation card; DCR's older "for CPR" is listed once, with one
    // line saying the sources disagree.
    const card = page.getByTestId('resuscitation-status');
    expect(await card.getByTestId('cpr-decision').textContent()).toMatch(
      /^Not for CPR \(DNACPR\)\s*12 August 2025/,
    );
    expect((await card.textContent())!.match(/Sources disagree/g)).toHaveLength(1);
    expect(await card.locator('.wx-conflict').textContent()).toMatch(
      /(Dorset Care Record|DCR) records For CPR \(4 May 2023\)/,
    );
    // In hospital now (CHIE's open admission), always in the banner; the summary lists the last 30 days.
    const admitted = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10);
    expect(await page.getByTestId('flag-encounters').textContent()).toBe(
      `In hospital now (Queen Alexandra Hospital, ward D5, since ${formatDate(admitted)})`,
    );
    const hospital = await page.getByTestId('hospital-activity').textContent();
    expect(hospital).toMatch(
      /Admission \(in hospital now\) Queen Alexandra Hospital, ward D5.*3 days so far/,
    );
    expect(hospital).toMatch(/ED attendance Royal Bournemouth Hospital emergency department/);
    expect(hospital).not.toMatch(/2024|2025/);
    // Metformin is active in DCR and stopped in CHIE: it stays a current medication, with when and why.
    const metformin = page.getByTestId('medication-row').filter({ hasText: /Metformin/i });
    expect(await metformin.count()).toBe(1);
    expect(await metformin.textContent()).toMatch(
      /Sources disagree: Stopped in CHIE on 12 August 2025: Stopped on discharge: eGFR 28/,
    );
    const sources = await page.locator('.wx-source').allTextContents();
    expect(sources.some((s) => /CHIE/.test(s))).toBe(true);
    expect(sources.some((s) => /Dorset|DCR/.test(s))).toBe(true);
    await screenshot(page, 'gp-full-summary');
    expect(await a11yViolations(page)).toEqual([]);
    expectQuietPage(log);
  });

  it('searches the whole record from any view', async () => {
    const { page, log } = hp;
    await page.getByTestId('record-search').fill('metformin');
    await page.getByTestId('record-search').press('Enter');
    const results = page.getByTestId('search-results');
    await results.waitFor();
    const text = (await results.textContent()) ?? '';
    expect(text).toMatch(/^2 entries match “metformin”/);
    expect(text).toMatch(/Metformin 500mg tablets · Current medications · .*(Dorset Care Record|DCR)/);
    expect(text).toMatch(/CHIE/);
    await page.getByTestId('record-search').fill('no such thing anywhere');
    await page.getByTestId('record-search').press('Enter');
    await expect.poll(() => results.textContent()).toMatch(/Nothing in this record matches/);
    await results.getByRole('button', { name: 'Clear search' }).click();
    expect(await results.count()).toBe(0);
    expect(await a11yViolations(page)).toEqual([]);
    expectQuietPage(log);
  });

  it('results view shows reference ranges, abnormal flags and a blood pressure trend chart', async () => {
    const { page, log } = hp;
    await showTab(page, 'Results and vitals');
    await page.getByTestId('view-results').waitFor();
    const chart = page.getByTestId('trend-chart').filter({ hasText: 'Blood pressure' });
    expect(await chart.count()).toBe(1);
    expect(await chart.textContent()).toMatch(/Latest 131\/72 mmHg/);
    const table = await page.getByRole('table', { name: 'All results, newest first' }).textContent();
    expect(table).toMatch(/eGFR.*28/s);
    // CHIE sent eGFR 28 with a UCUM unit and no range: written as clinicians write it, flagged by CKD stage.
    expect(table).toMatch(/28 mL\/min\/1\.73m².*CKD G4 \(derived\)/s);
    expect(table).not.toMatch(/\{1\.73_m2\}|mm\[Hg\]/);
    expect(table).toMatch(/Haemoglobin A1c.*58/is);
    await screenshot(page, 'results');
    expect(await a11yViolations(page)).toEqual([]);
    expectQuietPage(log);
  });

  it('encounters view is a timeline from both sources, newest first', async () => {
    const { page, log } = hp;
    await showTab(page, 'Encounters');
    const table = page.getByTestId('encounters-table');
    await table.waitFor();
    const rows = await table.locator('tbody tr').allTextContents();
    expect(rows.length).toBeGreaterThanOrEqual(4);
    // Newest first: the admission still open (three days ago), from CHIE.
    const admitted = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10);
    expect(rows[0]).toContain(formatDate(admitted));
    expect(rows[0]).toMatch(/Hospital admission.*CHIE/);
    expect(rows.join(' ')).toMatch(/Dorset Care Record|DCR/);
    await screenshot(page, 'encounters');
    expect(await a11yViolations(page)).toEqual([]);
    expectQuietPage(log);
  });

  it('keeps each view’s order and filter, and the chosen default view, for the next time', async () => {
    const { page, log } = hp;
    await showTab(page, 'Encounters');
    const newestFirst = await page.getByTestId('encounters-table').locator('tbody tr').allTextContents();
    await page.getByTestId('encounters-order').getByLabel('Oldest first').check();
    await expect
      .poll(() => page.getByTestId('encounters-table').locator('tbody tr').allTextContents())
      .toEqual([...newestFirst].reverse());

    await showTab(page, 'Results and vitals');
    await page
      .getByTestId('results-filter')
      .getByLabel(/Only results flagged/)
      .check();
    const flagged = page.getByRole('table', { name: 'Flagged results, newest first' });
    await flagged.waitFor();
    const flags = await flagged.getByRole('cell').and(page.locator('.wx-col-flag')).allTextContents();
    expect(flags.length).toBeGreaterThan(0);
    expect(flags.filter((f) => !/High|Low|Abnormal|Critical/.test(f))).toEqual([]);
    expect(await page.getByRole('heading', { name: /Flagged results \(\d+ of \d+\)/ }).count()).toBe(1);

    await showTab(page, 'Urgent care summary');
    await page.getByTestId('make-default-view').click();
    await expect.poll(() => page.getByTestId('make-default-view').count()).toBe(0);
    expectQuietPage(log);

    // Another window (or tomorrow's session): the same choices, without asking again.
    const next = await ctx.harness.newPage();
    await waitForRecord(next.page);
    expect(await next.page.getByTestId('view-urgent-care').isVisible()).toBe(true);
    await showTab(next.page, 'Encounters');
    expect(await next.page.getByTestId('encounters-order').getByLabel('Oldest first').isChecked()).toBe(true);
    await showTab(next.page, 'Results and vitals');
    await next.page.getByRole('table', { name: 'Flagged results, newest first' }).waitFor();
    expect(await a11yViolations(next.page)).toEqual([]);
    expectQuietPage(next.log);
    await next.page.close();
    expect(await ctx.services.handlers['preferences:get']({}, {})).toMatchObject({
      defaultViewByRole: { 'general-practitioner': 'urgent-care' },
      encountersOrder: 'oldest-first',
      resultsFilter: 'abnormal',
    });
    await ctx.services.handlers['preferences:update'](
      { patch: { defaultViewByRole: {}, encountersOrder: 'newest-first', resultsFilter: 'all' } },
      {},
    );
  });

  it('history view lists the stopped medication and every problem', async () => {
    const { page, log } = hp;
    await showTab(page, 'History');
    const meds = await page.getByTestId('medication-history').textContent();
    expect(meds).toMatch(/metformin/i);
    expect(await page.getByTestId('problem-history').textContent()).toMatch(/osteoarthritis/i);
    await screenshot(page, 'history');
    expect(await a11yViolations(page)).toEqual([]);
    expectQuietPage(log);
  });
});

describe('Synthea patient', () => {
  let hp: HarnessPage;
  beforeAll(async () => {
    const patient = ctx.services.sandbox?.patients.find((p) => p.key.startsWith('synthea'));
    if (!patient) throw new Error('no Synthea patient in the sandbox');
    await ctx.services.openSandboxSession({
      role: 'general-practitioner',
      patientNhsNumber: patient.nhsNumber,
    });
    hp = await ctx.harness.newPage();
    await waitForRecord(hp.page);
  }, 90_000);

  it('immunisations view lists vaccines with dates and sources', async () => {
    const { page, log } = hp;
    await showTab(page, 'Immunisations');
    const view = page.getByTestId('view-immunisations');
    await view.waitFor();
    expect(await view.textContent()).toMatch(/vaccine|influenza|Td|immuni/i);
    await screenshot(page, 'immunisations');
    expect(await a11yViolations(page)).toEqual([]);
    expectQuietPage(log);
  });

  it('care plans view lists the care plans', async () => {
    const { page, log } = hp;
    await showTab(page, 'Care plans');
    const view = page.getByTestId('view-care-plans');
    await view.waitFor();
    expect(await view.locator('tbody tr, [role="row"]').count()).toBeGreaterThan(0);
    await screenshot(page, 'care-plans');
    expect(await a11yViolations(page)).toEqual([]);
    expectQuietPage(log);
  });
});
