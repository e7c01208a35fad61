// Finding a patient by name and date of birth in the configured directories (the regional sources' and the
// EPR's Patient endpoints): what may be asked, and what comes back. Shared by main (the bridge's validation,
// the search) and the renderer (the form's messages before a round trip).

/** The most matches listed; beyond it the clinician is asked to narrow the search. */
export const PATIENT_SEARCH_LIMIT = 50;

/** Letters of any script, spaces, hyphens, apostrophes and full stops ("O’Brien", "Smith-Jones", "St. John"). */
export const PERSON_NAME = /^[\p{L}\p{M}][\p{L}\p{M}'’. -]*$/u;
export const NAME_MAX = 50;
/** A full postcode or its start ("BH24", "BH24 7UW"). */
export const POSTCODE = /^[A-Za-z][A-Za-z0-9 ]{1,7}$/;

export interface PatientSearchQuery {
  family: string;
  given?: string;
  /** YYYY-MM-DD. */
  birthDate: string;
  postcode?: string;
}

/** A real calendar day written YYYY-MM-DD (not 2023-02-30). */
export function isCalendarDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * The date of birth from the three boxes of an NHS date input, or the NHS design-system message saying what
 * is wrong with it. `today` is YYYY-MM-DD.
 */
export function dateOfBirthFrom(
  parts: { day: string; month: string; year: string },
  today: string,
): { birthDate: string } | { problem: string } {
  const [day, month, year] = [parts.day.trim(), parts.month.trim(), parts.year.trim()];
  if (!day && !month && !year) return { problem: 'Enter their date of birth' };
  const missing = [!day && 'day', !month && 'month', !year && 'year'].filter(Boolean);
  if (missing.length) return { problem: `Date of birth must include a ${missing.join(' and ')}` };
  if (!/^\d{1,2}$/.test(day) || !/^\d{1,2}$/.test(month) || !/^\d{4}$/.test(year)) {
    return { problem: 'Date of birth must be a real date, like 2 11 1936' };
  }
  const birthDate = `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`;
  if (!isCalendarDate(birthDate)) return { problem: 'Date of birth must be a real date, like 2 11 1936' };
  if (birthDate > today) return { problem: 'Date of birth must be today or in the past' };
  if (Number(year) < 1880) return { problem: 'Date of birth must be after 1880' };
  return { birthDate };
}

/** One person found: the NHS number joins what several directories hold. */
export interface PatientMatch {
  /** Normalised ten digits; absent when no directory gave a valid one (then it cannot be opened). */
  nhsNumber?: string;
  /** Why this match cannot be opened from here (no NHS number, or one that fails the check digit). */
  cannotOpen?: string;
  /** "SURNAME, Given Names (Title)". */
  name: string;
  birthDate?: string;
  sex?: string;
  /** The current home address, postcode last. */
  address?: string;
  registeredGp?: string;
  deceased?: { date?: string };
  /** Names of the directories that hold this person. */
  heldBy: string[];
  /** Directories that hold the NHS number but disagree on surname, date of birth or sex, in plain words. */
  disagreements: string[];
}

export interface DirectoryStatus {
  id: string;
  name: string;
  /** answered: searched in full; partial: answered, but not everything could be read; failed: no answer. */
  state: 'answered' | 'partial' | 'failed' | 'not-searched';
  message?: string;
  matches: number;
}

export interface PatientSearchResult {
  /** At most PATIENT_SEARCH_LIMIT, NHS number order within name order. */
  matches: PatientMatch[];
  /** More people matched than are listed (or a directory had more than it sent). */
  tooMany: boolean;
  directories: DirectoryStatus[];
  /**
   * Every directory asked answered in full: only then does "no match" mean no match. (A directory the
   * clinician's sign-in may not search is listed as not-searched, and does not make the search incomplete.)
   */
  complete: boolean;
}
