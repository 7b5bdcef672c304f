import path from 'node:path';
import { DateTime } from 'luxon';
import type { Browser, Page } from 'playwright-core';
import { loadPublication, type Engine } from '../../src/config';
import { checkIssueSource, loadIssueFile } from '../../src/issue/load';
import type { ImageCatalog } from '../../src/issue/images';
import { buildView, type IssueView } from '../../src/issue/view';
import { renderIssue } from '../../src/render';
import { publishedAssets, type PublishedAsset } from '../../src/render/publish';
import { renderWebHtml } from '../../src/render/web';
import { launchChromium, screenshotPath, serveAssets } from '../helpers/browser';
import { REPO_ROOT, SEED_ISSUE } from '../helpers/cli';

/**
 * The email and its web version in real Chromium, at phone and desktop widths, for both engines:
 * nothing scrolls sideways, every event title can be seen, the headline event's card is set apart
 * by its background, and every picture loads with its text alternative and its size. The
 * issue's published files (its pictures) are answered from what `build` publishes. Screenshots of
 * the seed issue are saved for people to look at (test-output/screenshots/<doc>-<engine>-<width>.png).
 */

const ENGINES: Engine[] = ['react', 'mjml'];
/** The narrowest phones in use, the two most common phone widths, and the email's own width. */
const WIDTHS = [320, 375, 390, 600];

