// Offline cache schema, numbered. Never edit an applied migration: add the next one.
import type { Migration } from './encrypted-database';

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
];
