import { Client } from 'pg';
import { openStore } from '../../src/store';
import { MIGRATIONS } from '../../src/store/migrations';
import { openPgStore } from '../../src/store/pg';
import { maskUrl, PgDb } from '../../src/store/pg-db';
import { pgMigrate, pgSchemaVersion, PG_MIGRATIONS, PG_SCHEMA_VERSION } from '../../src/store/pg-migrations';
import { parseAddress } from '../../src/subscribers/address';
import { UserError } from '../../src/util/errors';
import { makeProject, runCli } from '../helpers/cli';
import { INSTALL_HINT, startPostgres, type Postgres } from '../helpers/postgres';

let pg: Postgres;
beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => {
  await pg?.stop();
});

async function sql<R extends Record<string, unknown>>(url: string, text: string, params: unknown[] = []): Promise<R[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** Runs pgMigrate on its own connection, as a starting process would. */
async function migrateWith(url: string, migrations = PG_MIGRATIONS): Promise<number[]> {
  const db = PgDb.create(url);
  const client = await db.connect();
  try {
    return await pgMigrate(client, db.location, migrations);
  } finally {
    client.release();
    await db.end();
  }
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

test('without PostgreSQL installed, a test that needs it fails with one line saying how to install it', async () => {
  const err = await failure(startPostgres({ searchPath: '', root: '/nonexistent/postgresql' }));
  expect(err.message).toBe(INSTALL_HINT);
  expect(err.message).toBe('PostgreSQL is not installed (initdb and pg_ctl not found on PATH or under /usr/lib/postgresql/*/bin): run `bash scripts/install-system-deps.sh`');
});

test.each([
  ['postgres://news:s3cret@db.example.org:5432/newsletter', 'postgres://news:***@db.example.org:5432/newsletter'],
  ['postgresql://db.example.org/newsletter?user=news&password=s3cret&sslmode=require', 'postgresql://db.example.org/newsletter?user=news&password=***&sslmode=require'],
  ['postgres://news@db.example.org/newsletter', 'postgres://news@db.example.org/newsletter'],
])('messages show %s as %s (no password)', (url, shown) => {
  expect(maskUrl(url)).toBe(shown);
});

describe('PostgreSQL schema', () => {
  test('mirrors the SQLite migrations one for one (same versions, same descriptions)', () => {
    expect(PG_MIGRATIONS.map((m) => [m.version, m.description])).toEqual(MIGRATIONS.map((m) => [m.version, m.description]));
  });

  test('an empty database is brought to the current version; opening it again applies nothing', async () => {
    const url = await pg.createDatabase();
    expect(await migrateWith(url)).toEqual(PG_MIGRATIONS.map((m) => m.version));
    expect(await migrateWith(url)).toEqual([]);
    const tables = (await sql<{ t: string }>(url, "SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).map((r) => r.t);
    expect(tables).toEqual(['deliveries', 'edition_assets', 'editions', 'feedback_reports', 'mailboxes', 'newsletter_schema', 'send_leases', 'send_pace', 'send_slots', 'sends', 'signups', 'subscribers', 'subscription_events', 'suppressions']);
    expect(await sql(url, 'SELECT version FROM newsletter_schema')).toEqual([{ version: PG_SCHEMA_VERSION }]);
  });

  test('two processes starting at once on an empty database: one migrates, the other waits and finds it done', async () => {
    const url = await pg.createDatabase();
    const results = await Promise.all([migrateWith(url), migrateWith(url), migrateWith(url)]);
    const all = PG_MIGRATIONS.map((m) => m.version);
    expect(results.filter((r) => r.length > 0)).toEqual([all]);
    expect(results.filter((r) => r.length === 0)).toHaveLength(2);
    expect(await sql(url, 'SELECT version FROM newsletter_schema')).toEqual([{ version: PG_SCHEMA_VERSION }]);
  });

  test('an older database is upgraded step by step from where it is', async () => {
    const url = await pg.createDatabase();
    expect(await migrateWith(url, PG_MIGRATIONS.slice(0, 3))).toEqual([1, 2, 3]);
    await sql(url, "INSERT INTO subscribers (id, email, email_key, status, added_at, updated_at) VALUES (7, 'A@example.org', 'a@example.org', 'active', '2021-01-01T00:00:00.000Z', '2021-01-01T00:00:00.000Z')");
    expect(await migrateWith(url)).toEqual(PG_MIGRATIONS.slice(3).map((m) => m.version));
    // Version 4 gives the subscriber its mailbox, and later mailboxes never reuse a subscriber id.
    expect(await sql(url, 'SELECT id, address FROM mailboxes')).toEqual([{ id: '7', address: 'a@example.org' }]);
    expect(await sql(url, "INSERT INTO mailboxes (address, created_at) VALUES ('b@example.org', 'x') RETURNING id")).toEqual([{ id: '8' }]);
  });

  test('a step that fails leaves the database at the version before it, with nothing of the step', async () => {
    const url = await pg.createDatabase();
    const broken = [...PG_MIGRATIONS, { version: PG_SCHEMA_VERSION + 1, description: 'broken', sql: 'CREATE TABLE half_done (x int); SELECT no_such_function();' }];
    await expect(migrateWith(url, broken)).rejects.toThrow(/no_such_function/);
    expect(await sql(url, 'SELECT version FROM newsletter_schema')).toEqual([{ version: PG_SCHEMA_VERSION }]);
    expect(await sql(url, "SELECT to_regclass('half_done') AS t")).toEqual([{ t: null }]);
  });

  test('a database written by a newer program is refused with the same message as SQLite gives', async () => {
    const url = await pg.createDatabase();
    await migrateWith(url);
    await sql(url, 'UPDATE newsletter_schema SET version = 99');
    const err = await failure(openPgStore(url));
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toBe(
      `the store ${url.replace(pg.password, '***')} has schema version 99, newer than this program knows (${PG_SCHEMA_VERSION}): it was written by a newer newsletter; upgrade this one`,
    );
  });

  test('the constraints hold: statuses, states, one subscriber per address key, editions never change', async () => {
    const url = await pg.createDatabase();
    await migrateWith(url);
    const at = '2021-01-01T00:00:00.000Z';
    await expect(sql(url, "INSERT INTO subscribers (email, email_key, status, added_at, updated_at) VALUES ('a@x.org', 'a@x.org', 'gone', $1, $1)", [at])).rejects.toThrow(/check constraint/);
    await sql(url, "INSERT INTO subscribers (email, email_key, added_at, updated_at) VALUES ('a@x.org', 'a@x.org', $1, $1)", [at]);
    await expect(sql(url, "INSERT INTO subscribers (email, email_key, added_at, updated_at) VALUES ('A@x.org', 'a@x.org', $1, $1)", [at])).rejects.toThrow(/duplicate key/);
    await expect(sql(url, "INSERT INTO suppressions (address, reason, at) VALUES ('a@x.org', 'tired', $1)", [at])).rejects.toThrow(/check constraint/);
    await expect(sql(url, "INSERT INTO sends (slug, content_hash, subject, state, created_at) VALUES ('s', 'h', 'S', 'done', $1)", [at])).rejects.toThrow(/sends_state/);
    const [send] = await sql<{ id: string }>(url, "INSERT INTO sends (slug, content_hash, subject, state, created_at) VALUES ('s', 'h', 'S', 'sending', $1) RETURNING id", [at]);
    await expect(sql(url, "INSERT INTO deliveries (send_id, address, state, created_at, updated_at) VALUES ($1, 'a@x.org', 'lost', $2, $2)", [send!.id, at])).rejects.toThrow(/check constraint/);
    const [edition] = await sql<{ id: string }>(
      url,
      "INSERT INTO editions (send_id, number, subject, title, html, text, engine, content_hash, view_at, created_at) VALUES ($1, 1, 'S', 'T', 'h', 't', 'e', 'c', $2, $2) RETURNING id",
      [send!.id, at],
    );
    await expect(sql(url, "UPDATE editions SET subject = 'changed' WHERE id = $1", [edition!.id])).rejects.toThrow('an edition is never changed: a correction is a new edition');
    await expect(sql(url, "INSERT INTO edition_assets (edition_id, path, content_type, body) VALUES ($1, '../x', 't', '\\x00')", [edition!.id])).rejects.toThrow(/check constraint/);
  });
});

describe('opening a PostgreSQL store through DATABASE_URL', () => {
  const envOf = (databaseUrl: string) => ({ env: { databasePath: '/nonexistent/never.db', databaseUrl } }) as Parameters<typeof openStore>[0];

  test('openStore picks PostgreSQL when DATABASE_URL is set, and its location hides the password', async () => {
    const url = await pg.createDatabase();
    const store = await openStore(envOf(url));
    try {
      expect(store.location).toBe(url.replace(pg.password, '***'));
      expect(store.location).not.toContain(pg.password);
      expect(await store.subscribers.counts()).toEqual({ active: 0, unsubscribed: 0, suppressed: 0, bounced: 0, complained: 0 });
      const client = new Client({ connectionString: url });
      await client.connect();
      expect((await client.query('SELECT version FROM newsletter_schema')).rows).toEqual([{ version: PG_SCHEMA_VERSION }]);
      await client.end();
    } finally {
      await store.close();
    }
  });

  test.each([
    ['a wrong password', () => pg.urlFor('postgres', { password: 'wrong' }), /the password was refused/],
    ['a database that does not exist', () => pg.urlFor('no_such_db'), /the database does not exist/],
    ['a server that is not running', () => `postgres://postgres:secret@127.0.0.1:1/newsletter`, /the server refused the connection/],
  ])('%s is one clear line naming DATABASE_URL, without the password', async (_what, url, reason) => {
    const err = await failure(openStore(envOf(url())));
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(/^cannot use the PostgreSQL store postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/\w+: /);
    expect(err.message).toMatch(reason);
    expect(err.message).toMatch(/; check DATABASE_URL$/);
    expect(err.message.split('\n')).toHaveLength(1);
    expect(err.message).not.toMatch(/secret|wrong|pg-test-password/);
  });

  test('the CLI reports a store it cannot reach in one line, no stack', async () => {
    const dir = makeProject({ '.env': `DATABASE_URL=${pg.urlFor('postgres', { password: 'wrong' })}\n` });
    const r = await runCli(['subscribers', 'count'], { cwd: dir, env: {} });
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/cannot use the PostgreSQL store postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/postgres: the password was refused .*; check DATABASE_URL/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test('a write waits for another process\'s import to finish, and says the store is busy if it waits too long', async () => {
    const url = await pg.createDatabase();
    const importer = await openPgStore(url);
    const other = await openPgStore(url, { lockTimeoutMs: 300 });
    try {
      const imp = await importer.subscribers.beginImport();
      await imp.subscribe(parseAddress('imported@example.org'), null);
      const err = await failure(other.subscribers.add(parseAddress('waiting@example.org'), null, { source: 'cli' }));
      expect(err).toBeInstanceOf(UserError);
      expect(err.message).toBe(`the store ${url.replace(pg.password, '***')} is busy: another newsletter command is writing to it; try again when it has finished`);
      // Within the wait, the write goes through once the import commits.
      const waiting = importer.subscribers.suppress(parseAddress('imported@example.org'), 'manual').then(() => 'suppressed');
      const patient = await openPgStore(url);
      const added = patient.subscribers.add(parseAddress('waiting@example.org'), null, { source: 'cli' });
      await imp.commit();
      expect((await added).outcome).toBe('added');
      expect(await waiting).toBe('suppressed');
      expect(await other.subscribers.counts()).toMatchObject({ active: 1, unsubscribed: 1 });
      await patient.close();
    } finally {
      await importer.close();
      await other.close();
    }
  });

  test('the schema version is read from the database', async () => {
    const url = await pg.createDatabase();
    const store = await openPgStore(url);
    try {
      const client = await store.db.connect();
      try {
        expect(await pgSchemaVersion(client)).toBe(PG_SCHEMA_VERSION);
      } finally {
        client.release();
      }
    } finally {
      await store.close();
    }
  });
});
