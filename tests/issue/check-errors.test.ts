import { checkIssueSource } from '../../src/issue/load';
import { formatProblem } from '../../src/util/problems';
import { makeProject, runCli } from '../helpers/cli';
import { makeSendProject, send } from '../helpers/send-project';

const ZONE = 'America/Los_Angeles';
const HEAD = 'week_of: 2021-03-22\nsubject: Hi\npreheader: A line\n';
/** An event block whose fields start on line 7 (title) and 8 (start). */
const EVENT = 'sections:\n  - title: S\n    events:\n      - title: A\n        start: 2021-03-23T18:00\n';

/** One bad file each, and the exact line the editor must see. */
const cases: [string, string, string[]][] = [
  ['unknown key (a typo)', `${HEAD}${EVENT}        locaton: { name: X }\n`, ['x.yaml:9:9  error  sections[0].events[0] ("A").locaton: unknown field "locaton" (did you mean "location"?)']],
  ['unknown key far from any field', `${HEAD}${EVENT}        colour: red\n`, ['x.yaml:9:9  error  sections[0].events[0] ("A").colour: unknown field "colour" (allowed here: id, title, start, end, location, online, description, details, notes, links, image)']],
  ['duplicate key', `${HEAD}subject: Again\n${EVENT}`, ['x.yaml:4:1  error  "subject" appears twice in the same block (remove or rename one of them)']],
  ['a date that is not a date', `week_of: 22 March\nsubject: Hi\npreheader: p\n${EVENT}`, ['x.yaml:1:10  error  week_of: must be a date like 2021-03-22']],
  ['February 30th', `${HEAD}${EVENT.replace('2021-03-23T18:00', '2021-02-30T18:00')}`, ['x.yaml:8:16  error  sections[0].events[0] ("A").start: is not a real date and time (check the day, and hours 00–23)']],
  ['hour 25', `${HEAD}${EVENT.replace('T18:00', 'T25:00')}`, ['x.yaml:8:16  error  sections[0].events[0] ("A").start: is not a real date and time (check the day, and hours 00–23)']],
  ['a 12-hour time', `${HEAD}${EVENT.replace('2021-03-23T18:00', '"2021-03-23 6pm"')}`, ['x.yaml:8:16  error  sections[0].events[0] ("A").start: must be a date (2021-03-22) or a local time (2021-03-22T18:00, 24-hour clock)']],
  ['end before start', `${HEAD}${EVENT}        end: 2021-03-23T17:00\n`, ['x.yaml:9:14  error  sections[0].events[0] ("A").end: ends (2021-03-23T17:00) before it starts (2021-03-23T18:00) (check the date and the 24-hour time)']],
  ['all-day end on a timed event', `${HEAD}${EVENT}        end: 2021-03-24\n`, ['x.yaml:9:14  error  sections[0].events[0] ("A").end: end must have the same form as start (both dates, or both dates with times)']],
  ['a javascript: link', `${HEAD}${EVENT}        links: [ { label: Go, url: "javascript:alert(1)" } ]\n`, ['x.yaml:9:36  error  sections[0].events[0] ("A").links[0].url: must be an https:, http: or mailto: link']],
  ['a data: link in a location', `${HEAD}${EVENT}        location: { name: X, url: "data:text/html,hi" }\n`, ['x.yaml:9:35  error  sections[0].events[0] ("A").location.url: must be an https:, http: or mailto: link']],
  ['a missing title', `${HEAD}sections:\n  - title: S\n    events:\n      - start: 2021-03-23T18:00\n`, ['x.yaml:7:9  error  sections[0].events[0].title: is required']],
  ['a missing subject', `week_of: 2021-03-22\n${EVENT}`, ['x.yaml:1:1  error  subject: is required']],
  ['a subject on two lines', `week_of: 2021-03-22\nsubject: |\n  Two\n  lines\n${EVENT}`, ['x.yaml:2:10  error  subject: must be a single line (no line breaks)']],
  ['a list where text belongs', `week_of: 2021-03-22\nsubject: [a, b]\n${EVENT}`, ['x.yaml:2:10  error  subject: must be text (the email subject)']],
  ['an empty section', `${HEAD}sections:\n  - title: S\n    events: []\n`, ['x.yaml:6:13  error  sections[0] ("S").events: a section needs at least one event']],
  ['no events at all', HEAD, ['x.yaml:1:1  error  the issue has no events (add `featured:` or `sections:` with events)']],
  ['a time the clock skips', `${HEAD}${EVENT.replace('2021-03-23T18:00', '2021-03-14T02:30')}`, ['x.yaml:8:16  error  sections[0].events[0] ("A").start: 2021-03-14T02:30 does not exist in America/Los_Angeles: the clock skips that hour (daylight saving time starts then; pick another time)']],
  ['two events with one id', `${HEAD}${EVENT}        id: same\n      - title: B\n        id: same\n        start: 2021-03-24T18:00\n`, ['x.yaml:11:13  error  sections[0].events[1] ("B").id: two events have the id "same" (give one of them its own `id:`)']],
  ['tabs for indentation', `week_of: 2021-03-22\n\tsubject: Hi\n`, ['x.yaml:2:1  error  a tab is used to indent this line; YAML indents with spaces only (replace the tab with spaces, lined up with the line above)']],
  ['an unclosed quote', `${HEAD}${EVENT}        online: "Zoom\n`, ['x.yaml:9:17  error  not valid YAML: Missing closing "quote']],
  ['an alias bomb', 'a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n', ['x.yaml:1:1  error  too many YAML aliases (more than 100); the file expands to far more than it shows (write the values out instead of using *aliases)']],
  ['prose, not YAML', 'Week of March 22, 2021\n\nSolidarity with BAmazon Union!\n', ['x.yaml:1:1  error  this is not a YAML mapping of fields (`key: value` lines) (start from `newsletter new` or issues/2021-03-22.yaml)']],
  ['an empty file', '', ['x.yaml:1:1  error  the file is empty']],
  // YAML that needs quotes, said as what to do (not "Nested mappings are not allowed in compact mappings").
  ['a colon in a title', `${HEAD}sections:\n  - title: S\n    events:\n      - title: DSA 101: the basics\n        start: 2021-03-23T18:00\n`, ['x.yaml:7:16  error  the value of "title" contains ": ", which YAML reads as the start of another field (put the value in quotes: title: "DSA 101: the basics")']],
  ['a colon in the subject', `week_of: 2021-03-22\nsubject: Meeting: tonight\npreheader: p\n${EVENT}`, ['x.yaml:2:10  error  the value of "subject" contains ": ", which YAML reads as the start of another field (put the value in quotes: subject: "Meeting: tonight")']],
  ['a value starting with #', `${HEAD}${EVENT}        online: #zoom\n`, ['x.yaml:9:17  error  sections[0].events[0] ("A").online: is empty: YAML reads a value starting with "#" as a comment (put the value in quotes: online: "#zoom")']],
  ['a value starting with *', `${HEAD}sections:\n  - title: *Urgent* news\n    events:\n      - title: A\n        start: 2021-03-23T18:00\n`, ['x.yaml:5:12  error  the value of "title" starts with "*", which YAML reads as an alias (put the value in quotes: title: "*Urgent* news")']],
  ['a lone *word', `${HEAD}${EVENT}        online: *zoom\n`, ['x.yaml:9:17  error  the value of "online" starts with "*", which YAML reads as an alias (put the value in quotes: online: "*zoom")']],
  ['a value starting with &', `${HEAD}${EVENT}        online: & friends\n`, ['x.yaml:9:17  error  the value of "online" starts with "&", which YAML reads as an anchor (put the value in quotes: online: "& friends")']],
  ['a value starting with !', `${HEAD}${EVENT}        online: !important\n`, ['x.yaml:9:17  error  the value of "online" starts with "!", which YAML reads as a type tag (put the value in quotes: online: "!important")']],
  ['a value starting with @', `${HEAD}${EVENT}        online: @home\n`, ['x.yaml:9:17  error  the value of "online" starts with "@", which YAML reads as a reserved character (put the value in quotes: online: "@home")']],
  ['a value starting with a backtick', `${HEAD}${EVENT}        online: \`zoom\`\n`, ['x.yaml:9:17  error  the value of "online" starts with "`", which YAML reads as a reserved character (put the value in quotes: online: "`zoom`")']],
  // Regression: one tab gave one good line and a dozen cascading "Nested mappings" errors.
  ['one tab in an event, without the cascade', `${HEAD}${EVENT}\tend: 2021-03-23T19:00\n        online: Zoom\n      - title: B\n        start: 2021-03-24T18:00\n`, ['x.yaml:9:1  error  a tab is used to indent this line; YAML indents with spaces only (replace the tab with spaces, lined up with the line above)']],
  // The expected shape and an example, never "Invalid input: expected object, received string".
  ['a location given as a string', `${HEAD}${EVENT}        location: Grand Park\n`, ['x.yaml:9:19  error  sections[0].events[0] ("A").location: must be a place with a name, like location: { name: "Grand Park", address: "200 N Grand Ave" } (for an online event, use online: Zoom)']],
  ['links given as one mapping', `${HEAD}${EVENT}        links: { label: Go, url: "https://x.org" }\n`, ['x.yaml:9:16  error  sections[0].events[0] ("A").links: must be a list of buttons, like links: [ { label: "RSVP", url: "https://…" } ]']],
  ['notes given as a string', `${HEAD}${EVENT}        notes: Bring water\n`, ['x.yaml:9:16  error  sections[0].events[0] ("A").notes: must be a list of short lines, like notes: [ "Masks encouraged." ]']],
  ['events given as a mapping', `${HEAD}sections:\n  - title: S\n    events: { title: A }\n`, ['x.yaml:6:13  error  sections[0] ("S").events: must be a list of events, each starting with "- title: …"']],
  ['a space time that ends before it starts', `${HEAD}sections:\n  - title: S\n    events:\n      - title: A\n        start: 2021-03-23 18:00\n        end: 2021-03-23 9:30\n`, ['x.yaml:9:14  error  sections[0].events[0] ("A").end: ends (2021-03-23T09:30) before it starts (2021-03-23T18:00) (check the date and the 24-hour time)']],
  // Hostile or accidental text.
  ['the unsubscribe placeholder in a link', `${HEAD}${EVENT}        links: [ { label: RSVP, url: "https://evil.test/?u=%%UNSUBSCRIBE_URL%%" } ]\n`, ['x.yaml:9:38  error  sections[0].events[0] ("A").links[0].url: contains a placeholder the sender fills with each member\'s own unsubscribe link; link to the page itself']],
  ['the unsubscribe placeholder in a text', `${HEAD}${EVENT}        description: "Leave at %%UNSUBSCRIBE_URL%%"\n`, ['x.yaml:9:22  error  sections[0].events[0] ("A").description: contains %%UNSUBSCRIBE_URL%%, which the sender replaces with each member\'s own unsubscribe link; remove it']],
  ['a line separator in the subject', `week_of: 2021-03-22\nsubject: "Hi\u2028there"\npreheader: p\n${EVENT}`, ['x.yaml:2:10  error  subject: contains an invisible character (U+2028 LINE SEPARATOR); retype the text around it']],
  ['a NEL in the preheader', `week_of: 2021-03-22\nsubject: Hi\npreheader: "p\u0085q"\n${EVENT}`, ['x.yaml:3:12  error  preheader: contains an invisible character (U+0085 NEXT LINE); retype the text around it']],
  ['an ESC in a section title', `${HEAD}sections:\n  - title: "S\\e[31m"\n    events:\n      - title: A\n        start: 2021-03-23T18:00\n`, ['x.yaml:5:12  error  sections[0].title: contains an invisible character (U+001B ESC); retype the text around it']],
  ['a right-to-left override in an event title', `${HEAD}sections:\n  - title: S\n    events:\n      - title: "A\u202Egnp.exe"\n        start: 2021-03-23T18:00\n`, ['x.yaml:7:16  error  sections[0].events[0].title: contains an invisible character (U+202E RIGHT-TO-LEFT OVERRIDE); retype the text around it']],
  ['a NUL escape in the subject', `week_of: 2021-03-22\nsubject: "Hi\\0"\npreheader: p\n${EVENT}`, ['x.yaml:2:10  error  subject: contains an invisible character (U+0000 NUL); retype the text around it']],
  ['too many events', `${HEAD}sections:\n  - title: S\n    events:\n${'      - { title: A, start: 2021-03-23T18:00 }\n'.repeat(201)}`, ['x.yaml:1:1  error  the issue has 201 events; an email holds at most 200 (split it, or link to the full calendar)']],
];

