// What the merge, governance and the saved copy read from each resource, worked out once per parsed resource
// (as its page arrives, while the next is still on the wire) rather than by each of them in turn at the end.
// Resources are never changed once parsed, so what is learnt about one stays true.
import type { CodeRef, SectionId } from '../../../common/record';
import {
  clinicalDate,
  type Json,
  lastUpdated,
  mainConcept,
  primaryCoding,
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

// Kept on the resource itself, under a symbol and not enumerable: JSON, structured clone, Object.keys and
// spread copies never see it. A WeakMap cost the merge more than learning the facts (its lookups, and the GC's
// ephemeron tables over tens of thousands of resources).
const FACTS = Symbol('resource facts');

type WithFacts = Json & { [FACTS]?: ResourceFacts };

export function factsOf(resource: Json): ResourceFacts {
  const known = (resource as WithFacts)[FACTS];
  if (known) return known;
  const facts = learn(resource);
  // A frozen resource (a test's fixture, a constant) is learnt again each time rather than refused.
  if (Object.isExtensible(resource)) Object.defineProperty(resource, FACTS, { value: facts });
  return facts;
}

/** Learns the facts of a page's entries (supporting resources have none worth keeping). */
export function learnFacts(resources: readonly Json[]): void {
  for (const resource of resources) {
    if (!SUPPORTING_TYPES.has(String(resource.resourceType))) factsOf(resource);
  }
}

function learn(resource: Json): ResourceFacts {
  // Each part is read from the resource once and shared by the facts made from it.
  const concept = mainConcept(resource);
  const date = clinicalDate(resource);
  const status = resourceStatus(resource);
  const updated = lastUpdated(resource);
  const ids = identifierKeys(resource);
  const fingerprint = clinicalFingerprint(resource, { concept, clinicalDate: date, status });
  return {
    section: classifySection(resource, concept),
    identifierKeys: ids,
    fingerprint,
    matchKeys: fingerprint ? [...ids, fingerprint] : ids,
    lastUpdated: updated,
    date: date ?? updated,
    status,
    code: primaryCoding(concept),
    display: resourceDisplay(resource, undefined, concept),
  };
}
