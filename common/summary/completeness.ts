// What a section may honestly say about itself: "None recorded" only when every source that could hold it
// answered in full; otherwise which source is missing and why, in the words the engine gave. Also the
// saved-copy labels, the "no record could be retrieved" test and the deceased markers. Pure, en-GB, UK time.
import { formatAsOf } from '../offline-banner';
import type { Provenance, RecordItem, SectionCompleteness, SourceStatus, WessexRecord } from '../record';
import { isCurrentMedication } from './medications';
import { provenanceName } from './provenance';

/** "saved copy, 09:14 today" */
export function savedCopyText(asOf: string, now: Date): string {
  const date = new Date(asOf);
  return Number.isNaN(date.getTime()) ? 'saved copy' : `saved copy, ${formatAsOf(date, now)}`;
}

type SectionNoticeTone = 'loading' | 'incomplete' | 'withheld' | 'not-requested';

export interface SectionNotice {
  /** The section may say "None recorded" when it is empty. */
  complete: boolean;
  /** "None recorded." or "None recorded (saved copy, 09:14 today)."; only when complete. */
  noneText?: string;
  tone?: SectionNoticeTone;
  /** The first line of the in-section warning ("Still loading: CHIE", "This section may be incomplete:"). */
  heading?: string;
  /** One line per gap (the engine's reason), shown under the heading. */
  lines: string[];
}

const STILL_TRYING = /still (trying|loading)/i;

function joinNames(names: string[]): string {
  const distinct = [...new Set(names)];
  if (distinct.length <= 1) return distinct[0] ?? '';
  return `${distinct.slice(0, -1).join(', ')} and ${distinct[distinct.length - 1]}`;
}

/**
 * The words for one section. `empty`: nothing to show in it; `pendingSources`: names of sources still
 * loading, for a section no progress event has described yet.
 */
export function sectionNotice(
  completeness: SectionCompleteness | undefined,
  options: { empty: boolean; now: Date; pendingSources?: string[] },
): SectionNotice {
  const c = completeness ?? { state: 'loading', gaps: [] };
  switch (c.state) {
    case 'complete': {
      const saved = c.savedCopyAsOf ? ` (${savedCopyText(c.savedCopyAsOf, options.now)})` : '';
      return { complete: true, noneText: `None recorded${saved}.`, lines: [] };
    }
    case 'withheld':
      return {
        complete: false,
        tone: 'withheld',
        // Over entries that are shown, the words are about the others.
        heading: options.empty ? 'Not shown.' : 'Some entries are not shown.',
        lines: [c.reason ?? 'This section is withheld by confidentiality policy'],
      };
    case 'not-requested':
      return {
        complete: false,
        tone: 'not-requested',
        heading: 'Not checked.',
        lines: [c.reason ?? 'The record sources were not asked for this section'],
      };
    case 'loading': {
      const names = c.gaps.filter((g) => g.loading).map((g) => g.sourceName);
      const who = joinNames(names.length ? names : (options.pendingSources ?? []));
      return {
        complete: false,
        tone: 'loading',
        heading: who ? `Still loading: ${who}` : 'Still loading…',
        lines: [],
      };
    }
    case 'incomplete': {
      const loading = c.gaps.filter((g) => g.loading && !g.overdue).map((g) => g.sourceName);
      const lines = c.gaps
        .filter((g) => !g.loading || g.overdue)
        .map((g) => (g.overdue && !STILL_TRYING.test(g.reason) ? `${g.reason}; still trying` : g.reason));
      if (loading.length) lines.push(`Still loading: ${joinNames(loading)}`);
      return {
        complete: false,
        tone: 'incomplete',
        heading: options.empty
          ? 'No entries shown, but this section may be incomplete:'
          : 'This section may be incomplete:',
        lines: [...new Set(lines)],
      };
    }
  }
}

/**
 * When every copy of an item comes from a saved copy: the oldest instant among them. A locator that only lists
 * the document holds no copy: what is shown is the saved copy however freshly the locator answered.
 */
export function itemSavedCopyAsOf(provenance: readonly Provenance[]): string | undefined {
  const copies = provenance.filter((p) => !p.listedOnly);
  if (!copies.length || !copies.every((p) => p.savedCopy)) return undefined;
  return copies.map((p) => p.savedCopy!.asOf).sort()[0];
}

/** Source names, each saved copy labelled: ["Dorset Care Record (saved copy, 09:14 today)", "CHIE"]. */
export function sourceLabels(provenance: readonly Provenance[], now: Date): string[] {
  const labels = new Map<string, string>();
  for (const p of provenance) {
    const name = provenanceName(p);
    const label = p.savedCopy ? `${name} (${savedCopyText(p.savedCopy.asOf, now)})` : name;
    // A live copy from a source outranks a saved one from the same source.
    if (!labels.has(name) || !p.savedCopy) labels.set(name, label);
  }
  return [...labels.values()];
}

/**
 * Nothing at all came back: no source answered (in full or in part), none has a saved copy, and there are no
 * entries, pointers or held-apart records. A declined-sharing record is explained elsewhere, never this.
 */
export function nothingRetrieved(
  record: Pick<WessexRecord, 'sources' | 'items' | 'pointers' | 'heldApart' | 'dissent'>,
): boolean {
  if (record.dissent || record.items.length || record.pointers.length || record.heldApart.length)
    return false;
  return !record.sources.some(
    (s: SourceStatus) => s.state === 'complete' || s.state === 'partial' || !!s.savedCopy,
  );
}

export const ACTIVE_AFTER_DEATH_TEXT = 'Recorded as active – patient has died';

/** A medication or care plan the record still shows as active although the patient has died. */
export function recordedActiveAfterDeath(item: RecordItem): boolean {
  if (item.section === 'medications') return isCurrentMedication(item);
  if (item.section === 'carePlans') return /^(active|on[- ]hold|draft)$/i.test((item.status ?? '').trim());
  return false;
}
