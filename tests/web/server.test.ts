import fs from 'node:fs';
import path from 'node:path';
import { openStore, type Store } from '../../src/store';
import { checkAddress, type Address } from '../../src/subscribers/address';
import { signToken, TEST_TOKEN } from '../../src/unsubscribe/token';
import { MAX_BODY_BYTES } from '../../src/web/server/body';
import { startPublicServer, type PublicServer } from '../../src/web/server';
import { REPO_ROOT } from '../helpers/cli';
import {
  expectOk,
  NEW_SECRET,
  OLD_SECRET,
  onServer,
  rawRequest,
  rawSocket,
  SEED,
  SEED_SLUG,
  sentProject,
  SUBSCRIBERS,
  type ReceivedMessage,
  type SentProject,
} from '../unsubscribe/project';

/**
 * `newsletter serve` over real HTTP: a temp project whose seed issue was sent through the outbox
 * to subscribers in a real SQLite file; the links come from the messages they received.
 */

const address = (a: string): Address => {
  const c = checkAddress(a);
  if (!c.ok) throw new Error(c.reason);
  return c.address;
};

/** The subscriber id a real token carries (`<kid>.<id>.<mac>`). */
const idOf = (url: string) => Number(new URL(url).pathname.split('/')[2]!.split('.')[1]);
const tokenOf = (url: string) => new URL(url).pathname.split('/')[2]!;

