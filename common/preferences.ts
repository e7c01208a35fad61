// The user's own, non-sensitive preferences (view choices, the last caseload list name): one schema for the
// store in main and the bridge contract.
import { z } from 'zod';

const TEN_DIGITS = /(?<!\d)\d{3}[ -]?\d{3}[ -]?\d{4}(?!\d)/;

export const preferencesSchema = z.object({
  density: z.enum(['comfortable', 'compact']).default('comfortable'),
  theme: z.enum(['system', 'light', 'dark']).default('system'),
  /** Record sections the user keeps collapsed (section ids from common/record.ts). */
  collapsedSections: z.array(z.string().max(64)).max(32).default([]),
  showProvenance: z.boolean().default(true),
  /**
   * The record view each role opens on, as chosen on this computer (a shared laptop serves several roles);
   * unset, the role decides: urgent care for paramedics, the full summary for everyone else.
   */
  defaultViewByRole: z
    .record(z.string().regex(/^[a-z0-9-]{1,64}$/), z.enum(['urgent-care', 'full-summary']))
    .refine((views) => Object.keys(views).length <= 16, 'holds at most 16 roles')
    .default({}),
  /** The encounters timeline's order. */
  encountersOrder: z.enum(['newest-first', 'oldest-first']).default('newest-first'),
  /** The results table: every result, or only those flagged abnormal. */
  resultsFilter: z.enum(['all', 'abnormal']).default('all'),
  /** The caseload List last prefetched (a FHIR id on the first regional source). */
  lastCaseloadListId: z
    .string()
    .regex(/^[A-Za-z0-9\-.]{1,64}$/, 'must be a FHIR id')
    .refine((id) => !TEN_DIGITS.test(id), 'must not contain an NHS number')
    .optional(),
  /** The name of the caseload list last opened, e.g. "Tuesday rounds" — a label, never patient details. */
  lastCaseloadListName: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .refine((name) => !TEN_DIGITS.test(name), 'must not contain an NHS number')
    .optional(),
});

export type Preferences = z.output<typeof preferencesSchema>;
export type PreferencesPatch = Partial<z.input<typeof preferencesSchema>>;
