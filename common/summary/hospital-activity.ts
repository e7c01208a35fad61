// Where the patient is in hospital care right now and lately: an admission still open ("In hospital now"),
// and the admissions and emergency department attendances of the last 30 days, from every encounter held.
import type { Encounter } from '../fhir';
import { isObject, objectsIn, str, type JsonObject } from '../json';
import type { RecordItem } from '../record';
import { dateKey } from './dates';
import { sourceNames } from './provenance';

export interface HospitalEpisode {
  kind: 'Admission' | 'ED attendance';
  start?: string;
  end?: string;
  /** Ward or location, else the organisation. */
  where: string;
  /** Whole days from admission to discharge (or to now, while still in). */
  lengthOfStayDays?: number;
  inProgress: boolean;
  sources: string[];
  key: string;
}

export interface HospitalActivity {
  /** An inpatient stay still in progress. */
  inHospital?: HospitalEpisode;
  /** Admissions and ED attendances that started or ended in the last 30 days, newest first. */
  recent: HospitalEpisode[];
}

const INPATIENT = new Set(['IMP', 'ACUTE', 'NONAC', 'SS']);
const EMERGENCY = new Set(['EMER']);
const ADMISSION_CODES = new Set(['32485007', '183452005', '305408004']);
const ED_CODES = new Set(['4525004', '50849002', '702927004']);
const OPEN = new Set(['in-progress', 'arrived', 'triaged', 'onleave']);
const DAY = 86_400_000;

/** An admission or ED attendance (by class or type code); undefined for other encounters. */
export function hospitalKind(encounter: Encounter): HospitalEpisode['kind'] | undefined {
  // Read loosely: a server may send any JSON shape here (`type: "x"`, `type: [null]`), which is no kind.
  const loose = encounter as unknown as JsonObject;
  const cls = (isObject(loose.class) ? str(loose.class.code) : undefined) ?? '';
  const codes = objectsIn(loose.type)
    .flatMap((t) => objectsIn(t.coding))
    .map((c) => str(c.code) ?? '');
  if (EMERGENCY.has(cls) || codes.some((c) => ED_CODES.has(c))) return 'ED attendance';
  if (INPATIENT.has(cls) || codes.some((c) => ADMISSION_CODES.has(c))) return 'Admission';
  return undefined;
}

function episode(item: RecordItem, now: Date): HospitalEpisode | undefined {
  if (item.resource.resourceType !== 'Encounter') return undefined;
  const encounter = item.resource as Encounter;
  const kind = hospitalKind(encounter);
  if (!kind) return undefined;
  const inProgress = isOpenEncounter(encounter);
  const start = encounter.period?.start;
  const end = inProgress ? undefined : encounter.period?.end;
  const loose = encounter as unknown as JsonObject;
  const where =
    objectsIn(loose.location)
      .map((l) => (isObject(l.location) ? str(l.location.display) : undefined))
      .find(Boolean) ??
    (isObject(loose.serviceProvider) ? str(loose.serviceProvider.display) : undefined) ??
    'Location not recorded';
  const result: HospitalEpisode = { kind, where, inProgress, sources: sourceNames(item), key: item.key };
  if (start) result.start = start;
  if (end) result.end = end;
  // A finished stay with no recorded end has no length we can give (not "until today").
  const days = kind === 'Admission' && (inProgress || end) ? stayDays(start, end, now) : undefined;
  if (days !== undefined) result.lengthOfStayDays = days;
  return result;
}

/** Not yet ended: in progress, arrived, triaged or on leave. */
export function isOpenEncounter(encounter: Pick<Encounter, 'status'>): boolean {
  return OPEN.has(encounter.status ?? '');
}

/** Whole days from `start` to `end` (or to now, while still in); undefined when the dates do not allow it. */
export function stayDays(start: string | undefined, end: string | undefined, now: Date): number | undefined {
  const from = dateKey(start);
  const to = end ? dateKey(end) : now.getTime();
  return Number.isFinite(from) && Number.isFinite(to) && to >= from
    ? Math.floor((to - from) / DAY)
    : undefined;
}

export function hospitalActivity(encounters: readonly RecordItem[], now: Date): HospitalActivity {
  const since = now.getTime() - 30 * DAY;
  const episodes = encounters.map((e) => episode(e, now)).filter((e): e is HospitalEpisode => !!e);
  const inHospital = episodes
    .filter((e) => e.inProgress && e.kind === 'Admission')
    .sort((a, b) => dateKey(b.start) - dateKey(a.start))[0];
  const recent = episodes
    .filter((e) => e.inProgress || Math.max(dateKey(e.start), dateKey(e.end)) >= since)
    .sort((a, b) => dateKey(b.start) - dateKey(a.start));
  return { ...(inHospital ? { inHospital } : {}), recent };
}
