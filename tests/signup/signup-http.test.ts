import { startPublicServer, type PublicServer } from '../../src/web/server';
import { signConfirmToken } from '../../src/signup/token';
import { parseAddress } from '../../src/subscribers/address';
import { eventually } from '../helpers/process';
import { signupProject, startSignupServer, type SignupProject } from './project';

/** Signup over real HTTP against `serve`: the answers, the honeypot, the timing and the limits. */

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

describe('signup over HTTP', () => {
  let p: SignupProject;
  let server: PublicServer;
  const logs: string[] = [];

  beforeAll(async () => {
    p = await signupProject();
    server = await startSignupServer(p, { log: (l) => logs.push(l), signup: { limits: { perClientPerHour: 1000 } } });
  });
  afterAll(async () => {
    await server?.close();
  });

  const post = (fields: Record<string, string>) => fetch(`${server.url}/subscribe`, form({ stamp: p.stamp(5), name: '', website: '', ...fields }));
  const mailsTo = async (address: string) => (await p.outbox()).filter((m) => m.to === address);

  it('GET /subscribe: the form, under the strict policy', async () => {
    const res = await fetch(`${server.url}/subscribe`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("form-action 'self'");
    const html = await res.text();
    expect(html).toContain('<form method="post">');
    expect(html).toMatch(/<input type="email" required=""[^>]*name="email"/);
    expect(html).toMatch(/<input type="hidden" name="stamp" value="[0-9a-z]+\.[A-Za-z0-9_-]{43}"/);
    expect(html).toContain('name="website"');
  });

  it('the same answer for a new, an active and a suppressed address', async () => {
    const answers = await Promise.all(['new.person@example.org', 'ana@example.org', 'ben@example.org'].map(async (email) => {
      const res = await post({ email });
      return { status: res.status, body: await res.text() };
    }));
    expect(answers[0]!.status).toBe(200);
    expect(answers[0]!.body).toContain('Check your inbox');
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
  });

  it('a confirmation message: to the address only, in the publication style, with a text part and no name', async () => {
    await post({ email: 'Cleo.New@Example.org', name: 'Mallory says: click http://evil.example' });
    await eventually(() => mailsTo('Cleo.New@example.org'), (m) => expect(m).toHaveLength(1));
    const [mail] = await mailsTo('Cleo.New@example.org');
    expect(mail!.subject).toBe('Confirm your subscription to DSA Los Angeles');
    expect(mail!.text).toContain('Someone, hopefully you, asked for DSA Los Angeles');
    expect(mail!.html).toContain('Yes, subscribe me');
    expect(mail!.html).toContain('#EC1F27');
    expect(mail!.link.startsWith(`${server.url}/confirm/`)).toBe(true);
    expect(mail!.raw).not.toContain('Mallory');
    expect(mail!.raw).not.toContain('evil.example');
  });

  it('GET /confirm changes nothing; POST subscribes and records the consent; twice is fine', async () => {
    await post({ email: 'dora@example.org', name: 'Dora' });
    await eventually(() => mailsTo('dora@example.org'), (m) => expect(m).toHaveLength(1));
    const link = (await mailsTo('dora@example.org'))[0]!.link;
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('d***@example.org');
    expect(await p.withStore((s) => s.subscribers.get(parseAddress('dora@example.org')))).toBeUndefined();

    for (let i = 0; i < 2; i++) {
      const done = await fetch(link, { method: 'POST' });
      expect(done.status).toBe(200);
      expect(await done.text()).toContain('You are subscribed');
    }
    await p.withStore(async (s) => {
      expect(await s.subscribers.get(parseAddress('dora@example.org'))).toMatchObject({ name: 'Dora', status: 'active' });
      expect(await s.subscribers.events(parseAddress('dora@example.org'))).toEqual([
        expect.objectContaining({ kind: 'consent', source: 'form', note: 'confirmed signup' }),
      ]);
    });
  });

  it('someone who had unsubscribed and confirms again is resubscribed', async () => {
    await post({ email: 'ben@example.org' });
    await eventually(() => mailsTo('ben@example.org'), (m) => expect(m).toHaveLength(1));
    const link = (await mailsTo('ben@example.org'))[0]!.link;
    expect((await fetch(link, { method: 'POST' })).status).toBe(200);
    await p.withStore(async (s) => {
      expect(await s.subscribers.suppression(parseAddress('ben@example.org'))).toBeUndefined();
      expect(await s.subscribers.get(parseAddress('ben@example.org'))).toMatchObject({ status: 'active' });
      expect((await s.subscribers.events(parseAddress('ben@example.org'))).map((e) => e.kind)).toEqual(['resubscribed']);
    });
  });

  it('forged, cut and expired confirmation links change nothing', async () => {
    const keys = p.config().env.unsubscribeKeys;
    const good = signConfirmToken(keys, 1, new Date());
    const expired = signConfirmToken(keys, 1, new Date(Date.now() - 8 * 24 * 3600_000));
    expect((await fetch(`${server.url}/confirm/${good.slice(0, -2)}xx`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${server.url}/confirm/${good.slice(0, 20)}`)).status).toBe(404);
    expect((await fetch(`${server.url}/confirm/${signConfirmToken([{ id: 'k1', secret: 'x'.repeat(43) }], 1, new Date())}`)).status).toBe(404);
    const old = await fetch(`${server.url}/confirm/${expired}`, { method: 'POST' });
    expect(old.status).toBe(410);
    expect(await old.text()).toContain('This link has expired');
  });

  it('a bad address answers 400 with the reason on the page, the form filled in again', async () => {
    const res = await post({ email: 'ana@localhost', name: 'Ana' });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('&quot;ana@localhost&quot; is not an email address we can use');
    expect(html).toContain('value="ana@localhost"');
    expect(html).not.toMatch(/\n\s+at /);
    const empty = await post({ email: '' });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toContain('Please enter your email address.');
  });

  it('the honeypot: told what people are told, nothing sent', async () => {
    const before = (await p.outbox()).length;
    const res = await post({ email: 'bot@example.org', website: 'http://spam.example' });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Check your inbox');
    await new Promise((r) => setTimeout(r, 300));
    expect(await mailsTo('bot@example.org')).toEqual([]);
    expect((await p.outbox()).length).toBe(before);
    expect(logs).toContain(logs.find((l) => l.endsWith('signup dropped: honeypot')));
  });

  it('a post quicker than a person, or with no stamp of ours (an embedded form): the form again, filled in, nothing sent', async () => {
    for (const stamp of [p.stamp(0), '', 'forged.stamp']) {
      const res = await fetch(`${server.url}/subscribe`, form({ email: 'quick@example.org', name: 'Quick', stamp }));
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('Almost there: press Subscribe to get the confirmation email.');
      expect(html).toContain('value="quick@example.org"');
    }
    // Two seconds is enough (people are quick).
    await post({ email: 'quick@example.org', stamp: p.stamp(2.5) });
    await eventually(() => mailsTo('quick@example.org'), (m) => expect(m).toHaveLength(1));
  });

  it('at most three confirmation messages per address a day', async () => {
    for (let i = 0; i < 5; i++) expect((await post({ email: 'many@example.org' })).status).toBe(200);
    await eventually(() => mailsTo('many@example.org'), (m) => expect(m).toHaveLength(3));
    await new Promise((r) => setTimeout(r, 300));
    expect(await mailsTo('many@example.org')).toHaveLength(3);
  });

  it('logs never name the address', () => {
    expect(logs.join('\n')).not.toMatch(/@example\.org/);
    expect(logs).toContainEqual(expect.stringMatching(/ POST \/subscribe 200 /));
    expect(logs).toContainEqual(expect.stringMatching(/ POST \/confirm\/:token 200 /));
  });
});

describe('signup limits per client', () => {
  it('a client asking for more than its hourly share of confirmation messages gets 429', async () => {
    const p = await signupProject();
    const server = await startSignupServer(p, { signup: { limits: { perClientPerHour: 2 } } });
    try {
      const post = (email: string) => fetch(`${server.url}/subscribe`, form({ email, stamp: p.stamp(5) }));
      expect((await post('a1@example.org')).status).toBe(200);
      expect((await post('a2@example.org')).status).toBe(200);
      const third = await post('a3@example.org');
      expect(third.status).toBe(429);
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(60);
      expect(await third.text()).toContain('Too many signups');
      // Looking at the form is not limited by it.
      expect((await fetch(`${server.url}/subscribe`)).status).toBe(200);
    } finally {
      await server.close();
    }
    expect((await p.outbox()).map((m) => m.to).sort()).toEqual(['a1@example.org', 'a2@example.org']);
  });
});
