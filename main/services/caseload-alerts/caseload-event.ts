// A notified (or polled) resource as a CaseloadEvent, before governance: which caseload patient it is about
// (by NHS number, or the source's Patient id), what happened, when and where. Undefined when it is not an
// alert; `notOnCaseload` when it is about someone else (ignored and counted by the caller).
import type { CaseloadEvent } from '../../../common/caseload-events';
import { isObject, str, type JsonObject } from '../../../common/json';
import { classify } from './classify';
import { patientOf } from './classify';

export interface CaseloadPatients {
  /** NHS number → the name the source gives. */
  names: ReadonlyMap<string, string | undefined>;
  /** This source's Patient id → NHS number. */
  byId: ReadonlyMap<string, string>;
}

export type BuiltEvent =
  { event: CaseloadEvent; dedupeKeys: string[] } | { notOnCaseload: true } | { notAnAlert: true };

export interface EventSource {
  sourceId: string;
  sourceName: string;
}

export function buildEvent(
  resource: JsonObject,
  topic: string | undefined,
  source: EventSource,
  patients: CaseloadPatients,
  receivedAt: Date,
  timestamp?: string,
): BuiltEvent {
  const pointer = patientOf(resource);
  const nhsNumber =
    pointer.nhsNumber ?? (pointer.patientId ? patients.byId.get(pointer.patientId) : undefined);
  if (!nhsNumber || !patients.names.has(nhsNumber)) return { notOnCaseload: true };
  const what = classify(resource, topic);
  if (!what) return { notAnAlert: true };
  const focus = `${String(resource.resourceType)}/${str(resource.id) ?? 'unknown'}`;
  const version = isObject(resource.meta) ? str(resource.meta.versionId) : undefined;
  const id = `${source.sourceId}|${focus}|${what.kind}`;
  const name = patients.names.get(nhsNumber);
  const received = receivedAt.toISOString();
  const event: CaseloadEvent = {
    id,
    sourceId: source.sourceId,
    sourceName: source.sourceName,
    nhsNumber,
    ...(name ? { patientName: name } : {}),
    kind: what.kind,
    at: validInstant(what.at) ?? validInstant(timestamp) ?? received,
    receivedAt: received,
    ...(what.where ? { where: what.where } : {}),
    ...(what.since ? { since: what.since } : {}),
    ...(what.until ? { until: what.until } : {}),
    ...(what.title ? { title: what.title } : {}),
  };
  // One alert per encounter and meaning (an admission is not announced again when the ward changes), and
  // per resource version.
  const dedupeKeys = [id, ...(version ? [`${source.sourceId}|${focus}|v${version}|${what.kind}`] : [])];
  return { event, dedupeKeys };
}

function validInstant(value: string | undefined): string | undefined {
  return value && !Number.isNaN(Date.parse(value)) ? value : undefined;
}
