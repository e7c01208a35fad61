// Patient dissent from FHIR Consent: an active privacy Consent whose provision denies sharing.
// - top-level provision deny with no code/class/data restriction → the whole shared record is withheld;
// - a deny (top-level or nested) restricted to codes → only items with those codes are withheld.
// Consents about treatment (advance decisions to refuse treatment, DNACPR) are NOT dissent: ignored here.
import type { Coding, Consent, Resource } from '../../../common/fhir';

export interface DissentFinding {
  /** The patient has declined sharing of the whole record. */
  full: boolean;
  /** Codes the patient asked not to share (partial dissent). */
  deniedCodes: Coding[];
}

const NOT_PRIVACY = new Set(['adr', 'treatment', 'research', 'acd', 'dnr', 'rsdid']);

/** A Consent about sharing (not about treatment): the kind that can withhold entries from the record. */
export function isPrivacyConsent(consent: Consent): boolean {
  const codes = [
    ...(consent.scope?.coding ?? []),
    ...(consent.category ?? []).flatMap((c) => c.coding ?? []),
  ].map((c) => c.code);
  return !codes.some((c) => c !== undefined && NOT_PRIVACY.has(c));
}

function inForce(consent: Consent, now: Date): boolean {
  if (consent.status !== 'active') return false;
  const period = consent.provision?.period;
  if (period?.start && Date.parse(period.start) > now.getTime()) return false;
  if (period?.end && Date.parse(period.end) < now.getTime()) return false;
  return true;
}

type Provision = NonNullable<Consent['provision']>;

const restricted = (p: Provision): boolean => !!(p.code?.length || p.class?.length || p.data?.length);

function collect(provision: Provision, finding: DissentFinding): void {
  if (provision.type === 'deny') {
    if (!restricted(provision)) {
      // A nested unrestricted deny under a permit still denies everything that permit covered: everything.
      finding.full = true;
    } else {
      finding.deniedCodes.push(...(provision.code ?? []).flatMap((c) => c.coding ?? []));
      // A deny restricted only by class/data cannot be matched to items safely: withhold everything.
      if (!provision.code?.length) finding.full = true;
    }
  }
  for (const nested of provision.provision ?? []) collect(nested as Provision, finding);
}

export function findDissent(resources: Resource[], now: Date = new Date()): DissentFinding {
  const finding: DissentFinding = { full: false, deniedCodes: [] };
  for (const resource of resources) {
    if (resource.resourceType !== 'Consent') continue;
    if (!isPrivacyConsent(resource) || !inForce(resource, now) || !resource.provision) continue;
    collect(resource.provision, finding);
  }
  return finding;
}
