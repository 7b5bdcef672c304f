import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseFeed } from '@rowanmanning/feed-parser';
import ical, { type VEvent } from 'node-ical';
import { openStore } from '../../src/store';
import { startPublicServer, type PublicServer } from '../../src/web/server';
import { testEdition } from '../helpers/edition';
import { runCli } from '../helpers/cli';
import { spawnCli, waitFor } from '../helpers/process';
import { issueYaml } from '../schedule/helpers';
import { expectOk, rawRequest, SEED, SEED_SLUG, sentProject, type SentProject } from '../unsubscribe/project';

/**
 * The archive, the Atom feed and the subscribed calendar of a project that sent two issues and
 * corrected the first after its send, served from the store over real HTTP, and `serve` started
 * in a folder that holds nothing but newsletter.yaml.
 */

const events = (ics: string): VEvent[] => Object.values(ical.sync.parseICS(ics)).filter((c): c is VEvent => c.type === 'VEVENT');

describe('archive, feed and calendar', () => {
  let project: SentProject;
  let server: PublicServer;
  // The moment the server reads the clock at: the seed's events (March 15–27, 2021) are 25 to 37 days past.
  const now = new Date('2021-04-21T19:00:00Z');

  beforeAll(async () => {
    project = await sentProject();
    fs.writeFileSync(path.join(project.dir, 'issues', '2021-04-19.yaml'), issueYaml('2021-04-19'));
    const at = (iso: string) => ({ cwd: project.dir, env: project.env, now: new Date(iso) });
    await expectOk(runCli(['send', 'issues/2021-04-19.yaml', '--yes'], at('2021-04-19T14:00:00Z')));
    // A correction after the seed was sent: the DSA 101 meeting moves by an hour.
    const seed = path.join(project.dir, SEED);
    fs.writeFileSync(seed, fs.readFileSync(seed, 'utf8').replace('start: 2021-03-27T11:00', 'start: 2021-03-27T12:00'));
    const refused = await runCli(['send', SEED, '--yes'], at('2021-03-30T18:00:00Z'));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${SEED} changed after ${SEED_SLUG} was sent (edition 1`);
    expect(refused.stderr).toContain(`newsletter send ${SEED} --correction`);
    const corrected = await expectOk(runCli(['send', SEED, '--yes', '--correction'], at('2021-03-30T18:00:00Z')));
    expect(corrected.stdout).toContain('edition 2 of 2021-03-22 published');
    expect(corrected.stdout).toContain('nobody was mailed');
    expect(await project.received(SEED_SLUG)).toHaveLength(4);
    server = await startPublicServer({ config: project.config(), port: 0, now: () => now, rateLimit: { burst: 1000, perSecond: 100 } });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('/issues/ lists every sent issue, newest first, with its date, subject and web version, and links the feed and calendar', async () => {
    const res = await rawRequest(server.url, 'GET', '/issues/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const html = res.body;
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1"/>');
    expect(html).toContain('<link rel="alternate" type="application/atom+xml" title="DSA Los Angeles: all issues" href="../feed.xml"/>');
    const items = [...html.matchAll(/<li><time dateTime="([^"]+)">([^<]+)<\/time><a href="([^"]+)">([^<]+)<\/a>/g)].map((m) => [m[1], m[2], m[3], m[4]]);
    expect(items).toEqual([
      ['2021-04-19', 'April 19, 2021', '2021-04-19/', 'Events for the week of 2021-04-19'],
      ['2021-03-21', 'March 21, 2021', '2021-03-22/', 'This week: Solidarity with BAmazon Union!'],
    ]);
    expect(html).toContain('href="webcal://news.example.org/calendar.ics"');
    expect(html).toContain('href="https://news.example.org/calendar.ics"');
    expect(html).not.toMatch(/\/u\/k\d\.|%%UNSUBSCRIBE/);
    for (const [, , href] of items) expect((await rawRequest(server.url, 'GET', `/issues/${href}`)).status).toBe(200);
  });

  it('/feed.xml is Atom a feed parser reads: one entry per issue, full content, the correction as the update, no personal link', async () => {
    const res = await rawRequest(server.url, 'GET', '/feed.xml');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    expect(res.body).not.toMatch(/\/u\/|%%UNSUBSCRIBE|k2\.\d+\./);
    const feed = parseFeed(res.body);
    expect(feed.meta.type).toBe('atom');
    expect(feed.title).toBe('DSA Los Angeles');
    expect(feed.self).toBe('https://news.example.org/feed.xml');
    expect(feed.items.map((i) => [i.id, i.url])).toEqual([
      ['https://news.example.org/issues/2021-04-19/', 'https://news.example.org/issues/2021-04-19/'],
      ['https://news.example.org/issues/2021-03-22/', 'https://news.example.org/issues/2021-03-22/'],
    ]);
    const seed = feed.items[1]!;
    expect(seed.title).toContain('This week: Solidarity with BAmazon Union!');
    expect(seed.content).toContain('Pass the PRO Act Planning Meeting');
    expect(seed.content).toContain('12:00 pm');
    // The email's hidden preheader is not in the content (readers drop the style that hides it); it is the summary.
    expect(seed.content).not.toMatch(/display: ?none/);
    expect(seed.description).toBe('Rally at Grand Park, one-on-one training, PRO Act planning, DSA 101');
    // Published when the send started; updated when the correction was made.
    expect(seed.published!.toISOString().slice(0, 10)).toBe('2021-03-21');
    expect(seed.updated!.toISOString().slice(0, 10)).toBe('2021-03-30');
  });

  it('/calendar.ics: the events not over or ended in the last 30 days, with the UIDs and times of the per-issue files, corrected', async () => {
    const res = await rawRequest(server.url, 'GET', '/calendar.ics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/calendar; charset=utf-8');
    expect(res.headers['content-disposition']).toBeUndefined();
    expect(res.body).toMatch(/^BEGIN:VCALENDAR\r\n/);
    expect(res.body).toContain('REFRESH-INTERVAL;VALUE=DURATION:PT6H');
    const subscribed = events(res.body);
    const byUid = new Map(subscribed.map((e) => [e.uid, e]));

    const perIssue = [
      ...events((await rawRequest(server.url, 'GET', '/issues/2021-03-22/events.ics')).body),
      ...events((await rawRequest(server.url, 'GET', '/issues/2021-04-19/events.ics')).body),
    ];
    const cutoff = now.getTime() - 30 * 24 * 3600 * 1000;
    const expected = perIssue.filter((e) => (e.end ?? e.start).getTime() >= cutoff);
    // The window drops the older seed events and keeps the recent ones: both sides are exercised.
    expect(expected.length).toBeGreaterThan(1);
    expect(expected.length).toBeLessThan(perIssue.length);
    expect([...byUid.keys()].sort()).toEqual(expected.map((e) => e.uid).sort());
    for (const e of expected) {
      const s = byUid.get(e.uid)!;
      expect([e.uid, s.start.toISOString(), s.end?.toISOString(), s.summary]).toEqual([e.uid, e.start.toISOString(), e.end?.toISOString(), e.summary]);
    }
    // The corrected time (12:00 Los Angeles = 19:00 UTC), with the correction's higher SEQUENCE.
    const dsa101 = subscribed.find((e) => e.summary === 'DSA 101')!;
    expect(dsa101.start.toISOString()).toBe('2021-03-27T19:00:00.000Z');
    expect(dsa101.uid).toBe('2021-03-27-dsa-101@news.example.org');
    expect(Number(dsa101.sequence)).toBeGreaterThan(0);
    expect(subscribed.find((e) => e.summary === 'General meeting')?.start.toISOString()).toBe('2021-04-20T01:00:00.000Z');
  });

  it('the web version of a corrected issue is its newest edition, on a phone-ready page linking the subscribed calendar', async () => {
    const html = (await rawRequest(server.url, 'GET', '/issues/2021-03-22/')).body;
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1"');
    expect(html).toContain('12:00 pm');
    expect(html).toContain('href="webcal://news.example.org/calendar.ics"');
    expect(html).toContain('href="https://news.example.org/calendar.ics"');
  });

  it('any other file an edition holds (an image, a page) is served under its path, with its type; nothing outside it', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const store = await openStore(project.config());
    try {
      const assets = [...testEdition().assets, { path: 'images/rally.png', contentType: 'image/png', body: png }, { path: 'events/rally.html', contentType: 'text/html; charset=utf-8', body: Buffer.from('<!doctype html><p>Rally</p>') }];
      await store.ledger.beginSend({ slug: '2021-01-04', edition: testEdition({ assets }), now: new Date('2021-01-04T15:00:00Z') });
    } finally {
      await store.close();
    }
    const image = await rawRequest(server.url, 'GET', '/issues/2021-01-04/images/rally.png');
    expect([image.status, image.headers['content-type'], image.headers['cross-origin-resource-policy']]).toEqual([200, 'image/png', 'cross-origin']);
    expect(image.headers['content-disposition']).toBeUndefined();
    const pageRes = await rawRequest(server.url, 'GET', '/issues/2021-01-04/events/rally.html');
    expect([pageRes.status, pageRes.headers['content-type'], pageRes.body]).toEqual([200, 'text/html; charset=utf-8', '<!doctype html><p>Rally</p>']);
    expect(pageRes.headers['content-security-policy']).toContain("default-src 'none'");
    for (const p of ['/issues/2021-01-04/images/other.png', '/issues/2021-01-04/images/', '/issues/2021-01-04/images/..%2f..%2fweb.html', '/issues/2021-01-04/.%2e/web.html']) {
      expect([p, (await rawRequest(server.url, 'GET', p)).status]).toEqual([p, 404]);
    }
  });

  it('serve started in a folder holding only newsletter.yaml (DATABASE_PATH pointing at the store) answers every route', async () => {
    const bare = fs.mkdtempSync(path.join(os.tmpdir(), 'newsletter-serve-only-'));
    fs.copyFileSync(path.join(project.dir, 'newsletter.yaml'), path.join(bare, 'newsletter.yaml'));
    const [mail] = await project.received(SEED_SLUG);
    const running = spawnCli(['serve', '--port', '0'], { cwd: bare, env: project.env });
    try {
      await waitFor(() => /on (http:\/\/\S+)/.test(running.stdout()), 30_000, 'serve to start');
      const url = /on (http:\/\/\S+)/.exec(running.stdout())![1]!;
      const eventIcs = /https:\/\/news\.example\.org(\/issues\/2021-03-22\/events\/[a-z0-9-]+\.ics)/.exec(mail!.html)![1]!;
      for (const [p, type] of [
        ['/issues/', 'text/html; charset=utf-8'],
        ['/issues/2021-03-22/', 'text/html; charset=utf-8'],
        ['/issues/2021-03-22/events.ics', 'text/calendar; charset=utf-8'],
        [eventIcs, 'text/calendar; charset=utf-8'],
        ['/feed.xml', 'application/atom+xml; charset=utf-8'],
        ['/calendar.ics', 'text/calendar; charset=utf-8'],
        [new URL(mail!.unsubscribeUrl).pathname, 'text/html; charset=utf-8'],
        ['/subscribe', 'text/html; charset=utf-8'],
      ]) {
        const res = await rawRequest(url, 'GET', p!);
        expect([p, res.status, res.headers['content-type']]).toEqual([p, 200, type]);
      }
      expect((await rawRequest(url, 'GET', '/issues/2021-03-22')).status).toBe(308);
      expect(fs.readdirSync(bare)).toEqual(['newsletter.yaml']);
    } finally {
      running.child.kill('SIGTERM');
      await running.exited;
    }
  });
});
