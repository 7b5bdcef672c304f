import type { Browser, Page } from 'playwright-core';
import { openStore } from '../../src/store';
import { checkAddress, type Address } from '../../src/subscribers/address';
import { startPublicServer, type PublicServer } from '../../src/web/server';
import { launchChromium, screenshotPath } from '../helpers/browser';
import { SEED_SLUG, sentProject, type ReceivedMessage, type SentProject } from '../unsubscribe/project';

/**
 * A subscriber's view: the unsubscribe link of a message they received, opened in real Chromium
 * against a running `serve`, with the page's own Content-Security-Policy in force.
 */

// These run inside the browser; the project's TypeScript has no DOM types, hence `any`.
/* eslint-disable @typescript-eslint/no-explicit-any */
const computed = (el: any, prop: string): string => el.ownerDocument.defaultView.getComputedStyle(el)[prop];
const horizontalOverflow = (b: any): number => b.ownerDocument.documentElement.scrollWidth - b.ownerDocument.documentElement.clientWidth;

describe('unsubscribe in Chromium', () => {
  let project: SentProject;
  let server: PublicServer;
  let browser: Browser;
  let page: Page;
  let message: ReceivedMessage;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    // The server runs first, and site_url points at it, so the links in the emails lead to it.
    project = await sentProject({
      beforeSend: async (p) => {
        server = await startPublicServer({ config: p.config(), port: 0 });
        p.setSiteUrl(server.url);
      },
    });
    message = (await project.received(SEED_SLUG)).find((m) => m.to === 'carla@example.org')!;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 375, height: 740 } });
    page.on('console', (msg) => {
      if (/Content Security Policy/i.test(msg.text())) cspViolations.push(msg.text());
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('the link in the email opens a page with the masked address and a button; opening it changes nothing', async () => {
    // The footer's link, as the subscriber would click it in the received message.
    await page.setContent(message.html);
    const link = page.getByRole('link', { name: /unsubscribe/i }).first();
    const href = await link.getAttribute('href');
    expect(href).toBe(message.unsubscribeUrl);
    expect(href!.startsWith(`${server.url}/u/`)).toBe(true);

    const response = await page.goto(href!);
    expect(response?.status()).toBe(200);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Unsubscribe?');
    await expect(page.locator('.address').textContent()).resolves.toBe('c***@example.org');
    await expect(page.locator('.publication').textContent()).resolves.toBe('DSA Los Angeles');
    const button = page.getByRole('button', { name: 'Unsubscribe' });
    expect(await button.isVisible()).toBe(true);
    // The inline style sheet is allowed by its hash: the brand colour reaches the button.
    expect(await button.evaluate(computed, 'backgroundColor')).toBe('rgb(236, 31, 39)');
    expect(await page.locator('body').evaluate(horizontalOverflow)).toBe(0);
    await page.screenshot({ path: screenshotPath('unsubscribe-confirm'), fullPage: true });

    const store = await openStore(project.config());
    try {
      expect(await store.subscribers.suppression(address('carla@example.org'))).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('pressing the button unsubscribes and shows the confirmation, with no redirect', async () => {
    const [post] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.getByRole('button', { name: 'Unsubscribe' }).click()]);
    expect(post.status()).toBe(200);
    expect(post.url()).toBe(message.unsubscribeUrl);
    expect(await post.request().postData()).toBe('List-Unsubscribe=One-Click');
    await page.getByRole('heading', { name: 'You are unsubscribed' }).waitFor();
    expect(await page.locator('main').textContent()).toContain('c***@example.org will get no more emails from DSA Los Angeles.');
    expect(page.url()).toBe(message.unsubscribeUrl);
    expect(await page.context().cookies()).toEqual([]);
    await page.screenshot({ path: screenshotPath('unsubscribe-done'), fullPage: true });

    const store = await openStore(project.config());
    try {
      expect(await store.subscribers.suppression(address('carla@example.org'))).toMatchObject({ reason: 'unsubscribed' });
      expect((await store.subscribers.get(address('dan@example.org')))?.status).toBe('active');
    } finally {
      await store.close();
    }
  });

  it('the web version linked from the email opens too', async () => {
    const webLink = new RegExp(`href="(${server.url.replace(/[.]/g, '\\.')}/issues/${SEED_SLUG}/)"`).exec(message.html)?.[1];
    expect(webLink).toBeDefined();
    const response = await page.goto(webLink!);
    expect(response?.status()).toBe(200);
    await page.getByText('Solidarity with BAmazon Union! Rally at Grand Park', { exact: true }).first().waitFor();
    expect(cspViolations).toEqual([]);
  });
});

function address(a: string): Address {
  const c = checkAddress(a);
  if (!c.ok) throw new Error(c.reason);
  return c.address;
}