/** Words and links longer than a phone is wide: what overflows first on a narrow screen. */
const LONG_WORDS = `
week_of: 2021-03-22
subject: "Long words"
glance: true
featured:
  - title: "Extraordinarily-Long-Featured-Event-Title-Without-Any-Spaces-At-All"
    start: 2021-03-22T18:00
    image: { src: "https://example.org/a-picture-that-does-not-load.png", alt: "A-very-long-alternative-text-without-spaces-that-shows-when-the-picture-does-not-load" }
    links: [ { label: "RSVP-for-the-Extraordinarily-Long-Featured-Event-Title-Without-Spaces", url: "https://example.org/rsvp" } ]
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

interface Issue {
  view: IssueView;
  images: ImageCatalog;
}

function issues(): Record<string, Issue> {
  const fromFile = (file: string): Issue => {
    const { issue, slug, images } = loadIssueFile(file, pub.timezone);
    return { view: buildView(issue, pub, { slug, now: NOW, images }), images: images ?? new Map() };
  };
  const longWords = checkIssueSource('long-words.yaml', LONG_WORDS, pub.timezone);
  return {
    seed: fromFile(SEED_ISSUE),
    'every-field': fromFile(path.join(REPO_ROOT, 'tests', 'fixtures', 'every-field.yaml')),
    'long-words': { view: buildView(longWords.issue!, pub, { slug: 'long-words', now: NOW }), images: new Map() },
  };
}

/**
 * Runs in the page (plain JavaScript: the tests are not compiled with the DOM types): the first
 * opaque background behind each heading, the headline event's (h2 with an id) and every section
 * event's (h3).
 */
const CARD_BACKGROUNDS = `(() => {
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = getComputedStyle(el).backgroundColor;
      if (c !== 'transparent' && c !== 'rgba(0, 0, 0, 0)') return c;
    }
    return 'none';
  };
  return {
    featured: Array.from(document.querySelectorAll('h2[id]')).map(background),
    others: Array.from(document.querySelectorAll('h3')).map(background),
  };
})()`;

/** Every picture: its text alternative, size attributes and whether it loaded. */
const PICTURES = `Array.from(document.images).map((img) => ({
  src: img.getAttribute('src'),
  alt: img.getAttribute('alt'),
  width: img.getAttribute('width'),
  height: img.getAttribute('height'),
  loaded: img.complete && img.naturalWidth > 0,
  shownWidth: img.getBoundingClientRect().width,
}))`;

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe.each(ENGINES)('the %s engine in Chromium', (engine) => {
  const rendered: Record<string, { view: IssueView; email: string; web: string; assets: PublishedAsset[] }> = {};

  beforeAll(async () => {
    for (const [name, { view, images }] of Object.entries(issues())) {
      const web = await renderWebHtml(view, engine);
      rendered[name] = { view, email: (await renderIssue(view, engine)).html, web, assets: publishedAssets(view, web, images, NOW) };
    }
  });

  async function open(name: string, doc: 'email' | 'web', width: number): Promise<Page> {
    const { view, email, web, assets } = rendered[name]!;
    const page = await browser.newPage({ viewport: { width, height: 800 } });
    await serveAssets(page, view.urls.web, assets);
    await page.setContent(doc === 'email' ? email : web, { waitUntil: 'load' });
    return page;
  }

  describe.each(['email', 'web'] as const)('the %s', (doc) => {
    describe.each(['seed', 'every-field', 'long-words'])('of the %s issue', (name) => {
      it.each(WIDTHS)('at %i px: no sideways scrolling, every event title visible, the headline card set apart, every picture with its alt and size', async (width) => {
        const { view } = rendered[name]!;
        const page = await open(name, doc, width);
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

          const cards = (await page.evaluate(CARD_BACKGROUNDS)) as { featured: string[]; others: string[] };
          expect(cards.featured).toHaveLength(view.featured.length);
          for (const featured of cards.featured) for (const other of cards.others) expect(featured).not.toBe(other);

          const pictures = (await page.evaluate(PICTURES)) as { src: string; alt: string | null; width: string | null; height: string | null; loaded: boolean; shownWidth: number }[];
          const expected = [view.hero, ...[...view.featured, ...view.sections.flatMap((s) => s.events)].map((e) => e.image)].filter((i) => i !== undefined);
          expect(pictures.map((p) => p.src)).toEqual(expected.map((i) => i.src));
          for (const [i, p] of pictures.entries()) {
            expect(p.alt).toBe(expected[i]!.alt);
            expect(Number(p.width)).toBeGreaterThan(0);
            expect(p.shownWidth).toBeLessThanOrEqual(width);
            // The issue's own files are published with it: they load, at the size read from the file.
            if (expected[i]!.height !== undefined) {
              expect([p.src, p.loaded]).toEqual([p.src, true]);
              expect(Number(p.height)).toBe(expected[i]!.height);
            }
          }

          if (name === 'seed') await page.screenshot({ path: screenshotPath(`${doc}-${engine}-${width}`), fullPage: true });
        } finally {
          await page.close();
        }
      });
    });
  });

  it.each([320, 390])('each event’s "Add to calendar" page reads at %i px: no sideways scrolling, the four calendars offered', async (width) => {
    const { view, assets } = rendered['long-words']!;
    const pages = assets.filter((a) => a.path.startsWith('e/'));
    expect(pages).toHaveLength(2);
    const seedPages = rendered.seed!.assets.filter((a) => a.path.startsWith('e/'));
    for (const [i, page] of [...pages, ...seedPages].entries()) {
      const tab = await browser.newPage({ viewport: { width, height: 800 }, isMobile: true, hasTouch: true });
      try {
        await serveAssets(tab, view.urls.web, assets);
        await tab.setContent(page.body.toString('utf8'), { waitUntil: 'load' });
        expect(await tab.evaluate('innerWidth')).toBe(width);
        expect(await tab.evaluate('document.scrollingElement.scrollWidth')).toBeLessThanOrEqual(width);
        for (const label of ['Google Calendar', 'Outlook.com', 'Office 365', 'Apple Calendar, Outlook on the desktop (.ics)']) {
          expect(await tab.getByRole('link', { name: new RegExp(`^${label.replace(/[().]/g, '\\$&')}`) }).isVisible()).toBe(true);
        }
        if (i === pages.length && engine === 'react') await tab.screenshot({ path: screenshotPath(`event-page-${width}`), fullPage: true });
      } finally {
        await tab.close();
      }
    }
  });

  it('publishes the pictures the pages show: the seed’s flyer, the every-field issue’s banner and clinic flyer', () => {
    expect(rendered.seed!.assets.map((a) => a.path)).toContain('images/bamazon-rally.jpg');
    expect(rendered['every-field']!.assets.map((a) => a.path)).toEqual(expect.arrayContaining(['images/spring-banner.png', 'images/tenant-clinic.png']));
  });
});
