// NHS number rules (NHS Data Dictionary): ten digits, the last a modulus-11 check digit.
export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';

/** Strips spaces and dashes a clinician may type; does not validate. */
export function normaliseNhsNumber(input: string): string {
  return input.replace(/[\s-]/g, '');
}

/** The modulus-11 check digit for the first nine digits, or undefined when no valid digit exists (remainder 10). */
export function nhsCheckDigit(firstNine: string): number | undefined {
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(firstNine[i]) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  if (check === 10) return undefined;
  return check;
}

export function isValidNhsNumber(input: string): boolean {
  const n = normaliseNhsNumber(input);
  if (!/^\d{10}$/.test(n)) return false;
  return nhsCheckDigit(n.slice(0, 9)) === Number(n[9]);
}

/** "9434765919" → "943 476 5919" (the 3 3 4 format clinicians read aloud). */
export function formatNhsNumber(input: string): string {
  const n = normaliseNhsNumber(input);
  return /^\d{10}$/.test(n) ? `${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}` : input;
}
