// Decides whether a resource or pointer must be withheld: any coding anywhere in its resource (code, reasonCode,
// valueCodeableConcept, contained resources, extensions …) in the sensitive value sets, or a confidentiality
// label of R (restricted) or V (very restricted) on the resource or anything it contains: in `meta.security`
// (any resource) or in `securityLabel` (a DocumentReference's labels for its document, as NRL pointers carry
// them). Confidentiality labels are read in both systems they come in: R4's (terminology.hl7.org) and STU3's
// (hl7.org/fhir/v3/Confidentiality, as GP Connect and CareConnect resources carry them); labels of any other
// system are not confidentiality labels and are ignored. A resource nested deeper
// than the walk goes (MAX_DEPTH) could hide either, so it is withheld as one that could not be checked.
import type { CodeRef, RecordPointer } from '../../../common/record';
import type { SensitiveCodes } from './sensitive-codes';

export const CONFIDENTIALITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
/** The same code system as FHIR STU3 names it (CareConnect, GP Connect). */
export const STU3_CONFIDENTIALITY_SYSTEM = 'http://hl7.org/fhir/v3/Confidentiality';
const CONFIDENTIALITY_SYSTEMS: ReadonlySet<unknown> = new Set([
  CONFIDENTIALITY_SYSTEM,
  STU3_CONFIDENTIALITY_SYSTEM,
]);
const RESTRICTED = new Set(['R', 'V']);

export type WithholdCause = 'sensitive-code' | 'confidentiality-label' | 'could-not-check';
/** Why patient-level governance withholds something: its own content, or a code the patient asked not to share. */
export type WithholdingCause = WithholdCause | 'consent-restriction';

/** How deep the walk goes: far beyond any real FHIR resource (contained resources' extensions reach ~15). */
export const MAX_DEPTH = 64;

/** Generic reasons shown to the user: they say that something is hidden, never what. */
export const WITHHELD_REASON: Record<WithholdCause | 'dissent' | 'consent-restriction', string> = {
  'sensitive-code': 'Some information is not shown because of local policy on sensitive information.',
  'confidentiality-label': 'Some information is marked confidential at its source and is not shown.',
  'could-not-check':
    'Some information could not be checked against local policy on sensitive information (it is nested too deeply) and is not shown.',
  'consent-restriction':
    'Some information is not shown because the patient has asked for it not to be shared.',
  dissent: 'The patient has declined to share their record.',
};

type Visitor = (node: Record<string, unknown>) => boolean;

/** Depth-first over plain JSON; stops as soon as the visitor returns true. Guarded against cycles/depth. */
function someNode(value: unknown, visit: Visitor, depth = 0, seen = new Set<object>()): boolean {
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH || seen.has(value)) return false;
  seen.add(value);
  if (Array.isArray(value)) return value.some((v) => someNode(v, visit, depth + 1, seen));
  const node = value as Record<string, unknown>;
  if (visit(node)) return true;
  return Object.values(node).some((v) => someNode(v, visit, depth + 1, seen));
}

export type CodeMatcher = (system: string | undefined, code: string | undefined) => boolean;

export function hasCodingIn(value: unknown, matches: CodeMatcher): boolean {
  return someNode(
    value,
    (n) => typeof n.code === 'string' && typeof n.system === 'string' && matches(n.system, n.code),
  );
}

const REFERENCE_TARGET = /^(?:(.*)\/)?([A-Z][A-Za-z]{1,63})\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/;

/**
 * The type and id a Reference.reference names (relative, absolute or versioned), with the base before them when
 * absolute; undefined for one that names none (a urn:uuid, a contained "#id").
 */
export function referenceTarget(reference: string): { base?: string; type: string; id: string } | undefined {
  const [, base, type, id] = REFERENCE_TARGET.exec(reference) ?? [];
  if (!type || !id) return undefined;
  return base === undefined ? { type, id } : { base, type, id };
}

/** True when any Reference.reference string in the value satisfies the test. */
export function someReference(value: unknown, test: (reference: string) => boolean): boolean {
  return someNode(value, (n) => typeof n.reference === 'string' && test(n.reference));
}

export function hasRestrictedLabel(value: unknown): boolean {
  return someNode(value, isRestricted);
}

/** A v3 Confidentiality coding of R or V (in the R4 or the STU3 system). */
function isRestrictiveCoding(coding: unknown): boolean {
  if (coding === null || typeof coding !== 'object') return false;
  const { system, code } = coding as { system?: unknown; code?: unknown };
  return CONFIDENTIALITY_SYSTEMS.has(system) && typeof code === 'string' && RESTRICTED.has(code);
}

/** Labels as `meta.security` holds them (Codings), or as `securityLabel` does (CodeableConcepts; Codings too). */
function someRestrictiveLabel(labels: unknown): boolean {
  return (
    Array.isArray(labels) &&
    labels.some(
      (label: unknown) =>
        isRestrictiveCoding(label) ||
        (label !== null &&
          typeof label === 'object' &&
          Array.isArray((label as { coding?: unknown }).coding) &&
          (label as { coding: unknown[] }).coding.some(isRestrictiveCoding)),
    )
  );
}

function isRestricted(node: Record<string, unknown>): boolean {
  const meta = node.meta;
  return (
    (meta !== null &&
      typeof meta === 'object' &&
      someRestrictiveLabel((meta as { security?: unknown }).security)) ||
    someRestrictiveLabel(node.securityLabel)
  );
}

/** Whether a pointer's own labels (RecordPointer.labels) withhold it: the same rule as a resource's. */
export function restrictivePointerLabels(pointer: Pick<RecordPointer, 'labels'>): boolean {
  return someRestrictiveLabel(pointer.labels);
}