/** Warnings: the issue still builds, but the editor is told, at the line. Checked as of Sunday, March 21, 2021. */
const NOW = new Date('2021-03-21T12:00:00Z');
const SITE = 'https://news.dsa-la.org';
const warningCases: [string, string, string, string[]][] = [
  ['a year typo shows the year', 'x.yaml', `week_of: 2026-11-30\nsubject: Hi\npreheader: p\nsections:\n  - title: S\n    events:\n      - title: DSA 101\n        start: 2025-12-03T18:30\n`, ['x.yaml:8:16  warning  sections[0].events[0] ("DSA 101").start: Wednesday, December 3, 2025 is outside the week of November 30–December 6, 2026: the year is 2025, not 2026 (a typo in the year?)']],
  ['a file named for another week', 'issues/2021-03-29.yaml', `${HEAD}${EVENT}`, ['issues/2021-03-29.yaml:1:10  warning  week_of: the file is named for 2021-03-29 but week_of is 2021-03-22 (was it copied from another week? Fix week_of or rename the file)']],
  ['send_at far from the week, and already past', 'x.yaml', `${HEAD}send_at: 2021-03-05T07:00\n${EVENT}`, [
    'x.yaml:4:10  warning  send_at: Friday, March 5 is 17 days before the week it is for (week_of Monday, March 22) (check the month and the year)',
    'x.yaml:4:10  warning  send_at: Friday, March 5, 7:00 AM has already passed (set a new time, or send it by hand: `send --due` leaves an issue more than stale_after_hours late)',
  ]],
  ['events out of date order', 'x.yaml', `${HEAD}sections:\n  - title: S\n    events:\n      - title: A\n        start: 2021-03-25T18:00\n      - title: B\n        start: 2021-03-23T18:00\n`, ['x.yaml:10:16  warning  sections[0].events[1] ("B").start: starts before "A" above it (Thursday, March 25) (list events in date order)']],
  ['skeleton text in a draft', 'x.yaml', `week_of: 2021-03-22\nsubject: "This week: …"\npreheader: p\n${EVENT}`, ['x.yaml:2:10  warning  subject: still has the skeleton\'s text "This week: …" (write the real text)']],
  ['an example.org link in a draft', 'x.yaml', `${HEAD}${EVENT}        links: [ { label: RSVP, url: "https://example.org/rsvp" } ]\n`, ['x.yaml:9:38  warning  sections[0].events[0] ("A").links[0].url: links to example.org, an example address (put the real link here)']],
];

