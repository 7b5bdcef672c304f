import type { Database } from 'better-sqlite3';
import { UserError } from '../util/errors';

/**
 * The SQLite schema, as numbered steps. A store file records the last step applied in
 * `PRAGMA user_version`; opening it applies the missing steps in order, each in its own
 * transaction with its version bump, so a crash mid-upgrade leaves the file at the previous
 * version. Released steps are never edited: a change to the schema is a new step.
 */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'subscribers and suppressions',
    sql: `
      CREATE TABLE subscribers (
        -- AUTOINCREMENT: an id is never reused after a delete, so an old unsubscribe link (signed
        -- over the id) can never reach a later subscriber.
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        email      TEXT NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
        -- lower-cased email: one subscriber per mailbox, however it is capitalised
        email_key  TEXT NOT NULL UNIQUE,
        name       TEXT,
        status     TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'unsubscribed')),
        added_at   TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX subscribers_by_status ON subscribers (status, email_key);

      -- Addresses never mailed again. Keyed on the address, not the subscriber, so that removing
      -- and re-importing someone cannot undo an unsubscribe.
      CREATE TABLE suppressions (
        address TEXT PRIMARY KEY,
        reason  TEXT NOT NULL CHECK (reason IN ('unsubscribed', 'bounced', 'complained', 'manual')),
        at      TEXT NOT NULL,
        detail  TEXT
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    description: 'sends and deliveries (the send ledger)',
    sql: `
      -- One per issue. Its states are defined by the ledger code that moves them.
      CREATE TABLE sends (
        id               INTEGER PRIMARY KEY,
        slug             TEXT NOT NULL UNIQUE,
        content_hash     TEXT NOT NULL,
        subject          TEXT NOT NULL,
        state            TEXT NOT NULL,
        created_at       TEXT NOT NULL,
        started_at       TEXT,
        finished_at      TEXT,
        -- one process per send at a time: who holds it, and until when
        lease_owner      TEXT,
        lease_expires_at TEXT
      );

      -- One per send and recipient; UNIQUE makes a second message to the same person impossible.
      -- subscriber_id is cleared, not cascaded, when a subscriber is removed: the history stays.
      CREATE TABLE deliveries (
        id              INTEGER PRIMARY KEY,
        send_id         INTEGER NOT NULL REFERENCES sends (id) ON DELETE CASCADE,
        subscriber_id   INTEGER REFERENCES subscribers (id) ON DELETE SET NULL,
        address         TEXT NOT NULL,
        state           TEXT NOT NULL DEFAULT 'pending'
                        CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'unknown', 'skipped')),
        attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        next_attempt_at TEXT,
        last_reply      TEXT,
        message_id      TEXT,
        created_at      TEXT NOT NULL,
        updated_at      TEXT NOT NULL,
        UNIQUE (send_id, subscriber_id)
      );
      CREATE INDEX deliveries_by_state ON deliveries (send_id, state, next_attempt_at);
    `,
  },
  {
    version: 3,
    description: 'editions (what each send published and mailed) and the send lifecycle',
    sql: `
      -- One per rendering of an issue that was mailed or published, numbered 1, 2, … per send.
      -- Never updated: a correction is a new edition. html and text keep their per-recipient
      -- placeholders; every message of the edition is built from these bytes.
      CREATE TABLE editions (
        id           INTEGER PRIMARY KEY,
        send_id      INTEGER NOT NULL REFERENCES sends (id) ON DELETE CASCADE,
        number       INTEGER NOT NULL CHECK (number >= 1),
        subject      TEXT NOT NULL,
        preheader    TEXT,
        title        TEXT NOT NULL,
        html         TEXT NOT NULL,
        text         TEXT NOT NULL,
        engine       TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        -- the moment the view was computed for ("TODAY" labels), kept so a comparison renders alike
        view_at      TEXT NOT NULL,
        created_at   TEXT NOT NULL,
        UNIQUE (send_id, number)
      );

      -- The files an edition publishes under /issues/<slug>/: web.html, events.ics,
      -- events/<id>.ics, and whatever else a later version adds, each with its content type.
      CREATE TABLE edition_assets (
        edition_id   INTEGER NOT NULL REFERENCES editions (id) ON DELETE CASCADE,
        path         TEXT NOT NULL CHECK (length(path) BETWEEN 1 AND 200 AND path NOT LIKE '/%' AND path NOT LIKE '%..%'),
        content_type TEXT NOT NULL,
        body         BLOB NOT NULL,
        PRIMARY KEY (edition_id, path)
      ) WITHOUT ROWID;

      -- The edition a delivery was (or will be) sent from. NULL only for deliveries made before
      -- editions were recorded.
      ALTER TABLE deliveries ADD COLUMN edition_id INTEGER REFERENCES editions (id);
      CREATE INDEX deliveries_by_edition ON deliveries (edition_id, state);

      -- The send's lifecycle (src/send/ledger.ts SEND_TRANSITIONS): version 2 wrote 'sending' and
      -- 'done'. SQLite cannot add a CHECK to an existing table, so triggers hold the rule.
      UPDATE sends SET state = 'finished' WHERE state = 'done';
      UPDATE sends SET state = 'stopped' WHERE state NOT IN ('sending', 'stopped', 'finished');
      CREATE TRIGGER sends_state_insert BEFORE INSERT ON sends
        WHEN NEW.state NOT IN ('sending', 'stopped', 'finished')
        BEGIN SELECT RAISE(ABORT, 'sends.state must be sending, stopped or finished'); END;
      CREATE TRIGGER sends_state_update BEFORE UPDATE OF state ON sends
        WHEN NEW.state NOT IN ('sending', 'stopped', 'finished')
        BEGIN SELECT RAISE(ABORT, 'sends.state must be sending, stopped or finished'); END;
      CREATE TRIGGER editions_immutable BEFORE UPDATE ON editions
        BEGIN SELECT RAISE(ABORT, 'an edition is never changed: a correction is a new edition'); END;
      CREATE TRIGGER edition_assets_immutable BEFORE UPDATE ON edition_assets
        BEGIN SELECT RAISE(ABORT, 'an edition is never changed: a correction is a new edition'); END;
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Brings the file up to the newest version it lacks; returns the versions applied. */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS, location = db.name): number[] {
  const current = schemaVersion(db);
  const newest = migrations.length ? migrations[migrations.length - 1]!.version : 0;
  if (current > newest) {
    throw new UserError(
      `the store ${location} has schema version ${current}, newer than this program knows (${newest}): it was written by a newer newsletter; upgrade this one`,
    );
  }
  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version <= current) continue;
    // IMMEDIATE: two processes opening an old file at once upgrade it one after the other.
    db.transaction(() => {
      if (schemaVersion(db) >= m.version) return;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
      applied.push(m.version);
    }).immediate();
  }
  return applied;
}