/**
 * One pass over the whole value (it runs for every resource of every record): a restrictive label anywhere
 * wins at once; otherwise whether any coding anywhere matches; otherwise, when some object or array lay deeper
 * than MAX_DEPTH (where the walk does not go, so what it holds is unknown), 'could-not-check'. The same walk is
 * what tells: nothing else (JSON.stringify, structured clone, a recursive reference search) need meet such a
 * resource, because governance removes it first.
 */
function scan(value: unknown, matches: CodeMatcher): WithholdCause | undefined {
  let coded = false;
  let tooDeep = false;
  // Only objects and arrays are queued: most values are strings and numbers, with nothing inside.
  const values: object[] = [];
  const depths: number[] = [];
  const queue = (v: unknown, depth: number) => {
    if (v !== null && typeof v === 'object') {
      if (depth > MAX_DEPTH) tooDeep = true;
      else {
        values.push(v);
        depths.push(depth);
      }
    }
  };
  queue(value, 0);
  while (values.length) {
    const v = values.pop()!;
    const depth = depths.pop()! + 1;
    if (Array.isArray(v)) {
      for (const item of v) queue(item, depth);
      continue;
    }
    const node = v as Record<string, unknown>;
    // The node's own keys are read once, in the loop that queues its children: "meta", "code" and "system" are
    // looked for there rather than read from every node (each a lookup across thousands of object shapes).
    let code: unknown;
    let system: unknown;
    for (const key in node) {
      const child = node[key];
      if ((key === 'meta' || key === 'securityLabel') && isRestricted(node)) return 'confidentiality-label';
      else if (key === 'code') code = child;
      else if (key === 'system') system = child;
      queue(child, depth);
    }
    if (!coded && typeof code === 'string' && typeof system === 'string') coded = matches(system, code);
  }
  return coded ? 'sensitive-code' : tooDeep ? 'could-not-check' : undefined;
}

function causeFor(parts: unknown[], codeRefs: (CodeRef | undefined)[], sensitive: SensitiveCodes) {
  const matcher: CodeMatcher = (system, code) => sensitive.match(system, code) !== undefined;
  let coded = codeRefs.some((c) => c && matcher(c.system, c.code));
  let unchecked = false;
  for (const part of parts) {
    const cause = scan(part, matcher);
    if (cause === 'confidentiality-label') return cause;
    coded ||= cause === 'sensitive-code';
    unchecked ||= cause === 'could-not-check';
  }
  return coded ? ('sensitive-code' as const) : unchecked ? ('could-not-check' as const) : undefined;
}

/**
 * Each resource's cause, per code list: every progress step and the final record govern everything read so far,
 * and a resource as a source sent it never changes, so its whole tree is walked once (`null`: nothing to
 * withhold). A new code list (policy changed) is a new key, so nothing governed with the old one is reused.
 */
const knownCauses = new WeakMap<SensitiveCodes, WeakMap<object, WithholdCause | null>>();

/** Any resource as a source sent it: codes anywhere in it (contained resources too), or a restrictive label. */
export function resourceWithholdCause(
  resource: unknown,
  sensitive: SensitiveCodes,
): WithholdCause | undefined {
  if (resource === null || typeof resource !== 'object') return causeFor([resource], [], sensitive);
  let known = knownCauses.get(sensitive);
  if (!known) knownCauses.set(sensitive, (known = new WeakMap()));
  const cached = known.get(resource);
  if (cached !== undefined) return cached ?? undefined;
  const cause = causeFor([resource], [], sensitive);
  known.set(resource, cause ?? null);
  return cause;
}

/** Works out each resource's cause ahead (a page as it arrives), so governing the record only looks them up. */
export function learnWithholdCauses(resources: readonly unknown[], sensitive: SensitiveCodes): void {
  for (const resource of resources) resourceWithholdCause(resource, sensitive);
}

/**
 * The codings anywhere in a value, as the rule reads them (a `code` and a `system`, both strings, at any depth
 * up to MAX_DEPTH), each once; `tooDeep` when some object or array lay deeper, where the walk does not go.
 */
export function codingsIn(value: unknown): { codes: CodeRef[]; tooDeep: boolean } {
  const found = new Map<string, CodeRef>();
  let tooDeep = false;
  const values: { v: unknown; depth: number }[] = [{ v: value, depth: 0 }];
  while (values.length) {
    const { v, depth } = values.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > MAX_DEPTH) {
      tooDeep = true;
      continue;
    }
    const children = Array.isArray(v) ? (v as unknown[]) : Object.values(v);
    for (const child of children) values.push({ v: child, depth: depth + 1 });
    if (Array.isArray(v)) continue;
    const { system, code } = v as { system?: unknown; code?: unknown };
    if (typeof system === 'string' && typeof code === 'string')
      found.set(`${system}|${code}`, { system, code });
  }
  return { codes: [...found.values()], tooDeep };
}

/**
 * A pointer: its own labels; its codings (its type, and every other it carries, as a DCR or CHIE
 * DocumentReference is read whole); and the document retrieved with it (codes and labels anywhere in it).
 */
export function pointerWithholdCause(
  pointer: RecordPointer,
  sensitive: SensitiveCodes,
): WithholdCause | undefined {
  if (restrictivePointerLabels(pointer)) return 'confidentiality-label';
  const cause = causeFor([pointer.document], [pointer.type, ...(pointer.codes ?? [])], sensitive);
  return cause ?? (pointer.codesUnchecked ? 'could-not-check' : undefined);
}
