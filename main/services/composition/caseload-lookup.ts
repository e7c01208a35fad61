// Turns "my appointments today" or "my caseload list" into NHS numbers, from the first regional source with
// its own token. Whatever goes wrong (no practitioner, server down, nothing booked) comes back as plain words,
// so a caseload is never silently empty.
import type { TokenProvider } from '../auth/token-provider';
import { FetchFailure, isNetworkError, SourceClient, tokenFromProvider, type Transport } from '../http';
import {
  caseloadFromAppointments,
  caseloadFromList,
  findCaseloadList,
  type CaseloadResult,
} from '../prefetch';
import type { EngineSource } from '../record';

const LOOKUP_TIMEOUT_MS = 30_000;

export type CaseloadFrom =
  | { kind: 'appointments'; date: string }
  /** A List by id, or (without one) the practitioner's current caseload List. */
  | { kind: 'list'; listId?: string };

export interface CaseloadLookupRequest {
  /** Where appointments and caseloads are kept: the first configured regional source. */
  source: EngineSource | undefined;
  tokens: TokenProvider;
  /** "Practitioner/<id>" of the clinician whose caseload it is. */
  practitioner: string | undefined;
  from: CaseloadFrom;
  /** Tests only; default: the client's own undici connections. */
  transport?: Transport;
}

export interface CaseloadLookup {
  nhsNumbers: string[];
  /** Plain words: why nothing (or not everything) could be found. */
  problems: string[];
}

/** "Practitioner/x", "x" or a Practitioner URL (e.g. an EPR fhirUser) → "Practitioner/x"; else undefined. */
export function practitionerReference(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (/^[A-Za-z0-9\-.]{1,64}$/.test(value)) return `Practitioner/${value}`;
  const id = /(?:^|\/)Practitioner\/([A-Za-z0-9\-.]{1,64})\/?$/.exec(value)?.[1];
  return id ? `Practitioner/${id}` : undefined;
}

/** The signed-in user's Practitioner: resolved at launch, else read from a Practitioner fhirUser. */
export function practitionerOf(user: { practitioner?: string; fhirUser?: string }): string | undefined {
  return practitionerReference(user.practitioner) ?? practitionerReference(user.fhirUser);
}

export async function lookUpCaseload(request: CaseloadLookupRequest): Promise<CaseloadLookup> {
  const { source, from } = request;
  const what = from.kind === 'appointments' ? 'appointments' : 'caseload list';
  const fail = (problem: string): CaseloadLookup => ({ nhsNumbers: [], problems: [problem] });
  if (!source) return fail(`No record source is configured, so there is no ${what} to fetch.`);
  if (!request.practitioner && !(from.kind === 'list' && from.listId)) {
    return fail(`Your sign-in did not say which practitioner you are, so your ${what} could not be found.`);
  }
  // The source's client: its token (obtained within the deadline), its origin only, bounded answers.
  const server = new SourceClient({
    name: source.name,
    baseUrl: source.fhirBase,
    token: tokenFromProvider(request.tokens, source.id),
    deadlineMs: LOOKUP_TIMEOUT_MS,
    ...(request.transport ? { transport: request.transport } : {}),
  });
  try {
    let result: CaseloadResult;
    if (from.kind === 'appointments') {
      result = await caseloadFromAppointments(server, request.practitioner ?? '', from.date);
      if (!result.nhsNumbers.length && !result.problems.length && !result.warnings.length) {
        return fail(`You have no appointments on ${from.date} on ${source.name}.`);
      }
    } else {
      const listId = from.listId ?? (await findCaseloadList(server, request.practitioner ?? ''));
      if (!listId) return fail(`${source.name} holds no caseload list for you.`);
      result = await caseloadFromList(server, listId);
      if (!result.nhsNumbers.length && !result.problems.length && !result.warnings.length) {
        return fail(`Your caseload list on ${source.name} has no patients on it.`);
      }
    }
    return {
      nhsNumbers: result.nhsNumbers,
      problems: [
        ...result.warnings,
        ...result.problems.map(
          (p) => `${what === 'appointments' ? 'Appointment' : 'List'} entry ${p.line}: ${p.message}`,
        ),
      ],
    };
  } catch (error) {
    if (isNetworkError(error)) {
      return fail(
        `${source.name} could not be reached, so your ${what} could not be fetched. Try again when connected.`,
      );
    }
    if (error instanceof FetchFailure) {
      return fail(`Your ${what} could not be fetched: ${source.name} ${error.message}.`);
    }
    const reason = error instanceof Error && error.message ? error.message : 'an unexpected error';
    return fail(`Your ${what} could not be fetched from ${source.name}: ${reason}`);
  } finally {
    await server.close();
  }
}
