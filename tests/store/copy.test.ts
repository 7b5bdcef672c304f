import { Client } from 'pg';
import { DEFAULT_SOFT_BOUNCE_POLICY } from '../../src/bounces/feedback';
import { openStore } from '../../src/store';
import { copyStore } from '../../src/store/copy';
import { pgMigrate } from '../../src/store/pg-migrations';
import { PgDb } from '../../src/store/pg-db';
import type { Store } from '../../src/store/types';
import { parseAddress } from '../../src/subscribers/address';
import { UserError } from '../../src/util/errors';
import { runCli } from '../helpers/cli';
import { testEdition } from '../helpers/edition';
import { startPostgres, type Postgres } from '../helpers/postgres';
import { makeSendProject, send, type SendProject } from '../helpers/send-project';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp';
import { collect } from '../helpers/stores';

/**
 * `newsletter store copy --to postgres://…` from an SQLite store filled by the program itself
 * (an import, a send with a refusal, suppressions, a removal, a signup, a bounce, a correction),
 * then read back through the interfaces of a PostgreSQL store.
 */

let pg: Postgres;
let smtp: TestSmtpServer;
let project: SendProject;
const SLUG = '2021-03-22';

const sqliteEnv = () => ({ env: { databasePath: project.env.DATABASE_PATH! } }) as Parameters<typeof openStore>[0];
const pgEnv = (url: string) => ({ env: { databasePath: '/nonexistent/never.db', databaseUrl: url } }) as Parameters<typeof openStore>[0];

beforeAll(async () => {
  pg = await startPostgres();
  smtp = await startSmtpServer();
  smtp.onRcpt.set('member0002@example.org', [{ reply: 550, text: '5.1.1 User unknown' }]);
  project = await makeSendProject(12, { smtpUrl: smtp.url() });
  const sent = await send(project);
  if (sent.code !== 0 && sent.code !== 3) throw new Error(`send failed: ${sent.stderr}`);
  for (const args of [
    ['subscribers', 'suppress', 'member0005@example.org', '--reason', 'unsubscribed'],
    ['subscribers', 'suppress', 'outsider@example.net', '--reason', 'complained'],
    ['subscribers', 'remove', 'member0012@example.org'],
    ['subscribers', 'add', 'Late.Comer@example.org', '--name', 'Late Comer'],
  ]) {
    const r = await runCli(args, { cwd: project.dir, env: project.env });
    if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  }
  const store = await openStore(sqliteEnv(), { now: () => new Date('2021-03-23T09:00:00.000Z') });
  try {
    const { signup } = await store.subscribers.requestSignup(parseAddress('joiner@example.org'), 'Joiner', new Date(0));
    await store.subscribers.confirmSignup(signup.id);
    await store.subscribers.requestSignup(parseAddress('pending@example.org'), null, new Date(0));
    const delivery = await store.feedback.recentDelivery('member0003@example.org', new Date(0));
    await store.feedback.apply([{ key: 'dsn-1', source: 'mail', kind: 'hard', deliveryId: delivery!.id, status: '5.1.1', detail: 'no such user' }], DEFAULT_SOFT_BOUNCE_POLICY, new Date('2021-03-23T10:00:00.000Z'));
    const send = (await store.ledger.findSend(SLUG))!;
    await store.ledger.correct(send.id, testEdition({ subject: 'This week (corrected)' }), new Date('2021-03-23T11:00:00.000Z'));
  } finally {
    await store.close();
  }
}, 120_000);

afterAll(async () => {
  await smtp?.close();
  await pg?.stop();
});

/** What the store says through its interfaces: everything the copy must keep. */
async function readAll(store: Store) {
  const subscribers = await collect(store.subscribers.list());
  const addresses = [...subscribers.map((s) => s.email), 'member0012@example.org', 'outsider@example.net', 'member0005@example.org'];
  const perAddress = [];
  for (const email of addresses) {
    const address = parseAddress(email);
    perAddress.push({ email, suppression: await store.subscribers.suppression(address), events: await store.subscribers.events(address) });
  }
  const mailboxes = [];
  for (let id = 1; id <= 20; id++) mailboxes.push(await store.subscribers.findMailbox(id));
  const signups = [];
  for (let id = 1; id <= 3; id++) signups.push(await store.subscribers.findSignup(id));
  const history = await store.editions.history(SLUG);
  const assets = [];
  for (const { edition } of history) for (const path of edition.assetPaths) assets.push(await store.editions.asset(edition.id, path));
  const sendId = history[0]!.edition.sendId;
  const deliveries = [];
  for (let id = 1; id <= 14; id++) deliveries.push(await store.feedback.delivery(id));
  return {
    subscribers,
    counts: await store.subscribers.counts(),
    perAddress,
    mailboxes,
    signups,
    history,
    assets,
    published: await store.editions.published(),
    current: await store.editions.current(SLUG),
    feedback: { counts: await store.feedback.counts(sendId), byEdition: [...(await store.feedback.countsByEdition(sendId))], list: await store.feedback.list(sendId, 100) },
    deliveries,
    audience: { size: await store.audienceSize(), first: await store.audience(100) },
  };
}

