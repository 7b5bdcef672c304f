import type { Database } from 'better-sqlite3';
import { addressKey, checkAddress } from '../subscribers/address';
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
  /** A data step that SQL cannot express, run after `sql` in the same transaction. */
  run?: (db: Database) => void;
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
  {
    version: 4,
    description: 'mailbox ids that outlive subscribers, subscription events (consent, resubscribe), signups, normalised address keys',
    sql: `
      -- One id per mailbox (address key), never deleted: unsubscribe links are signed over it, so a
      -- link keeps working after the subscriber is removed and imported again (same id), and reaches
      -- the address even while it has no subscriber row. A subscriber's id is its mailbox's id.
      -- An address may have several ids (spellings merged by normalisation); new ones get the lowest.
      CREATE TABLE mailboxes (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        address    TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX mailboxes_by_address ON mailboxes (address, id);
      INSERT INTO mailboxes (id, address, created_at) SELECT id, email_key, added_at FROM subscribers;
      -- Ids of subscribers removed before this step are never handed out again.
      DELETE FROM sqlite_sequence WHERE name = 'mailboxes';
      INSERT INTO sqlite_sequence (name, seq) VALUES ('mailboxes', max(
        coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'subscribers'), 0),
        coalesce((SELECT max(id) FROM mailboxes), 0)));

      -- Who joined, came back or was added, when, how and why: the record of consent.
      CREATE TABLE subscription_events (
        id      INTEGER PRIMARY KEY,
        address TEXT NOT NULL,
        kind    TEXT NOT NULL CHECK (kind IN ('added', 'consent', 'resubscribed')),
        -- 'form' (confirmed signup), 'unsubscribe page' (undo), 'cli'
        source  TEXT NOT NULL,
        note    TEXT,
        at      TEXT NOT NULL
      );
      CREATE INDEX subscription_events_by_address ON subscription_events (address, at);

      -- Signups waiting for their confirmation (double opt-in); also what limits confirmation
      -- messages per address. The name is kept here, never put in the message.
      CREATE TABLE signups (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        address      TEXT NOT NULL,
        email        TEXT NOT NULL,
        name         TEXT,
        requested_at TEXT NOT NULL,
        confirmed_at TEXT
      );
      CREATE INDEX signups_by_address ON signups (address, requested_at);
    `,
    run: rekeyAddresses,
  },
  {
    version: 5,
    description: 'bounces and complaints: what happened to a delivery after it was sent, and the reports applied',
    sql: `
      -- Moved only through src/bounces/feedback.ts FEEDBACK_TRANSITIONS (sent → soft_bounced →
      -- bounced → complained); NULL while no report is known.
      ALTER TABLE deliveries ADD COLUMN feedback TEXT CHECK (feedback IN ('soft_bounced', 'bounced', 'complained'));
      ALTER TABLE deliveries ADD COLUMN feedback_at TEXT;
      -- Matching a report: by the original Message-ID, by the recipient among recent deliveries.
      CREATE INDEX deliveries_by_message_id ON deliveries (message_id) WHERE message_id IS NOT NULL;
      CREATE INDEX deliveries_by_address ON deliveries (address COLLATE NOCASE, created_at);

      -- Every report applied to a delivery, once: the key is the report's identity and recipient,
      -- so reading the same mailbox or webhook again changes nothing.
      CREATE TABLE feedback_reports (
        key         TEXT PRIMARY KEY,
        source      TEXT NOT NULL,
        kind        TEXT NOT NULL CHECK (kind IN ('hard', 'soft', 'complaint', 'refused', 'delayed')),
        delivery_id INTEGER REFERENCES deliveries (id) ON DELETE SET NULL,
        status      TEXT,
        detail      TEXT,
        received_at TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX feedback_reports_by_delivery ON feedback_reports (delivery_id);
    `,
  },
  {
    version: 6,
    description: 'deliveries: hand-over mark (on the wire), attempts per run, hand-over times for the caps',
    sql: `
      -- 1 from the durable mark made just before the message's first byte goes to the server, until
      -- the row is claimed again: a row left 'sending' with on_wire = 0 never reached the server.
      ALTER TABLE deliveries ADD COLUMN on_wire INTEGER NOT NULL DEFAULT 0 CHECK (on_wire IN (0, 1));
      -- When the message last went on the wire; counted by send.max_per_hour / max_per_day.
      ALTER TABLE deliveries ADD COLUMN handed_over_at TEXT;
      -- Attempts in the current run (attempts counts every run, for status).
      ALTER TABLE deliveries ADD COLUMN run_attempts INTEGER NOT NULL DEFAULT 0 CHECK (run_attempts >= 0);
      CREATE INDEX deliveries_by_handover ON deliveries (handed_over_at) WHERE handed_over_at IS NOT NULL;
      -- Rows left 'sending' by an older version may have been on the wire: never resend them by themselves.
      UPDATE deliveries SET on_wire = 1 WHERE state = 'sending';
    `,
  },
  {
    version: 7,
    description: 'indexes for a big store: bounces and complaints per send, suppressions per reason, deliveries per subscriber',
    sql: `
      -- subscribers remove: the deliveries that name the removed subscriber are found (to clear
      -- the reference, ON DELETE SET NULL) without reading a year of deliveries, as in PostgreSQL.
      CREATE INDEX deliveries_by_subscriber ON deliveries (subscriber_id);
      -- status: a send's bounces and complaints (counted, per edition, and listed by kind and
      -- address) read only the rows that have one, not the send's 100,000 deliveries.
      CREATE INDEX deliveries_by_feedback ON deliveries (send_id, feedback, address, edition_id) WHERE feedback IS NOT NULL;
      -- subscribers count (bounced, complained) and subscribers list --suppression.
      CREATE INDEX suppressions_by_reason ON suppressions (reason);
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
      m.run?.(db);
      db.pragma(`user_version = ${m.version}`);
      applied.push(m.version);
    }).immediate();
  }
  return applied;
}

/**
 * Version 4 normalises addresses (NFC, IDNA domain): keys written before it that are not ASCII
 * get their normalised spelling. Two rows that turn out to be one mailbox are merged: the older
 * subscriber stays (unsubscribed if either was), the first suppression stays, and the removed
 * row's mailbox id points at the address, so its links still unsubscribe it.
 */
function rekeyAddresses(db: Database): void {
  const rows = db.prepare<[], { id: number; email: string; email_key: string; status: string }>(
    "SELECT id, email, email_key, status FROM subscribers WHERE email_key GLOB '*[^ -~]*' ORDER BY id",
  ).all();
  for (const row of rows) {
    const checked = checkAddress(row.email);
    if (!checked.ok) continue;
    const key = addressKey(checked.address);
    if (key === row.email_key) continue;
    const other = db.prepare<[string], { id: number; status: string }>('SELECT id, status FROM subscribers WHERE email_key = ?').get(key);
    if (other) {
      const [keep, drop] = other.id < row.id ? [other.id, row.id] : [row.id, other.id];
      const status = row.status === 'unsubscribed' || other.status === 'unsubscribed' ? 'unsubscribed' : 'active';
      db.prepare('DELETE FROM subscribers WHERE id = ?').run(drop);
      db.prepare('UPDATE subscribers SET email = ?, email_key = ?, status = ? WHERE id = ?').run(checked.address, key, status, keep);
    } else {
      db.prepare('UPDATE subscribers SET email = ?, email_key = ? WHERE id = ?').run(checked.address, key, row.id);
    }
    db.prepare('UPDATE mailboxes SET address = ? WHERE address = ?').run(key, row.email_key);
  }
  const suppressions = db.prepare<[], { address: string; at: string }>("SELECT address, at FROM suppressions WHERE address GLOB '*[^ -~]*'").all();
  for (const s of suppressions) {
    const checked = checkAddress(s.address);
    if (!checked.ok) continue;
    const key = addressKey(checked.address);
    if (key === s.address) continue;
    const other = db.prepare<[string], { at: string }>('SELECT at FROM suppressions WHERE address = ?').get(key);
    if (other) db.prepare('DELETE FROM suppressions WHERE address = ?').run(s.address);
    else db.prepare('UPDATE suppressions SET address = ? WHERE address = ?').run(key, s.address);
  }
}
