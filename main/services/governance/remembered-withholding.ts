// What a saved copy remembers of the entries withheld from it (record/snapshot.ts WithheldCopy: hashes, never
// ids or codes), applied when it is governed again with a refresh: a refresh sends only what changed, so what
// references a withheld entry, or another source's copy of it, may come without it. Both are withheld as before,
// for its reason, until every source holding the entry has sent it again.
import type { Json } from '../record/fhir-read';
import { factsOf } from '../record/resource-facts';
import { SUPPORTING_TYPES } from '../record/sections';
import { withheldCopyKey, withheldHash, type SourceSnapshot } from '../record/snapshot';
import {
  referenceTarget,
  someReference,
  WITHHELD_REASON,
  type WithholdingCause as Cause,
} from './sensitive-filter';

export interface Remembered {
  /** Resources withheld for what they remember, each with its reason. */
  inherited: Map<Json, Cause>;
  /** Hashed entry keys some source's saved count already counts: not counted again. */
  counted: Set<string>;
}

/** A remembered cause as read back from the saved copy (one not known, as a sensitive code's). */
function knownCause(cause: string | undefined): Cause {
  return cause !== undefined && cause !== 'dissent' && Object.hasOwn(WITHHELD_REASON, cause)
    ? (cause as Cause)
    : 'sensitive-code';
}

// Hashed once per resource for as long as it is held (progress governs the same resources again and again).
const hashedKeys = new WeakMap<Json, readonly string[]>();

/** A resource's entry keys as withheld entries' are remembered. */
export function hashedEntryKeys(resource: Json): readonly string[] {
  let keys = hashedKeys.get(resource);
  if (!keys) hashedKeys.set(resource, (keys = factsOf(resource).matchKeys.map(withheldHash)));
  return keys;
}

/**
 * Adds to `withheld` what the sources' remembered withholding reaches: a copy of a remembered entry (by its
 * hashed keys, in any source) and what references a remembered copy (in its source). Only `fresh` resources
 * (all when not given) are checked, and only resources of, and references to, the types remembered are hashed.
 */
export function applyRemembered(
  sources: readonly SourceSnapshot[],
  withheld: Map<SourceSnapshot, Set<number>>,
  fresh?: ReadonlySet<Json>,
): Remembered {
  const inherited = new Map<Json, Cause>();
  const counted = new Set<string>();
  const byKey = new Map<string, Cause>();
  const keyTypes = new Set<string>();
  for (const source of sources)
    for (const copy of source.withheldCopies ?? [])
      for (const key of copy.keys ?? []) {
        if (!byKey.has(key)) byKey.set(key, knownCause(copy.cause));
        if (copy.counted) counted.add(key);
        keyTypes.add(copy.type);
      }
  for (const source of sources) {
    const byReference = rememberedReferences(source);
    if (!byKey.size && !byReference) continue;
    const out = withheld.get(source)!;
    source.resources.forEach((r, i) => {
      const type = String(r.resourceType);
      if (out.has(i) || type === 'Patient' || (fresh && !fresh.has(r))) return;
      let cause: Cause | undefined;
      if (keyTypes.has(type) && !SUPPORTING_TYPES.has(type))
        for (const key of hashedEntryKeys(r)) cause ??= byKey.get(key);
      if (cause === undefined && byReference)
        someReference(r, (ref) => (cause = byReference(ref)) !== undefined);
      if (cause === undefined) return;
      out.add(i);
      inherited.set(r, cause);
    });
  }
  return { inherited, counted };
}

/** The cause of the remembered copy a reference names in this source, each target hashed once; none: nothing. */
function rememberedReferences(source: SourceSnapshot): ((ref: string) => Cause | undefined) | undefined {
  const copies = source.withheldCopies ?? [];
  if (!copies.length) return undefined;
  const causes = new Map(copies.map((c) => [c.copy, knownCause(c.cause)]));
  const types = new Set(copies.map((c) => c.type));
  const targets = new Map<string, Cause | undefined>();
  return (ref) => {
    const target = referenceTarget(ref);
    if (!target || !types.has(target.type)) return undefined;
    const key = `${target.type}/${target.id}`;
    if (!targets.has(key))
      targets.set(
        key,
        causes.get(withheldCopyKey(source.status.id, { resourceType: target.type, id: target.id })),
      );
    return targets.get(key);
  };
}
