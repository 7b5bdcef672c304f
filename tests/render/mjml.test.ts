import fs from 'node:fs';
import { darkerPassingShade } from '../../src/render/quality/contrast';
import os from 'node:os';
import path from 'node:path';
import { load } from 'cheerio';
import mjml2html from 'mjml';
import { DateTime } from 'luxon';
import { styleSheet, css, escape, h, serialize } from '../../emails/mjml/markup';
import { newsletterMjml } from '../../emails/mjml/newsletter';
import { loadPublication, type Publication } from '../../src/config';
import { checkIssueSource, loadIssueFile } from '../../src/issue/load';
import { buildView, WEB_UNSUBSCRIBE_NOTE, type IssueView } from '../../src/issue/view';
import { PLACEHOLDERS } from '../../src/render';
import { MJML_OPTIONS, renderMjmlHtml } from '../../src/render/mjml';
import { REPO_ROOT, SEED_ISSUE } from '../helpers/cli';

const pub = loadPublication(REPO_ROOT);
const NOW = DateTime.fromISO('2021-03-21T12:00:00', { zone: pub.timezone });

function seedView(publication: Publication = pub): IssueView {
  const { issue, slug } = loadIssueFile(SEED_ISSUE, publication.timezone);
  return buildView(issue, publication, { slug, now: NOW });
}

describe('the markup builder', () => {
  it('escapes text and attribute values with the same function', () => {
    const out = serialize(h('p', { title: `"a" & 'b' <c>` }, `</mj-text><script>x</script> & "q"`));
    expect(out).toBe(`<p title="${escape(`"a" & 'b' <c>`)}">&lt;/mj-text&gt;&lt;script&gt;x&lt;/script&gt; &amp; &quot;q&quot;</p>`);
    expect(escape(`<>&"'`)).toBe('&lt;&gt;&amp;&quot;&#39;');
  });

  it('leaves out undefined and false attributes and children, and writes void elements once', () => {
    expect(serialize(h('p', { a: undefined, b: false, c: 0 }, null, false, undefined, ['x', ['y']]))).toBe('<p c="0">xy</p>');
    expect(serialize(h('img', { alt: 'Logo' }))).toBe('<img alt="Logo" />');
  });

  it('refuses tag and attribute names that are not plain names', () => {
    expect(() => h('p onclick=x')).toThrow(/invalid tag name/);
    expect(() => h('p', { 'x" onclick="y': '1' })).toThrow(/invalid attribute name/);
    expect(() => h('img', {}, 'text')).toThrow(/no content/);
  });

  it('takes a style sheet only when nothing in it can close the <mj-style>', () => {
    expect(styleSheet('a > b {', '}').trustedHtml).toBe('a > b {\n}');
    expect(() => styleSheet('p { color: red }</mj-style><mj-raw><script>')).toThrow(/cannot contain "<"/);
  });

  it('writes the React components’ style objects as inline CSS', () => {
    expect(css({ fontSize: '16px', lineHeight: '24px', fontWeight: 700, color: undefined })).toBe('font-size:16px;line-height:24px;font-weight:700');
  });
});