/** Errors that exist only because the issue has a send_at (or is being sent). */
const scheduledCases: [string, string, string[]][] = [
  ['skeleton text with a send_at', `week_of: 2021-03-22\nsubject: "This week: …"\npreheader: p\nsend_at: 2021-03-22T07:00\n${EVENT.replace('title: A', 'title: "The headline event"')}`, [
    'x.yaml:2:10  error  subject: still has the skeleton\'s text "This week: …"; the issue has a send_at, so it would be sent as it is (write the real text)',
    'x.yaml:8:16  error  sections[0].events[0].title: still has the skeleton\'s text "The headline event"; the issue has a send_at, so it would be sent as it is (write the real text)',
  ]],
  ['an example.org link with a send_at', `${HEAD}send_at: 2021-03-22T07:00\n${EVENT}        links: [ { label: RSVP, url: "https://example.org/rsvp" } ]\n`, ['x.yaml:10:38  error  sections[0].events[0] ("A").links[0].url: links to example.org, an example address; the issue has a send_at, so it would be sent as it is (put the real link here)']],
  ['an example.com link in an intro with a send_at', `${HEAD}send_at: 2021-03-22T07:00\nintro: See [the calendar](https://calendar.example.com/x).\n${EVENT}`, ['x.yaml:5:8  error  intro: links to calendar.example.com, an example address; the issue has a send_at, so it would be sent as it is (put the real link here)']],
];

