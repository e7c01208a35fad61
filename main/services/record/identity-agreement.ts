// Do the regional sources' patients for this NHS number describe one person? Every match is compared with
// the reference (the EPR's patient, the demographics the clinician confirmed, or else the first source that
// found the patient) on family name, date of birth and sex; a source that disagrees is held apart.
import type { IdentityDecision, IdentityWarning } from '../../../common/record';
import { nameKey } from '../../../common/human-name';
import { formatDate } from '../../../common/summary/dates';
import { str, type Json } from './fhir-read';
import { familyName } from './patient-identity';
import type { SourceSnapshot } from './snapshot';

export interface Demographics {
  family?: string;
  birthDate?: string;
  sex?: string;
}

export interface IdentityReference {
  demographics: Demographics;
  /** Who the reference is, in the clinician's words ("the clinical system", "DCR"). */
  label: string;
  /** The source the reference came from (not compared with itself). */
  sourceId?: string;
}

export interface IdentityVerdict {
  /** Sources whose data is merged into the record. */
  merged: SourceSnapshot[];
  /** Sources whose patient disagrees with the reference: not merged, with the differences. */
  apart: { source: SourceSnapshot; differences: string[] }[];
  warnings: IdentityWarning[];
}

const KNOWN_SEX = new Set(['male', 'female']);

export function demographicsOf(patient: Json): Demographics {
  const demographics: Demographics = {};
  const family = familyName(patient);
  if (family) demographics.family = family;
  const birthDate = str(patient.birthDate);
  if (birthDate) demographics.birthDate = birthDate;
  const sex = str(patient.gender);
  if (sex) demographics.sex = sex;
  return demographics;
}

/**
 * Plain-words differences; empty only when nothing known on both sides disagrees and at least the surname or
 * the date of birth is known on both sides and the same (a Patient with neither proves nothing).
 */
export function demographicDifferences(
  reference: Demographics,
  other: Demographics,
  referenceLabel: string,
): string[] {
  const differences: string[] = [];
  const where = (what: string) => ` where ${referenceLabel} has ${what}`;
  if (reference.family && other.family && nameKey(reference.family) !== nameKey(other.family)) {
    differences.push(`surname ${other.family}${where(reference.family)}`);
  }
  if (reference.birthDate && other.birthDate && reference.birthDate !== other.birthDate) {
    differences.push(`date of birth ${formatDate(other.birthDate)}${where(formatDate(reference.birthDate))}`);
  }
  if (
    reference.sex &&
    other.sex &&
    KNOWN_SEX.has(reference.sex) &&
    KNOWN_SEX.has(other.sex) &&
    reference.sex !== other.sex
  ) {
    differences.push(`sex ${other.sex}${where(reference.sex)}`);
  }
  const comparable = (!!reference.family && !!other.family) || (!!reference.birthDate && !!other.birthDate);
  if (differences.length === 0 && !comparable) {
    differences.push(`no surname or date of birth to compare with ${referenceLabel}`);
  }
  return differences;
}

/** The reference every regional match is compared with. */
export function identityReference(
  outside: IdentityReference | undefined,
  sources: readonly SourceSnapshot[],
): IdentityReference | undefined {
  if (outside) return outside;
  const first = sources.find((s) => s.patient);
  return first?.patient
    ? { demographics: demographicsOf(first.patient), label: first.status.name, sourceId: first.status.id }
    : undefined;
}

/** The source's patient as decided on: a decision applies only to the patient it was made about. */
export function patientKey(patient: Json): string {
  const d = demographicsOf(patient);
  return [str(patient.id) ?? '', d.family ?? '', d.birthDate ?? '', d.sex ?? ''].join('|');
}

export function agreeIdentity(
  sources: readonly SourceSnapshot[],
  outside: IdentityReference | undefined,
  decisions: readonly IdentityDecision[] = [],
): IdentityVerdict {
  const reference = identityReference(outside, sources);
  const verdict: IdentityVerdict = { merged: [], apart: [], warnings: [] };
  for (const source of sources) {
    const patient = source.patient;
    // Every match is compared with the reference and with every other match already agreed.
    const others: { demographics: Demographics; label: string }[] = [
      ...(reference && source.status.id !== reference.sourceId ? [reference] : []),
      ...verdict.merged
        .filter((m) => m.patient && m.status.id !== reference?.sourceId)
        .map((m) => ({ demographics: demographicsOf(m.patient!), label: m.status.name })),
    ];
    const differences = patient
      ? (others
          .map((o) => demographicDifferences(o.demographics, demographicsOf(patient), o.label))
          .find((d) => d.length > 0) ?? [])
      : [];
    if (differences.length === 0) {
      verdict.merged.push(source);
      continue;
    }
    const decision = decisions.find(
      (d) => d.sourceId === source.status.id && d.patientKey === patientKey(patient!),
    )?.decision;
    const name = source.status.name;
    if (decision === 'same-person') {
      verdict.merged.push(source);
      verdict.warnings.push({
        kind: 'demographic-mismatch',
        sourceId: source.status.id,
        message: `${name} holds ${differences.join(', ')}; merged because the clinician confirmed it is the same person`,
      });
      continue;
    }
    verdict.apart.push({ source, differences });
    verdict.warnings.push({
      kind: 'demographic-mismatch',
      sourceId: source.status.id,
      message:
        decision === 'different-person'
          ? `${name} holds a different person under this NHS number (confirmed by the clinician); its entries are not part of this record`
          : `${name} may hold a different person under this NHS number: ${differences.join(', ')}. Its entries are shown apart, not merged, until you decide`,
    });
  }
  return verdict;
}
