// SNOMED CT codes (and plain-text patterns for uncoded entries) the engine reasons about.

/** Advance care planning documents and decisions (ReSPECT, DNACPR, ADRT, end of life, crisis plans). */
export const ADVANCE_CARE_CODES = new Set([
  '1382601000000107', // ReSPECT form
  '736373009', // End of life care plan
  '861421000000109', // End of life care coordination summary
  '736253002', // Mental health crisis plan
  '887701000000100', // Emergency health care plan
  '304253006', // Not for resuscitation
  '450476008', // Not for attempted cardiopulmonary resuscitation
  '304252001', // For resuscitation
  '450475007', // For attempted cardiopulmonary resuscitation
  '816301000000100', // Has advance decision to refuse treatment (Mental Capacity Act 2005)
  '713603004', // Advance care planning
  '1108151000000101', // Lasting power of attorney for health and welfare
]);

export const ADVANCE_CARE_TEXT =
  /\b(respect form|respect plan|dnacpr|dnar|do not attempt|resuscitat|advance decision|adrt|end of life|eol care|crisis plan|emergency health ?care plan|lasting power of attorney|preferred place of death)\b/i;

/** "No known allergy" style assertions: an allergy list that says there is nothing to list. */
export const NO_KNOWN_ALLERGY_CODES = new Set([
  '716186003', // No known allergy
  '409137002', // No known drug allergy
  '428607008', // No known environmental allergy
  '429625007', // No known food allergy
  '428197003', // No known insect allergy
  '1066601000000100', // No known allergy (UK)
]);
export const NO_KNOWN_ALLERGY_TEXT = /^\s*(nka|nkda|no known (drug |food |environmental )?allerg(y|ies))\b/i;

/** Statuses meaning "this no longer applies". */
export const INACTIVE_STATUSES = new Set([
  'inactive',
  'resolved',
  'stopped',
  'completed',
  'cancelled',
  'entered in error',
  'refuted',
  'superseded',
  'revoked',
  'rejected',
  'ended',
  'finished',
  'not taken',
]);

export function isInactiveStatus(status: string | undefined): boolean {
  return status !== undefined && INACTIVE_STATUSES.has(status.toLowerCase());
}