describe('the MJML engine', () => {
  let html: string;
  let $: ReturnType<typeof load>;
  const view = seedView();

  beforeAll(async () => {
    html = await renderMjmlHtml(view);
    $ = load(html);
  });

  it('writes one complete HTML document with the language, the subject as title and the preheader', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect($('html').attr('lang')).toBe('en');
    expect($('title').text()).toBe('This week: Solidarity with BAmazon Union!');
    expect($('body').text()).toContain('Rally at Grand Park, one-on-one training, PRO Act planning, DSA 101');
    expect($('meta[name="color-scheme"]').attr('content')).toBe('light dark');
    expect(html).not.toMatch(/<mj-/);
  });

  it('has the header: name, the issue title as the only h1, and the web-version link', () => {
    expect($('body').text()).toContain('DSA Los Angeles');
    expect($('h1').map((_, e) => $(e).text()).get()).toEqual(['Week of March 22, 2021']);
    expect($('a:contains("View this email in your browser")').attr('href')).toBe(view.urls.web);
  });

  it('shows every event with its heading, and TODAY only on the day of sending', () => {
    // The intro, then "This week at a glance" (the seed turns it on), then the headline event.
    expect($('h2').map((_, e) => $(e).text()).get().slice(0, 2)).toEqual(['This week at a glance', 'Solidarity with BAmazon Union! Rally at Grand Park']);
    expect($('h3').map((_, e) => $(e).text()).get()).toEqual([
      'One-on-One Organizing Conversation Training',
      'South Central & Inglewood March Branch Meeting',
      'Pass the PRO Act Planning Meeting',
      'DSA 101',
    ]);
    expect($('p:contains("(TODAY)")').map((_, e) => $(e).text()).get()).toEqual(['(TODAY) Monday, March 22 @ 8:00 am – 11:00 am']);
  });

  it('links the place to its map, and draws the first link as the filled primary button', () => {
    const featured = view.featured[0]!;
    expect($(`a[href="${featured.place!.mapUrl}"]`).text()).toBe('Grand Park (upper level near Grand Ave) – 200 N Grand Ave, LA 90012');
    const button = $('a[href="https://example.org/rsvp/bamazon-rally"]');
    expect(button.text().trim()).toBe('RSVP for the rally');
    // The brand colour, darkened just enough for white text to pass WCAG AA (src/render/quality/contrast.ts).
    expect(button.closest('td').attr('bgcolor')).toBe(darkerPassingShade(pub.brand.color));
  });

  it('gives every event one Add to calendar link, and the headline event its direct links too', () => {
    for (const e of [...view.featured, ...view.sections.flatMap((s) => s.events)]) {
      expect($(`a[href="${e.calendar.page}"]`).text()).toBe('Add to calendar');
    }
    const featured = view.featured[0]!;
    expect($(`a[href="${featured.calendar.google}"]`).text()).toBe('Google Calendar');
    expect($(`a[href="${featured.calendar.ics}"]`).text()).toBe('Apple\u00a0/\u00a0Outlook\u00a0(.ics)');
    expect($('a[href^="https://calendar.google.com/"]')).toHaveLength(1);
  });

  it('has the footer: calendar, week .ics, social, reason, postal address, web version and the unsubscribe placeholder', () => {
    const footer = $('p:contains("PO Box 0000")').closest('div');
    expect(footer.text()).toContain('You are receiving this email because you are a member or supporter of DSA Los Angeles.');
    expect($('a:contains("Full calendar of events")').attr('href')).toBe('https://example.org/calendar');
    expect($(`a[href="${view.urls.weekIcs}"]`).text()).toBe("This week's events (.ics)");
    expect($('a:contains("Instagram")').attr('href')).toBe('https://instagram.com/example');
    expect($('a:contains("View in browser")').attr('href')).toBe(view.urls.web);
    expect($('a:contains("Unsubscribe")').attr('href')).toBe(PLACEHOLDERS.unsubscribeUrl);
  });

  it('shows the logo with its alt text instead of the name when the publication has one', async () => {
    const withLogo = { ...pub, brand: { ...pub.brand, logo_url: 'https://example.org/logo.png', logo_alt: 'DSA-LA logo' } };
    const $logo = load(await renderMjmlHtml(seedView(withLogo)));
    expect($logo('img[src="https://example.org/logo.png"]').attr('alt')).toBe('DSA-LA logo');
    expect($logo('p:contains("DSA Los Angeles")').filter((_, p) => $logo(p).text() === 'DSA Los Angeles')).toHaveLength(0);
  });

  it('has no unsubscribe link in the web version, which is one page for everyone', async () => {
    const $web = load(await renderMjmlHtml({ ...view, medium: 'web' }));
    expect($web('a:contains("Unsubscribe")')).toHaveLength(0);
    expect($web('body').text()).toContain(WEB_UNSUBSCRIBE_NOTE);
    expect($web('a:contains("View this email in your browser")')).toHaveLength(0);
  });
});

describe('MJML options', () => {
  it('never reads files named by <mj-include>', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mjml-include-'));
    fs.writeFileSync(path.join(dir, 'secret.mjml'), '<mj-section><mj-column><mj-text>TOP SECRET</mj-text></mj-column></mj-section>');
    const source = '<mjml><mj-body><mj-include path="secret.mjml" /></mj-body></mjml>';
    // The same markup does pull the file in when includes are on, so the check below can fail.
    expect((await mjml2html(source, { ...MJML_OPTIONS, filePath: dir, ignoreIncludes: false })).html).toContain('TOP SECRET');
    expect((await mjml2html(source, { ...MJML_OPTIONS, filePath: dir })).html).not.toContain('TOP SECRET');
  });

  it('fails on invalid MJML instead of warning', async () => {
    await expect(mjml2html('<mjml><mj-body><mj-text>outside a column</mj-text></mj-body></mjml>', MJML_OPTIONS)).rejects.toThrow(/mj-text/);
  });

  it('adds no web-font links', async () => {
    expect(await renderMjmlHtml(seedView())).not.toMatch(/fonts\.googleapis|<link/);
  });
});

