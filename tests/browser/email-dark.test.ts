import path from 'node:path';
import { DateTime } from 'luxon';
import type { Browser } from 'playwright-core';
import { loadPublication, type Engine } from '../../src/config';
import { loadIssueFile } from '../../src/issue/load';
import { buildView } from '../../src/issue/view';
import { renderIssue } from '../../src/render';
import { launchChromium, screenshotPath } from '../helpers/browser';
import { REPO_ROOT } from '../helpers/cli';

/** WCAG AA for body text. */
const MIN_CONTRAST = 4.5;

/**
 * Runs in the page (plain JavaScript: the tests are not compiled with the DOM types): every
 * element with text of its own whose colour contrasts too little with the first opaque background
 * behind it, as "tag \"text\" ratio".
 */
const LOW_CONTRAST_TEXT = `(min) => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length >= 3 && (c.length < 4 || c[3] > 0)) return c;
    }
    return [255, 255, 255];
  };
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || el.getBoundingClientRect().width === 0 || getComputedStyle(el).display === 'none') continue;
    const fg = lum(rgb(getComputedStyle(el).color));
    const bg = lum(background(el));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    if (ratio < min) out.push(el.tagName.toLowerCase() + ' "' + el.textContent.trim().slice(0, 40) + '" ' + ratio.toFixed(2));
  }
  return out;
}`;

/**
 * Dark mode, as Apple Mail and iOS apply it (prefers-color-scheme: dark): every piece of text,
 * links and buttons included, stays readable on the colour behind it.
 */
describe.each<Engine>(['react', 'mjml'])('the %s email in dark mode', (engine) => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  // The seed has a "(TODAY)" label in the brand colour on the headline card; every-field has every other element.
  it.each(['issues/2021-03-22.yaml', 'tests/fixtures/every-field.yaml'])('keeps every text of %s readable against its background, the brand colour and the tinted headline card included', async (file) => {
    const pub = loadPublication(REPO_ROOT);
    const { issue, slug, images } = loadIssueFile(path.join(REPO_ROOT, file), pub.timezone);
    const { html } = await renderIssue(buildView(issue, pub, { slug, images, now: DateTime.fromISO('2021-03-21T12:00', { zone: pub.timezone }) }), engine);
    const page = await browser.newPage({ viewport: { width: 600, height: 900 }, colorScheme: 'dark' });
    await page.setContent(html);
    await page.screenshot({ path: screenshotPath(`email-${engine}-dark-${path.basename(file, '.yaml')}`), fullPage: true });
    const poor = (await page.evaluate(`(${LOW_CONTRAST_TEXT})(${MIN_CONTRAST})`)) as string[];
    await page.close();
    expect(poor).toEqual([]);
  });
});
