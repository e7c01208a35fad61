// The sensitive code lists (SNOMED CT value sets) as data: the built-in default file, or the file IT names
// in policy.sensitiveCodeListPath. A bad file is a clear configuration error, never a silent fallback.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import defaultList from './data/sensitive-codes.json';
import { SensitiveCodeListError } from './errors';

export const SNOMED_CT = 'http://snomed.info/sct';

export const sensitiveCodeListSchema = z.object({
  version: z.string().optional(),
  description: z.string().optional(),
  valueSets: z
    .array(
      z.object({
        id: z.string().regex(/^[a-z0-9-]{1,64}$/, 'lowercase letters, digits and dashes'),
        title: z.string().min(1).max(200),
        system: z.string().url().default(SNOMED_CT),
        concepts: z
          .array(
            z.object({
              code: z.string().regex(/^[A-Za-z0-9.-]{1,40}$/, 'a code such as 386639001'),
              display: z.string().max(300).optional(),
            }),
          )
          .min(1),
      }),
    )
    .min(1),
});

export type SensitiveCodeList = z.output<typeof sensitiveCodeListSchema>;

/**
 * The rules the list is applied with (which labels withhold, which parts of a resource or pointer are looked at),
 * in the fingerprint: a copy saved under older rules is governed whole again, as after a change of list.
 * 2: confidentiality labels in the STU3 system too.
 */
const RULES_VERSION = 2;

export interface SensitiveCodes {
  /** The value set id a coding belongs to, if it is sensitive. */
  match(system: string | undefined, code: string | undefined): string | undefined;
  readonly size: number;
  /**
   * Identifies the list's contents and the rules it is applied with: a saved copy governed with another list,
   * or under other rules, must be governed whole again.
   */
  readonly fingerprint?: string;
}

export function compileSensitiveCodes(list: SensitiveCodeList): SensitiveCodes {
  // System, then code: every coding of every resource is looked up, so no "system|code" string is made for it.
  const bySystem = new Map<string, Map<string, string>>();
  for (const set of list.valueSets) {
    let codes = bySystem.get(set.system);
    if (!codes) bySystem.set(set.system, (codes = new Map()));
    for (const concept of set.concepts) codes.set(concept.code, set.id);
  }
  const entries = [...bySystem].flatMap(([system, codes]) =>
    [...codes].map(([code, id]) => `${system}|${code}=${id}`),
  );
  const fingerprint = createHash('sha256')
    .update(`rules ${RULES_VERSION}\n${entries.sort().join('\n')}`)
    .digest('hex');
  return {
    match: (system, code) => (system && code ? bySystem.get(system)?.get(code) : undefined),
    size: entries.length,
    fingerprint,
  };
}

export function parseSensitiveCodeList(raw: unknown, where: string): SensitiveCodes {
  const parsed = sensitiveCodeListSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new SensitiveCodeListError(
      `The sensitive code list ${where} is not valid${at}: ${issue?.message}.`,
    );
  }
  return compileSensitiveCodes(parsed.data);
}

/** policy.sensitiveCodeListPath, or the built-in default lists when absent. */
export function loadSensitiveCodes(path?: string): SensitiveCodes {
  if (!path) return parseSensitiveCodeList(defaultList, '(built-in)');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new SensitiveCodeListError(`The sensitive code list named in policy (${path}) cannot be read.`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new SensitiveCodeListError(`The sensitive code list named in policy (${path}) is not valid JSON.`);
  }
  return parseSensitiveCodeList(raw, `named in policy (${path})`);
}
