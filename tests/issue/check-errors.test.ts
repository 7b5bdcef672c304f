import { checkIssueSource } from '../../src/issue/load';
import { formatProblem } from '../../src/util/problems';
import { makeProject, runCli } from '../helpers/cli';

const ZONE = 'America/Los_Angeles';
const HEAD = 'week_of: 2021-03-22\nsubject: Hi\npreheader: A line\n';
/** An event block whose fields start on line 7 (title) and 8 (start). */
const EVENT = 'sections:\n  - title: S\n    events:\n      - title: A\n        start: 2021-03-23T18:00\n';

/** One bad file each, and the exact line the editor must see. */
const cases: [string, string, string[]][] = [
  ['unknown key (a typo)', `${HEAD}${EVENT}        locaton: { name: X }\n`, ['x.yaml:9:9  error  sections[0].events[0].locaton: unknown field "locaton" (did you mean "location"?)']],
  ['unknown key far from any field', `${HEAD}${EVENT}        colour: red\n`, ['x.yaml:9:9  error  sections[0].events[0].colour: unknown field "colour" (allowed here: id, title, start, end, location, online, description, details, notes, links, image)']],
  ['duplicate key', `${HEAD}subject: Again\n${EVENT}`, ['x.yaml:4:1  error  "subject" appears twice in the same block (remove or rename one of them)']],
  ['a date that is not a date', `week_of: 22 March\nsubject: Hi\npreheader: p\n${EVENT}`, ['x.yaml:1:10  error  week_of: must be a date like 2021-03-22']],
  ['February 30th', `${HEAD}${EVENT.replace('2021-03-23T18:00', '2021-02-30T18:00')}`, ['x.yaml:8:16  error  sections[0].events[0].start: is not a real date and time (check the day, and hours 00–23)']],
  ['hour 25', `${HEAD}${EVENT.replace('T18:00', 'T25:00')}`, ['x.yaml:8:16  error  sections[0].events[0].start: is not a real date and time (check the day, and hours 00–23)']],
  ['a 12-hour time', `${HEAD}${EVENT.replace('2021-03-23T18:00', '"2021-03-23 6pm"')}`, ['x.yaml:8:16  error  sections[0].events[0].start: must be a date (2021-03-22) or a local time (2021-03-22T18:00, 24-hour clock)']],
  ['end before start', `${HEAD}${EVENT}        end: 2021-03-23T17:00\n`, ['x.yaml:9:14  error  sections[0].events[0].end: ends (2021-03-23T17:00) before it starts (2021-03-23T18:00) (check the date and the 24-hour time)']],
  ['all-day end on a timed event', `${HEAD}${EVENT}        end: 2021-03-24\n`, ['x.yaml:9:14  error  sections[0].events[0].end: end must have the same form as start (both dates, or both dates with times)']],
  ['a javascript: link', `${HEAD}${EVENT}        links: [ { label: Go, url: "javascript:alert(1)" } ]\n`, ['x.yaml:9:36  error  sections[0].events[0].links[0].url: must be an https:, http: or mailto: link']],
  ['a data: link in a location', `${HEAD}${EVENT}        location: { name: X, url: "data:text/html,hi" }\n`, ['x.yaml:9:35  error  sections[0].events[0].location.url: must be an https:, http: or mailto: link']],
  ['a missing title', `${HEAD}sections:\n  - title: S\n    events:\n      - start: 2021-03-23T18:00\n`, ['x.yaml:7:9  error  sections[0].events[0].title: is required']],
  ['a missing subject', `week_of: 2021-03-22\n${EVENT}`, ['x.yaml:1:1  error  subject: is required']],
  ['a subject on two lines', `week_of: 2021-03-22\nsubject: |\n  Two\n  lines\n${EVENT}`, ['x.yaml:2:10  error  subject: must be a single line (no line breaks)']],
  ['a list where text belongs', `week_of: 2021-03-22\nsubject: [a, b]\n${EVENT}`, ['x.yaml:2:10  error  subject: must be text (the email subject)']],
  ['an empty section', `${HEAD}sections:\n  - title: S\n    events: []\n`, ['x.yaml:6:13  error  sections[0].events: a section needs at least one event']],
  ['no events at all', HEAD, ['x.yaml:1:1  error  the issue has no events (add `featured:` or `sections:` with events)']],
  ['a time the clock skips', `${HEAD}${EVENT.replace('2021-03-23T18:00', '2021-03-14T02:30')}`, ['x.yaml:8:16  error  sections[0].events[0].start: 2021-03-14T02:30 does not exist in America/Los_Angeles: the clock skips that hour (daylight saving time starts then; pick another time)']],
  ['two events with one id', `${HEAD}${EVENT}        id: same\n      - title: B\n        id: same\n        start: 2021-03-24T18:00\n`, ['x.yaml:11:13  error  sections[0].events[1].id: two events have the id "same" (give one of them its own `id:`)']],
  ['tabs for indentation', `week_of: 2021-03-22\n\tsubject: Hi\n`, ['x.yaml:2:1  error  tabs cannot indent YAML (indent with spaces)']],
  ['an unclosed quote', `${HEAD}${EVENT}        online: "Zoom\n`, ['x.yaml:9:17  error  not valid YAML: Missing closing "quote']],
  ['an alias bomb', 'a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n', ['x.yaml:1:1  error  too many YAML aliases (more than 100); the file expands to far more than it shows (write the values out instead of using *aliases)']],
  ['prose, not YAML', 'Week of March 22, 2021\n\nSolidarity with BAmazon Union!\n', ['x.yaml:1:1  error  this is not a YAML mapping of fields (`key: value` lines) (start from `newsletter new` or issues/2021-03-22.yaml)']],
  ['an empty file', '', ['x.yaml:1:1  error  the file is empty']],
];

