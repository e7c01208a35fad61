// Per section: did every source that could hold it answer in full? Only then may a section say "None
// recorded". A failed, timed-out, partial, still-loading or held-apart source leaves a gap, named with why.
import { refusalWords } from '../../../common/access-refusal';
import { failedBecause } from '../../../common/failure-words';
import { formatAsOf } from '../../../common/offline-banner';
import {
  SECTION_ORDER,
  screenGap,
  type WithheldSummary,
  type RecordCompleteness,
  type SectionCompleteness,
  type SectionGap,
  type SectionId,
  type SourceStatus,
} from '../../../common/record';
import { LOCATOR_SECTIONS, sectionsHoldingType } from './sections';

export interface CompletenessInput {
  sources: readonly SourceStatus[];
  /** Sources whose entries are held apart (identity not agreed), with the words for the gap. */
  heldApart: readonly { sourceId: string; sourceName: string }[];
  /**
   * Progress: sources that have answered for some sections only (by source id), with the pending status that
   * speaks for their other sections.
   */
  settledOnly?: ReadonlyMap<string, { sections: readonly SectionId[]; pending: SourceStatus }>;
  /** The sources were deliberately not asked: every section is not-requested, for this reason. */
  notRequested?: string;
  /**
   * What patient-level governance withheld, by section (WithheldSummary.sections): such a section says so, with
   * the reasons, never "None recorded". Not by source: a section says that something is withheld, not where.
   */
  withheld?: WithheldSummary['sections'];
  now: Date;
}

function sectionsOf(status: SourceStatus): readonly SectionId[] {
  if (status.kind === 'locator') return LOCATOR_SECTIONS;
  if (status.state === 'partial' && status.incompleteTypes?.length) {
    return [...new Set(status.incompleteTypes.flatMap(sectionsHoldingType))];
  }
  return SECTION_ORDER;
}

function gapFor(status: SourceStatus, now: Date): SectionGap | undefined {
  const base = { sourceId: status.id, sourceName: status.name };
  if (status.refusal) {
    return { ...base, withheld: true, reason: refusalWords(status.refusal, status.name) };
  }
  if (status.declined) {
    return {
      ...base,
      withheld: true,
      reason: `The patient has declined to share their ${status.name} record`,
    };
  }
  const saved = status.savedCopy
    ? {
        savedCopyAsOf: status.savedCopy.asOf,
        savedText: `; showing its saved copy from ${formatAsOf(new Date(status.savedCopy.asOf), now)}`,
      }
    : undefined;
  const why = status.message?.replace(new RegExp(`^${escapeRegExp(status.name)}\\s+`), '');
  switch (status.state) {
    case 'complete':
      return undefined;
    case 'pending':
      // A pending status carries a message only once the urgent-care deadline has passed.
      return status.message
        ? { ...base, loading: true, overdue: true, reason: status.message }
        : { ...base, loading: true, reason: `${status.name} is still loading` };
    case 'partial':
      return {
        ...base,
        reason: `${status.name} answered only in part${why ? `: ${why}` : ''}${saved?.savedText ?? ''}`,
        ...(saved ? { savedCopyAsOf: saved.savedCopyAsOf } : {}),
      };
    case 'failed':
    case 'not-reached':
      return {
        ...base,
        reason: `${status.name} ${failedBecause('could not be checked', why)}${saved?.savedText ?? ''}`,
        ...(saved ? { savedCopyAsOf: saved.savedCopyAsOf } : {}),
      };
  }
}

/** Something in the section withheld by patient-level governance, with the generic reason (no final stop). */
function withheldGap(reason: string): SectionGap {
  return { ...screenGap(reason.replace(/\.$/, '')), withheld: true };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function stateOf(gaps: readonly SectionGap[]): SectionCompleteness['state'] {
  if (gaps.some((g) => (!g.loading && !g.withheld) || g.overdue)) return 'incomplete';
  if (gaps.some((g) => g.withheld)) return 'withheld';
  return gaps.length ? 'loading' : 'complete';
}

/** The whole record is a saved copy (opened offline): the oldest instant among its sources. */
function offlineAsOf(sources: readonly SourceStatus[]): string | undefined {
  if (!sources.length || !sources.every((s) => s.savedCopy && s.state !== 'failed')) return undefined;
  return sources.map((s) => s.savedCopy!.asOf).sort()[0];
}

export function sectionCompleteness(input: CompletenessInput): RecordCompleteness {
  if (input.notRequested) {
    const value: SectionCompleteness = { state: 'not-requested', gaps: [], reason: input.notRequested };
    return Object.fromEntries(SECTION_ORDER.map((s) => [s, value])) as RecordCompleteness;
  }
  const gaps = new Map<SectionId, SectionGap[]>(SECTION_ORDER.map((s) => [s, []]));
  for (const status of input.sources) {
    const settled = input.settledOnly?.get(status.id);
    const gap = gapFor(status, input.now);
    // A failure already known (a source still reading may have failed a search) is said at once, not as loading.
    if (gap)
      for (const section of sectionsOf(status))
        if (!settled || settled.sections.includes(section) || status.state !== 'complete')
          gaps.get(section)!.push(gap);
    if (!settled) continue;
    const pending = gapFor(settled.pending, input.now);
    if (pending)
      for (const section of SECTION_ORDER)
        if (!settled.sections.includes(section)) gaps.get(section)!.push(pending);
  }
  for (const [section, reasons] of Object.entries(input.withheld ?? {}) as [SectionId, string[]][]) {
    for (const reason of reasons) gaps.get(section)?.push(withheldGap(reason));
  }
  for (const apart of input.heldApart) {
    const gap: SectionGap = {
      sourceId: apart.sourceId,
      sourceName: apart.sourceName,
      reason: `${apart.sourceName}'s entries are held apart: its patient may be a different person`,
    };
    for (const section of SECTION_ORDER) gaps.get(section)!.push(gap);
  }
  // A source still reading is live, whatever of its saved copy is shown meanwhile.
  const asOf = input.settledOnly?.size ? undefined : offlineAsOf(input.sources);
  return Object.fromEntries(
    SECTION_ORDER.map((section) => {
      const list = gaps.get(section)!;
      const value: SectionCompleteness = { state: stateOf(list), gaps: list };
      if (value.state === 'withheld') {
        value.reason = `${[...new Set(list.filter((g) => g.withheld).map((g) => g.reason))].join('. ')}.`;
      }
      if (asOf) value.savedCopyAsOf = asOf;
      return [section, value];
    }),
  ) as RecordCompleteness;
}
