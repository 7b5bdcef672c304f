import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { startPreviewServer, type PreviewServer } from '../../src/web/preview/server';
import { fixture, startFeedServer, type FeedServer } from '../calendar/feed-server';
import { launchChromium } from '../helpers/browser';
import { makeProject, runCli } from '../helpers/cli';

/**
 * The preview compares an issue with its calendars on request (the "Compare with the calendars"
 * link), in real Chromium: the calendar's changes appear among the checks as warnings.
 */

let feeds: FeedServer;
let preview: PreviewServer;
let browser: Browser;
const NOW = new Date('2021-10-29T17:00:00Z');

beforeAll(async () => {
  feeds = await startFeedServer();
  feeds.calendar('/chapter.ics', fixture('google.ics'));
  const dir = makeProject();
  fs.rmSync(path.join(dir, 'issues/2021-03-22.yaml'));
  const r = await runCli(['new', '--week', '2021-11-01', '--from', `${feeds.url}/chapter.ics`], { cwd: dir, now: NOW });
  expect(r.code).toBe(0);
  // The rally moves an hour later in the calendar after the issue was made.
  feeds.calendar('/chapter.ics', fixture('google.ics').replace('DTSTART:20211106T170000Z\r\nDTEND:20211106T190000Z', 'DTSTART:20211106T180000Z\r\nDTEND:20211106T200000Z'));
  preview = await startPreviewServer({ root: dir, port: 0, now: () => NOW });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await preview?.close();
  await feeds?.close();
});

it('shows the calendar\'s changes among the checks only when asked', async () => {
  const page = await browser.newPage();
  await page.goto(`${preview.url}/issues/2021-11-01`);
  const checks = page.locator('#checks');
  await expect(checks.textContent()).resolves.not.toContain('the calendar now says');
  await page.getByRole('link', { name: 'Compare with the calendars' }).click();
  await page.waitForURL(/feeds=1/);
  const text = await checks.textContent();
  expect(text).toContain('Checks: 0 errors, 1 warning');
  expect(text).toContain('sections[0].events[4].start: the calendar now says Saturday, November 6, 11:00 am – 1:00 pm (the issue says Saturday, November 6, 10:00 am – 12:00 pm)');
  await expect(page.locator('#calendar-compare').textContent()).resolves.toContain(`Compared with ${feeds.url}/chapter.ics`);
  await page.close();
});