describe('check reports each bad issue file with its exact message and line', () => {
  it.each(cases)('%s', (_name, source, expected) => {
    const result = checkIssueSource('x.yaml', source, ZONE);
    const errors = result.problems.filter((p) => p.severity === 'error').map(formatProblem);
    expect(errors).toEqual(expected);
    expect(result.issue).toBeUndefined();
  });

  it.each(warningCases)('warns: %s', (_name, file, source, expected) => {
    const result = checkIssueSource(file, source, ZONE, { now: NOW, siteUrl: SITE });
    expect(result.problems.map(formatProblem)).toEqual(expected);
    expect(result.issue).toBeDefined();
  });

  it.each(scheduledCases)('refuses what must never be sent: %s', (_name, source, expected) => {
    const result = checkIssueSource('x.yaml', source, ZONE, { now: NOW, siteUrl: SITE });
    expect(result.problems.filter((p) => p.severity === 'error').map(formatProblem)).toEqual(expected);
  });

  it('the same placeholders in an issue without send_at are errors once it is being sent', () => {
    const source = `${HEAD}${EVENT}        links: [ { label: RSVP, url: "https://example.org/rsvp" } ]\n`;
    const errors = checkIssueSource('x.yaml', source, ZONE, { siteUrl: SITE, sending: true }).problems.filter((p) => p.severity === 'error');
    expect(errors.map(formatProblem)).toEqual(['x.yaml:9:38  error  sections[0].events[0] ("A").links[0].url: links to example.org, an example address; it would be sent as it is (put the real link here)']);
  });

  it('example.org links are the demo\'s own while site_url is an example address too', () => {
    const source = `${HEAD}send_at: 2021-03-22T07:00\n${EVENT}        links: [ { label: RSVP, url: "https://example.org/rsvp" } ]\n`;
    expect(checkIssueSource('x.yaml', source, ZONE, { siteUrl: 'https://news.example.org', sending: true }).problems).toEqual([]);
  });

  it('accepts "2021-03-23 18:00" with a space as 2021-03-23T18:00', () => {
    const result = checkIssueSource('x.yaml', `${HEAD}send_at: 2021-03-22 7:00\n${EVENT.replace('2021-03-23T18:00', '2021-03-23 18:00')}`, ZONE);
    expect(result.problems).toEqual([]);
    expect(result.issue!.send_at).toBe('2021-03-22T07:00');
    expect(result.issue!.sections![0]!.events[0]!.start).toBe('2021-03-23T18:00');
  });

  it('reads a file with old Mac line endings (lone CR), not as "empty"', () => {
    const source = `# c\r${HEAD}${EVENT}`.replace(/\n/g, '\r');
    const result = checkIssueSource('x.yaml', source, ZONE);
    expect(result.problems).toEqual([]);
    expect(result.issue!.subject).toBe('Hi');
  });

  it('never shows the validator\'s own words, whatever the wrong value', () => {
    const wrong = [42, 'text', ['a'], { a: 1 }, null, true];
    const fields = ['week_of', 'title', 'subject', 'preheader', 'send_at', 'intro', 'featured', 'sections'];
    const eventFields = ['id', 'title', 'start', 'end', 'location', 'online', 'description', 'details', 'notes', 'links'];
    const raw = /Invalid input|expected \w+, received|Too (small|big)|Invalid (string|option)/i;
    for (const value of wrong) {
      const v = JSON.stringify(value);
      for (const f of fields) {
        const src = `week_of: 2021-03-22\nsubject: Hi\n${EVENT}`.replace(new RegExp(`^${f}: .*\\n`, 'm'), '') + `${f}: ${v}\n`;
        for (const p of checkIssueSource('x.yaml', src, ZONE).problems) expect(`${f}=${v}: ${p.message}`).not.toMatch(raw);
      }
      for (const f of eventFields) {
        const src = `${HEAD}${EVENT.replace(new RegExp(`^        ${f}: .*\\n`, 'm'), '')}        ${f}: ${v}\n`;
        for (const p of checkIssueSource('x.yaml', src, ZONE).problems) expect(`${f}=${v}: ${p.message}`).not.toMatch(raw);
      }
      for (const f of ['name', 'address', 'url']) {
        const src = `${HEAD}${EVENT}        location: { name: X, ${f}: ${v} }\n`;
        for (const p of checkIssueSource('x.yaml', src, ZONE).problems) expect(`location.${f}=${v}: ${p.message}`).not.toMatch(raw);
      }
      for (const f of ['label', 'url']) {
        const src = `${HEAD}${EVENT}        links: [ { label: X, url: "https://x.org", ${f}: ${v} } ]\n`.replace(new RegExp(`${f}: [^,}]+, `), '');
        for (const p of checkIssueSource('x.yaml', src, ZONE).problems) expect(`links.${f}=${v}: ${p.message}`).not.toMatch(raw);
      }
    }
  });

  it('reports every problem of a file at once, in line order', () => {
    const source = `week_of: 2021-13-01\nsubject: [x]\n${EVENT}        locaton: X\n      - title: B\n        start: soon\n`;
    const lines = checkIssueSource('x.yaml', source, ZONE).problems.map((p) => `${p.line}:${p.path}`);
    expect(lines).toEqual(['1:week_of', '2:subject', '8:sections[0].events[0] ("A").locaton', '10:sections[0].events[1] ("B").start']);
  });
});

