import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../../src/store';
import { parseAddress } from '../../src/subscribers/address';
import { spawnCli, waitFor } from '../helpers/process';
import { startPostgres, type Postgres } from '../helpers/postgres';
import { expectOk, rawRequest, SEED_SLUG, sentProject, type SentProject } from '../unsubscribe/project';

/**
 * `serve` on a host that has no store file, only DATABASE_URL: the store a send made (copied to
 * PostgreSQL with `store copy`) answers the archive, the feed, the calendars and the one-click
 * unsubscribe, and the unsubscribe lands in PostgreSQL.
 */

let pg: Postgres;
let project: SentProject;
let url: string;

beforeAll(async () => {
  pg = await startPostgres();
  project = await sentProject();
  url = await pg.createDatabase();
  await expectOk(project.cli('store', 'copy', '--to', url));
}, 120_000);

afterAll(async () => {
  await pg?.stop();
});

test('serve with only DATABASE_URL answers every route from PostgreSQL, and a one-click unsubscribe is stored there', async () => {
  const bare = fs.mkdtempSync(path.join(os.tmpdir(), 'newsletter-serve-pg-'));
  fs.copyFileSync(path.join(project.dir, 'newsletter.yaml'), path.join(bare, 'newsletter.yaml'));
  const [mail] = await project.received(SEED_SLUG);
  const running = spawnCli(['serve', '--port', '0'], { cwd: bare, env: { DATABASE_URL: url, UNSUBSCRIBE_SECRET: project.env.UNSUBSCRIBE_SECRET! } });
  try {
    await waitFor(() => /on (http:\/\/\S+)/.test(running.stdout()) || running.child.exitCode !== null, 30_000, 'serve to start');
    expect(running.stderr()).toBe('');
    const base = /on (http:\/\/\S+)/.exec(running.stdout())![1]!;
    const unsubscribePath = new URL(mail!.unsubscribeUrl).pathname;
    for (const [p, type] of [
      ['/issues/', 'text/html; charset=utf-8'],
      ['/issues/2021-03-22/', 'text/html; charset=utf-8'],
      ['/issues/2021-03-22/events.ics', 'text/calendar; charset=utf-8'],
      ['/feed.xml', 'application/atom+xml; charset=utf-8'],
      ['/calendar.ics', 'text/calendar; charset=utf-8'],
      [unsubscribePath, 'text/html; charset=utf-8'],
    ]) {
      const res = await rawRequest(base, 'GET', p!);
      expect([p, res.status, res.headers['content-type']]).toEqual([p, 200, type]);
    }
    expect((await rawRequest(base, 'GET', '/feed.xml')).body).toContain('<id>https://news.example.org/issues/2021-03-22/</id>');

    const res = await rawRequest(base, 'POST', unsubscribePath, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(res.status).toBe(200);
    const store = await openStore({ env: { databasePath: '/nonexistent/never.db', databaseUrl: url } } as Parameters<typeof openStore>[0]);
    try {
      expect(await store.subscribers.suppression(parseAddress(mail!.to))).toMatchObject({ reason: 'unsubscribed' });
      expect(await store.subscribers.get(parseAddress(mail!.to))).toMatchObject({ status: 'unsubscribed' });
      expect(await store.subscribers.counts()).toMatchObject({ active: 3, unsubscribed: 1 });
    } finally {
      await store.close();
    }
    // Nothing was written beside newsletter.yaml: no SQLite file was made.
    expect(fs.readdirSync(bare)).toEqual(['newsletter.yaml']);
  } finally {
    running.child.kill('SIGTERM');
    await running.exited;
    fs.rmSync(bare, { recursive: true, force: true });
  }
});
