import { loadPublication } from '../../src/config';
import { checkIssueSource } from '../../src/issue/load';
import { buildView } from '../../src/issue/view';
import { renderIssue } from '../../src/render';
import { renderMarkdown } from '../../src/render/markdown';
import { composeMessage, prepareIssue } from '../../src/send/message';
import { REPO_ROOT } from '../helpers/cli';

/** Values an attacker (or a careless paste) can put in an issue file never reach the output raw. */
const HOSTILE = `
week_of: 2021-03-22
subject: "Hi <script>alert('s')</script>"
preheader: "<img src=x onerror=alert(1)>"
intro: |
  Hello <script>alert('intro')</script> and <b onclick="x()">bold</b>.
  A [bad link](javascript:alert(1)) and a [data link](data:text/html,hi) and a [good one](https://example.org/ok).
sections:
  - title: "</h2><script>alert('section')</script>"
    events:
      - title: "<script>alert('title')</script>"
        start: 2021-03-23T18:00
        location: { name: "\\"><svg onload=alert(1)>", address: "<b>200 N Grand</b>" }
        online: "<iframe src=//evil>"
        description: "<img src=x onerror=alert('desc')> **bold** [x](vbscript:msgbox)"
        details: [ { label: "<i>Label</i>", text: "<style>body{display:none}</style>" } ]
        notes: [ "<a href='javascript:alert(1)'>note</a>" ]
        links: [ { label: "\\" onmouseover=\\"alert(1)", url: "https://example.org/rsvp?a=1&b=2" } ]
`;

describe('hostile values in an issue', () => {
  const pub = loadPublication(REPO_ROOT);

  async function render() {
    const loaded = checkIssueSource('hostile.yaml', HOSTILE, pub.timezone);
    expect(loaded.problems.filter((p) => p.severity === 'error')).toEqual([]);
    const view = buildView(loaded.issue!, pub, { slug: 'hostile' });
    return renderIssue(view, 'react');
  }

  it('escapes every value in the HTML: no script, no event handler, no injected tag', async () => {
    const { html } = await render();
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<(img|svg|iframe|style|b|i)\b[^>]*(onerror|onload|onclick|src=)/i);
    // Escaped text may mention onerror=; no real tag may carry an event handler.
    expect(html).not.toMatch(/<[a-z][^>]*\son[a-z]+=/i);
    expect(html).not.toMatch(/<iframe|<svg|<style>body/i);
    expect(html).toContain('&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;');
    expect(html).toContain("&lt;img src=x onerror=alert('desc')&gt;");
  });

  it('drops javascript:, data: and vbscript: links and keeps https ones', async () => {
    const { html, text } = await render();
    expect(html).not.toMatch(/href="(javascript|data|vbscript):/i);
    expect(html).toContain('href="https://example.org/ok"');
    expect(text).not.toMatch(/(bad link|data link) \((javascript|data):/i);
    expect(text).toContain('good one (https://example.org/ok)');
  });

  it('keeps a link URL and its label inside their attribute and element', async () => {
    const { html } = await render();
    expect(html).toContain('href="https://example.org/rsvp?a=1&amp;b=2"');
    expect(html).toContain('&quot; onmouseover=&quot;alert(1)');
  });

  it('refuses a link with markup in it', () => {
    const source = HOSTILE.replace('https://example.org/rsvp?a=1&b=2', 'https://example.org/?q=\\"><script>');
    const errors = checkIssueSource('hostile.yaml', source, pub.timezone).problems.filter((p) => p.severity === 'error');
    expect(errors.map((e) => `${e.path}: ${e.message}`)).toEqual(['sections[0].events[0] ("<script>alert(\'title\')</script>").links[0].url: must be an https:, http: or mailto: link']);
  });

  it('refuses a subject with a line break, which could inject headers', () => {
    const source = HOSTILE.replace(/^subject: .*$/m, 'subject: "Hi\\r\\nBcc: everyone@example.org"');
    const errors = checkIssueSource('hostile.yaml', source, pub.timezone).problems.filter((p) => p.severity === 'error');
    expect(errors.map((e) => `${e.path}: ${e.message}`)).toEqual(['subject: must be a single line (no line breaks)']);
  });

  it('encodes header values in the message', async () => {
    const rendered = await render();
    const eml = (
      await composeMessage(prepareIssue(rendered), { id: 1, address: 'a@example.org', name: 'Ana "<x>" Bcc: b@example.org' }, { publication: pub, slug: 'hostile', unsubscribeUrl: 'https://news.example.org/u/t' })
    ).toString('utf8');
    const head = eml.split(/\r\n\r\n/)[0]!;
    expect(head).not.toMatch(/^Bcc:/im);
    expect(head.match(/^To: .*$/m)![0]).toContain('<a@example.org>');
  });

  it('renders raw HTML in Markdown as visible text', () => {
    const rich = renderMarkdown('<b>hi</b> *there*\n\n- one\n- two');
    expect(rich.html).toContain('&lt;b&gt;hi&lt;/b&gt; <em>there</em>');
    expect(rich.html).toContain('<li>one</li>');
    expect(rich.text).toBe('<b>hi</b> there\n\n- one\n- two');
  });
});

// Regression: line breaks inside a description were merged into one paragraph.
describe('descriptions keep their line breaks', () => {
  const pub = loadPublication(REPO_ROOT);
  it('in the HTML (as <br>) and in the plain text; intros still flow', async () => {
    const source = `week_of: 2021-03-22\nsubject: Hi\npreheader: p\nintro: |\n  One flowing\n  paragraph.\nsections:\n  - title: S\n    events:\n      - title: A\n        start: 2021-03-23T18:00\n        description: |\n          Doors 6pm\n          Talk 6:30pm\n\n          Second paragraph.\n`;
    const loaded = checkIssueSource('x.yaml', source, pub.timezone);
    const view = buildView(loaded.issue!, pub, { slug: 'x' });
    expect(view.sections[0]!.events[0]!.description!.html).toBe('<p>Doors 6pm<br>\nTalk 6:30pm</p>\n<p>Second paragraph.</p>');
    expect(view.sections[0]!.events[0]!.description!.text).toBe('Doors 6pm\nTalk 6:30pm\n\nSecond paragraph.');
    expect(view.intro!.text).toBe('One flowing paragraph.');
    const { text } = await renderIssue(view, 'react');
    expect(text).toContain('Doors 6pm\nTalk 6:30pm');
  });
});
