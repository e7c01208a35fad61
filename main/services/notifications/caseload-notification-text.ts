// What a desktop notification says about caseload updates. A notification can be read by anyone passing the
// screen, so it never carries a full name: at most initials (policy `notificationDetail`), and only the count
// while the viewer or the computer is locked.
import type { CaseloadEvent } from '../../../common/caseload-events';
import { plainLine } from '../../../common/text-safety';
import type { NotificationContent } from './desktop-notifications';

export type NotificationDetail = 'initials' | 'count' | 'none';

const TITLE = 'Wessex Care Record';
const WHERE_MAX = 80;

export function caseloadNotificationText(
  events: readonly CaseloadEvent[],
  detail: NotificationDetail,
  locked: boolean,
): NotificationContent {
  const count = `${events.length} caseload update${events.length === 1 ? '' : 's'}`;
  if (detail === 'none') return { title: TITLE, body: 'Caseload update' };
  if (detail === 'count' || locked || events.length !== 1) return { title: TITLE, body: count };
  return { title: TITLE, body: describe(events[0] as CaseloadEvent) ?? count };
}

/** One event with the patient's initials; undefined when there is nothing it may say beyond the count. */
function describe(event: CaseloadEvent): string | undefined {
  const who = initialsOf(event.patientName);
  if (!who || event.kind === 'new-activity') return undefined;
  const where = plain(event.where);
  switch (event.kind) {
    case 'admitted':
      return where ? `${who} admitted to ${where}` : `${who} admitted`;
    case 'discharged':
      return where ? `${who} discharged from ${where}` : `${who} discharged`;
    case 'ed-arrival':
      return where
        ? `${who} arrived at the emergency department, ${where}`
        : `${who} arrived at an emergency department`;
    case 'ed-departure':
      return `${who} left the emergency department`;
    case 'new-letter':
      // Not the letter's title: that can say more about the patient than a passer-by should read.
      return `New letter for ${who}`;
    case 'died':
      return `${who}: death recorded`;
  }
}

const TITLES = /^(mr|mrs|ms|miss|mx|dr|prof|sir|dame|rev)\.?$/i;

/**
 * "J.S." from "John Smith", "Mr John Andrew Smith" or "SMITH, John (Mr)": the first given name's and the family
 * name's first letters (titles and bracketed parts left out). Undefined when the name has no letters to take.
 */
export function initialsOf(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const [before, after] = name.replace(/\([^)]*\)/g, ' ').split(',', 2);
  const words = (text: string | undefined) =>
    (text ?? '').split(/\s+/).filter((w) => /\p{L}/u.test(w) && !TITLES.test(w));
  const ordered = after !== undefined ? [...words(after), ...words(before)] : words(before);
  if (!ordered.length) return undefined;
  const first = ordered[0] as string;
  const last = ordered[ordered.length - 1] as string;
  const letters = (ordered.length > 1 ? [first, last] : [first]).map((w) =>
    (w.match(/\p{L}/u)?.[0] ?? '').toLocaleUpperCase('en-GB'),
  );
  return letters.map((l) => `${l}.`).join('');
}

/** A server's place name as plain one-line text of sensible length (no control or direction characters). */
function plain(text: string | undefined): string | undefined {
  const squeezed = text === undefined ? undefined : plainLine(text);
  if (!squeezed) return undefined;
  return squeezed.length > WHERE_MAX ? `${squeezed.slice(0, WHERE_MAX - 1)}…` : squeezed;
}