describe('check reports each bad issue file with its exact message and line', () => {
  it.each(cases)('%s', (_name, source, expected) => {
    const result = checkIssueSource('x.yaml', source, ZONE);
    const errors = result.problems.filter((p) => p.severity === 'error').map(formatProblem);
    expect(errors).toEqual(expected);
    expect(result.issue).toBeUndefined();
  });

  it('reports every problem of a file at once, in line order', () => {
    const source = `week_of: 2021-13-01\nsubject: [x]\n${EVENT}        locaton: X\n      - title: B\n        start: soon\n`;
    const lines = checkIssueSource('x.yaml', source, ZONE).problems.map((p) => `${p.line}:${p.path}`);
    expect(lines).toEqual(['1:week_of', '2:subject', '8:sections[0].events[0].locaton', '10:sections[0].events[1].start']);
  });
});

describe('newsletter check on the command line', () => {
  it('exits 0 on the seed and warns, at its line, about the meeting copied from March 15', async () => {
    const dir = makeProject();
    const r = await runCli(['check', 'issues/2021-03-22.yaml'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'issues/2021-03-22.yaml:65:16  warning  sections[0].events[1].start: Monday, March 15 is outside the week of March 22–March 28, 2021 (was this block copied from an older issue?)',
    );
    expect(r.stdout).toMatch(/issues\/2021-03-22\.yaml: 0 errors, 2 warnings/);
  });

  it('exits 1 with the errors on stderr and no stack trace', async () => {
    const dir = makeProject({ 'issues/bad.yaml': `${HEAD}${EVENT}        end: 2021-03-23T17:00\n` });
    const r = await runCli(['check', 'issues/bad.yaml'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('issues/bad.yaml:9:14  error  sections[0].events[0].end: ends (2021-03-23T17:00) before it starts');
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

  it('reports a broken newsletter.yaml with its line', async () => {
    const dir = makeProject({ 'newsletter.yaml': 'name: X\nfrom: not an address\ntimezone: Mars/Olympus\nsite_url: ftp://x.org\npostal_address: PO Box 1\n' });
    const r = await runCli(['check', 'issues/2021-03-22.yaml'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('newsletter.yaml:2:7  error  from: must be one address like "Name <news@example.org>"');
    expect(r.stderr).toContain('newsletter.yaml:3:11  error  timezone: must be an IANA time zone such as America/Los_Angeles');
    expect(r.stderr).toContain('newsletter.yaml:4:11  error  site_url: must be an https: or http: link');
  });
});