const oneClick = { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' };

function expectSecurityHeaders(headers: Headers | Record<string, unknown>): void {
  const get = (name: string) => (headers instanceof Headers ? headers.get(name) : (headers[name] as string | undefined)) ?? '';
  const csp = get('content-security-policy');
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("base-uri 'none'");
  expect(csp).toMatch(/form-action '(self|none)'/);
  expect(csp).not.toContain('script-src');
  expect(get('referrer-policy')).toBe('no-referrer');
  expect(get('x-content-type-options')).toBe('nosniff');
  expect(get('x-frame-options')).toBe('DENY');
  expect(get('set-cookie')).toBe('');
}

describe('public server over HTTP', () => {
  let project: SentProject;
  let server: PublicServer;
  let store: Store;
  let mail: Map<string, ReceivedMessage>;
  const log: string[] = [];
  let notFoundBody: string;

  const suppressed = async (a: string) => store.subscribers.suppression(address(a));

  beforeAll(async () => {
    project = await sentProject();
    mail = new Map((await project.received(SEED_SLUG)).map((m) => [m.to.toLowerCase(), m]));
    // The rate limit has its own tests below; here it must not get in the way of many requests.
    server = await startPublicServer({ config: project.config(), port: 0, log: (l) => log.push(l), rateLimit: { burst: 10_000, perSecond: 100 } });
    // The test's own connection to the same file, as another process would have.
    store = await openStore(project.config());
    notFoundBody = (await rawRequest(server.url, 'GET', '/nothing-here')).body;
  });
  afterAll(async () => {
    await server.close();
    await store.close();
  });

  it('every subscriber received a signed link with no address in it, and the RFC 8058 header', () => {
    expect([...mail.keys()].sort()).toEqual(SUBSCRIBERS.map((s) => s.toLowerCase()).sort());
    for (const [to, m] of mail) {
      expect(m.unsubscribeUrl).toMatch(/^https:\/\/news\.example\.org\/u\/k2\.[1-9][0-9]*\.[A-Za-z0-9_-]{43}$/);
      expect(m.unsubscribeUrl.toLowerCase()).not.toContain(to.split('@')[0]);
      expect(m.listUnsubscribePost).toBe('List-Unsubscribe=One-Click');
      expect(m.html).toContain(m.unsubscribeUrl);
    }
  });

  it('GET shows the publication, the masked address and a confirm form, and changes nothing', async () => {
    const link = onServer(server.url, mail.get('ana@example.org')!.unsubscribeUrl);
    for (let i = 0; i < 3; i++) {
      const res = await fetch(link, { redirect: 'manual' });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expectSecurityHeaders(res.headers);
      expect(res.headers.get('content-security-policy')).toContain("form-action 'self'");
      const html = await res.text();
      expect(html).toContain('DSA Los Angeles');
      expect(html).toContain('a***@example.org');
      expect(html).not.toContain('ana@example.org');
      expect(html).toMatch(/<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"\/><button type="submit">Unsubscribe<\/button><\/form>/);
    }
    expect(await suppressed('ana@example.org')).toBeUndefined();
    expect((await store.subscribers.get(address('ana@example.org')))?.status).toBe('active');
  });

  it('HEAD answers like GET with no body, and changes nothing', async () => {
    const link = onServer(server.url, mail.get('ana@example.org')!.unsubscribeUrl);
    const head = await rawRequest(server.url, 'HEAD', new URL(link).pathname);
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(Number(head.headers['content-length'])).toBeGreaterThan(200);
    expectSecurityHeaders(head.headers);
    expect(await suppressed('ana@example.org')).toBeUndefined();
  });

  it("one-click POST (RFC 8058, form-urlencoded) unsubscribes: 200, no redirect, no cookie; twice is fine", async () => {
    const link = onServer(server.url, mail.get('ana@example.org')!.unsubscribeUrl);
    for (let i = 0; i < 2; i++) {
      const res = await fetch(link, { method: 'POST', redirect: 'manual', ...oneClick });
      expect(res.status).toBe(200);
      expect(res.headers.get('location')).toBeNull();
      expect(res.headers.get('set-cookie')).toBeNull();
      expectSecurityHeaders(res.headers);
      const html = await res.text();
      expect(html).toContain('You are unsubscribed');
      expect(html).toContain('a***@example.org');
    }
    const s = await suppressed('ana@example.org');
    expect(s).toMatchObject({ address: 'ana@example.org', reason: 'unsubscribed', detail: 'unsubscribe link' });
    expect((await store.subscribers.get(address('ana@example.org')))?.status).toBe('unsubscribed');
    // Only Ana: the others are untouched.
    expect(await suppressed('carla@example.org')).toBeUndefined();

    // Her link now says so, without the unsubscribe button; the only form is the undo.
    const again = await (await fetch(link)).text();
    expect(again).toContain('You are unsubscribed');
    expect(again).not.toContain('List-Unsubscribe');
    expect(again).toContain('<input type="hidden" name="resubscribe" value="yes"/>');
  });

  it('one-click POST as multipart/form-data unsubscribes too', async () => {
    const m = mail.get('bob.smith@example.net')!;
    const form = new FormData();
    form.set('List-Unsubscribe', 'One-Click');
    const res = await fetch(onServer(server.url, m.unsubscribeUrl), { method: 'POST', body: form, redirect: 'manual' });
    expect(res.status).toBe(200);
    // The first letter as the subscriber wrote it, the domain lower-cased.
    expect(await res.text()).toContain('B***@example.net');
    expect(await suppressed('bob.smith@example.net')).toMatchObject({ reason: 'unsubscribed' });
  });

  it('a POST that is not a one-click confirmation changes nothing', async () => {
    const link = new URL(onServer(server.url, mail.get('carla@example.org')!.unsubscribeUrl)).pathname;
    const cases: [Record<string, string>, string, number][] = [
      [{ 'content-type': 'application/x-www-form-urlencoded' }, 'List-Unsubscribe=Other', 400],
      [{ 'content-type': 'application/x-www-form-urlencoded' }, '', 400],
      [{ 'content-type': 'text/plain' }, 'List-Unsubscribe=One-Click', 415],
      [{ 'content-type': 'application/json' }, '{"List-Unsubscribe":"One-Click"}', 415],
      [{ 'content-type': 'multipart/form-data' }, 'List-Unsubscribe=One-Click', 400],
      [{ 'content-type': 'multipart/form-data; boundary=xyz' }, '--xyz\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Cl', 400],
    ];
    for (const [headers, body, status] of cases) {
      const res = await rawRequest(server.url, 'POST', link, { headers, body });
      expect([headers, res.status]).toEqual([headers, status]);
      expectSecurityHeaders(res.headers);
    }
    expect(await suppressed('carla@example.org')).toBeUndefined();
  });

  it('a later send of another issue skips the unsubscribed addresses', async () => {
    const second = project.writeIssue('2021-03-29', '2021-03-29');
    await expectOk(project.cli('send', second, '--yes'));
    const recipients = (await project.received('2021-03-29')).map((m) => m.to.toLowerCase()).sort();
    expect(recipients).toEqual(['carla@example.org', 'dan@example.org']);
  });

  describe('tokens', () => {
    const carla = () => mail.get('carla@example.org')!;
    const get = (token: string) => rawRequest(server.url, 'GET', `/u/${token}`);
    const post = (token: string) => rawRequest(server.url, 'POST', `/u/${token}`, oneClick);

    async function expectRefused(token: string) {
      for (const res of [await get(token), await post(token)]) {
        expect(res.status).toBe(404);
        // The same page as for any unknown address: nothing says which part was wrong.
        expect(res.body).toBe(notFoundBody);
        expectSecurityHeaders(res.headers);
      }
      expect(await suppressed('carla@example.org')).toBeUndefined();
    }

    it('forged: a changed MAC, another subscriber id, or a made-up token gets the generic 404', async () => {
      const token = tokenOf(carla().unsubscribeUrl);
      const [kid, id, mac] = token.split('.') as [string, string, string];
      const flipped = mac.slice(0, 10) + (mac[10] === 'A' ? 'B' : 'A') + mac.slice(11);
      await expectRefused(`${kid}.${id}.${flipped}`);
      await expectRefused(`${kid}.${Number(id) + 1}.${mac}`);
      await expectRefused(`${kid}.${id}.${'A'.repeat(43)}`);
      await expectRefused('carla@example.org');
      await expectRefused(encodeURIComponent(`k2.${id}.${mac}<script>`));
    });

    it('truncated: a token cut short (as a mail client wrapping a long line would) gets the 404', async () => {
      const token = tokenOf(carla().unsubscribeUrl);
      await expectRefused(token.slice(0, -1));
      await expectRefused(token.slice(0, 20));
      await expectRefused(token.split('.').slice(0, 2).join('.'));
    });

    it('re-signed with a wrong key under a listed key id gets the 404', async () => {
      const id = idOf(carla().unsubscribeUrl);
      await expectRefused(signToken([{ id: 'k2', secret: 'an-attacker-guess-of-the-secret-value' }], id));
      await expectRefused(signToken([{ id: 'k1', secret: NEW_SECRET }], id));
      await expectRefused(signToken([{ id: 'k9', secret: NEW_SECRET }], id));
    });

    it('an old-key token (k1, still listed) works: links in older emails keep working', async () => {
      const id = idOf(carla().unsubscribeUrl);
      const old = signToken([{ id: 'k1', secret: OLD_SECRET }], id);
      const page = await get(old);
      expect(page.status).toBe(200);
      expect(page.body).toContain('c***@example.org');
      expect(await suppressed('carla@example.org')).toBeUndefined();
      // And it unsubscribes (Dan: the later-send test above has already run).
      const dan = idOf(mail.get('dan@example.org')!.unsubscribeUrl);
      const done = await post(signToken([{ id: 'k1', secret: OLD_SECRET }], dan));
      expect(done.status).toBe(200);
      expect(done.body).toContain('d***@example.org');
      expect(await suppressed('dan@example.org')).toMatchObject({ reason: 'unsubscribed' });
    });

    it('a correctly signed token for a subscriber who no longer exists gets the 404', async () => {
      await expectRefused(signToken([{ id: 'k2', secret: NEW_SECRET }], 999_999));
    });

    it("the test-send token says it was a test message and changes nothing", async () => {
      await expectOk(project.cli('send', SEED, '--to', 'editor@example.org'));
      const testFolder = fs.readdirSync(path.join(project.dir, 'outbox')).find((n) => n.startsWith(`${SEED_SLUG}-test`))!;
      const [test] = await project.received(testFolder);
      expect(test!.subject).toMatch(/^\[TEST\] /);
      expect(tokenOf(test!.unsubscribeUrl)).toBe(TEST_TOKEN);
      const link = onServer(server.url, test!.unsubscribeUrl);
      const before = await store.subscribers.counts();
      for (const res of [await fetch(link), await fetch(link, { method: 'POST', ...oneClick })]) {
        expect(res.status).toBe(200);
        expectSecurityHeaders(res.headers);
        const html = await res.text();
        expect(html).toContain('This was a test message');
        expect(html).toContain('Nothing was changed');
      }
      expect(await store.subscribers.counts()).toEqual(before);
    });
  });

  describe('web versions and calendar files of sent issues', () => {
    it('serves web.html at the link in the email, from the edition stored by the send (nothing is built, dist/ is not written)', async () => {
      const m = mail.get('dan@example.org')!;
      const webLink = /href="(https:\/\/news\.example\.org\/issues\/2021-03-22\/)"/.exec(m.html)?.[1];
      expect(webLink).toBeDefined();
      const res = await fetch(onServer(server.url, webLink!));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expectSecurityHeaders(res.headers);
      expect(res.headers.get('content-security-policy')).toContain("form-action 'none'");
      const html = await res.text();
      expect(html).toContain('Solidarity with BAmazon Union!');
      // The web version names no subscriber and carries no token.
      expect(html).not.toMatch(/\/u\/k\d\./);
      expect(fs.existsSync(path.join(project.dir, 'dist', SEED_SLUG))).toBe(false);
    });

    it('serves each event’s "Add to calendar" page linked from the email, and every .ics those pages and the email link', async () => {
      const m = mail.get('dan@example.org')!;
      const pages = [...new Set([...m.html.matchAll(/https:\/\/news\.example\.org\/issues\/2021-03-22\/e\/[a-z0-9]+\.html/g)].map((x) => x[0]))];
      expect(pages).toHaveLength(5);
      const ics = new Set([...m.html.matchAll(/https:\/\/news\.example\.org\/issues\/2021-03-22\/events[^"]*\.ics/g)].map((x) => x[0]));
      for (const link of pages) {
        const res = await fetch(onServer(server.url, link));
        expect([link, res.status]).toEqual([link, 200]);
        expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
        expectSecurityHeaders(res.headers);
        const html = await res.text();
        expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1"/>');
        for (const label of ['Google Calendar', 'Outlook.com', 'Office 365']) expect(html).toContain(`${label}<small>`);
        for (const x of html.matchAll(/https:\/\/news\.example\.org\/issues\/2021-03-22\/events\/[a-z0-9-]+\.ics/g)) ics.add(x[0]);
      }
      expect(ics.size).toBe(6);
      for (const link of ics) {
        const res = await fetch(onServer(server.url, link));
        expect([link, res.status]).toEqual([link, 200]);
        expect(res.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
        expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="[a-z0-9-]+(\.ics)?"|^attachment; filename="2021-03-22\.ics"$/);
        expectSecurityHeaders(res.headers);
        expect(await res.text()).toMatch(/^BEGIN:VCALENDAR\r\n[\s\S]*\r\nBEGIN:VEVENT\r\n[\s\S]*\r\nEND:VCALENDAR(\r\n)?$/);
      }
    });

    it('serves the flyer the email shows, as its own bytes, loadable from a webmail page on another site', async () => {
      const m = mail.get('dan@example.org')!;
      const src = /<img[^>]*src="(https:\/\/news\.example\.org\/issues\/2021-03-22\/images\/[^"]+)"/.exec(m.html)?.[1];
      expect(src).toBe('https://news.example.org/issues/2021-03-22/images/bamazon-rally.jpg');
      const res = await fetch(onServer(server.url, src!));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
      expect(Buffer.from(await res.arrayBuffer())).toEqual(fs.readFileSync(path.join(REPO_ROOT, 'issues', 'images', 'bamazon-rally.jpg')));
    });

    it.each(['/issues/2021-03-22/images/other.jpg', '/issues/2021-03-22/images/..%2fweb.html', '/issues/2021-03-22/images/web.html', '/issues/2021-03-22/e/zzzzzzz.html', '/issues/2021-03-22/e/..', '/issues/2021-03-22/e/', '/issues/2021-03-22/images/'])(
      'answers %s with the 404 page',
      async (p) => {
        const res = await rawRequest(server.url, 'GET', p);
        expect(res.status).toBe(404);
      },
    );

    it('HEAD of a web version is 200 with its length and no body', async () => {
      const get = await rawRequest(server.url, 'GET', '/issues/2021-03-22/');
      const head = await rawRequest(server.url, 'HEAD', '/issues/2021-03-22/');
      expect(head.status).toBe(200);
      expect(head.body).toBe('');
      expect(head.headers['content-length']).toBe(String(Buffer.byteLength(get.body)));
      expect(head.headers['content-type']).toBe('text/html; charset=utf-8');
    });

    it('the address without its final slash leads to the web version', async () => {
      const res = await rawRequest(server.url, 'GET', '/issues/2021-03-22');
      expect(res.status).toBe(308);
      expect(res.headers.location).toBe('2021-03-22/');
    });

    it('an issue that was never sent is not published, even when its build output exists', async () => {
      const unsent = project.writeIssue('2021-04-05', '2021-04-05');
      await expectOk(project.cli('build', unsent));
      expect(fs.existsSync(path.join(project.dir, 'dist', '2021-04-05', 'web.html'))).toBe(true);
      for (const p of ['/issues/2021-04-05/', '/issues/2021-04-05/events.ics', '/issues/2021-04-05']) {
        const res = await rawRequest(server.url, 'GET', p);
        expect([p, res.status, res.body]).toEqual([p, 404, notFoundBody]);
      }
    });

    it('unknown slugs, event ids and files get the 404', async () => {
      for (const p of [
        '/issues/2021-01-01/',
        '/issues/2021-03-22/events/no-such-event.ics',
        '/issues/2021-03-22/events/',
        '/issues/2021-03-22/email.html',
        '/issues/2021-03-22/message.eml',
        '/issues/2021-03-22/events/2021-03-22-solidarity-with-bamazon-union-rally-at-grand-park',
        '/',
        '/u/',
      ]) {
        const res = await rawRequest(server.url, 'GET', p);
        expect([p, res.status]).toEqual([p, 404]);
        expect(res.body).toBe(notFoundBody);
        expectSecurityHeaders(res.headers);
      }
    });

    it('traversal paths get the 404, encoded or not', async () => {
      fs.writeFileSync(path.join(project.dir, 'dist', 'secret.txt'), NEW_SECRET);
      for (const p of [
        '/issues/..%2f..%2fetc/passwd',
        '/issues/..%2f..%2fetc%2fpasswd/',
        '/issues/%2e%2e%2f%2e%2e%2fetc%2fpasswd/',
        '/issues/%2e%2e/%2e%2e/etc/passwd',
        '/issues/../../etc/passwd',
        '/issues/2021-03-22/events/..%2f..%2fsecret.txt%00.ics',
        '/issues/2021-03-22/events/%2e%2e%2f%2e%2e%2fsecret.ics',
        '/issues/..%5c..%5csecret.txt/',
        '/issues/%2e%2e/',
        '/issues/./',
        '/issues/2021-03-22%2f..%2f..%2fsecret.txt/',
        '/u/..%2f..%2fdata%2fstore.db',
      ]) {
        const res = await rawRequest(server.url, 'GET', p);
        expect([p, res.status]).toEqual([p, 404]);
        expect(res.body).not.toContain(NEW_SECRET);
        expect(res.body).not.toContain('root:');
      }
    });
  });

  describe('hardening', () => {
    const carlaPath = () => new URL(mail.get('carla@example.org')!.unsubscribeUrl).pathname;

    it('a body over the limit gets 413 and changes nothing (declared or streamed)', async () => {
      const big = `List-Unsubscribe=One-Click&pad=${'x'.repeat(MAX_BODY_BYTES)}`;
      const declared = await rawRequest(server.url, 'POST', carlaPath(), { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: big });
      expect(declared.status).toBe(413);
      expectSecurityHeaders(declared.headers);
      // Chunked: no Content-Length, so the limit is counted while reading.
      const streamed = await rawRequest(server.url, 'POST', carlaPath(), {
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'transfer-encoding': 'chunked' },
        chunks: Array.from({ length: 6 }, () => Buffer.from('x'.repeat(4096))),
      });
      expect(streamed.status).toBe(413);
      expect(await suppressed('carla@example.org')).toBeUndefined();
    });

    it('methods a route does not take get 405 with Allow', async () => {
      const cases: [string, string, string][] = [
        ['PUT', carlaPath(), 'GET, HEAD, POST'],
        ['DELETE', carlaPath(), 'GET, HEAD, POST'],
        ['PATCH', carlaPath(), 'GET, HEAD, POST'],
        ['OPTIONS', carlaPath(), 'GET, HEAD, POST'],
        ['POST', '/issues/2021-03-22/', 'GET, HEAD'],
        ['PUT', '/issues/2021-03-22/events.ics', 'GET, HEAD'],
        ['DELETE', '/issues/2021-03-22/', 'GET, HEAD'],
      ];
      for (const [method, p, allow] of cases) {
        const res = await rawRequest(server.url, method, p, method === 'GET' ? {} : { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
        expect([method, p, res.status, res.headers.allow]).toEqual([method, p, 405, allow]);
        expectSecurityHeaders(res.headers);
      }
      expect(await suppressed('carla@example.org')).toBeUndefined();
    });

    it('headers over the size limit are refused', async () => {
      const answer = await rawSocket(server.url, `GET /issues/2021-03-22/ HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(9000)}\r\n\r\n`);
      expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    });

    it('logs one line per request with the route pattern, never a token, an address or a secret', () => {
      expect(log.length).toBeGreaterThan(50);
      for (const line of log) {
        expect(line).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z (GET|HEAD|POST|PUT|DELETE|PATCH|OPTIONS) (\/u\/:token|\/issues\/:slug\/?|\/issues\/:slug\/events\.ics|\/issues\/:slug\/events\/:id\.ics|\/issues\/:slug\/:file|\/issues\/|\/feed\.xml|\/calendar\.ics|-) \d{3}(-aborted)? \d+\.\dms$/);
        expect(line).not.toMatch(/@|k[12]\.\d+\.|test-send|secret/i);
      }
      expect(log).toContainEqual(expect.stringMatching(/ POST \/u\/:token 200 /));
      expect(log).toContainEqual(expect.stringMatching(/ GET \/issues\/:slug\/events\/:id\.ics 200 /));
      // The event pages and the pictures.
      expect(log).toContainEqual(expect.stringMatching(/ GET \/issues\/:slug\/:file 200 /));
    });
  });
});

describe('public server limits', () => {
  let project: SentProject;
  beforeAll(async () => {
    project = await sentProject();
  });

  it('a client over its rate gets 429 with Retry-After; other clients are not affected', async () => {
    const server = await startPublicServer({ config: project.config(), port: 0, rateLimit: { burst: 3, perSecond: 0.01 }, trustProxy: true });
    try {
      const from = (ip: string) => ({ headers: { 'x-forwarded-for': `198.51.100.7, ${ip}` } });
      for (let i = 0; i < 3; i++) expect((await rawRequest(server.url, 'GET', '/issues/2021-03-22/', from('203.0.113.5'))).status).toBe(200);
      const limited = await rawRequest(server.url, 'GET', '/issues/2021-03-22/', from('203.0.113.5'));
      expect(limited.status).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expectSecurityHeaders(limited.headers);
      // The proxy's last entry is the client; the first is whatever the client claimed.
      expect((await rawRequest(server.url, 'GET', '/issues/2021-03-22/', from('203.0.113.6'))).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('without --trust-proxy, X-Forwarded-For does not let a client escape its limit', async () => {
    const server = await startPublicServer({ config: project.config(), port: 0, rateLimit: { burst: 2, perSecond: 0.01 } });
    try {
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await rawRequest(server.url, 'GET', '/', { headers: { 'x-forwarded-for': `203.0.113.${i}` } })).status);
      expect(statuses).toEqual([404, 404, 429, 429]);
    } finally {
      await server.close();
    }
  });

  it('once the old key is removed from UNSUBSCRIBE_SECRET, links signed with it get the 404', async () => {
    const [m] = await project.received(SEED_SLUG);
    const id = idOf(m!.unsubscribeUrl);
    const server = await startPublicServer({ config: project.config({ ...project.env, UNSUBSCRIBE_SECRET: `k2:${NEW_SECRET}` }), port: 0 });
    try {
      const old = await rawRequest(server.url, 'GET', `/u/${signToken([{ id: 'k1', secret: OLD_SECRET }], id)}`);
      expect(old.status).toBe(404);
      expect(old.body).toContain('This link is not valid');
      const current = await rawRequest(server.url, 'GET', new URL(m!.unsubscribeUrl).pathname);
      expect(current.status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('a client that never finishes its request is cut off (request and header timeouts)', async () => {
    const server = await startPublicServer({ config: project.config(), port: 0, timeouts: { headersMs: 1_000, requestMs: 2_000 } });
    try {
      // Headers never finished: Node answers 408 once headersTimeout passes, and closes.
      const answer = await rawSocket(server.url, 'GET /issues/2021-03-22/ HTTP/1.1\r\nHost: x\r\n');
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      // Headers sent, the body promised but never finished: nothing changes.
      const [m] = await project.received(SEED_SLUG);
      const body = await rawSocket(server.url, `POST ${new URL(m!.unsubscribeUrl).pathname} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 26\r\n\r\nList-Unsub`);
      expect(body).toMatch(/^HTTP\/1\.1 408 /);
      expect(await project.cli('subscribers', 'count')).toMatchObject({ code: 0, stdout: expect.stringMatching(/^active: 4\nunsubscribed: 0\nsuppressed: 0\n  bounced: 0\n  complained: 0\n$/) });
    } finally {
      await server.close();
    }
  });
});
