import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { makeProject, runCli } from '../helpers/cli';

/** The seed email, built: every item of the original must be in both parts. */
describe('build of the seed issue', () => {
  let dir: string;
  let html: string;
  let text: string;
  let eml: Buffer;
  let result: Awaited<ReturnType<typeof runCli>>;

  beforeAll(async () => {
    dir = makeProject();
    result = await runCli(['build', 'issues/2021-03-22.yaml'], { cwd: dir });
    const out = path.join(dir, 'dist', '2021-03-22');
    html = fs.readFileSync(path.join(out, 'email.html'), 'utf8');
    text = fs.readFileSync(path.join(out, 'email.txt'), 'utf8');
    eml = fs.readFileSync(path.join(out, 'message.eml'));
  });

  it('exits 0 and lists the files it wrote', () => {
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/dist\/2021-03-22\/email\.html/);
    expect(result.stdout).toMatch(/dist\/2021-03-22\/message\.eml/);
  });

  const seedContent = [
    'Week of March 22, 2021',
    'Solidarity with BAmazon Union! Rally at Grand Park',
    '(TODAY) Monday, March 22 @ 8:00 am – 11:00 am',
    'Grand Park (upper level near Grand Ave)',
    '200 N Grand Ave, LA 90012',
    'Nearly 5,800 workers in Bessemer, Alabama',
    'Where to Rally',
    'DSA members will gather in the tiered area above the large fountain.',
    'Suggested Parking',
    'Lady of Angels Cathedral (555 W Temple St), Walt Disney Concert Hall (111 S Grand Ave)',
    'Masks and social distancing will be enforced.',
    'The following list is only a highlight of what',
    'Neighborhood Meetings',
    'One-on-One Organizing Conversation Training',
    'Tuesday, March 23 @ 6:00 pm – 7:30 pm',
    'the one-on-one conversation is the quintessential tool of the organizer',
    'Neighborhood Solidarity Network',
    'South Central &amp; Inglewood March Branch Meeting',
    'Monday, March 15 @ 6:00 pm – 8:00 pm',
    'A meeting to help organize the South Central &amp; Inglewood Branch.',
    'Pass the PRO Act Planning Meeting',
    'Thursday, March 25 @ 8:00 pm – 9:00 pm',
    'Click here to RSVP and receive Zoom details',
    'DSA 101',
    'Saturday, March 27 @ 11:00 am – 1:00 pm',
    'Then join us for DSA 101!',
    'Preregistration for this event is required.',
    'PO Box 0000, Los Angeles, CA 90000',
    'Unsubscribe',
  ];

  it.each(seedContent)('the HTML shows %s', (fragment) => {
    expect(visibleText(html)).toContain(fragment.replace(/&amp;/g, '&'));
  });

  it.each(seedContent.map((s) => s.replace(/&amp;/g, '&')))('the plain text shows %s', (fragment) => {
    expect(text).toContain(fragment);
  });

  it('links the PRO Act button to its RSVP page', () => {
    expect(html).toMatch(/<a[^>]*href="https:\/\/example\.org\/rsvp\/pro-act"[^>]*>/);
  });

  it('does not call the copied March 15 meeting TODAY', () => {
    expect(text).not.toContain('(TODAY) Monday, March 15');
    expect(html).not.toMatch(/TODAY[^<]*<\/span>\s*Monday, March 15/);
  });

  it('writes buttons in the plain text as label: url', () => {
    expect(text).toContain('Click here to RSVP and receive Zoom details: https://example.org/rsvp/pro-act');
  });

  it('keeps the HTML under Gmail’s clipping limit', () => {
    expect(Buffer.byteLength(html)).toBeLessThan(102 * 1024);
  });

  it('is accessible: lang, presentation tables, real headings', () => {
    expect(html).toMatch(/<html[^>]* lang="en"/);
    const tables = html.match(/<table[^>]*>/g) ?? [];
    expect(tables.length).toBeGreaterThan(0);
    for (const t of tables) expect(t).toContain('role="presentation"');
    expect(html).toMatch(/<h1[^>]*>Week of March 22, 2021<\/h1>/);
    expect((html.match(/<h3/g) ?? []).length).toBe(4);
    expect(html).toContain('name="color-scheme"');
  });

  it('writes a sample message that parses as multipart/alternative', async () => {
    const head = eml.toString('utf8').split(/\r?\n\r?\n/)[0]!;
    expect(head).toMatch(/Content-Type: multipart\/alternative/i);
    const mail = await simpleParser(eml);
    expect(mail.subject).toBe('This week: Solidarity with BAmazon Union!');
    expect(mail.html).toContain('Pass the PRO Act Planning Meeting');
    expect(mail.text).toContain('Pass the PRO Act Planning Meeting');
    const raw = eml.toString('utf8');
    expect(raw).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m);
    expect(raw).toMatch(/^List-Unsubscribe: <https:\/\/news\.example\.org\/u\/[^>]+>\r?$/m);
    expect(raw).toMatch(/^List-Id: "DSA Los Angeles" <dsa-los-angeles\.example\.org>\r?$/im);
    expect(mail.messageId).toMatch(/^<2021-03-22\.[A-Za-z0-9_-]+@example\.org>$/);
  });
});

/** The text a reader sees: tags dropped, entities decoded, white space folded. */
function visibleText(html: string): string {
  return html
    .replace(/<head[\s\S]*?<\/head>/, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/\s+/g, ' ')
    .replace(/\( /g, '(')
    .replace(/ \)/g, ')');
}
