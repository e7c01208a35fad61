// Opening a patient's record for the signed-in clinician: the record slice of the bridge over record access
// (engine → governance → cache, audited there for every caller).
import {
  sectionItemsAfter,
  type RecordEvent,
  type RecordItem,
  type SectionId,
  type WessexRecord,
} from '../../../common/record';
import {
  CUMULATIVE_COLUMNS,
  cumulativePanel,
  recordOverview,
  shownResultRow,
  type RecordLists,
  type ResultRow,
  type ShownResultRow,
} from '../../../common/summary';
import type { BridgeEvents, RecordPage } from '../../../preload/contract';
import { BridgeError, type BridgeHandlers } from '../bridge/dispatch';
import { IdentityNotConfirmedError } from '../composition/clinical-session';
import type { RecordAccess } from '../composition/record-access';
import type { AppLogger } from '../logging';
import type { OpenedRecords } from './opened-records';
import type { SessionFeature } from './session';

export type RecordHandlers = Pick<
  BridgeHandlers,
  | 'record:open'
  | 'record:items'
  | 'record:results'
  | 'record:trends'
  | 'record:result-history'
  | 'record:result-panels'
  | 'record:search'
  | 'record:timeline'
  | 'record:confirm-identity'
  | 'record:decide-identity'
>;

/** Search hits shown at once (the total says how many more there are). */
const SEARCH_HITS = 200;

/** The whole record `requestId` opened and its long lists (read after the summary, for an offline open). */
async function wholeOf(
  opened: OpenedRecords,
  nhsNumber: string,
  requestId: string,
): Promise<{ record: WessexRecord; lists: RecordLists }> {
  const record = opened.byRequest(nhsNumber, requestId);
  if (!record) throw notOpen();
  let whole: { record: WessexRecord; lists: RecordLists };
  try {
    whole = await record.whole();
  } catch (error) {
    throw new BridgeError('unavailable', error instanceof Error ? error.message : String(error));
  }
  // Locked, signed out or opened again while the whole record was being read: nothing goes out.
  if (opened.byRequest(nhsNumber, requestId) !== record) throw notOpen();
  return whole;
}

/** A page of results rows as the screen gets them: each with its sources, not its resource. */
function shownRows(total: number, offset: number, rows: readonly ResultRow[]): RecordPage<ShownResultRow> {
  return { total, offset, rows: rows.map(shownResultRow) };
}

function notOpen(): BridgeError {
  return new BridgeError(
    'invalid-argument',
    'This record is no longer open (it was opened again, or the session locked). Open the record again.',
  );
}

