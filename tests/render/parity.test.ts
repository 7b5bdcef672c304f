import path from 'node:path';
import { load, type CheerioAPI } from 'cheerio';
import { DateTime } from 'luxon';
import { loadPublication } from '../../src/config';
import { loadIssueFile } from '../../src/issue/load';
import { buildView, type EventView, type IssueView, type Rich } from '../../src/issue/view';
import { renderIssue } from '../../src/render';
import { REPO_ROOT, SEED_ISSUE } from '../helpers/cli';

/**
 * Both engines show the same content for the same issue: the same visible text, block by block,
 * and the same set of link targets. Compared on the parsed HTML, not on markup, since the engines
 * lay the email out differently (React Email's tables, MJML's sections and columns).
 */

const FIXTURES = {
  seed: SEED_ISSUE,
  'every-field': path.join(REPO_ROOT, 'tests', 'fixtures', 'every-field.yaml'),
};

const BLOCK = 'h1, h2, h3, p, li';

/** The visible text, one fragment per innermost block (heading, paragraph, list item) or button. */
function fragments($: CheerioAPI): string[] {
  const $body = $('body').clone();
  // The hidden preheader is no part of what the email shows.
  $body.find('[style*="display:none"]').remove();
  const out: string[] = [];
  $body.find(`${BLOCK}, a`).each((_, el) => {
    const $el = $(el);
    if (el.tagName !== 'a' && $el.find(BLOCK).length) return;
    if (el.tagName === 'a' && $el.parents(BLOCK).length) return;
    const text = $el.text().replace(/\s+/g, ' ').trim();
    if (text) out.push(text);
  });
  return out;
}

function hrefs($: CheerioAPI): Set<string> {
  return new Set($('a[href]').map((_, a) => $(a).attr('href')!).get());
}

/** The fragments a piece of editor Markdown shows (its paragraphs and list items). */
function richFragments(rich: Rich): string[] {
  return fragments(load(`<body>${rich.html}</body>`));
}

