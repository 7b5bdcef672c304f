import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { WEB_UNSUBSCRIBE_NOTE } from '../../src/issue/view';
import { launchChromium, screenshotPath } from '../helpers/browser';
import { makeProject, runCli } from '../helpers/cli';

/** `web.html`: the issue for a browser, published at site_url/issues/<slug>/ for everyone. */
describe.each(['react', 'mjml'])('web version of the seed issue (%s engine)', (engine) => {
  let out: string;
  let web: string;
  let email: string;

  beforeAll(async () => {
    const dir = makeProject();
    const result = await runCli(['build', 'issues/2021-03-22.yaml', '--engine', engine], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/dist\/2021-03-22\/web\.html +the web version, for https:\/\/news\.example\.org\/issues\/2021-03-22\//);
    out = path.join(dir, 'dist', '2021-03-22');
    web = fs.readFileSync(path.join(out, 'web.html'), 'utf8');
    email = fs.readFileSync(path.join(out, 'email.html'), 'utf8');
  });

  const events = [
    ['Solidarity with BAmazon Union! Rally at Grand Park', 'Monday, March 22 @ 8:00 am – 11:00 am'],
    ['One-on-One Organizing Conversation Training', 'Tuesday, March 23 @ 6:00 pm – 7:30 pm'],
    ['South Central &amp; Inglewood March Branch Meeting', 'Monday, March 15 @ 6:00 pm – 8:00 pm'],
    ['Pass the PRO Act Planning Meeting', 'Thursday, March 25 @ 8:00 pm – 9:00 pm'],
    ['DSA 101', 'Saturday, March 27 @ 11:00 am – 1:00 pm'],
  ];

  it.each(events)('shows %s, %s', (title, when) => {
    expect(web).toContain(`>${title}</h`);
    expect(web).toContain(when);
  });

  it('has no per-recipient placeholder and no unsubscribe link, but says where subscribers find theirs', () => {
    expect(web).not.toContain('%%');
    expect(web).not.toMatch(/>\s*Unsubscribe\s*</);
    expect(web).toContain(WEB_UNSUBSCRIBE_NOTE);
  });

  it('does not link to itself as "view in browser"', () => {
    expect(web).not.toContain('View this email in your browser');
    expect(web).not.toMatch(/>\s*View in browser\s*</);
  });

  it('keeps the calendar links of every event and of the week', () => {
    // One "Add to calendar" page per event; the headline event keeps its direct Google and .ics links.
    expect(web.match(/href="https:\/\/news\.example\.org\/issues\/2021-03-22\/e\/[a-z0-9]+\.html"/g)).toHaveLength(5);
    expect(web.match(/href="https:\/\/calendar\.google\.com\//g)).toHaveLength(1);
    expect(web.match(/href="https:\/\/news\.example\.org\/issues\/2021-03-22\/events\/[a-z0-9-]+\.ics"/g)).toHaveLength(1);
    expect(web).toContain('href="https://news.example.org/issues/2021-03-22/events.ics"');
    for (const page of web.match(/https:\/\/news\.example\.org\/issues\/2021-03-22\/e\/[a-z0-9]+\.html/g)!) {
      expect(fs.existsSync(path.join(out, 'e', page.split('/').pop()!))).toBe(true);
    }
  });

  it('regression: declares the viewport, so a phone does not lay it out 980 px wide and shrink it', () => {
    expect(web).toContain('<meta name="viewport" content="width=device-width, initial-scale=1"');
  });

  it('leaves the email as it was: its view-in-browser link points at the web version, its unsubscribe link at the subscriber’s', () => {
    expect(email).toContain('href="https://news.example.org/issues/2021-03-22/"');
    expect(email).toMatch(/<a[^>]*href="https:\/\/news\.example\.org\/u\/sample"[^>]*>Unsubscribe<\/a>/);
    expect(email).not.toContain(WEB_UNSUBSCRIBE_NOTE);
  });

  describe('in Chromium', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
    });

    it.each([375, 1024])('reads at %i px: every event visible, the footer note, no horizontal scrolling', async (width) => {
      const page = await browser.newPage({ viewport: { width, height: 800 } });
      await page.goto(`file://${path.join(out, 'web.html')}`);
      const text = await page.innerText('body');
      for (const [title] of events) expect(text).toContain(title!.replace('&amp;', '&'));
      expect(text).toContain(WEB_UNSUBSCRIBE_NOTE);
      // A string, evaluated in the page: the tests are compiled without the DOM's types.
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
      expect(overflow).toBeLessThanOrEqual(0);
      await page.screenshot({ path: screenshotPath(`web-version-${engine}-${width}`), fullPage: true });
      await page.close();
    });

    it('regression: on a phone (mobile emulation, which honours the viewport meta) it is laid out at the phone’s width', async () => {
      const page = await browser.newPage({ viewport: { width: 375, height: 800 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
      await page.goto(`file://${path.join(out, 'web.html')}`);
      // Without <meta name="viewport"> a phone's browser lays the page out 980 px wide.
      expect(await page.evaluate<number>('innerWidth')).toBe(375);
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(375);
      await page.close();
    });
  });
});
