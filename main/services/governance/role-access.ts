// Role-based access: the user's role (PractitionerRole code, or NHS CIS2 `nhsid_nrbac_roles` claims) is
// mapped by machine policy to what they may see; applyRoleAccess removes the rest and says what was hidden.
import type { RoleAccess } from '../policy/schema';
import type { RecordPointer, SectionId, WessexRecord } from '../../../common/record';
import { SECTION_ORDER, pointersApart } from '../../../common/record';

/** The urgent-care summary (ARCHITECTURE.md clinical priority 1–8) plus documents. */
export const URGENT_CARE_AND_DOCUMENTS: readonly SectionId[] = [
  'advanceCare',
  'alerts',
  'allergies',
  'medications',
  'problems',
  'contacts',
  'results',
  'documents',
];

export const SECTIONS_FOR_ACCESS: Record<RoleAccess, readonly SectionId[]> = {
  everything: SECTION_ORDER,
  'urgent-care-and-documents': URGENT_CARE_AND_DOCUMENTS,
  'demographics-only': [],
};

/** Locator pointers are documents: shown exactly when the documents section is. */
const pointersAllowed = (access: RoleAccess): boolean => SECTIONS_FOR_ACCESS[access].includes('documents');

export interface RoleAccessResult {
  record: WessexRecord;
  hiddenSections: SectionId[];
  hiddenCount: number;
}

/** Pure: returns a new record without what this access level may not see. */
export function applyRoleAccess(record: WessexRecord, access: RoleAccess): RoleAccessResult {
  const allowed = new Set<SectionId>(SECTIONS_FOR_ACCESS[access]);
  const items = record.items.filter((i) => allowed.has(i.section));
  const pointers: RecordPointer[] = pointersAllowed(access) ? record.pointers : [];
  const kept = new Set(items.map((i) => i.key));
  // A pointer listed as one of the entries (the same document) is counted with that entry, not again.
  const shown = new Set(pointers);
  const hiddenPointers = pointersApart(record.pointers, record.items).filter((p) => !shown.has(p)).length;
  const hiddenSections = SECTION_ORDER.filter((s) => !allowed.has(s));
  return {
    record: {
      ...record,
      items,
      pointers,
      conflicts: record.conflicts.filter((c) => c.itemKeys.every((k) => kept.has(k))),
    },
    hiddenSections,
    hiddenCount: record.items.length - items.length + hiddenPointers,
  };
}

/** One CIS2 RBAC role from the id token's `nhsid_nrbac_roles` claim (fields the viewer uses). */
interface NrbacRole {
  person_roleid?: string;
  role_code?: string;
  role_name?: string;
}

export interface RoleSource {
  /** PractitionerRole.code codings' codes (and/or display texts) for the signed-in user. */
  practitionerRoleCodes?: string[];
  /** Decoded id_token claims; `nhsid_nrbac_roles` and `selected_roleid` are used when present. */
  idTokenClaims?: Record<string, unknown>;
}

export type RoleResolution =
  { ok: true; access: RoleAccess; roleCode: string } | { ok: false; roles: string[] };

const ACCESS_RANK: Record<RoleAccess, number> = {
  'demographics-only': 0,
  'urgent-care-and-documents': 1,
  everything: 2,
};

/** Keys a CIS2 role can match in policy.roleMapping: "S8000:G8000:R8001" → itself, each part, the name. */
function nrbacKeys(role: NrbacRole): string[] {
  const keys: string[] = [];
  if (role.role_code) keys.push(role.role_code, ...role.role_code.split(':').reverse());
  if (role.role_name)
    keys.push(
      role.role_name,
      ...role.role_name
        .split(':')
        .map((p) => p.replace(/"/g, ''))
        .reverse(),
    );
  return keys.filter((k) => k.length > 0);
}

function nrbacRoles(claims: Record<string, unknown> | undefined): NrbacRole[] {
  const raw = claims?.nhsid_nrbac_roles;
  if (!Array.isArray(raw)) return [];
  const roles = raw.filter((r): r is NrbacRole => r !== null && typeof r === 'object');
  const selected = claims?.selected_roleid;
  if (typeof selected === 'string') {
    const chosen = roles.filter((r) => r.person_roleid === selected);
    if (chosen.length) return chosen;
  }
  return roles;
}

/**
 * Maps the user's roles through policy.roleMapping. With several mapped roles (no selected role), the most
 * restrictive wins: an ambiguous identity never widens access. Unmapped roles → not permitted.
 */
export function resolveRoleAccess(
  source: RoleSource,
  roleMapping: Record<string, RoleAccess>,
): RoleResolution {
  const candidates: string[][] = [
    ...nrbacRoles(source.idTokenClaims).map(nrbacKeys),
    ...(source.practitionerRoleCodes ?? []).map((c) => [c]),
  ];
  let best: { access: RoleAccess; roleCode: string } | undefined;
  for (const keys of candidates) {
    const key = keys.find((k) => Object.hasOwn(roleMapping, k));
    if (key === undefined) continue;
    const access = roleMapping[key] as RoleAccess;
    if (!best || ACCESS_RANK[access] < ACCESS_RANK[best.access]) best = { access, roleCode: key };
  }
  if (best) return { ok: true, ...best };
  return { ok: false, roles: candidates.map((k) => k[0] ?? '').filter(Boolean) };
}