describe.each(Object.entries(FIXTURES))('the %s issue in both engines', (_name, file) => {
  const pub = loadPublication(REPO_ROOT);
  let view: IssueView;
  const pages = {} as Record<'react' | 'mjml', { $: CheerioAPI; fragments: string[]; hrefs: Set<string> }>;
  let events: EventView[];

  beforeAll(async () => {
    const { issue, slug, images } = loadIssueFile(file, pub.timezone);
    view = buildView(issue, pub, { slug, images, now: DateTime.fromISO('2021-03-21T12:00', { zone: pub.timezone }) });
    events = [...view.featured, ...view.sections.flatMap((s) => s.events)];
    for (const engine of ['react', 'mjml'] as const) {
      const $ = load((await renderIssue(view, engine)).html);
      pages[engine] = { $, fragments: fragments($), hrefs: hrefs($) };
    }
  });

  it('shows the same text, block by block, in the same order', () => {
    expect(pages.mjml.fragments).toEqual(pages.react.fragments);
    expect(pages.react.fragments.length).toBeGreaterThan(20);
  });

  it('links to the same set of targets', () => {
    expect([...pages.mjml.hrefs].sort()).toEqual([...pages.react.hrefs].sort());
  });

  it.each(['react', 'mjml'] as const)('%s shows every title, date and time, place, online platform, detail and note', (engine) => {
    const shown = pages[engine].fragments;
    expect(shown).toContain(view.title);
    if (view.featured.length) expect(shown).toContain(view.featuredLabel);
    if (view.glance) {
      expect(shown).toContain('This week at a glance');
      for (const e of view.glance) for (const f of [e.glance.day, e.glance.time]) expect(shown).toContain(f);
    }
    for (const s of view.sections) expect(shown).toContain(s.title);
    for (const e of events) {
      expect(shown).toContain(e.title);
      expect(shown).toContain(`${e.today ? '(TODAY) ' : ''}${e.when}`);
      if (e.place) expect(shown).toContain(`${e.place.name}${e.place.address ? ` – ${e.place.address}` : ''}`);
      if (e.online) expect(shown).toContain(`Online: ${e.online}`);
      for (const d of e.details) {
        expect(shown).toContain(`${d.label}:`);
        for (const f of richFragments(d.text)) expect(shown).toContain(f);
      }
      for (const n of e.notes) expect(shown).toContain(n);
      for (const l of e.links) expect(shown).toContain(l.label);
      if (e.description) for (const f of richFragments(e.description)) expect(shown).toContain(f);
    }
    for (const rich of [view.intro, ...view.sections.map((s) => s.intro)]) if (rich) for (const f of richFragments(rich)) expect(shown).toContain(f);
  });

  it.each(['react', 'mjml'] as const)('%s links every button, map, calendar entry, footer link and the unsubscribe placeholder', (engine) => {
    const targets = pages[engine].hrefs;
    const expected = [
      view.urls.web,
      view.urls.weekIcs,
      view.urls.unsubscribe,
      ...(view.publication.calendarUrl ? [view.publication.calendarUrl] : []),
      ...view.publication.social.map((s) => s.url),
      ...events.flatMap((e) => [...e.links.map((l) => l.url), e.calendar.page, ...(e.place ? [e.place.mapUrl] : [])]),
      // The headline events keep their direct calendar links beside the page.
      ...view.featured.flatMap((e) => [e.calendar.google, e.calendar.ics]),
      ...(view.glance ?? []).map((e) => `#${e.anchor}`),
    ];
    for (const url of expected) expect([url, targets.has(url)]).toEqual([url, true]);
    // The other events' long calendar links are on their pages only.
    for (const e of view.sections.flatMap((s) => s.events)) expect([e.title, targets.has(e.calendar.google)]).toEqual([e.title, false]);
  });

  it('draws the same pictures, with the same text alternatives and sizes', () => {
    const images = (engine: 'react' | 'mjml') =>
      pages[engine]
        .$('img')
        .map((_, img) => ({ src: pages[engine].$(img).attr('src'), alt: pages[engine].$(img).attr('alt'), width: pages[engine].$(img).attr('width'), height: pages[engine].$(img).attr('height') }))
        .get();
    expect(images('mjml')).toEqual(images('react'));
    const expected = [view.hero, ...events.map((e) => e.image)].filter((i) => i !== undefined);
    expect(images('react')).toEqual(expected.map((i) => ({ src: i.src, alt: i.alt, width: String(i.width), height: i.height === undefined ? undefined : String(i.height) })));
  });

  it.each(['react', 'mjml'] as const)('%s: every glance link leads to its event’s heading in the same email', (engine) => {
    const { $ } = pages[engine];
    const links = $('a[href^="#"]').map((_, a) => $(a).attr('href')!).get();
    expect(links).toEqual((view.glance ?? []).map((e) => `#${e.anchor}`));
    for (const e of view.glance ?? []) expect([e.title, $(`[id="${e.anchor}"]`).text()]).toEqual([e.title, e.title]);
  });
});

describe('the every-field issue', () => {
  it('really uses every field the parity test is about', () => {
    const pub = loadPublication(REPO_ROOT);
    const { issue, slug, images } = loadIssueFile(FIXTURES['every-field'], pub.timezone);
    const view = buildView(issue, pub, { slug, images });
    const events = [...view.featured, ...view.sections.flatMap((s) => s.events)];
    expect(events.some((e) => e.allDay && e.when.endsWith('(all day)') && !e.when.includes(' – '))).toBe(true);
    expect(events.some((e) => e.allDay && e.when.includes(' – '))).toBe(true);
    expect(events.some((e) => e.place?.address && e.place.mapUrl === 'https://example.org/maps/echo-park')).toBe(true);
    expect(events.some((e) => e.online)).toBe(true);
    expect(events.some((e) => e.details.length > 0)).toBe(true);
    expect(events.some((e) => e.notes.length > 1)).toBe(true);
    expect(events.some((e) => e.links.length > 2)).toBe(true);
    expect(view.sections.some((s) => s.intro)).toBe(true);
    const markdown = [view.intro, ...events.map((e) => e.description)].map((r) => r?.html ?? '').join('');
    for (const tag of ['<ul>', '<ol>', '<em>', '<strong>', '<a href=']) expect(markdown).toContain(tag);
    expect(view.glance?.length).toBe(events.length);
    expect(view.featuredLabel).toBe("Don't miss");
    expect(view.hero?.height).toBeGreaterThan(0);
    expect(events.some((e) => e.image?.height)).toBe(true);
    expect(events.some((e) => e.image && e.image.height === undefined)).toBe(true);
  });
});
