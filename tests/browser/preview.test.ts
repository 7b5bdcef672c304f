import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshotPath } from '../helpers/browser';
import { makeProject, runCli } from '../helpers/cli';
import { startPreviewServer, type PreviewServer } from '../../src/web/preview/server';
import { eventually } from '../helpers/process';
import { makeSendProject, send } from '../helpers/send-project';

/** The editor's view: the preview in real Chromium, files changed on disk as an editor saves them. */

const SEED = 'issues/2021-03-22.yaml';
/** File watching and re-rendering are asynchronous: wait up to this long for a change to show. */
const RELOAD_WAIT_MS = 10_000;

// These run inside the browser; the project's TypeScript has no DOM types, hence `any`.
/* eslint-disable @typescript-eslint/no-explicit-any */
const horizontalOverflow = (b: any): number => b.ownerDocument.documentElement.scrollWidth - b.ownerDocument.documentElement.clientWidth;
const background = (b: any): string => b.ownerDocument.defaultView.getComputedStyle(b).backgroundColor;
const markPage = () => ((globalThis as any).notReloaded = true);
const pageIsMarked = (): boolean => (globalThis as any).notReloaded === true;

describe('preview in Chromium', () => {
  let dir: string;
  let file: string;
  let original: string;
  let server: PreviewServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    dir = makeProject();
    file = path.join(dir, SEED);
    original = fs.readFileSync(file, 'utf8');
    server = await startPreviewServer({ root: dir, port: 0, now: () => new Date('2021-03-21T12:00:00Z') });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(server.url);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const email = () => page.frameLocator('iframe#email');

  it('opens on the newest issue, shown as the inbox would, with the email in a sandboxed frame', async () => {
    expect(page.url()).toBe(`${server.url}/issues/2021-03-22`);
    await expect(page.locator('#inbox .from').textContent()).resolves.toBe('DSA-LA <newsletter@example.org>');
    await expect(page.locator('#inbox .subject').textContent()).resolves.toBe('This week: Solidarity with BAmazon Union!');
    for (const title of ['Solidarity with BAmazon Union! Rally at Grand Park', 'One-on-One Organizing Conversation Training', 'Pass the PRO Act Planning Meeting', 'DSA 101']) {
      await email().getByText(title, { exact: true }).first().waitFor();
    }
    expect(await page.locator('iframe#email').getAttribute('sandbox')).toBe('allow-popups allow-popups-to-escape-sandbox');
    const width = (await page.locator('iframe#email').boundingBox())!.width;
    expect(width).toBeGreaterThanOrEqual(600);
    await expect(page.locator('#checks li').first().textContent()).resolves.toContain('issues/2021-03-22.yaml:55:16 warning');
    await page.screenshot({ path: screenshotPath('preview-desktop'), fullPage: false });
  });

  it('switches to phone width: the frame is 375 px wide and the email fits it', async () => {
    await page.getByRole('button', { name: 'Phone (375 px)' }).click();
    expect((await page.locator('iframe#email').boundingBox())!.width).toBe(375);
    const overflow = await email().locator('body').evaluate(horizontalOverflow);
    expect(overflow).toBe(0);
    await page.screenshot({ path: screenshotPath('preview-phone'), fullPage: false });
  });

  it('shows the plain-text part', async () => {
    await page.getByRole('button', { name: 'Plain text' }).click();
    const text = page.locator('pre#text');
    await text.waitFor({ state: 'visible' });
    expect(await text.textContent()).toContain('Click here to RSVP and receive Zoom details: https://example.org/rsvp/pro-act');
    expect(await page.locator('iframe#email').isVisible()).toBe(false);
  });

  it('keeps the width and the tab across a reload', async () => {
    await page.reload();
    await page.locator('pre#text').waitFor({ state: 'visible' });
    expect(await page.getByRole('button', { name: 'Phone (375 px)' }).getAttribute('aria-pressed')).toBe('true');
    expect(await page.getByRole('button', { name: 'Plain text' }).getAttribute('aria-pressed')).toBe('true');
    await page.getByRole('button', { name: 'HTML' }).click();
    expect((await page.locator('iframe#email').boundingBox())!.width).toBe(375);
  });

  it('shows the issue’s own flyer, served by the preview next to the email', async () => {
    const flyer = email().getByRole('img', { name: /^Flyer: Stand with the BAmazon Union!/ });
    await flyer.waitFor();
    await eventually(
      () => flyer.evaluate((img: any) => img.complete && img.naturalWidth),
      (width) => expect(width).toBe(1104),
    );
    expect(await flyer.getAttribute('src')).toBe('images/bamazon-rally.jpg');
  });

  it('shows a change saved to the YAML without a manual reload', async () => {
    await page.evaluate(markPage);
    fs.writeFileSync(file, original.replace('title: Pass the PRO Act Planning Meeting', 'title: PRO Act Phone Bank'));
    await email().getByRole('heading', { name: 'PRO Act Phone Bank', exact: true }).waitFor({ timeout: RELOAD_WAIT_MS });
    expect(await page.evaluate(pageIsMarked)).toBe(true);
    expect((await page.locator('iframe#email').boundingBox())!.width).toBe(375);
  });

  it('shows the error with its line when the YAML breaks, and the email again once it is fixed', async () => {
    fs.writeFileSync(file, original.replace('week_of: 2021-03-22', 'week_of: 2021-02-30'));
    const error = page.locator('#checks li.error');
    await error.first().waitFor({ timeout: RELOAD_WAIT_MS });
    expect(await error.first().textContent()).toBe('issues/2021-03-22.yaml:5:10 error week_of: is not a real calendar date (check the month and day)');
    expect(await page.locator('#email-area [role=alert]').textContent()).toContain('This issue has errors.');
    // The last email that rendered stays, dimmed, below the alert.
    await page.locator('#email-area .frame.stale iframe#email').waitFor({ timeout: RELOAD_WAIT_MS });
    await page.screenshot({ path: screenshotPath('preview-yaml-error'), fullPage: false });

    fs.writeFileSync(file, original);
    await email().getByRole('heading', { name: 'Pass the PRO Act Planning Meeting', exact: true }).waitFor({ timeout: RELOAD_WAIT_MS });
    expect(await page.locator('#checks li.error').count()).toBe(0);
    expect((await page.locator('iframe#email').boundingBox())!.width).toBe(375);
    expect(await page.evaluate(pageIsMarked)).toBe(true);
  });

  it('previews dark mode through the email’s own prefers-color-scheme styles', async () => {
    await page.getByRole('button', { name: 'Desktop' }).click();
    await page.getByRole('button', { name: 'Dark mode' }).click();
    await eventually(() => email().locator('body').evaluate(background), (bg) => expect(bg).toBe('rgb(13, 17, 23)'));
    await page.screenshot({ path: screenshotPath('preview-dark'), fullPage: false });
    await page.getByRole('button', { name: 'Dark mode' }).click();
    await eventually(() => email().locator('body').evaluate(background), (bg) => expect(bg).toBe('rgb(243, 244, 246)'));
  });

  it('switches engine and keeps the width', async () => {
    await page.getByRole('button', { name: 'Phone (375 px)' }).click();
    await page.getByRole('link', { name: 'MJML' }).click();
    await page.waitForURL(`${server.url}/issues/2021-03-22?engine=mjml`);
    const alert = page.locator('#email-area [role=alert]');
    if (await alert.count()) {
      // The engine exists but cannot render: its own message is in the page.
      expect(await alert.textContent()).toContain('The MJML engine could not render this issue:');
    } else {
      await email().getByRole('heading', { name: 'Pass the PRO Act Planning Meeting', exact: true }).waitFor();
      expect((await page.locator('iframe#email').boundingBox())!.width).toBe(375);
    }
  });

  it('lists the outbox once a send writes it, and shows a message like an email', async () => {
    await runCli(['build', SEED], { cwd: dir });
    fs.mkdirSync(path.join(dir, 'outbox', '2021-03-22'), { recursive: true });
    fs.copyFileSync(path.join(dir, 'dist/2021-03-22/message.eml'), path.join(dir, 'outbox/2021-03-22/1.eml'));
    const link = page.locator('#outbox').getByRole('link', { name: '1.eml' });
    await link.waitFor({ timeout: RELOAD_WAIT_MS });
    await link.click();
    await page.waitForURL(`${server.url}/outbox/2021-03-22/1.eml`);
    await expect(page.locator('.headers').textContent()).resolves.toMatch(/^From"DSA-LA" <newsletter@example\.org>To.*subscriber@example\.org.*SubjectThis week: Solidarity with BAmazon Union!Date/);
    await email().getByRole('heading', { name: 'Pass the PRO Act Planning Meeting', exact: true }).waitFor();
  });
});