test('store copy fills an empty PostgreSQL database with everything, checked table by table, and the copy reads the same', async () => {
  const url = await pg.createDatabase();
  const r = await runCli(['store', 'copy', '--to', url], { cwd: project.dir, env: project.env });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const masked = url.replace(pg.password, '***');
  const lines = r.stdout.trimEnd().split('\n');
  expect(lines[0]).toBe(`copying ${project.env.DATABASE_PATH} to ${masked}`);
  expect(lines[1]).toMatch(/^ {2}table +SQLite +PostgreSQL$/);
  const table = Object.fromEntries(lines.slice(2, 12).map((l) => {
    const [name, a, b] = l.trim().split(/\s+/);
    return [name, [Number(a!.replace(/,/g, '')), Number(b!.replace(/,/g, ''))]];
  }));
  expect(table).toEqual({
    subscribers: [13, 13],
    suppressions: [4, 4],
    mailboxes: [14, 14],
    subscription_events: [2, 2],
    signups: [2, 2],
    sends: [1, 1],
    editions: [2, 2],
    edition_assets: [expect.any(Number), expect.any(Number)],
    deliveries: [12, 12],
    feedback_reports: [1, 1],
  });
  expect(table.edition_assets![0]).toBe(table.edition_assets![1]);
  expect(lines[12]).toMatch(/^copied [\d,]+ rows in 10 tables; every count matches$/);
  expect(lines[13]).toBe(`to use it, set DATABASE_URL=${masked} (with the password) in .env`);

  const sqlite = await openStore(sqliteEnv());
  const copy = await openStore(pgEnv(url));
  try {
    const before = await readAll(sqlite);
    const after = await readAll(copy);
    expect(after).toEqual(before);
    // The facts the fixture was built for are really in it.
    expect(before.counts).toEqual({ active: 10, unsubscribed: 3, suppressed: 4, bounced: 2, complained: 1 });
    expect(before.history.map((h) => h.edition.number)).toEqual([1, 2]);
    expect(before.feedback.counts).toEqual({ bounced: 1, softBounced: 0, complained: 0 });
    expect(before.mailboxes[11]).toEqual({ id: 12, address: 'member0012@example.org' });

    // New rows continue after the copied ids: mailbox 12 (removed) is never given to someone else.
    const added = await copy.subscribers.add(parseAddress('brand-new@example.org'), null, { source: 'cli' });
    expect(added.subscriber!.id).toBe(15);
    const again = await copy.subscribers.add(parseAddress('member0012@example.org'), null, { source: 'cli' });
    expect(again.subscriber!.id).toBe(12);
  } finally {
    await sqlite.close();
    await copy.close();
  }
});

test('a database that already holds a store is refused, and nothing in it changes', async () => {
  const url = await pg.createDatabase();
  const store = await openStore(pgEnv(url));
  await store.subscribers.add(parseAddress('already@example.org'), null, { source: 'cli' });
  await store.close();
  const r = await runCli(['store', 'copy', '--to', url], { cwd: project.dir, env: project.env });
  expect(r.code).toBe(1);
  expect(r.stderr.trim()).toBe(
    `the database ${url.replace(pg.password, '***')} is not empty (it holds 1 subscribers, 1 mailboxes, 1 subscription_events): store copy only fills an empty database; create a new one (createdb) and copy into it`,
  );
  const check = await openStore(pgEnv(url));
  expect(await check.subscribers.counts()).toMatchObject({ active: 1 });
  await check.close();
});

test('a copy that fails part-way leaves the database empty (one transaction), in small batches as in large', async () => {
  const url = await pg.createDatabase();
  const db = PgDb.create(url);
  const client = await db.connect();
  await pgMigrate(client, db.location);
  // A rule the copied deliveries break: the copy fails at its ninth table, after the others went in.
  await client.query("ALTER TABLE deliveries ADD CONSTRAINT test_no_failed CHECK (state <> 'failed')");
  client.release();
  await db.end();
  await expect(copyStore(project.env.DATABASE_PATH!, url, { batchRows: 3 })).rejects.toThrow(
    /^PostgreSQL refused a row of deliveries from the SQLite store \(.*test_no_failed.*\); nothing was copied$/,
  );
  const c = new Client({ connectionString: url });
  await c.connect();
  const counts = (await c.query("SELECT (SELECT count(*) FROM subscribers) + (SELECT count(*) FROM editions) + (SELECT count(*) FROM mailboxes) AS n")).rows[0];
  await c.query('ALTER TABLE deliveries DROP CONSTRAINT test_no_failed');
  await c.end();
  expect(counts).toEqual({ n: '0' });

  // The same database, now accepting the rows, takes the copy in batches of 3.
  const tables = await copyStore(project.env.DATABASE_PATH!, url, { batchRows: 3 });
  expect(tables.every((t) => t.sqlite === t.postgres)).toBe(true);
  expect(tables.find((t) => t.table === 'subscribers')).toEqual({ table: 'subscribers', sqlite: 13, postgres: 13 });
});