export function recordHandlers(deps: {
  sessions: SessionFeature;
  records: RecordAccess;
  opened: OpenedRecords;
  logger: AppLogger;
  /** False when the window (any listener) did not take the event. */
  emit: (name: 'record:event', payload: BridgeEvents['record:event']) => boolean;
}): RecordHandlers {
  return {
    'record:open': async ({ nhsNumber, requestId, preferOffline, offlineOnly, keepsSectionEvents }) => {
      const started = performance.now();
      const session = deps.sessions.current();
      deps.opened.begin(nhsNumber, requestId);
      // Each section's entries as the caller has them from the events (it folds them as the screen does).
      const sent = new Map<SectionId, RecordItem[]>();
      // Sections an event of which the window did not take, until one with entries reaches it: what the
      // screen holds of them is unknown, so the answer carries them whole.
      const lost = new Set<SectionId>();
      const opened = await deps.records.open({
        requestId,
        identity: session.identityFor(nhsNumber),
        decisions: session.decisionsFor(nhsNumber),
        governance: deps.sessions.governance(nhsNumber),
        breakGlassReason: session.reasons.breakGlassFor(nhsNumber)?.freeText,
        ungrantedScopes: session.origin.ungrantedScopes,
        ...(preferOffline ? { preferOffline } : {}),
        ...(offlineOnly ? { offlineOnly } : {}),
        // The finished record goes to the screen as the result (an overview), never as an event.
        emit: (event: RecordEvent) => {
          // Progress of an open its session no longer shows (locked, signed out, replaced) stays in main.
          if (event.type === 'record' || !deps.sessions.shows(session)) return;
          const delivered = deps.emit('record:event', event);
          if (keepsSectionEvents && event.type === 'section') {
            if (!delivered) {
              sent.delete(event.section);
              lost.add(event.section);
            } else if (event.items || !lost.has(event.section)) {
              sent.set(event.section, sectionItemsAfter(event, sent.get(event.section)));
              lost.delete(event.section);
            }
          }
          // The record reader holds the section back and sends its entries in full next time (logged there).
          if (!delivered) throw new BridgeError('unavailable', 'The window did not take this update.');
        },
      });
      // The session may have locked or ended while the sources answered: nothing of the record is kept open.
      deps.sessions.assertStillShows(session);
      const kept = deps.opened.set(nhsNumber, requestId, opened.record, opened.partial?.readWhole);
      deps.logger.log('record.opened', {
        phase: opened.from,
        count: opened.record.items.length,
        durationMs: Math.round(performance.now() - started),
      });
      for (const s of opened.record.sources)
        deps.logger.log('record.source', { sourceId: s.id, sourceState: s.state, count: s.resourceCount });
      return recordOverview(opened.record, kept.lists, opened.partial?.longLists, new Date(), sent);
    },
    'record:items': async ({ nhsNumber, requestId, section, offset, limit, order }) => {
      const items = (await wholeOf(deps.opened, nhsNumber, requestId)).lists.sections[section];
      const rows =
        order === 'oldest-first'
          ? items
              .slice(Math.max(0, items.length - offset - limit), Math.max(0, items.length - offset))
              .reverse()
          : items.slice(offset, offset + limit);
      return { total: items.length, offset, rows };
    },
    'record:results': async ({ nhsNumber, requestId, offset, limit, flaggedOnly }) => {
      const { lists } = await wholeOf(deps.opened, nhsNumber, requestId);
      if (!flaggedOnly) return shownRows(lists.resultItems.length, offset, lists.resultRows(offset, limit));
      const flagged = lists.flagged();
      return shownRows(flagged.length, offset, flagged.slice(offset, offset + limit));
    },
    'record:trends': async ({ nhsNumber, requestId, range }) => {
      const { lists } = await wholeOf(deps.opened, nhsNumber, requestId);
      return { charts: lists.trendCharts(range ?? 'all', new Date()), total: lists.trends().length };
    },
    'record:result-history': async ({ nhsNumber, requestId, testKey, offset, limit }) => {
      const rows = (await wholeOf(deps.opened, nhsNumber, requestId)).lists.history(testKey);
      return shownRows(rows.length, offset, rows.slice(offset, offset + limit));
    },
    'record:result-panels': async ({ nhsNumber, requestId, panel, dateOffset }) => {
      const groups = (await wholeOf(deps.opened, nhsNumber, requestId)).lists.panels();
      const wanted = panel === undefined ? groups : groups.filter((g) => g.key === panel);
      if (panel !== undefined && !wanted.length) {
        throw new BridgeError('invalid-argument', 'That panel is not in the record you have open.');
      }
      return {
        panels: wanted.map((g) => cumulativePanel(g, dateOffset ?? 0)),
        columns: CUMULATIVE_COLUMNS,
      };
    },
    'record:search': async ({ nhsNumber, requestId, query, limit }) => {
      const { lists } = await wholeOf(deps.opened, nhsNumber, requestId);
      return lists.search().find(query, limit ?? SEARCH_HITS);
    },
    'record:timeline': async ({ nhsNumber, requestId, offset, limit, ...filter }) => {
      const { lists } = await wholeOf(deps.opened, nhsNumber, requestId);
      return lists.timeline().page(filter, offset, limit);
    },
    'record:confirm-identity': async ({ nhsNumber, familyName, birthDate }) => {
      try {
        deps.sessions.current().confirmIdentity(nhsNumber, familyName, birthDate);
      } catch (error) {
        if (error instanceof IdentityNotConfirmedError)
          throw new BridgeError('invalid-argument', error.message);
        throw error;
      }
      return { confirmed: true };
    },
    'record:decide-identity': async ({ nhsNumber, sourceId, decision }) => {
      // A decision is about the patient the clinician was shown: the one held apart in the record they have open.
      const apart = deps.opened.get(nhsNumber)?.heldApart.find((h) => h.sourceId === sourceId);
      if (!apart) {
        throw new BridgeError(
          'invalid-argument',
          'That source is not held apart in the record you have open. Open the record again and review it.',
        );
      }
      deps.sessions.current().decideIdentity(nhsNumber, sourceId, apart.patientKey, decision);
      return { decided: true };
    },
  };
}
