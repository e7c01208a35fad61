// What the merge, governance and the saved copy read from each resource, worked out once per parsed resource
// (as its page arrives, while the next is still on the wire) rather than by each of them in turn at the end.
// Resources are never changed once parsed, so what is learnt about one stays true.
import type { CodeRef, SectionId } from '../../../common/record';
import {
  type Json,
  lastUpdated,
  mainConcept,
  primaryCoding,
  resourceDate,
  resourceDisplay,
  resourceStatus,
} from './fhir-read';
import { clinicalFingerprint, identifierKeys } from './fingerprint';
import { classifySection, SUPPORTING_TYPES } from './sections';

export interface ResourceFacts {
  section: SectionId;
  /** Business identifiers (system|value), strongest evidence two copies are one entry. */
  identifierKeys: readonly string[];
  fingerprint: string | undefined;
  /** The identifier keys, then the fingerprint: every key under which another copy may be found. */
  matchKeys: readonly string[];
  lastUpdated: string | undefined;
  date: string | undefined;
  status: string | undefined;
  code: CodeRef | undefined;
  /** What a clinician reads for it, before any source's medication names are looked up. */
  display: string;
}

const known = new WeakMap<Json, ResourceFacts>();

export function factsOf(resource: Json): ResourceFacts {
  let facts = known.get(resource);
  if (!facts) known.set(resource, (facts = learn(resource)));
  return facts;
}

/** Learns the facts of a page's entries (supporting resources have none worth keeping). */
export function learnFacts(resources: readonly Json[]): void {
  for (const resource of resources) {
    if (!SUPPORTING_TYPES.has(String(resource.resourceType))) factsOf(resource);
  }
}

function learn(resource: Json): ResourceFacts {
  const ids = identifierKeys(resource);
  const fingerprint = clinicalFingerprint(resource);
  return {
    section: classifySection(resource),
    identifierKeys: ids,
    fingerprint,
    matchKeys: fingerprint ? [...ids, fingerprint] : ids,
    lastUpdated: lastUpdated(resource),
    date: resourceDate(resource),
    status: resourceStatus(resource),
    code: primaryCoding(mainConcept(resource)),
    display: resourceDisplay(resource),
  };
}
