import { type PublicServer } from '../../src/web/server';
import { parseAddress } from '../../src/subscribers/address';
import { eventually } from '../helpers/process';
import { signupProject, startSignupServer, type SignupProject } from './project';

/**
 * Signup attacked over real HTTP: injection through the fields, bodies that are not a form, links
 * used again after the person left, and answers that must not tell who is on the list.
 */

describe('signup under attack', () => {
  let p: SignupProject;
  let server: PublicServer;

  beforeAll(async () => {
    p = await signupProject();
    // ana is active, ben unsubscribed (signupProject); cleo complained.
    await p.cli('subscribers', 'suppress', 'cleo@example.org', '--reason', 'complained');
    server = await startSignupServer(p, { rateLimit: { burst: 1000, perSecond: 100 }, signup: { limits: { perClientPerHour: 1000 } } });
  });
  afterAll(async () => {
    await server?.close();
  });

  const raw = (body: string, type = 'application/x-www-form-urlencoded') => fetch(`${server.url}/subscribe`, { method: 'POST', headers: { 'content-type': type }, body });
  const post = (fields: Record<string, string>) => raw(new URLSearchParams({ stamp: p.stamp(5), name: '', website: '', ...fields }).toString());
  const mailsTo = async (address: string) => (await p.outbox()).filter((m) => m.to === address);
  /** Signs up as `typed` and returns the newest link mailed to `to` (the address as it is stored). */
  const linkFor = async (typed: string, to = typed) => {
    const before = (await mailsTo(to)).length;
    await post({ email: typed });
    await eventually(() => mailsTo(to), (m) => expect(m.length).toBe(before + 1));
    return (await mailsTo(to)).at(-1)!.link;
  };

  it('header injection through the email field is refused (400) and nothing is mailed', async () => {
    for (const email of ['eve@example.org\r\nBcc: all@example.net', 'eve@example.org\nSubject: win', 'eve@example.org>, <all@example.net', 'Eve <eve@example.org>\r\nBcc: x@example.net', 'eve@example.org%0d%0aBcc:x@example.net']) {
      const res = await post({ email });
      expect(res.status).toBe(400);
      const html = await res.text();
      expect(html).toContain('is not an email address we can use');
      expect(html).not.toContain('<all@');
    }
    await new Promise((r) => setTimeout(r, 200));
    expect((await p.outbox()).filter((m) => /eve|all@/.test(m.raw))).toEqual([]);
  });

  it('a name with line breaks and header text never reaches the message', async () => {
    await post({ email: 'fay@example.org', name: 'Fay\r\nBcc: all@example.net\r\n\r\n<a href="http://evil.example">win</a>' });
    await eventually(() => mailsTo('fay@example.org'), (m) => expect(m).toHaveLength(1));
    const [mail] = await mailsTo('fay@example.org');
    expect(mail!.raw).not.toMatch(/Bcc|all@example\.net|evil\.example|Fay/);
  });

  it('the same answer, byte for byte and header for header, for new, active, unsubscribed, complained and over-limit addresses', async () => {
    for (let i = 0; i < 4; i++) await post({ email: 'often@example.org' });
    const answer = async (email: string) => {
      const res = await post({ email });
      const headers = Object.fromEntries([...res.headers.entries()].filter(([h]) => h !== 'date'));
      return { status: res.status, headers, body: await res.text() };
    };
    const first = await answer('brand.new@example.org');
    expect(first.status).toBe(200);
    for (const email of ['ana@example.org', 'ANA@Example.org', 'ben@example.org', 'cleo@example.org', 'often@example.org']) expect(await answer(email)).toEqual(first);
  });

  it('bodies that are not a signup form: too large 413, other content types 415, a broken multipart 400; nothing sent', async () => {
    const big = await raw(`email=gus%40example.org&name=${'x'.repeat(9000)}`);
    expect(big.status).toBe(413);
    expect((await raw(JSON.stringify({ email: 'gus@example.org' }), 'application/json')).status).toBe(415);
    expect((await raw('email=gus@example.org', 'text/plain')).status).toBe(415);
    expect((await raw('--x\r\n', 'multipart/form-data')).status).toBe(400);
    const html = await (await raw('{}', 'application/json')).text();
    expect(html).not.toMatch(/\n\s+at /);
    await new Promise((r) => setTimeout(r, 200));
    expect(await mailsTo('gus@example.org')).toEqual([]);
  });

  it('a multipart form (what some embedding sites send) works like the urlencoded one', async () => {
    const body = new FormData();
    body.set('email', 'hal@example.org');
    body.set('stamp', p.stamp(5));
    body.set('website', '');
    const res = await fetch(`${server.url}/subscribe`, { method: 'POST', body });
    expect(res.status).toBe(200);
    await eventually(() => mailsTo('hal@example.org'), (m) => expect(m).toHaveLength(1));
  });

  it('an international address confirms to one subscriber, in its one spelling', async () => {
    // mailparser shows the domain in Unicode; on the wire it is IDNA.
    const link = await linkFor('Ida@Bücher.de', 'Ida@bücher.de');
    expect((await mailsTo('Ida@bücher.de'))[0]!.raw).toMatch(/^To: Ida@xn--bcher-kva\.de\r?$/m);
    expect((await fetch(link, { method: 'POST' })).status).toBe(200);
    await p.withStore(async (s) => {
      expect(await s.subscribers.get(parseAddress('ida@bu\u0308cher.de'))).toMatchObject({ email: 'Ida@xn--bcher-kva.de', status: 'active' });
    });
  });

  it('regression: a confirmation link used again after the person unsubscribed and was removed does not bring them back', async () => {
    const link = await linkFor('jo@example.org');
    expect((await fetch(link, { method: 'POST' })).status).toBe(200);
    await p.cli('subscribers', 'suppress', 'jo@example.org', '--reason', 'unsubscribed');
    await p.cli('subscribers', 'remove', 'jo@example.org');
    const again = await fetch(link, { method: 'POST' });
    expect(again.status).toBe(410);
    expect(await again.text()).toContain('This link was already used');
    await p.withStore(async (s) => {
      expect(await s.subscribers.get(parseAddress('jo@example.org'))).toBeUndefined();
      expect(await s.subscribers.suppression(parseAddress('jo@example.org'))).toMatchObject({ reason: 'unsubscribed' });
    });
  });

  it('regression: a used confirmation link does not undo a later unsubscribe, nor claim "You are subscribed"', async () => {
    const link = await linkFor('kim@example.org');
    expect((await fetch(link, { method: 'POST' })).status).toBe(200);
    await p.cli('subscribers', 'suppress', 'kim@example.org', '--reason', 'unsubscribed');
    const again = await fetch(link, { method: 'POST' });
    expect(again.status).toBe(410);
    expect(await again.text()).not.toContain('You are subscribed');
    await p.withStore(async (s) => {
      expect(await s.subscribers.get(parseAddress('kim@example.org'))).toMatchObject({ status: 'unsubscribed' });
    });
    // Signing up again (a new link) is the way back.
    const fresh = await linkFor('kim@example.org');
    expect(fresh).not.toBe(link);
    expect((await fetch(fresh, { method: 'POST' })).status).toBe(200);
    await p.withStore(async (s) => expect(await s.subscribers.get(parseAddress('kim@example.org'))).toMatchObject({ status: 'active' }));
  });

  it('regression: a manual suppression (an operator\'s "never mail") gets no confirmation message, and an older link does not lift it', async () => {
    const link = await linkFor('max@example.org');
    await p.cli('subscribers', 'suppress', 'max@example.org', '--reason', 'manual');
    const before = (await mailsTo('max@example.org')).length;
    const answer = await post({ email: 'max@example.org' });
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain('Check your inbox');
    const confirmed = await fetch(link, { method: 'POST' });
    expect(confirmed.status).toBe(410);
    await p.withStore(async (s) => expect(await s.subscribers.suppression(parseAddress('max@example.org'))).toMatchObject({ reason: 'manual' }));
    expect((await mailsTo('max@example.org')).length).toBe(before);
  });

  it('a confirmation link is bound to its signup: another token shape, a path trick or a query changes nothing', async () => {
    const link = await linkFor('lee@example.org');
    const token = link.split('/confirm/')[1]!;
    for (const url of [`${server.url}/confirm/${token}/`, `${server.url}/confirm/../u/${token}`, `${server.url}/confirm/${token.replace(/\.\d+\./, '.1.')}`]) {
      const res = await fetch(url, { method: 'POST' });
      expect([404, 405]).toContain(res.status);
    }
    await p.withStore(async (s) => expect(await s.subscribers.get(parseAddress('lee@example.org'))).toBeUndefined());
  });
});
