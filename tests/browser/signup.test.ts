import type { Browser, Page } from 'playwright-core';
import { parseAddress } from '../../src/subscribers/address';
import { signToken } from '../../src/unsubscribe/token';
import type { PublicServer } from '../../src/web/server';
import { launchChromium, screenshotPath } from '../helpers/browser';
import { eventually } from '../helpers/process';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp';
import { parseConfirmation, signupProject, startSignupServer, type Confirmation, type SignupProject } from '../signup/project';

/**
 * A person joining, as they would: the form in real Chromium against `serve`, the confirmation
 * message captured by a real SMTP server (smtp-server) and, without SMTP_URL, by the outbox; the
 * link in it opened and confirmed; then an unsubscribe undone from the page it lands on.
 */

describe.each(['smtp', 'outbox'] as const)('signup in Chromium, confirmation by %s', (via) => {
  let p: SignupProject;
  let server: PublicServer;
  let smtp: TestSmtpServer | undefined;
  let browser: Browser;
  let page: Page;
  /** The person's time on the form: the server's clock runs this far ahead once they have typed. */
  let typing = 0;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    p = await signupProject();
    if (via === 'smtp') smtp = await startSmtpServer();
    server = await startSignupServer(p, { now: () => new Date(Date.now() + typing) }, smtp ? { SMTP_URL: smtp.url() } : {});
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 375, height: 740 } });
    page.on('console', (msg) => {
      if (/Content Security Policy/i.test(msg.text())) cspViolations.push(msg.text());
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await smtp?.close();
  });

  const received = async (to: string): Promise<Confirmation[]> => {
    if (smtp) return Promise.all(smtp.received.filter((m) => m.to === to).map((m) => parseConfirmation(m.raw)));
    return (await p.outbox()).filter((m) => m.to === to);
  };

  it('fills in the form, is told to check their inbox, and gets one confirmation message', async () => {
    await page.goto(`${server.url}/subscribe`);
    await page.getByLabel('Email').fill('zoe@example.org');
    await page.getByLabel(/^Name/).fill('Zoë');
    // The honeypot is out of sight and out of the tab order.
    const box = await page.locator('input[name=website]').boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(0);
    expect(await page.locator('input[name=website]').getAttribute('tabindex')).toBe('-1');
    typing += 5_000;
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await page.getByRole('heading', { name: 'Check your inbox' }).waitFor();
    await page.screenshot({ path: screenshotPath(`signup-check-inbox-${via}`) });
    await eventually(() => received('zoe@example.org'), (m) => expect(m).toHaveLength(1));
    const [mail] = await received('zoe@example.org');
    expect(mail!.subject).toBe('Confirm your subscription to DSA Los Angeles');
    expect(mail!.from).toContain('newsletter@');
    // The typed name never reaches the message, in any encoding it could take there (a bare "Zo"
    // also matched the random confirmation token now and then).
    for (const form of ['Zoë', 'Zo=C3=AB', 'Zo\\u00eb', 'Zo&#235;', 'Zo&euml;', 'Zo%C3%AB']) expect(mail!.raw).not.toContain(form);
    expect(await p.withStore((s) => s.subscribers.get(parseAddress('zoe@example.org')))).toBeUndefined();
  });

  it('opens the message, presses its button, confirms on the page: subscribed, with the consent recorded', async () => {
    const [mail] = await received('zoe@example.org');
    // As a mail program shows it: its own page, outside the server's policy.
    const inbox = await browser.newPage({ viewport: { width: 375, height: 740 } });
    await inbox.setContent(mail!.html);
    await inbox.screenshot({ path: screenshotPath(`signup-confirmation-email-${via}`) });
    const href = await inbox.getByRole('link', { name: 'Yes, subscribe me' }).getAttribute('href');
    await inbox.close();
    expect(href).toBe(mail!.link);
    await page.goto(href!);
    await page.getByRole('heading', { name: 'Confirm your subscription' }).waitFor();
    expect(await page.textContent('main')).toContain('z***@example.org');
    await page.getByRole('button', { name: 'Yes, subscribe me' }).click();
    await page.getByRole('heading', { name: 'You are subscribed' }).waitFor();
    await page.screenshot({ path: screenshotPath(`signup-subscribed-${via}`) });
    await p.withStore(async (s) => {
      expect(await s.subscribers.get(parseAddress('zoe@example.org'))).toMatchObject({ name: 'Zoë', status: 'active' });
      expect((await s.subscribers.events(parseAddress('zoe@example.org'))).map((e) => [e.kind, e.source])).toEqual([['consent', 'form']]);
    });
  });

  it('unsubscribes by mistake and undoes it in one step from the same page', async () => {
    const id = (await p.withStore((s) => s.subscribers.get(parseAddress('zoe@example.org'))))!.id;
    await page.goto(`${server.url}/u/${signToken(p.config().env.unsubscribeKeys, id)}`);
    await page.getByRole('button', { name: 'Unsubscribe' }).click();
    await page.getByRole('heading', { name: 'You are unsubscribed' }).waitFor();
    expect(await p.withStore((s) => s.subscribers.suppression(parseAddress('zoe@example.org')))).toMatchObject({ reason: 'unsubscribed' });
    await page.getByRole('button', { name: 'Resubscribe' }).click();
    await page.getByRole('heading', { name: 'You are subscribed again' }).waitFor();
    await p.withStore(async (s) => {
      expect(await s.subscribers.suppression(parseAddress('zoe@example.org'))).toBeUndefined();
      expect(await s.subscribers.get(parseAddress('zoe@example.org'))).toMatchObject({ status: 'active' });
      expect((await s.subscribers.events(parseAddress('zoe@example.org'))).map((e) => [e.kind, e.source])).toEqual([
        ['consent', 'form'],
        ['resubscribed', 'unsubscribe page'],
      ]);
    });
  });

  it('a bad address is answered on the page (400), and no page broke its Content-Security-Policy', async () => {
    await page.goto(`${server.url}/subscribe`);
    await page.getByLabel('Email').fill('ana@gmail');
    typing += 5_000;
    // The browser's own check would stop a bad address; a script or an old browser does not.
    await page.locator('form').evaluate((f: any) => f.setAttribute('novalidate', '')); // eslint-disable-line @typescript-eslint/no-explicit-any
    const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Subscribe' }).click()]);
    expect(response.status()).toBe(400);
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('"ana@gmail" is not an email address we can use');
    expect(await page.getByLabel('Email').inputValue()).toBe('ana@gmail');
    expect(cspViolations).toEqual([]);
  });
});
