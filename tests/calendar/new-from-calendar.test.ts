import fs from 'node:fs';
import path from 'node:path';
import ical from 'node-ical';
import { makeProject, runCli } from '../helpers/cli';
import { fixture, startFeedServer, type FeedServer } from './feed-server';

/**
 * `newsletter new --from`: calendars served over HTTP become an issue file that passes `check`,
 * builds, and shows each event at the right local time and date (Los Angeles) in the email and
 * in its calendar files. Then `check --feeds` compares the issue with the calendars again.
 */

let server: FeedServer;
beforeAll(async () => {
  server = await startFeedServer();
});
afterAll(() => server.close());

const NOW = new Date('2021-10-29T17:00:00Z');

async function newIssue(dir: string, week: string, ...sources: string[]) {
  return runCli(['new', '--week', week, ...sources.flatMap((s) => ['--from', s])], { cwd: dir, now: NOW });
}

describe('new --from, the week of November 1, 2021', () => {
  let dir: string;
  let created: Awaited<ReturnType<typeof newIssue>>;
  let yaml: string;
  beforeAll(async () => {
    dir = makeProject();
    fs.writeFileSync(path.join(dir, 'nyc.ics'), fixture('the-events-calendar.ics'));
    created = await newIssue(dir, '2021-11-01', `${server.url}/google.ics`, 'nyc.ics');
    yaml = fs.readFileSync(path.join(dir, 'issues/2021-11-01.yaml'), 'utf8');
  });

  it('lists the events it wrote and the cancelled ones it left out', () => {
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('12 events:');
    expect(created.stdout).toContain('left out, cancelled in the calendar:\n  Thu Nov 4, 18:00–19:30    Socialist Reading Group\n  Sun Nov 7, 17:00–19:00    Cancelled: Film Screening\n');
    expect(created.stdout).toContain('created issues/2021-11-01.yaml');
    expect(yaml).not.toContain('Socialist Reading Group');
    expect(yaml).not.toContain('Next Week Event');
  });

  it('names the source above each event and lists the ids it saw', () => {
    expect(yaml).toContain(`      # calendar: ${server.url}/google.ics\n      - id: 4q2k8vd0c3m1l6h9rjb7s5tq1e-`);
    expect(yaml).toContain('      # calendar: nyc.ics\n      - id: 10001-1636149600-1636156800-');
    expect(yaml).toMatch(/^# calendar-ids: /m);
    expect(yaml).toContain('# send_at: 2021-11-01T07:00');
  });

  it('passes check', async () => {
    const check = await runCli(['check', 'issues/2021-11-01.yaml'], { cwd: dir, now: NOW });
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('issues/2021-11-01.yaml: 0 errors');
  });

  it('builds, with the right local times and dates in the email and the calendar files', async () => {
    const build = await runCli(['build', 'issues/2021-11-01.yaml', '--out', 'out'], { cwd: dir, now: NOW });
    expect(build.stderr).toBe('');
    expect(build.code).toBe(0);
    const text = fs.readFileSync(path.join(dir, 'out/email.txt'), 'utf8');
    const when = (title: string) => {
      const i = text.indexOf(title);
      expect(i).toBeGreaterThanOrEqual(0);
      return text.slice(i + title.length).split('\n').find((l) => /@|\(all day\)/.test(l));
    };
    expect(when('Overnight Vigil')).toBe('Sunday, October 31 @ 11:00 pm – Monday, November 1 @ 3:00 am');
    expect(when('General Meeting')).toBe('Monday, November 1 @ 7:00 pm – 8:30 pm');
    expect(when('International Solidarity Call')).toBe('Wednesday, November 3 @ 11:00 am – 12:00 pm');
    expect(when('Day of Action Against Evictions')).toBe('Wednesday, November 3 (all day)');
    expect(when('Solidarity Rally for Striking Nurses')).toBe('Friday, November 5 @ 3:00 pm – 5:00 pm');
    expect(when('Canvass Weekend')).toBe('Saturday, November 6 – Sunday, November 7 (all day)');
    expect(when('Late Night Zine Making')).toBe('Saturday, November 6 @ 9:30 pm – 10:30 pm');
    expect(when('Phone Bank for Measure J')).toBe('Sunday, November 7 @ 1:00 pm – 3:00 pm');
    expect(when('National Call')).toBe('Sunday, November 7 @ 5:00 pm – 6:00 pm');
    expect(when('Pass the PRO Act Planning Meeting')).toBe('Sunday, November 7 @ 8:00 pm – 9:00 pm');
    expect(text).toContain('Join on Zoom: https://us02web.zoom.us/j/81234567890?pwd=QWERTY123');
    expect(text).toContain('Meeting doc (https://docs.google.com/document/d/1AbC/edit?usp=sharing)');

    // The week's calendar, read back by an independent parser: the same instants as the feeds.
    const week = Object.values(ical.sync.parseICS(fs.readFileSync(path.join(dir, 'out/events.ics'), 'utf8'))).filter((c) => c.type === 'VEVENT') as ical.VEvent[];
    const at = (title: string) => week.find((e) => e.summary === title)!;
    expect(at('Pass the PRO Act Planning Meeting').start.toISOString()).toBe('2021-11-08T04:00:00.000Z');
    expect(at('Rally at City Hall: Support the Nurses!').start.toISOString()).toBe('2021-11-06T17:00:00.000Z');
    expect(at('National Call').start.toISOString()).toBe('2021-11-08T01:00:00.000Z');
    expect(at('Late Night Zine Making').start.toISOString()).toBe('2021-11-07T04:30:00.000Z');
    expect(at('Canvass Weekend').datetype).toBe('date');
  });

  it('keeps feed markup out of the email: a script in a description is gone, an escaped tag is text', () => {
    const html = fs.readFileSync(path.join(dir, 'out/email.html'), 'utf8');
    expect(html).not.toMatch(/<script|javascript:|onerror=alert\(1\)>/);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('never overwrites the file', async () => {
    fs.appendFileSync(path.join(dir, 'issues/2021-11-01.yaml'), '# curated\n');
    const again = await newIssue(dir, '2021-11-01', `${server.url}/google.ics`);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('issues/2021-11-01.yaml already exists');
    expect(fs.readFileSync(path.join(dir, 'issues/2021-11-01.yaml'), 'utf8')).toContain('# curated');
  });
});

describe('new with calendar_feeds, the week of March 8, 2021', () => {
  it('reads the feeds listed in newsletter.yaml; times on both sides of the change are right', async () => {
    const dir = makeProject();
    const cfg = fs.readFileSync(path.join(dir, 'newsletter.yaml'), 'utf8');
    fs.writeFileSync(path.join(dir, 'newsletter.yaml'), `${cfg}calendar_feeds:\n  - ${server.url}/mobilize.ics\n  - ${server.url}/google.ics\n`);
    const r = await runCli(['new', '--week', '2021-03-08'], { cwd: dir, now: new Date('2021-03-05T17:00:00Z') });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('8 events:');
    const check = await runCli(['check', 'issues/2021-03-08.yaml'], { cwd: dir, now: new Date('2021-03-05T17:00:00Z') });
    expect(check.code).toBe(0);
    const build = await runCli(['build', 'issues/2021-03-08.yaml', '--out', 'out'], { cwd: dir, now: new Date('2021-03-05T17:00:00Z') });
    expect(build.code).toBe(0);
    const text = fs.readFileSync(path.join(dir, 'out/email.txt'), 'utf8');
    expect(text).toContain('Saturday, March 13 @ 10:00 am – 12:00 pm');
    expect(text).toContain('Sunday, March 14 @ 10:00 am – 12:00 pm');
    expect(text).toContain('Sunday, March 14 @ 5:00 pm – 6:00 pm');
    expect(text).toContain('Tuesday, March 9 @ 6:00 pm – 7:30 pm');
    expect(text).toContain('Wednesday, March 10 @ 10:00 am – 11:00 am');
    // --blank ignores the feeds.
    const blank = await runCli(['new', '--week', '2021-03-15', '--blank'], { cwd: dir });
    expect(blank.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'issues/2021-03-15.yaml'), 'utf8')).not.toContain('# calendar:');
  });
});

describe('a Google secret address', () => {
  it('is read like any other, with a note that the file names it', async () => {
    server.calendar('/calendar/ical/chapter%40example.org/private-0123abcd/basic.ics', fixture('google.ics'));
    const secret = `${server.url}/calendar/ical/chapter%40example.org/private-0123abcd/basic.ics`;
    const r = await newIssue(makeProject(), '2021-11-01', secret);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`note: ${secret} is a secret address; the issue file names it in its comments`);
  });
});

