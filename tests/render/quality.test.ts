import fs from 'node:fs';
import path from 'node:path';
import { DateTime } from 'luxon';
import { loadPublication, type Engine } from '../../src/config';
import { loadIssueFile } from '../../src/issue/load';
import { buildView } from '../../src/issue/view';
import { renderIssue, type Rendered } from '../../src/render';
import { checkRendered, SIZE_WARNING_BYTES } from '../../src/render/quality';
import { accessibilityFindings } from '../../src/render/quality/accessibility';
import { ALLOWED_FEATURES, unsupportedFeatures } from '../../src/render/quality/client-support';
import { makeProject, REPO_ROOT, runCli, SEED_ISSUE } from '../helpers/cli';

const ENGINES: Engine[] = ['react', 'mjml'];
const FIXTURES = {
  seed: SEED_ISSUE,
  'every-field': path.join(REPO_ROOT, 'tests', 'fixtures', 'every-field.yaml'),
};
const THIRTY_EVENTS = fs.readFileSync(path.join(REPO_ROOT, 'tests', 'fixtures', 'thirty-events.yaml'), 'utf8');

const pub = loadPublication(REPO_ROOT);

async function render(file: string, engine: Engine): Promise<Rendered> {
  const { issue, slug } = loadIssueFile(file, pub.timezone);
  return renderIssue(buildView(issue, pub, { slug, now: DateTime.fromISO('2021-03-21T12:00', { zone: pub.timezone }) }), engine);
}

/** The default templates, both engines, on the seed and on an issue that uses every field. */
const DEFAULT_RENDERS = ENGINES.flatMap((engine) => Object.entries(FIXTURES).map(([name, file]) => ({ engine, name, file })));

describe('size against Gmail’s clipping', () => {
  it.each(ENGINES)('check warns about the size of a thirty-event issue rendered with %s', async (engine) => {
    const dir = makeProject({ 'issues/2021-04-05.yaml': THIRTY_EVENTS });
    const result = await runCli(['check', 'issues/2021-04-05.yaml', '--engine', engine], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`issues/2021-04-05\\.yaml:1:1  warning  the ${engine} HTML is \\d+\\.\\d KB; Gmail clips emails over about 102 KB`));
  });

  it.each(ENGINES)('the seed issue rendered with %s stays well under the warning', async (engine) => {
    const { html } = await render(SEED_ISSUE, engine);
    expect(Buffer.byteLength(html)).toBeLessThan(SIZE_WARNING_BYTES / 2);
  });

  it('warns from 90 KB of UTF-8, counted in bytes rather than characters', () => {
    const sized = (bytes: number): Rendered => ({ subject: 's', html: `<html lang="en"><body><h1>t</h1>${'é'.repeat(bytes / 2)}</body></html>`, text: '', engine: 'react' });
    const sizeWarnings = (r: Rendered) => checkRendered(r, 'x.yaml').filter((p) => p.message.includes('Gmail clips'));
    expect(sizeWarnings(sized(SIZE_WARNING_BYTES - 200))).toHaveLength(0);
    expect(sizeWarnings(sized(SIZE_WARNING_BYTES + 200))).toHaveLength(1);
  });
});

describe('email-client support (caniemail data)', () => {
  it.each(DEFAULT_RENDERS)('the $engine template on the $name issue uses nothing Gmail, Outlook, Apple Mail or Yahoo lacks', async ({ engine, file }) => {
    const { html } = await render(file, engine);
    expect(unsupportedFeatures(html)).toEqual([]);
  });

  it('needs every allow-list entry for at least one default render, each with its reason', async () => {
    const used = new Set<string>();
    for (const { engine, file } of DEFAULT_RENDERS) {
      for (const u of unsupportedFeatures((await render(file, engine)).html, [])) used.add(u.feature);
    }
    for (const entry of ALLOWED_FEATURES) {
      expect(entry.reason.length).toBeGreaterThan(30);
      expect([entry.feature, used.has(entry.feature)]).toEqual([entry.feature, true]);
    }
  });

  it('reports a feature the clients lack, once, with the clients that lack it', () => {
    const html = `<!doctype html><html lang="en"><body><h1>t</h1><div style="position:absolute">a</div><p style="position:relative">b</p></body></html>`;
    expect(unsupportedFeatures(html)).toEqual([
      { feature: 'position', clients: ['gmail.android', 'gmail.desktop-webmail', 'gmail.ios', 'gmail.mobile-webmail', 'outlook.ios', 'outlook.windows', 'outlook.windows-mail'] },
    ]);
  });

  it('honours an allow-list entry only for the clients it names', () => {
    const html = `<!doctype html><html lang="en"><body><h1>t</h1><div style="position:absolute">a</div></body></html>`;
    const onlyGmail = [...ALLOWED_FEATURES, { feature: 'position', clients: ['gmail.android', 'gmail.desktop-webmail', 'gmail.ios', 'gmail.mobile-webmail'], reason: 'test' }];
    expect(unsupportedFeatures(html, onlyGmail)).toEqual([{ feature: 'position', clients: ['outlook.ios', 'outlook.windows', 'outlook.windows-mail'] }]);
  });

  it('turns each unsupported feature into one check warning naming the engine', () => {
    const html = `<!doctype html><html lang="en"><body><h1>t</h1><video src="https://example.org/v.mp4"></video><form action="https://example.org"></form></body></html>`;
    const warnings = checkRendered({ subject: 's', html, text: '', engine: 'mjml' }, 'issues/x.yaml');
    expect(warnings.map((w) => [w.severity, w.file, w.line, w.message.replace(/, which .*/, '')])).toEqual([
      ['warning', 'issues/x.yaml', 1, 'the mjml HTML uses `<video> element`'],
      ['warning', 'issues/x.yaml', 1, 'the mjml HTML uses `<form> element`'],
    ]);
    expect(warnings[0]!.message).toMatch(/gmail\.desktop-webmail.*outlook\.windows.*yahoo\.ios.*do not support/);
  });
});