describe('preview in Chromium: send state and the last good rendering', () => {
  let server: PreviewServer;
  let browser: Browser;
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows that the issue was sent, and keeps the last good email dimmed above the errors when the YAML breaks', async () => {
    const project = await makeSendProject(3);
    expect((await send(project)).code).toBe(0);
    server = await startPreviewServer({ root: project.dir, port: 0, env: project.env, now: () => new Date('2021-03-25T12:00:00Z') });
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(`${server.url}/issues/2021-03-22`);
    const state = page.locator('#inbox .send-state');
    await expect(state.textContent()).resolves.toMatch(/^Sent on \w+day, \w+ \d+, \d{4}, \d+:\d\d [AP]M P[SD]T, to 3 subscribers$/);
    await expect(page.locator('#issues .badge').first().textContent()).resolves.toBe('sent');
    await page.frameLocator('iframe#email').getByText('DSA 101', { exact: true }).first().waitFor();
    await page.screenshot({ path: screenshotPath('preview-sent'), fullPage: false });

    const file = path.join(project.dir, SEED);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('week_of: 2021-03-22', 'week_of: 2021-02-30'));
    await page.locator('#checks li.error').first().waitFor({ timeout: RELOAD_WAIT_MS });
    await page.locator('#email-area .frame.stale').waitFor({ timeout: RELOAD_WAIT_MS });
    expect(await page.locator('#email-area [role=alert]').textContent()).toContain('Below, dimmed, is the last version that worked');
    // The alert comes before the dimmed email, and the email is still the one that worked.
    const alertBox = (await page.locator('#email-area [role=alert]').boundingBox())!;
    const frameBox = (await page.locator('#email-area .frame.stale').boundingBox())!;
    expect(alertBox.y).toBeLessThan(frameBox.y);
    const opacity = await page.locator('#email-area .frame.stale').evaluate((el: any) => el.ownerDocument.defaultView.getComputedStyle(el).opacity);
    expect(Number(opacity)).toBeLessThan(0.6);
    await page.frameLocator('iframe#email').getByText('DSA 101', { exact: true }).first().waitFor();
    await expect(state.textContent()).resolves.toMatch(/^Sent on /);
    await page.screenshot({ path: screenshotPath('preview-last-good-dimmed'), fullPage: false });
  });
});
