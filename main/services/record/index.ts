// The record engine's public surface: the rest of main imports from here only.
import type { MachinePolicy } from '../policy/schema';
import type { EngineSource } from './source-progress';

export { fetchSnapshot, DEFAULT_ENGINE_OPTIONS } from './engine';
export type {
  CallbackFailure,
  EngineOptions,
  EngineSource,
  SnapshotProgress,
  SnapshotRequest,
} from './engine';
export { assembleRecord, type RecordRequest } from './assemble';
export { buildRecord, type BuildOptions } from './build-record';
export { UrgentCareProgress, urgentCareEvents } from './progress-events';
export type { RecordIdentity } from './record-identity';
export type { RecordSnapshot, SourceSnapshot } from './snapshot';
export { patientSummary, nhsNumberOf, verificationOf } from './patient-identity';

/** The regional sources and record locator a machine policy configures, in the engine's terms. */
export function sourcesFromPolicy(policy: Pick<MachinePolicy, 'sources' | 'recordLocator'>): {
  sources: EngineSource[];
  locator?: EngineSource;
} {
  const pick = (s: EngineSource): EngineSource => ({ id: s.id, name: s.name, fhirBase: s.fhirBase });
  return {
    sources: policy.sources.map(pick),
    ...(policy.recordLocator ? { locator: pick(policy.recordLocator) } : {}),
  };
}