/** The hostile values of tests/render/hostile.test.ts, aimed at MJML's own syntax. */
const HOSTILE = `
week_of: 2021-03-22
subject: "</mj-title><mj-raw><script>alert('subject')</script></mj-raw>"
preheader: "</mj-preview><mj-include path=\\"/etc/passwd\\" />"
intro: "</mj-text><mj-raw><script>alert('intro')</script></mj-raw>"
featured:
  - title: "<script>alert('title')</script>"
    start: 2021-03-22T08:00
    location: { name: "\\"><mj-raw><script>alert('place')</script></mj-raw>", address: "</mj-text></mj-column>" }
    online: "</mj-text><mj-button href=\\"https://evil.example\\">x</mj-button>"
    details: [ { label: "\\"><mj-raw>label", text: "</mj-text>" } ]
    notes: [ "</mj-text><mj-raw><img src=x onerror=alert(1)></mj-raw>" ]
    links:
      - { label: "\\" onmouseover=\\"alert(1)\\" x=\\"</mj-button>", url: "https://example.org/rsvp?a=1&b=2" }
      - { label: "it's <b>bold</b>", url: "https://example.org/two" }
sections:
  - title: "</mj-text></mj-column></mj-section><mj-raw><script>alert('section')</script></mj-raw>"
    events:
      - title: "Plain & simple"
        start: 2021-03-23T18:00
`;

describe('hostile values through the MJML engine', () => {
  let html: string;
  let $: ReturnType<typeof load>;
  const hostilePub = { ...pub, brand: { ...pub.brand, logo_url: 'https://example.org/logo.png?a="1"', logo_alt: `" onerror="alert(1)` } };

  beforeAll(async () => {
    const loaded = checkIssueSource('hostile.yaml', HOSTILE, pub.timezone);
    expect(loaded.problems.filter((p) => p.severity === 'error')).toEqual([]);
    html = await renderMjmlHtml(buildView(loaded.issue!, hostilePub, { slug: 'hostile', now: NOW }));
    $ = load(html);
  });

  it('lets no script, event handler or MJML tag through', () => {
    expect($('script')).toHaveLength(0);
    expect(html).not.toMatch(/<script/i);
    const handlers = $('*')
      .toArray()
      .flatMap((el) => ('attribs' in el ? Object.keys(el.attribs).filter((name) => name.startsWith('on')) : []));
    expect(handlers).toEqual([]);
    expect(html).not.toMatch(/<\/?mj-/);
    expect($('a[href="https://evil.example"]')).toHaveLength(0);
  });

  it('shows each hostile value as the text the editor typed', () => {
    expect($('title').text()).toBe("</mj-title><mj-raw><script>alert('subject')</script></mj-raw>");
    expect($('h2').first().text()).toBe("<script>alert('title')</script>");
    expect($('h2').eq(1).text()).toBe("</mj-text></mj-column></mj-section><mj-raw><script>alert('section')</script></mj-raw>");
    const body = $('body').text();
    expect(body).toContain('</mj-preview><mj-include path="/etc/passwd" />');
    expect(body).toContain(`"><mj-raw><script>alert('place')</script></mj-raw> – </mj-text></mj-column>`);
    expect(body).toContain('Online: </mj-text><mj-button href="https://evil.example">x</mj-button>');
    expect(body).toContain('"><mj-raw>label:');
    expect(body).toContain('</mj-text><mj-raw><img src=x onerror=alert(1)></mj-raw>');
    expect(body).toContain('Plain & simple');
  });

  it('keeps quotes in link labels, URLs and the logo inside their element or attribute', () => {
    const first = $('a[href="https://example.org/rsvp?a=1&b=2"]');
    expect(first).toHaveLength(1);
    expect(first.text().trim()).toBe('" onmouseover="alert(1)" x="</mj-button>');
    expect(first.attr('onmouseover')).toBeUndefined();
    expect($('a[href="https://example.org/two"]').text().trim()).toBe("it's <b>bold</b>");
    const logo = $('img[src="https://example.org/logo.png?a=\\"1\\""]');
    expect(logo.attr('alt')).toBe(`" onerror="alert(1)`);
    expect(logo.attr('onerror')).toBeUndefined();
  });

  it('keeps Markdown’s own escaping of raw HTML in the intro', () => {
    expect($('body').text()).toContain("</mj-text><mj-raw><script>alert('intro')</script></mj-raw>");
  });

  it('escapes the values in the MJML source itself, before MJML parses it', () => {
    const loaded = checkIssueSource('hostile.yaml', HOSTILE, pub.timezone);
    const mjml = newsletterMjml(buildView(loaded.issue!, hostilePub, { slug: 'hostile', now: NOW }));
    expect(mjml).toContain('<h2 style="');
    expect(mjml).toContain('&lt;/mj-text&gt;&lt;/mj-column&gt;&lt;/mj-section&gt;&lt;mj-raw&gt;');
    expect(mjml).toContain('alt="&quot; onerror=&quot;alert(1)"');
    expect(mjml.match(/<mj-raw>/g)).toHaveLength(1); // the template's own, for the color-scheme meta tags
  });
});
