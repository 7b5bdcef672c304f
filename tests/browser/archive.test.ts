import type { Browser, Page } from 'playwright-core';
import { startPublicServer, type PublicServer } from '../../src/web/server';
import { launchChromium, screenshotPath } from '../helpers/browser';
import { SEED_SLUG, sentProject } from '../unsubscribe/project';

/**
 * A member on a phone (390 px wide) in real Chromium against a running `serve`: the archive, a web
 * version from it, and the feed link, each readable without scrolling sideways, with the pages'
 * own Content-Security-Policy in force.
 */

/* eslint-disable @typescript-eslint/no-explicit-any */
const horizontalOverflow = (b: any): number => b.ownerDocument.documentElement.scrollWidth - b.ownerDocument.documentElement.clientWidth;

describe('the archive on a phone, in Chromium', () => {
  let server: PublicServer;
  let browser: Browser;
  let page: Page;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    const project = await sentProject();
    server = await startPublicServer({ config: project.config(), port: 0 });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    page.on('console', (msg) => {
      if (/Content Security Policy/i.test(msg.text())) cspViolations.push(msg.text());
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('the archive lists the issue and fits the screen', async () => {
    const response = await page.goto(`${server.url}/issues/`);
    expect(response?.status()).toBe(200);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('All issues');
    expect(await page.locator('body').evaluate(horizontalOverflow)).toBe(0);
    await page.screenshot({ path: screenshotPath('archive-390'), fullPage: true });
    expect(cspViolations).toEqual([]);
  });

  it('its link opens the web version, which fits the screen too', async () => {
    await page.goto(`${server.url}/issues/`);
    await Promise.all([page.waitForURL(`${server.url}/issues/${SEED_SLUG}/`), page.getByRole('link', { name: 'This week: Solidarity with BAmazon Union!' }).click()]);
    await page.getByText('Solidarity with BAmazon Union! Rally at Grand Park', { exact: true }).first().waitFor();
    expect(await page.locator('body').evaluate(horizontalOverflow)).toBe(0);
    expect(await page.getByRole('link', { name: 'Subscribe' }).first().getAttribute('href')).toMatch(/^webcal:\/\/news\.example\.org\/calendar\.ics$/);
    await page.screenshot({ path: screenshotPath('web-version-390'), fullPage: true });
    expect(cspViolations).toEqual([]);
  });

  it('the feed link opens the Atom feed, shown without scrolling sideways', async () => {
    await page.goto(`${server.url}/issues/`);
    const [response] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/feed.xml')), page.getByRole('link', { name: 'Atom feed' }).click()]);
    expect(response.status()).toBe(200);
    expect(response.headers()['content-type']).toBe('application/atom+xml; charset=utf-8');
    expect(await response.text()).toContain('<feed xmlns="http://www.w3.org/2005/Atom"');
    await page.waitForURL(`${server.url}/feed.xml`);
    expect(await page.locator('body').evaluate(horizontalOverflow)).toBe(0);
    await page.screenshot({ path: screenshotPath('feed-390'), fullPage: true });
  });
});
