// A regional source's refusal of this user's read (403, OperationOutcome coded in the access-refusal system):
// the source enforces the regional policy itself. Classified by its code only; the server's own words are
// never shown. The record shows such a source as withheld, never as failed or "none recorded".

const ACCESS_REFUSAL_SYSTEM = 'https://fhir.wessexcarerecords.nhs.uk/CodeSystem/access-refusal';

const ACCESS_REFUSAL_CODES = [
  'patient-dissent',
  'role-not-permitted',
  'purpose-not-permitted',
  'patient-not-in-token',
] as const;

/** A known code, or `other` for a refusal whose code this viewer does not know. */
export type AccessRefusalCode = (typeof ACCESS_REFUSAL_CODES)[number] | 'other';

/** The clinician's words for a source's refusal. */
export function refusalWords(code: AccessRefusalCode, sourceName: string): string {
  switch (code) {
    case 'patient-dissent':
      return `Withheld by ${sourceName}: the patient has asked not to share their record (break-glass to see it)`;
    case 'role-not-permitted':
      return `${sourceName} does not allow your role to see this`;
    case 'purpose-not-permitted':
      return `${sourceName} does not allow this access for the reason given`;
    case 'patient-not-in-token':
      return `${sourceName} refused: the access asked for was not for this patient`;
    case 'other':
      return `${sourceName} refused access to this record`;
  }
}

/** The refusal code in a 403's OperationOutcome, or undefined when the body is not one. */
export function accessRefusalOf(body: unknown): AccessRefusalCode | undefined {
  if (
    !body ||
    typeof body !== 'object' ||
    (body as { resourceType?: unknown }).resourceType !== 'OperationOutcome'
  )
    return undefined;
  const issues = (body as { issue?: unknown }).issue;
  if (!Array.isArray(issues)) return undefined;
  for (const issue of issues) {
    const codings = (issue as { details?: { coding?: unknown } } | null)?.details?.coding;
    if (!Array.isArray(codings)) continue;
    for (const coding of codings) {
      const { system, code } = (coding ?? {}) as { system?: unknown; code?: unknown };
      if (system !== ACCESS_REFUSAL_SYSTEM) continue;
      return (ACCESS_REFUSAL_CODES as readonly unknown[]).includes(code)
        ? (code as AccessRefusalCode)
        : 'other';
    }
  }
  return undefined;
}
