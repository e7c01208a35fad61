// Offline cache schema, numbered. Never edit an applied migration: add the next one.
import type { Json } from '../record/fhir-read';
import type { Migration } from './encrypted-database';
import { isSharedCopy, snapshotFromMergedRecord, type MergedRecordRow } from './merged-record-migration';

export const cacheMigrations: readonly Migration[] = [
  {
    version: 1,
    description: 'records and their items',
    up: (db) =>
      db.exec(`
        CREATE TABLE records (
          nhs_number   TEXT PRIMARY KEY,
          name         TEXT NOT NULL,
          birth_date   TEXT,
          fetched_at   TEXT NOT NULL,
          expires_at   TEXT NOT NULL,
          pinned       INTEGER NOT NULL DEFAULT 0,
          sources_json TEXT NOT NULL,
          record_json  TEXT NOT NULL
        );
        CREATE TABLE items (
          nhs_number    TEXT NOT NULL REFERENCES records(nhs_number) ON DELETE CASCADE,
          position      INTEGER NOT NULL,
          item_key      TEXT NOT NULL,
          section       TEXT NOT NULL,
          resource_type TEXT NOT NULL,
          date          TEXT,
          code          TEXT,
          source_ids    TEXT NOT NULL,
          item_json     TEXT NOT NULL,
          PRIMARY KEY (nhs_number, position)
        );
        CREATE INDEX items_by_section ON items(nhs_number, section, date);
      `),
  },
  {
    version: 2,
    description: 'offline search, expiry, refresh bookkeeping and resource indexes',
    up: (db) => {
      db.exec(`
        ALTER TABLE records ADD COLUMN name_search TEXT NOT NULL DEFAULT '';
        ALTER TABLE records ADD COLUMN sources_as_of_json TEXT NOT NULL DEFAULT '{}';
        ALTER TABLE records ADD COLUMN full_refreshed_at TEXT;
        UPDATE records SET name_search = lower(name), full_refreshed_at = fetched_at;
        CREATE INDEX records_by_name ON records(name_search);
        CREATE INDEX records_by_birth_date ON records(birth_date);
        CREATE INDEX records_by_expiry ON records(expires_at);
        CREATE INDEX items_by_type ON items(nhs_number, resource_type, date);
        CREATE INDEX items_by_code ON items(code);
      `);
      // Per-source as-of times used to come only from the source statuses.
      const rows = db.prepare('SELECT nhs_number, sources_json FROM records').all() as {
        nhs_number: string;
        sources_json: string;
      }[];
      const update = db.prepare('UPDATE records SET sources_as_of_json = ? WHERE nhs_number = ?');
      for (const row of rows) {
        const sources = JSON.parse(row.sources_json) as { id: string; fetchedAt?: string }[];
        const asOf = Object.fromEntries(sources.filter((s) => s.fetchedAt).map((s) => [s.id, s.fetchedAt]));
        update.run(JSON.stringify(asOf), row.nhs_number);
      }
    },
  },
  {
    version: 3,
    description: 'per-source snapshots (one shared, ungoverned-by-user copy) and offline documents',
    up: (db) => {
      db.exec(`
        CREATE TABLE resources (
          nhs_number    TEXT NOT NULL REFERENCES records(nhs_number) ON DELETE CASCADE,
          source_id     TEXT NOT NULL,
          resource_type TEXT NOT NULL,
          resource_id   TEXT NOT NULL,
          section       TEXT NOT NULL,
          date          TEXT,
          resource_json TEXT NOT NULL,
          PRIMARY KEY (nhs_number, source_id, resource_type, resource_id)
        );
        CREATE INDEX resources_by_section ON resources(nhs_number, section, date);
        CREATE TABLE notices (text TEXT NOT NULL);
        CREATE TABLE documents (
          nhs_number   TEXT NOT NULL REFERENCES records(nhs_number) ON DELETE CASCADE,
          address      TEXT NOT NULL,
          content_type TEXT NOT NULL,
          title        TEXT NOT NULL,
          bytes        BLOB NOT NULL,
          fetched_at   TEXT NOT NULL,
          PRIMARY KEY (nhs_number, address)
        );
      `);
      // Merged items become their sources' resources again (the representative copy for each source that
      // held it); the next online open is a full refresh, which replaces them with what the sources hold.
      const insert = db.prepare(
        `INSERT OR IGNORE INTO resources (nhs_number, source_id, resource_type, resource_id, section, date, resource_json)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      );
      const update = db.prepare(
        'UPDATE records SET record_json = ?, full_refreshed_at = NULL WHERE nhs_number = ?',
      );
      const records = db.prepare('SELECT nhs_number, record_json FROM records').all() as {
        nhs_number: string;
        record_json: string;
      }[];
      const items = db.prepare(
        'SELECT position, item_json FROM items WHERE nhs_number = ? ORDER BY position',
      );
      const remove = db.prepare('DELETE FROM records WHERE nhs_number = ?');
      let removed = 0;
      for (const record of records) {
        const old = JSON.parse(record.record_json) as MergedRecordRow['record'];
        if (!isSharedCopy(old)) {
          // Its items go with it (ON DELETE CASCADE).
          remove.run(record.nhs_number);
          removed++;
          continue;
        }
        const rows = (items.all(record.nhs_number) as { position: number; item_json: string }[]).map((r) => ({
          position: r.position,
          item: JSON.parse(r.item_json) as MergedRecordRow['items'][number],
        }));
        const converted = snapshotFromMergedRecord({
          nhsNumber: record.nhs_number,
          record: old,
          items: rows.map((r) => r.item),
        });
        for (const row of converted.rows) {
          insert.run(
            record.nhs_number,
            row.sourceId,
            row.resourceType,
            row.resourceId,
            row.section,
            row.date ?? null,
            JSON.stringify(row.resource satisfies Json),
          );
        }
        update.run(JSON.stringify(converted.meta), record.nhs_number);
      }
      db.exec('DROP TABLE items;');
      if (removed > 0) {
        db.prepare('INSERT INTO notices (text) VALUES (?)').run(
          `${removed} offline record(s) saved by the previous version were filtered for the person who opened them, ` +
            'so they have been removed; they will be fetched again when you are online.',
        );
      }
    },
  },
  {
    version: 4,
    // Version 3 as first released had no notices table; stores already at version 3 get it here.
    description: 'notices for the user left by an upgrade',
    up: (db) => {
      db.exec('CREATE TABLE IF NOT EXISTS notices (text TEXT NOT NULL);');
    },
  },
  {
    version: 5,
    description: 'write marks: which audited change each commit carried, for recovery after a crash',
    up: (db) => {
      db.exec('CREATE TABLE write_marks (intent_id TEXT PRIMARY KEY, at TEXT NOT NULL);');
    },
  },
  {
    version: 6,
    description:
      'handover PDFs: each one written to a file (path and hash, to remove it), or the PDF kept here',
    up: (db) => {
      db.exec(`
        CREATE TABLE handover_exports (
          id          TEXT PRIMARY KEY,
          nhs_number  TEXT NOT NULL,
          path        TEXT,
          sha256      TEXT NOT NULL,
          pdf         BLOB,
          written_at  TEXT NOT NULL,
          expires_at  TEXT NOT NULL,
          CHECK ((path IS NULL) <> (pdf IS NULL))
        );
        CREATE INDEX handover_exports_by_patient ON handover_exports(nhs_number);
        CREATE INDEX handover_exports_by_expiry ON handover_exports(expires_at);
      `);
    },
  },
  {
    version: 7,
    description:
      'caseload alerts: admissions, discharges, ED attendances, letters and deaths, kept like records',
    up: (db) => {
      db.exec(`
        CREATE TABLE caseload_events (
          id          TEXT PRIMARY KEY,
          nhs_number  TEXT NOT NULL,
          source_id   TEXT NOT NULL,
          at          TEXT NOT NULL,
          received_at TEXT NOT NULL,
          expires_at  TEXT NOT NULL,
          event_json  TEXT NOT NULL
        );
        CREATE INDEX caseload_events_by_time ON caseload_events(at);
        CREATE INDEX caseload_events_by_patient ON caseload_events(nhs_number);
        CREATE INDEX caseload_events_by_expiry ON caseload_events(expires_at);
      `);
    },
  },
  {
    version: 8,
    description:
      'locator pointers saved without their security labels: withheld until the record is fetched again',
    // Earlier versions kept a pointer without the labels that may withhold it (a "very restricted" crisis plan),
    // so governing the saved copy again cannot tell. Such pointers go, with any document kept for them; they
    // are counted as withheld with the reason, in the sections they are shown in (never "None recorded"), and
    // the next online open is a full refresh, which reads them again with their labels.
    up: (db) => withholdSavedPointers(db),
  },
  {
    version: 9,
    description:
      'locator pointers saved without their category and practice setting: withheld until the record is fetched again',
    // Earlier versions kept a pointer with its type alone, not the other codings that may withhold it (a crisis
    // plan whose practice setting is on the sensitive code list), so governing the saved copy again cannot tell.
    // As in migration 8, the next online open reads them again, with every coding.
    up: (db) => withholdSavedPointers(db),
  },
];

/**
 * Every pointer of every saved copy (each kept by an earlier version) goes, with any document kept for it; counted
 * as withheld, with the reason, in the sections pointers are shown in; the next online open is a full refresh.
 */
function withholdSavedPointers(db: Parameters<Migration['up']>[0]): void {
  const reason =
    'Some record locator entries saved on this computer by an earlier version of the viewer are not shown until the record is next opened online.';
  const records = db.prepare('SELECT nhs_number, record_json FROM records').all() as {
    nhs_number: string;
    record_json: string;
  }[];
  const update = db.prepare(
    'UPDATE records SET record_json = ?, full_refreshed_at = NULL WHERE nhs_number = ?',
  );
  const forget = db.prepare('DELETE FROM documents WHERE nhs_number = ? AND address = ?');
  for (const row of records) {
    const saved = JSON.parse(row.record_json) as SavedCopyWithPointers;
    let removed = 0;
    for (const source of saved.sources ?? []) {
      const pointers = source.pointers ?? [];
      if (!pointers.length) continue;
      for (const pointer of pointers) if (pointer.url) forget.run(row.nhs_number, pointer.url);
      source.pointers = [];
      source.withheld = withheldAlso(source.withheld, pointers.length, reason);
      removed += pointers.length;
    }
    if (!removed) continue;
    saved.withheld = withheldAlso(saved.withheld, removed, reason);
    update.run(JSON.stringify(saved), row.nhs_number);
  }
}

/** A saved copy's record row as far as migrations 8 and 9 read it. */
interface SavedCopyWithPointers {
  sources?: { pointers?: { url?: string }[]; withheld?: SavedWithheld }[];
  withheld?: SavedWithheld;
}

interface SavedWithheld {
  count?: number;
  reasons?: string[];
  sections?: Record<string, string[]>;
}

/** `count` more withheld for `reason`, from the sections locator pointers are shown in. */
function withheldAlso(withheld: SavedWithheld | undefined, count: number, reason: string): SavedWithheld {
  const sections = { ...withheld?.sections };
  for (const section of ['advanceCare', 'documents']) {
    sections[section] = [...new Set([...(sections[section] ?? []), reason])];
  }
  return {
    ...withheld,
    count: (withheld?.count ?? 0) + count,
    reasons: [...new Set([...(withheld?.reasons ?? []), reason])],
    sections,
  };
}