describe('new leaves out private events', () => {
  it('and says so', async () => {
    const dir = makeProject({
      'private.ics': [
        'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN',
        'BEGIN:VEVENT', 'UID:p@test', 'SUMMARY:Steering committee', 'DTSTART:20211102T020000Z', 'CLASS:PRIVATE', 'END:VEVENT',
        'BEGIN:VEVENT', 'UID:q@test', 'SUMMARY:Open meeting', 'DTSTART:20211103T020000Z', 'END:VEVENT',
        'END:VCALENDAR', '',
      ].join('\r\n'),
    });
    const r = await newIssue(dir, '2021-11-01', 'private.ics');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('left out, private in the calendar (add them by hand if they belong in the email):\n  Mon Nov 1, 19:00          Steering committee\n');
    const yaml = fs.readFileSync(path.join(dir, 'issues/2021-11-01.yaml'), 'utf8');
    expect(yaml).toContain('title: Open meeting');
    expect(yaml).not.toContain('Steering committee');
  });
});

describe('new --from failures write nothing', () => {
  it.each([
    { from: () => `${server.url}/nope.ics`, message: (u: string) => `${u}: not found (HTTP 404)` },
    { from: () => 'missing.ics', message: () => 'missing.ics: no such file' },
    { from: () => 'ftp://example.org/x.ics', message: () => 'ftp://example.org/x.ics: is a ftp: address' },
  ])('$message', async ({ from, message }) => {
    const dir = makeProject();
    const r = await newIssue(dir, '2021-11-01', `${server.url}/google.ics`, from());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(message(from()));
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(path.join(dir, 'issues/2021-11-01.yaml'))).toBe(false);
  });

  it('a week without events', async () => {
    const dir = makeProject();
    const r = await newIssue(dir, '2030-01-07', `${server.url}/the-events-calendar.ics`);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no events in the week of January 7, 2030');
    expect(fs.existsSync(path.join(dir, 'issues/2030-01-07.yaml'))).toBe(false);
  });
});

