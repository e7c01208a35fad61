// Offline search over cached records: what a clinician types (an NHS number, a date of birth or part of a
// name) turned into a parameterised WHERE clause. Never interpolates the query into SQL.
import { normaliseNhsNumber } from '../../../common/nhs-number';

export type OfflineQuery =
  | { kind: 'nhs-number'; digits: string }
  | { kind: 'birth-date'; date: string }
  | { kind: 'name'; words: string[] };

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

function isoDate(year: number, month: number, day: number): string | undefined {
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day)
    return undefined;
  return d.toISOString().slice(0, 10);
}

/** "1941-03-12", "12/03/1941", "12-3-1941", "12 March 1941", "12 Mar 1941" → "1941-03-12". */
export function parseBirthDate(input: string): string | undefined {
  const text = input.trim().toLowerCase();
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m) return isoDate(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(text);
  if (m) return isoDate(Number(m[3]), Number(m[2]), Number(m[1]));
  m = /^(\d{1,2})\s+([a-z]{3,9})\s+(\d{4})$/.exec(text);
  if (m) {
    const month = MONTHS.indexOf(m[2]!.slice(0, 3)) + 1;
    if (month > 0) return isoDate(Number(m[3]), month, Number(m[1]));
  }
  return undefined;
}

export function parseOfflineQuery(input: string): OfflineQuery | undefined {
  const text = input.trim();
  if (!text) return undefined;
  const date = parseBirthDate(text);
  if (date) return { kind: 'birth-date', date };
  const digits = normaliseNhsNumber(text);
  if (/^\d{3,10}$/.test(digits)) return { kind: 'nhs-number', digits };
  const words = text
    .toLowerCase()
    .split(/[\s,]+/)
    .filter((w) => w.length > 0)
    .slice(0, 5);
  return words.length ? { kind: 'name', words } : undefined;
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** A WHERE clause over the `records` table and its parameters. */
export function offlineQueryWhere(query: OfflineQuery): { where: string; params: string[] } {
  switch (query.kind) {
    case 'nhs-number':
      return query.digits.length === 10
        ? { where: 'nhs_number = ?', params: [query.digits] }
        : { where: "nhs_number LIKE ? ESCAPE '\\'", params: [`${escapeLike(query.digits)}%`] };
    case 'birth-date':
      return { where: 'birth_date = ?', params: [query.date] };
    case 'name':
      return {
        where: query.words.map(() => "name_search LIKE ? ESCAPE '\\'").join(' AND '),
        params: query.words.map((w) => `%${escapeLike(w)}%`),
      };
  }
}
