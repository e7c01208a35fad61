// Asks every directory at once for the patients with this name and date of birth: each configured regional
// source's Patient endpoint with its own token, and the EPR's with the signed-in clinician's (each token goes
// to its own origin only, through that source's client). A directory that is down, refuses or is too slow is
// named with why, so the list never looks complete when it is not.
import {
  PATIENT_SEARCH_LIMIT,
  type DirectoryStatus,
  type PatientSearchQuery,
  type PatientSearchResult,
} from '../../../common/patient-search';
import type { TokenProvider } from '../auth/token-provider';
import { asFetchFailure, readAllPages, SourceClient, tokenFromProvider, type SourceToken } from '../http';
import type { Json } from '../record/fhir-read';
import { matchPeople, type DirectoryAnswer } from '../record/patient-matches';

const SEARCH_TIMEOUT_MS = 20_000;
/** Pages read from one directory: a server paging in small pages still gets to say there are too many. */
const PAGE_CAP = 2;

export interface Directory {
  id: string;
  name: string;
  fhirBase: string;
  token: SourceToken;
}

/** A directory that was not asked, and why (e.g. the sign-in does not allow searching it). */
export interface SkippedDirectory {
  id: string;
  name: string;
  reason: string;
}

export interface DirectorySearchRequest {
  query: PatientSearchQuery;
  directories: readonly Directory[];
  skipped?: readonly SkippedDirectory[];
  deadlineMs?: number;
}

/** The regional sources as directories, each with its token from the provider. */
export function regionalDirectories(
  sources: readonly { id: string; name: string; fhirBase: string }[],
  tokens: TokenProvider,
): Directory[] {
  return sources.map((s) => ({ ...s, token: tokenFromProvider(tokens, s.id) }));
}

/** The FHIR search the directories are asked (also what the audit records as the query). */
export function searchPath(query: PatientSearchQuery): string {
  const params = new URLSearchParams({ family: query.family });
  if (query.given) params.set('given', query.given);
  params.set('birthdate', `eq${query.birthDate}`);
  if (query.postcode) params.set('address-postalcode', query.postcode);
  return `Patient?${params.toString()}`;
}

interface Asked {
  answer?: DirectoryAnswer;
  status: DirectoryStatus;
}

async function ask(directory: Directory, query: PatientSearchQuery, deadlineMs: number): Promise<Asked> {
  const client = new SourceClient({
    name: directory.name,
    baseUrl: directory.fhirBase,
    token: directory.token,
    deadlineMs,
  });
  const patients: Json[] = [];
  const status: DirectoryStatus = { id: directory.id, name: directory.name, state: 'answered', matches: 0 };
  try {
    const read = await readAllPages(
      client,
      client.url(`${searchPath(query)}&_count=${PATIENT_SEARCH_LIMIT + 1}`),
      { pageCap: PAGE_CAP, priority: 'critical', label: 'Patient', onPage: (page) => patients.push(...page) },
    );
    // More than the list holds: the clinician narrows the search, whatever else was left unread.
    if (read.incomplete && patients.length <= PATIENT_SEARCH_LIMIT) {
      status.state = 'partial';
      status.message = read.warnings.join('; ') || `${directory.name} did not send every match`;
    }
    return { answer: { directory, patients }, status };
  } catch (error) {
    const failure = asFetchFailure(error);
    return { status: { ...status, state: 'failed', message: `${directory.name} ${failure.message}` } };
  } finally {
    await client.close();
  }
}

export async function searchDirectories(request: DirectorySearchRequest): Promise<PatientSearchResult> {
  const deadlineMs = request.deadlineMs ?? SEARCH_TIMEOUT_MS;
  const asked = await Promise.all(request.directories.map((d) => ask(d, request.query, deadlineMs)));
  const answers = asked.flatMap((a) => (a.answer ? [a.answer] : []));
  const { matches, counted } = matchPeople(answers, request.query);
  const directories: DirectoryStatus[] = asked.map(({ status }) => {
    const count = counted.get(status.id);
    if (!count) return status;
    const notes = [status.message, ...count.ignored].filter(Boolean);
    return { ...status, matches: count.matched, ...(notes.length ? { message: notes.join('; ') } : {}) };
  });
  for (const skipped of request.skipped ?? []) {
    directories.push({
      id: skipped.id,
      name: skipped.name,
      state: 'not-searched',
      message: skipped.reason,
      matches: 0,
    });
  }
  const sentTooMany = answers.some((a) => a.patients.length > PATIENT_SEARCH_LIMIT);
  return {
    matches: matches.slice(0, PATIENT_SEARCH_LIMIT),
    tooMany: sentTooMany || matches.length > PATIENT_SEARCH_LIMIT,
    directories,
    // A directory the sign-in may not search is named, but was never part of what this search could cover.
    // Nothing asked is not a complete answer.
    complete:
      directories.some((d) => d.state === 'answered') &&
      directories.every((d) => d.state === 'answered' || d.state === 'not-searched'),
  };
}
