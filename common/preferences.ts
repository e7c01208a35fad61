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
