import { load } from 'cheerio/slim';
import { parse } from 'parse5';
import { adapter } from 'parse5-htmlparser2-tree-adapter';

/**
 * What a screen reader needs from the rendered email: the language, layout tables that are not
 * announced as data, images with alternative text, a heading outline to navigate by, and links
 * whose text says where they go. Parsed with cheerio (parse5, as a browser would), not regexes.
 */

/** Link texts that mean nothing out of context (screen readers list links on their own). */
const VAGUE_LINK_TEXT = new Set(['click here', 'here', 'read more', 'more', 'link', 'click', 'this', 'learn more']);

export interface AccessibilityFinding {
  /** A short, stable name for tests and for grouping. */
  rule: 'lang' | 'layout-table' | 'img-alt' | 'h1' | 'heading-order' | 'link-text';
  message: string;
  hint: string;
}

export function accessibilityFindings(html: string): AccessibilityFinding[] {
  // parse5 as cheerio's default `load` calls it; cheerio's main entry would also load its URL
  // fetcher (undici, 110 modules, a tenth of a cold `check`).
  const $ = load(parse(html, { treeAdapter: adapter, scriptingEnabled: true }));
  const findings: AccessibilityFinding[] = [];

  if (!$('html').attr('lang')?.trim()) {
    findings.push({ rule: 'lang', message: 'the <html> element has no lang attribute', hint: 'screen readers need it to pick a voice' });
  }

  const bareTables = $('table').filter((_, t) => $(t).attr('role') !== 'presentation').length;
  if (bareTables) {
    findings.push({
      rule: 'layout-table',
      message: `${bareTables} table${bareTables === 1 ? '' : 's'} without role="presentation"`,
      hint: 'screen readers announce such tables as data tables, row by row',
    });
  }

  const noAlt = $('img').filter((_, i) => $(i).attr('alt') === undefined).length;
  if (noAlt) {
    findings.push({ rule: 'img-alt', message: `${noAlt} image${noAlt === 1 ? '' : 's'} without an alt attribute`, hint: 'set brand.logo_alt in newsletter.yaml' });
  }

  const levels = $('h1, h2, h3, h4, h5, h6')
    .toArray()
    .map((el) => ({ level: Number(el.tagName.slice(1)), text: collapse($(el).text()) }));
  const h1s = levels.filter((h) => h.level === 1).length;
  if (h1s !== 1) {
    findings.push({ rule: 'h1', message: `the email has ${h1s} h1 headings`, hint: 'one h1, the issue title, lets readers jump to the start' });
  }
  let previous = 0;
  for (const h of levels) {
    if (h.level > previous + 1) {
      findings.push({
        rule: 'heading-order',
        message: `the heading “${h.text}” (h${h.level}) skips a level after ${previous ? `h${previous}` : 'the start'}`,
        hint: 'screen readers navigate by heading level; a skipped level reads as a missing section',
      });
    }
    previous = h.level;
  }

  const vague = new Set<string>();
  $('a[href]').each((_, a) => {
    const text = collapse($(a).text() || $(a).find('img').attr('alt') || '');
    if (!text) vague.add('(no text)');
    else if (VAGUE_LINK_TEXT.has(text.toLowerCase().replace(/[.!…:]+$/, ''))) vague.add(text);
  });
  for (const text of vague) {
    findings.push({
      rule: 'link-text',
      message: `a link reads “${text}”, which does not say where it goes`,
      hint: 'write link text that names the destination, e.g. “RSVP for DSA 101”',
    });
  }
  return findings;
}

function collapse(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