describe('newsletter check on the command line', () => {
  it('exits 0 on the seed and warns, at its line, about the meeting copied from March 15', async () => {
    const dir = makeProject();
    const r = await runCli(['check', 'issues/2021-03-22.yaml'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'issues/2021-03-22.yaml:55:16  warning  sections[0].events[1] ("South Central & Inglewood March Branch Meeting").start: Monday, March 15 is outside the week of March 22–March 28, 2021 (was this block copied from an older issue?)',
    );
    expect(r.stdout).toMatch(/issues\/2021-03-22\.yaml: 0 errors, 2 warnings/);
  });

  it('exits 1 with the errors on stderr and no stack trace', async () => {
    const dir = makeProject({ 'issues/bad.yaml': `${HEAD}${EVENT}        end: 2021-03-23T17:00\n` });
    const r = await runCli(['check', 'issues/bad.yaml'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('issues/bad.yaml:9:14  error  sections[0].events[0] ("A").end: ends (2021-03-23T17:00) before it starts');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('names a missing file clearly', async () => {
    const r = await runCli(['check', 'issues/nope.yaml'], { cwd: makeProject() });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('issues/nope.yaml: no such file (issues live in issues/, e.g. issues/2021-03-22.yaml)');
  });

  it('refuses a binary file', async () => {
    const r = await runCli(['check', 'issues/logo.yaml'], { cwd: makeProject({ 'issues/logo.yaml': '\u0089PNG\r\n\u001a\n\u0000\u0000' }) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('issues/logo.yaml:1:1  error  this is a binary file, not a YAML issue');
  });

  it('points at the first byte that is not UTF-8, instead of replacing it silently', async () => {
    const dir = makeProject();
    const latin1 = Buffer.concat([Buffer.from(`${HEAD}${EVENT}        online: "Caf`), Buffer.from([0xe9]), Buffer.from('"\n')]);
    require('node:fs').writeFileSync(`${dir}/issues/latin1.yaml`, latin1);
    const r = await runCli(['check', 'issues/latin1.yaml'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('issues/latin1.yaml:9:21  error  this line is not valid UTF-8 text (byte 0xE9) (save the file as UTF-8 in your editor, then retype the character here)');
  });

  it('refuses a file too large to be an email before reading it as YAML', async () => {
    const dir = makeProject({ 'issues/huge.yaml': `${HEAD}intro: "${'x'.repeat(600 * 1024)}"\n${EVENT}` });
    const r = await runCli(['check', 'issues/huge.yaml'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('issues/huge.yaml:1:1  error  the file is 0.6 MB; an issue may be at most 512 KB (is this the right file? An issue is a few kilobytes)');
  });

  // Regression: issues/..yaml made the slug "..", and build wrote dist/../ (the project folder).
  it.each([['..yaml'], ['.yaml']])('refuses the file name %s, which names no issue, and writes nothing', async (name) => {
    const dir = makeProject({ [`issues/${name}`]: `${HEAD}${EVENT}` });
    const r = await runCli(['build', `issues/${name}`], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`issues/${name}:1:1  error  the file name "${name}" does not name an issue (name it for its week, e.g. issues/2021-03-29.yaml)`);
    expect(require('node:fs').readdirSync(dir).sort()).toEqual(['issues', 'newsletter.yaml']);
  });

  it('warns when the issue says the same as one already sent, naming it and when', async () => {
    const project = await makeSendProject(1);
    expect((await send(project)).code).toBe(0);
    const fs = require('node:fs');
    const seed = fs.readFileSync(`${project.dir}/issues/2021-03-22.yaml`, 'utf8');
    fs.writeFileSync(`${project.dir}/issues/2021-03-29.yaml`, seed.replace('week_of: 2021-03-22', 'week_of: 2021-03-29').replace(/^send_at: .*$/m, ''));
    const r = await runCli(['check', 'issues/2021-03-29.yaml'], { cwd: project.dir, env: project.env, now: new Date() });
    expect(r.stdout).toMatch(/issues\/2021-03-29\.yaml:\d+:10  warning  subject: this issue says the same as 2021-03-22, sent on \w+day, \w+ \d+, \d{4} \(was it copied from that file and not yet updated\?\)/);

    fs.writeFileSync(`${project.dir}/issues/2021-03-29.yaml`, seed.replace('week_of: 2021-03-22', 'week_of: 2021-03-29').replace('title: DSA 101', 'title: DSA 102'));
    const subjectOnly = await runCli(['check', 'issues/2021-03-29.yaml'], { cwd: project.dir, env: project.env, now: new Date() });
    expect(subjectOnly.stdout).toMatch(/warning  subject: the subject is the same as 2021-03-22's, sent on /);
  });

  // Regression: `check 2021-03-22` said "no such file" while `status 2021-03-22` accepted it.
  it.each([['check'], ['build'], ['send']])('%s takes the issue by its name as well as by its file', async (command) => {
    const dir = makeProject();
    const args = command === 'send' ? ['send', '2021-03-22', '--dry-run'] : [command, '2021-03-22'];
    const r = await runCli(args, { cwd: dir, env: { DATABASE_PATH: `${dir}/data/test.db` } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    if (command === 'check') expect(r.stdout).toContain('issues/2021-03-22.yaml: 0 errors, 2 warnings');
    if (command === 'build') expect(r.stdout).toContain('built issues/2021-03-22.yaml with react');
    if (command === 'send') expect(r.stdout).toMatch(/dry run/i);
  });

  // Regression: the skeleton's placeholders passed check, and cron would have mailed them to everyone.
  it('send and send --due refuse placeholders, and send nothing', async () => {
    const project = await makeSendProject(2);
    const fs = require('node:fs');
    const yaml = fs.readFileSync(`${project.dir}/newsletter.yaml`, 'utf8');
    fs.writeFileSync(`${project.dir}/newsletter.yaml`, yaml.replace(/^site_url: .*$/m, 'site_url: https://news.chapter.org'));
    fs.writeFileSync(`${project.dir}/issues/2021-03-22.yaml`, `${HEAD}${EVENT}        links: [ { label: RSVP, url: "https://example.org/rsvp" } ]\n`);
    const r = await runCli(['send', '2021-03-22', '--yes'], { cwd: project.dir, env: project.env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('issues/2021-03-22.yaml:9:38  error  sections[0].events[0] ("A").links[0].url: links to example.org, an example address; it would be sent as it is (put the real link here)');
    expect(fs.existsSync(`${project.dir}/outbox/2021-03-22`)).toBe(false);

    fs.writeFileSync(`${project.dir}/issues/2021-03-22.yaml`, `${HEAD}send_at: 2021-03-22T07:00\n${EVENT.replace('title: A', 'title: "The headline event"')}`);
    const due = await runCli(['send', '--due', '--yes'], { cwd: project.dir, env: project.env, now: new Date('2021-03-22T14:05:00Z') });
    expect(due.code).toBe(1);
    expect(due.stderr).toContain('issues/2021-03-22.yaml has errors, so it is not sent');
    expect(due.stderr).toContain('issues/2021-03-22.yaml:8:16  error  sections[0].events[0].title: still has the skeleton\'s text "The headline event"; it would be sent as it is (write the real text)');
    expect(fs.existsSync(`${project.dir}/outbox/2021-03-22`)).toBe(false);
  });

  it('exits 2 on a usage error', async () => {
    const r = await runCli(['check'], { cwd: makeProject() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("missing required argument 'issue'");
  });

  it('does not build an issue with errors, and writes nothing', async () => {
    const dir = makeProject({ 'issues/bad.yaml': `${HEAD}${EVENT}        end: 2021-03-23T17:00\n` });
    const r = await runCli(['build', 'issues/bad.yaml'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(require('node:fs').existsSync(`${dir}/dist/bad`)).toBe(false);
  });

  it('refuses a site_url with ? or #, and a from whose name carries another address', async () => {
    const dir = makeProject({ 'newsletter.yaml': 'name: X\nfrom: \'"alerts@bank.example" <news@chapter.org>\'\ntimezone: America/Los_Angeles\nsite_url: https://news.chapter.org/?page=1\npostal_address: PO Box 1\n' });
    const r = await runCli(['check', 'issues/2021-03-22.yaml'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('newsletter.yaml:2:7  error  from: the name part must not contain an address or < >: write it as "Chapter Name <news@example.org>"');
    expect(r.stderr).toContain('newsletter.yaml:4:11  error  site_url: must be a plain address without "?" or "#" (links are added after it: <site_url>/u/…)');
  });

  it('refuses a from with a line separator in its name', async () => {
    const dir = makeProject({ 'newsletter.yaml': 'name: X\nfrom: "News\u2028Bcc: all@x.org <news@chapter.org>"\ntimezone: America/Los_Angeles\nsite_url: https://news.chapter.org\npostal_address: PO Box 1\n' });
    const r = await runCli(['check', 'issues/2021-03-22.yaml'], { cwd: dir });
    expect(r.stderr).toContain('newsletter.yaml:2:7  error  from: contains an invisible character (U+2028 LINE SEPARATOR); retype it');
  });

  it('says to quote a colour starting with #, and warns about a zone abbreviation with the IANA name', async () => {
    const base = 'name: X\nfrom: "X <news@chapter.org>"\nsite_url: https://news.chapter.org\npostal_address: PO Box 1\n';
    const colour = await runCli(['check', 'issues/2021-03-22.yaml'], { cwd: makeProject({ 'newsletter.yaml': `${base}timezone: America/Los_Angeles\nbrand: { color: #C8102E }\n` }) });
    expect(colour.stderr).toContain('newsletter.yaml:6:17  error  "#C8102E" starts a comment in YAML, which cuts the line short (put the value in quotes: "#C8102E")');
    const colourLine = await runCli(['check', 'issues/2021-03-22.yaml'], { cwd: makeProject({ 'newsletter.yaml': `${base}timezone: America/Los_Angeles\nbrand:\n  color: #C8102E\n` }) });
    expect(colourLine.stderr).toContain('newsletter.yaml:7:10  error  brand.color: is empty: YAML reads a value starting with "#" as a comment (put the value in quotes: color: "#C8102E")');
    const est = await runCli(['check', 'issues/2021-03-22.yaml'], { cwd: makeProject({ 'newsletter.yaml': `${base}timezone: EST\n` }) });
    expect(est.stdout).toContain('newsletter.yaml:5:11  warning  timezone: EST is an abbreviation, not a place: it does not follow daylight saving time the way your events do (use the IANA name, e.g. timezone: America/New_York)');
  });

  it('reports a broken newsletter.yaml with its line', async () => {
    const dir = makeProject({ 'newsletter.yaml': 'name: X\nfrom: not an address\ntimezone: Mars/Olympus\nsite_url: ftp://x.org\npostal_address: PO Box 1\n' });
    const r = await runCli(['check', 'issues/2021-03-22.yaml'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('newsletter.yaml:2:7  error  from: must be one address like "Name <news@example.org>"');
    expect(r.stderr).toContain('newsletter.yaml:3:11  error  timezone: must be an IANA time zone such as America/Los_Angeles');
    expect(r.stderr).toContain('newsletter.yaml:4:11  error  site_url: must be an https: or http: link');
  });
});