test('a send running on the SQLite store is refused: its deliveries would go on from the old store', async () => {
  const file = `${project.dir}/data/running.db`;
  const store = await openStore({ env: { databasePath: file } } as Parameters<typeof openStore>[0]);
  try {
    const imp = await store.subscribers.beginImport();
    await imp.subscribe(parseAddress('r1@example.org'), null);
    await imp.commit();
    const now = new Date();
    const { send: s } = await store.ledger.beginSend({ slug: 'running', edition: testEdition(), now });
    await store.ledger.acquireLease(s.id, 'host-a:4242', new Date(now.getTime() + 60_000), now);
  } finally {
    await store.close();
  }
  const url = await pg.createDatabase();
  const err = await copyStore(file, url).then(() => undefined, (e: Error) => e);
  expect(err).toBeInstanceOf(UserError);
  expect(err!.message).toBe(`running is being sent from ${file} (by host-a:4242): copy the store when that send has finished or been stopped`);
  const c = new Client({ connectionString: url });
  await c.connect();
  expect((await c.query("SELECT to_regclass('subscribers') AS t")).rows).toEqual([{ t: null }]);
  await c.end();
});

test.each([
  [['--to', 'mysql://u:p@db.example.org/newsletter'], /^--to: must start with postgres:\/\/ or postgresql:\/\/ \(not mysql:\/\/\)/],
  [['--to', 'postgres://u:p@db.example.org:5432'], /^--to: names no database/],
])('store copy %j is refused in one line', async (args, message) => {
  const r = await runCli(['store', 'copy', ...args], { cwd: project.dir, env: project.env });
  expect(r.code).toBe(1);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(message);
});

test('store copy without an SQLite store, or to a database that does not exist, says so in one line', async () => {
  const none = await runCli(['store', 'copy', '--to', await pg.createDatabase()], { cwd: project.dir, env: { ...project.env, DATABASE_PATH: '/nonexistent/store.db' } });
  expect(none.code).toBe(1);
  expect(none.stderr.trim()).toBe('there is no store at /nonexistent/store.db to copy; check DATABASE_PATH');
  const missing = await runCli(['store', 'copy', '--to', pg.urlFor('not_created')], { cwd: project.dir, env: project.env });
  expect(missing.code).toBe(1);
  expect(missing.stderr.trim().split('\n')).toHaveLength(1);
  expect(missing.stderr.trim()).toMatch(/^cannot use the PostgreSQL store postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/not_created: the database does not exist .*; check --to$/);
});

test('the last day\'s hand-overs come along as the caps\' history: a send paused by max_per_day stays paused on PostgreSQL', async () => {
  const file = `${project.dir}/data/caps.db`;
  const store = await openStore({ env: { databasePath: file } } as Parameters<typeof openStore>[0]);
  try {
    const imp = await store.subscribers.beginImport();
    for (const a of ['x1@example.org', 'x2@example.org', 'x3@example.org']) await imp.subscribe(parseAddress(a), null);
    await imp.commit();
    const now = new Date();
    const { send: s } = await store.ledger.beginSend({ slug: 'caps', edition: testEdition(), now });
    await store.ledger.acquireLease(s.id, 'run', new Date(now.getTime() + 60_000), now);
    const claimed = await store.ledger.claim(s.id, 3, now, 'run');
    await store.ledger.commit({ sendId: s.id, owner: 'run', outcomes: [], handedOver: claimed.map((d) => d.id), now });
    // The run paused by the cap has ended (a running send is not copied).
    await store.ledger.releaseLease(s.id, 'run');
  } finally {
    await store.close();
  }
  const url = await pg.createDatabase();
  await copyStore(file, url);
  const copy = await openStore(pgEnv(url));
  try {
    expect(await copy.ledger.sharedPace!.reserve(1, { perDay: 3 })).toMatchObject({ ok: false, cap: 'max_per_day' });
    expect((await copy.ledger.sharedPace!.reserve(1, { perDay: 4 })).ok).toBe(true);
  } finally {
    await copy.close();
  }
});