describe('hostile text in a feed', () => {
  it('round-trips through the YAML file as text, and cannot add a per-member placeholder', async () => {
    const titles = ['key: value # not a comment', '- not a list', '!!js/function x', '*alias', '&anchor x', '{a: b}', "'quoted", '"double', '@at', '`tick', '%x', '? q', 'null', 'yes', '0x1F', '2021-11-02'];
    const events = titles.map((t, i) => ['BEGIN:VEVENT', `UID:h${i}@test`, `SUMMARY:${t.replace(/,/g, '\\,')}`, `DTSTART:202111${String(2 + (i % 5)).padStart(2, '0')}T17${String(i).padStart(2, '0')}00Z`, 'END:VEVENT'].join('\r\n'));
    events.push(['BEGIN:VEVENT', 'UID:u@test', 'SUMMARY:Click %%UNSUBSCRIBE_URL%%', 'DTSTART:20211103T170000Z', 'DESCRIPTION:---\\n...\\n%%UNSUBSCRIBE_URL%%', 'END:VEVENT'].join('\r\n'));
    const dir = makeProject({ 'hostile.ics': `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n${events.join('\r\n')}\r\nEND:VCALENDAR\r\n` });
    expect((await newIssue(dir, '2021-11-01', 'hostile.ics')).code).toBe(0);
    const check = await runCli(['check', 'issues/2021-11-01.yaml'], { cwd: dir, now: NOW });
    expect(check.stderr).toBe('');
    const build = await runCli(['build', 'issues/2021-11-01.yaml', '--out', 'out'], { cwd: dir, now: NOW });
    expect(build.code).toBe(0);
    const text = fs.readFileSync(path.join(dir, 'out/email.txt'), 'utf8');
    for (const t of titles) expect(text).toContain(t);
    expect(text).toContain('Click % %UNSUBSCRIBE_URL% %');
    expect(fs.readFileSync(path.join(dir, 'issues/2021-11-01.yaml'), 'utf8')).not.toContain('%%');
  });
});