describe('accessibility', () => {
  it.each(DEFAULT_RENDERS)('the $engine template on the $name issue has lang, presentation tables, alt text, one h1, ordered headings and clear links', async ({ engine, file }) => {
    const { html } = await render(file, engine);
    expect(accessibilityFindings(html)).toEqual([]);
  });

  it.each(ENGINES)('the %s template gives the logo its alt text', async (engine) => {
    const withLogo = { ...pub, brand: { ...pub.brand, logo_url: 'https://example.org/logo.png' } };
    const { issue, slug } = loadIssueFile(SEED_ISSUE, pub.timezone);
    const { html } = await renderIssue(buildView(issue, withLogo, { slug }), engine);
    expect(html).toMatch(/<img[^>]+src="https:\/\/example\.org\/logo\.png"/);
    expect(accessibilityFindings(html)).toEqual([]);
  });

  const page = (body: string, htmlAttrs = ' lang="en"') => `<!doctype html><html${htmlAttrs}><head><title>t</title></head><body>${body}</body></html>`;
  const rules = (html: string) => accessibilityFindings(html).map((f) => f.rule);

  it.each([
    ['no lang', page('<h1>T</h1>', ''), ['lang']],
    ['an empty lang', page('<h1>T</h1>', ' lang=" "'), ['lang']],
    ['a layout table without a role', page('<h1>T</h1><table role="presentation"><tr><td><table><tr><td>x</td></tr></table></td></tr></table>'), ['layout-table']],
    ['an image without alt', page('<h1>T</h1><img src="https://example.org/a.png">'), ['img-alt']],
    ['no h1', page('<h2>A</h2>'), ['h1', 'heading-order']],
    ['two h1', page('<h1>A</h1><h1>B</h1>'), ['h1']],
    ['a skipped level', page('<h1>A</h1><h3>C</h3>'), ['heading-order']],
    ['"click here"', page('<h1>A</h1><a href="https://example.org">Click here</a>'), ['link-text']],
    ['"here"', page('<h1>A</h1><a href="https://example.org"> here </a>'), ['link-text']],
    ['"Read more…"', page('<h1>A</h1><a href="https://example.org">Read more…</a>'), ['link-text']],
    ['a link with no text', page('<h1>A</h1><a href="https://example.org"></a>'), ['link-text']],
  ])('finds %s', (_name, html, expected) => {
    expect(rules(html)).toEqual(expected);
  });

  it.each([
    ['a decorative image with empty alt', page('<h1>T</h1><img src="https://example.org/a.png" alt="">')],
    ['a link whose text names its destination', page('<h1>T</h1><a href="https://example.org">Click here to RSVP and receive Zoom details</a>')],
    ['an image link with alt text', page('<h1>T</h1><a href="https://example.org"><img src="https://example.org/a.png" alt="Our logo"></a>')],
    ['headings going back up', page('<h1>T</h1><h2>A</h2><h3>B</h3><h2>C</h2>')],
  ])('accepts %s', (_name, html) => {
    expect(accessibilityFindings(html)).toEqual([]);
  });

  it.each(ENGINES)('check warns when an editor writes a "click here" button (%s)', async (engine) => {
    const seed = fs.readFileSync(SEED_ISSUE, 'utf8').replace('label: "RSVP for DSA 101"', 'label: "Click here"');
    const dir = makeProject({ 'issues/2021-03-22.yaml': seed });
    const result = await runCli(['check', 'issues/2021-03-22.yaml', '--engine', engine], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`warning  accessibility of the ${engine} HTML: a link reads “Click here”, which does not say where it goes (write link text that names the destination`);
  });
});
