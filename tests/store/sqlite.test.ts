import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '../../src/store';
import { migrate, MIGRATIONS, SCHEMA_VERSION, schemaVersion, type Migration } from '../../src/store/migrations';
import { openSqliteStore } from '../../src/store/sqlite';
import { parseAddress } from '../../src/subscribers/address';
import { UserError } from '../../src/util/errors';
import { makeProject, runCli } from '../helpers/cli';

function tempDb(name = 'db.sqlite'): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'newsletter-store-')), name);
}

const envOf = (databasePath: string) => ({ env: { databasePath } }) as Parameters<typeof openStore>[0];

describe('opening the store', () => {
  test('creates the folder and the file, at the current schema, in WAL mode with foreign keys on', async () => {
    const file = path.join(path.dirname(tempDb()), 'nested', 'data', 'newsletter.db');
    const store = openSqliteStore(file);
    try {
      expect(fs.existsSync(file)).toBe(true);
      expect(schemaVersion(store.db)).toBe(SCHEMA_VERSION);
      expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(store.db.pragma('busy_timeout', { simple: true })).toBeGreaterThan(0);
      const tables = store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all();
      expect(tables).toEqual(expect.arrayContaining(['deliveries', 'edition_assets', 'editions', 'feedback_reports', 'mailboxes', 'sends', 'signups', 'subscribers', 'subscription_events', 'suppressions']));
      const indexes = store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'deliveries' AND sql IS NOT NULL").pluck().all();
      expect(indexes).toContain('deliveries_by_state');
    } finally {
      await store.close();
    }
  });

  test('without DATABASE_PATH the store is data/newsletter.db in the project', async () => {
    const dir = makeProject();
    const r = await runCli(['subscribers', 'count'], { cwd: dir, env: {} });
    expect(r.code).toBe(0);
    expect(fs.existsSync(path.join(dir, 'data', 'newsletter.db'))).toBe(true);
  });

  test('close() checkpoints the write-ahead log and releases the file', async () => {
    const file = tempDb();
    const store = await openStore(envOf(file));
    await store.subscribers.suppress(parseAddress('a@x.org'), 'manual');
    await store.close();
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
    await store.close(); // twice is harmless
  });

  test('closing with an import still open undoes the import', async () => {
    const file = tempDb();
    const store = await openStore(envOf(file));
    const imp = await store.subscribers.beginImport();
    await imp.subscribe(parseAddress('a@x.org'), 'A');
    await store.close();
    const again = await openStore(envOf(file));
    expect(await again.subscribers.counts()).toEqual({ active: 0, unsubscribed: 0, suppressed: 0, bounced: 0, complained: 0 });
    await again.close();
  });

  test('a file that is not a store: a clear error naming it', async () => {
    const dir = makeProject({ 'notes.txt': 'this is not a database, just some text that is long enough to have a header. '.repeat(20) });
    const r = await runCli(['subscribers', 'count'], { cwd: dir, env: { DATABASE_PATH: 'notes.txt' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/notes\.txt is not a newsletter store \(SQLite: file is not a database\); check DATABASE_PATH\n$/);
  });
  test('a DATABASE_PATH whose folder cannot be made: a clear error', async () => {
    const dir = makeProject({ 'taken.txt': 'a file where the folder should be' });
    const r = await runCli(['subscribers', 'count'], { cwd: dir, env: { DATABASE_PATH: 'taken.txt/db.sqlite' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^cannot create the folder for the store .*taken\.txt\/db\.sqlite: .*; check DATABASE_PATH\n$/);
  });
});

describe('migrations', () => {
  test('are numbered in increasing order from 1 (each step keeps the number it was given)', () => {
    const versions = MIGRATIONS.map((m) => m.version);
    expect(versions[0]).toBe(1);
    expect(versions).toEqual([...new Set(versions)].sort((a, b) => a - b));
  });

  test('an old file (version 1, with a subscriber) is upgraded and keeps its data', async () => {
    const file = tempDb();
    const old = new Database(file);
    migrate(old, MIGRATIONS.filter((m) => m.version <= 1));
    expect(schemaVersion(old)).toBe(1);
    old
      .prepare("INSERT INTO subscribers (email, email_key, name, status, added_at, updated_at) VALUES ('Ana@X.org', 'ana@x.org', 'Ana', 'active', '2020-01-01T00:00:00.000Z', '2020-01-01T00:00:00.000Z')")
      .run();
    old.prepare("INSERT INTO suppressions (address, reason, at) VALUES ('ben@x.org', 'bounced', '2020-02-01T00:00:00.000Z')").run();
    old.close();

    const store = openSqliteStore(file);
    try {
      expect(schemaVersion(store.db)).toBe(SCHEMA_VERSION);
      expect(SCHEMA_VERSION).toBeGreaterThan(1);
      expect(await store.subscribers.get(parseAddress('ana@x.org'))).toMatchObject({ email: 'Ana@X.org', name: 'Ana', status: 'active', addedAt: '2020-01-01T00:00:00.000Z' });
      expect(await store.subscribers.suppression(parseAddress('BEN@x.org'))).toMatchObject({ reason: 'bounced' });
      // The tables of the later migration exist and work with the old rows.
      const send = store.db.prepare("INSERT INTO sends (slug, content_hash, subject, state, created_at) VALUES ('2021-03-22', 'h', 's', 'sending', 'now')").run();
      store.db
        .prepare("INSERT INTO deliveries (send_id, subscriber_id, address, created_at, updated_at) VALUES (?, 1, 'Ana@X.org', 'now', 'now')")
        .run(send.lastInsertRowid);
    } finally {
      await store.close();
    }
  });

  test('version 4 gives every subscriber of an older file a mailbox with the same id, never reuses a removed id, and merges spellings of one mailbox', async () => {
    const file = tempDb();
    const old = new Database(file);
    migrate(old, MIGRATIONS.filter((m) => m.version <= 2));
    const insert = old.prepare("INSERT INTO subscribers (email, email_key, name, status, added_at, updated_at) VALUES (?, ?, NULL, ?, '2020-01-01T00:00:00.000Z', '2020-01-01T00:00:00.000Z')");
    insert.run('ana@bücher.de', 'ana@bücher.de', 'active'); // 1: written before normalisation
    insert.run('gone@x.org', 'gone@x.org', 'active'); // 2: removed below
    insert.run('ana@xn--bcher-kva.de', 'ana@xn--bcher-kva.de', 'unsubscribed'); // 3: the same mailbox
    insert.run('ben@x.org', 'ben@x.org', 'active'); // 4
    old.prepare("DELETE FROM subscribers WHERE email_key = 'gone@x.org'").run();
    old.prepare("INSERT INTO suppressions (address, reason, at) VALUES ('cleo@bücher.de', 'bounced', '2020-02-01T00:00:00.000Z')").run();
    old.close();

    const store = openSqliteStore(file);
    try {
      const rows = store.db.prepare('SELECT id, email, email_key, status FROM subscribers ORDER BY id').all();
      // Merged into the older row, which takes the stricter status.
      expect(rows).toEqual([
        { id: 1, email: 'ana@xn--bcher-kva.de', email_key: 'ana@xn--bcher-kva.de', status: 'unsubscribed' },
        { id: 4, email: 'ben@x.org', email_key: 'ben@x.org', status: 'active' },
      ]);
      expect(await store.subscribers.get(parseAddress('ana@bücher.de'))).toMatchObject({ id: 1, status: 'unsubscribed' });
      // Both old ids (1 and 3) name the mailbox: links signed over either still unsubscribe it.
      expect(await store.subscribers.findMailbox(1)).toMatchObject({ address: 'ana@xn--bcher-kva.de' });
      expect(await store.subscribers.findMailbox(3)).toMatchObject({ address: 'ana@xn--bcher-kva.de' });
      expect(await store.subscribers.findMailbox(4)).toMatchObject({ address: 'ben@x.org' });
      expect(await store.subscribers.findMailbox(2)).toBeUndefined();
      expect(await store.subscribers.suppression(parseAddress('CLEO@Bücher.de'))).toMatchObject({ address: 'cleo@xn--bcher-kva.de', reason: 'bounced' });
      // A new subscriber gets an id after every id ever used (2 was removed; 4 was the last).
      const r = await store.subscribers.add(parseAddress('new@x.org'), null, { source: 'cli' });
      expect(r.outcome === 'added' && r.subscriber.id).toBe(5);
    } finally {
      await store.close();
    }
  });

  test('opening again applies nothing', () => {
    const file = tempDb();
    openSqliteStore(file).db.close();
    const db = new Database(file);
    expect(migrate(db)).toEqual([]);
    db.close();
  });

  test('a migration that fails is rolled back whole and the version does not move', () => {
    const file = tempDb();
    const db = new Database(file);
    const broken: Migration[] = [
      MIGRATIONS[0]!,
      { version: 2, description: 'broken', sql: 'CREATE TABLE half_done (x INTEGER); SELECT * FROM no_such_table;' },
    ];
    expect(() => migrate(db, broken)).toThrow(/no such table/);
    expect(schemaVersion(db)).toBe(1);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'half_done'").pluck().get()).toBe(0);
    db.close();
  });

  test('a file from a newer program is refused, not touched', () => {
    const file = tempDb();
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => openSqliteStore(file)).toThrow(UserError);
    expect(() => openSqliteStore(file)).toThrow(`has schema version ${SCHEMA_VERSION + 1}, newer than this program knows (${SCHEMA_VERSION})`);
    const after = new Database(file, { readonly: true });
    expect(schemaVersion(after)).toBe(SCHEMA_VERSION + 1);
    expect(after.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table'").pluck().get()).toBe(0);
    after.close();
  });
});

describe('constraints make bad rows impossible', () => {
  let store: ReturnType<typeof openSqliteStore>;
  beforeEach(() => {
    store = openSqliteStore(tempDb());
  });
  afterEach(() => store.close());
  const run = (sql: string, ...params: unknown[]) => () => store.db.prepare(sql).run(...params);
  const subscriber = (email: string) =>
    run("INSERT INTO subscribers (email, email_key, status, added_at, updated_at) VALUES (?, lower(?), 'active', 'now', 'now')", email, email);

  test('one subscriber per lower-cased address', () => {
    subscriber('Ana@X.org')();
    expect(subscriber('ana@x.org')).toThrow(/UNIQUE constraint failed: subscribers.email_key/);
  });

  test('status and suppression reason are checked', () => {
    expect(run("INSERT INTO subscribers (email, email_key, status, added_at, updated_at) VALUES ('a@x.org', 'a@x.org', 'paused', 'now', 'now')")).toThrow(/CHECK constraint failed/);
    expect(run("INSERT INTO suppressions (address, reason, at) VALUES ('a@x.org', 'annoyed', 'now')")).toThrow(/CHECK constraint failed/);
    run("INSERT INTO suppressions (address, reason, at) VALUES ('a@x.org', 'manual', 'now')")();
    expect(run("INSERT INTO suppressions (address, reason, at) VALUES ('a@x.org', 'bounced', 'now')")).toThrow(/UNIQUE|PRIMARY KEY/);
  });

  test('one send per issue, one delivery per send and subscriber, known states only, real foreign keys', () => {
    subscriber('ana@x.org')();
    const send = "INSERT INTO sends (slug, content_hash, subject, state, created_at) VALUES ('2021-03-22', 'h', 's', 'sending', 'now')";
    run(send)();
    expect(run(send)).toThrow(/UNIQUE constraint failed: sends.slug/);
    const delivery = "INSERT INTO deliveries (send_id, subscriber_id, address, state, created_at, updated_at) VALUES (?, 1, 'ana@x.org', ?, 'now', 'now')";
    run(delivery, 1, 'pending')();
    expect(run(delivery, 1, 'pending')).toThrow(/UNIQUE constraint failed: deliveries.send_id, deliveries.subscriber_id/);
    expect(run(delivery, 1, 'delivered')).toThrow(/CHECK constraint failed/);
    expect(run(delivery, 99, 'pending')).toThrow(/FOREIGN KEY constraint failed/);
    expect(run("UPDATE sends SET state = 'done'")).toThrow(/sends.state must be sending, stopped or finished/);
    expect(run("INSERT INTO sends (slug, content_hash, subject, state, created_at) VALUES ('x', 'h', 's', 'paused', 'now')")).toThrow(/sends.state must be/);
  });

  test('an edition is never changed, and its asset paths stay inside the issue', () => {
    run("INSERT INTO sends (slug, content_hash, subject, state, created_at) VALUES ('2021-03-22', 'h', 's', 'sending', 'now')")();
    run("INSERT INTO editions (send_id, number, subject, title, html, text, engine, content_hash, view_at, created_at) VALUES (1, 1, 's', 't', 'h', 't', 'react', 'h', 'now', 'now')")();
    expect(run("UPDATE editions SET html = 'other'")).toThrow(/never changed/);
    run("INSERT INTO edition_assets (edition_id, path, content_type, body) VALUES (1, 'web.html', 'text/html', x'00')")();
    expect(run("UPDATE edition_assets SET body = x'01'")).toThrow(/never changed/);
    expect(run("INSERT INTO edition_assets (edition_id, path, content_type, body) VALUES (1, '../x', 'text/html', x'00')")).toThrow(/CHECK constraint failed/);
    expect(run("INSERT INTO edition_assets (edition_id, path, content_type, body) VALUES (1, '/etc/x', 'text/html', x'00')")).toThrow(/CHECK constraint failed/);
    expect(run("INSERT INTO editions (send_id, number, subject, title, html, text, engine, content_hash, view_at, created_at) VALUES (1, 1, 's', 't', 'h', 't', 'react', 'h', 'now', 'now')")).toThrow(/UNIQUE/);
  });

  test('removing a subscriber keeps their delivery history (subscriber_id cleared)', async () => {
    subscriber('ana@x.org')();
    run("INSERT INTO sends (slug, content_hash, subject, state, created_at) VALUES ('2021-03-22', 'h', 's', 'sending', 'now')")();
    run("INSERT INTO deliveries (send_id, subscriber_id, address, state, created_at, updated_at) VALUES (1, 1, 'ana@x.org', 'sent', 'now', 'now')")();
    expect(await store.subscribers.remove(parseAddress('ana@x.org'))).toBe(true);
    expect(store.db.prepare('SELECT subscriber_id, address, state FROM deliveries').all()).toEqual([{ subscriber_id: null, address: 'ana@x.org', state: 'sent' }]);
  });
});

describe('two processes at once', () => {
  test('readers are not blocked by an import in progress, and see the store as it was', async () => {
    const file = tempDb();
    const writer = openSqliteStore(file);
    const reader = openSqliteStore(file, { busyTimeoutMs: 100 });
    try {
      const imp = await writer.subscribers.beginImport();
      await imp.subscribe(parseAddress('a@x.org'), null);
      expect(await reader.subscribers.counts()).toEqual({ active: 0, unsubscribed: 0, suppressed: 0, bounced: 0, complained: 0 });
      // A second writer waits for the lock, then gives a clear message instead of a SQLite error.
      await expect(reader.subscribers.suppress(parseAddress('b@x.org'), 'manual')).rejects.toThrow(
        `the store ${file} is busy: another newsletter command is writing to it; try again when it has finished`,
      );
      await imp.commit();
      expect(await reader.subscribers.counts()).toEqual({ active: 1, unsubscribed: 0, suppressed: 0, bounced: 0, complained: 0 });
      expect((await reader.subscribers.suppress(parseAddress('b@x.org'), 'manual')).added).toBe(true);
    } finally {
      await writer.close();
      await reader.close();
    }
  });

  test('a write waits for another process to finish its transaction instead of failing', async () => {
    const file = tempDb();
    openSqliteStore(file).db.close();
    // Another process takes the write lock, holds it for a moment, then commits a row.
    const holder = spawn(
      process.execPath,
      [
        '-e',
        `const db = new (require('better-sqlite3'))(process.argv[1]);
         db.exec('BEGIN IMMEDIATE');
         db.prepare("INSERT INTO suppressions (address, reason, at) VALUES ('held@x.org', 'manual', 'now')").run();
         console.log('locked');
         setTimeout(() => { db.exec('COMMIT'); db.close(); }, 1000);`,
        file,
      ],
      { cwd: path.resolve(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise((resolve) => holder.on('exit', resolve));
    await new Promise<void>((resolve) => holder.stdout.on('data', (d) => String(d).includes('locked') && resolve()));
    const store = openSqliteStore(file);
    try {
      const r = await store.subscribers.suppress(parseAddress('mine@x.org'), 'manual');
      expect(r.added).toBe(true);
      expect(await store.subscribers.counts()).toMatchObject({ suppressed: 2 });
    } finally {
      await store.close();
      await exited;
    }
  });
});
