import path from 'node:path';
import { DateTime } from 'luxon';
import type { Browser, Page } from 'playwright-core';
import { loadPublication, type Engine } from '../../src/config';
import { checkIssueSource, loadIssueFile } from '../../src/issue/load';
import { buildView, type IssueView } from '../../src/issue/view';
import { renderIssue } from '../../src/render';
import { launchChromium, screenshotPath } from '../helpers/browser';
import { REPO_ROOT, SEED_ISSUE } from '../helpers/cli';

/**
 * The rendered email in real Chromium at phone and desktop widths: nothing scrolls sideways and
 * every event title can be seen. Screenshots of the seed issue are saved for people to look at
 * (test-output/screenshots/email-<engine>-<width>.png).
 */

const ENGINES: Engine[] = ['react', 'mjml'];
/** The narrowest phones in use, the most common phone width, and the email's own width. */
const WIDTHS = [320, 375, 600];
const SCREENSHOT_WIDTHS = [375, 600];

/** Words and links longer than a phone is wide: what overflows first on a narrow screen. */
const LONG_WORDS = `
week_of: 2021-03-22
subject: "Long words"
sections:
  - title: "Neighbourhood-Solidarity-Network-Coordination-Committee-Section"
    events:
      - title: "Antidisestablishmentarianism-Supercalifragilistic-Planning-Meeting"
        start: 2021-03-23T18:00
        location: { name: "Community-Centre-Multipurpose-Room-Number-Twelve-Annex", address: "https://example.org/a/very/long/path/that/keeps/going/and/going/without/any/spaces" }
        description: "Details at https://example.org/events/2021/03/23/antidisestablishmentarianism-planning-meeting-agenda-and-minutes"
        notes: [ "Reference:ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" ]
        links: [ { label: "RSVP-for-the-Antidisestablishmentarianism-Supercalifragilistic-Meeting", url: "https://example.org/rsvp" } ]
`;

const pub = loadPublication(REPO_ROOT);
const NOW = DateTime.fromISO('2021-03-21T12:00', { zone: pub.timezone });

function views(): Record<string, IssueView> {
  const fromFile = (file: string) => {
    const { issue, slug } = loadIssueFile(file, pub.timezone);
    return buildView(issue, pub, { slug, now: NOW });
  };
  const longWords = checkIssueSource('long-words.yaml', LONG_WORDS, pub.timezone);
  return {
    seed: fromFile(SEED_ISSUE),
    'every-field': fromFile(path.join(REPO_ROOT, 'tests', 'fixtures', 'every-field.yaml')),
    'long-words': buildView(longWords.issue!, pub, { slug: 'long-words', now: NOW }),
  };
}

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe.each(ENGINES)('the %s email in Chromium', (engine) => {
  const rendered: Record<string, { view: IssueView; html: string }> = {};

  beforeAll(async () => {
    for (const [name, view] of Object.entries(views())) rendered[name] = { view, html: (await renderIssue(view, engine)).html };
  });

  async function open(html: string, width: number): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height: 800 } });
    await page.setContent(html, { waitUntil: 'load' });
    return page;
  }

  describe.each(['seed', 'every-field', 'long-words'])('the %s issue', (name) => {
    it.each(WIDTHS)('at %i px wide does not scroll sideways and shows every event title', async (width) => {
      const { view, html } = rendered[name]!;
      const page = await open(html, width);
      try {
        const scrollWidth = await page.evaluate('document.scrollingElement.scrollWidth');
        const innerWidth = await page.evaluate('innerWidth');
        expect(innerWidth).toBe(width);
        expect(scrollWidth).toBeLessThanOrEqual(width);

        const titles = [...view.featured, ...view.sections.flatMap((s) => s.events)].map((e) => e.title);
        expect(titles.length).toBeGreaterThan(0);
        for (const title of titles) {
          const heading = page.getByRole('heading', { name: title, exact: true });
          expect([title, await heading.count()]).toEqual([title, 1]);
          expect([title, await heading.isVisible()]).toEqual([title, true]);
          const box = (await heading.boundingBox())!;
          expect(box.width).toBeGreaterThan(0);
          expect([title, box.x >= 0 && box.x + box.width <= width]).toEqual([title, true]);
        }
        if (name === 'seed' && SCREENSHOT_WIDTHS.includes(width)) {
          await page.screenshot({ path: screenshotPath(`email-${engine}-${width}`), fullPage: true });
        }
      } finally {
        await page.close();
      }
    });
  });
});
