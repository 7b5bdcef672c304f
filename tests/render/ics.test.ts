import fs from 'node:fs';
import path from 'node:path';
import ical from 'node-ical';
import { makeProject, REPO_ROOT, runCli } from '../helpers/cli';

/**
 * The .ics files `build` writes, read back with an independent parser (node-ical). Every expected
 * UTC time below is worked out by hand from the issue's local times, not by the code under test.
 */

type VEvent = ical.VEvent;

function readEvents(file: string): VEvent[] {
  const parsed = ical.sync.parseICS(fs.readFileSync(file, 'utf8'));
  return Object.values(parsed).filter((c): c is VEvent => c.type === 'VEVENT');
}

function byTitle(events: VEvent[], title: string): VEvent {
  const found = events.filter((e) => String(e.summary) === title);
  expect(found).toHaveLength(1);
  return found[0]!;
}

async function build(dir: string, issue: string, now = new Date('2021-03-21T12:00:00Z')): Promise<string> {
  const result = await runCli(['build', issue], { cwd: dir, now });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return path.join(dir, 'dist', path.basename(issue, '.yaml'));
}

describe('.ics files of the seed week', () => {
  let out: string;
  let week: VEvent[];
  let raw: string;

  beforeAll(async () => {
    const dir = makeProject();
    out = await build(dir, 'issues/2021-03-22.yaml');
    week = readEvents(path.join(out, 'events.ics'));
    raw = fs.readFileSync(path.join(out, 'events.ics'), 'utf8');
  });

  // 2021-03-22 is after the change to daylight time on 2021-03-14: Los Angeles is UTC-7 all week.
  const seed = [
    { title: 'Solidarity with BAmazon Union! Rally at Grand Park', id: '2021-03-22-solidarity-with-bamazon-union-rally-at-grand-park', start: '2021-03-22T15:00:00.000Z', end: '2021-03-22T18:00:00.000Z' },
    { title: 'One-on-One Organizing Conversation Training', id: '2021-03-23-one-on-one-organizing-conversation-training', start: '2021-03-24T01:00:00.000Z', end: '2021-03-24T02:30:00.000Z' },
    { title: 'South Central & Inglewood March Branch Meeting', id: '2021-03-15-south-central-inglewood-march-branch-meeting', start: '2021-03-16T01:00:00.000Z', end: '2021-03-16T03:00:00.000Z' },
    { title: 'Pass the PRO Act Planning Meeting', id: '2021-03-25-pass-the-pro-act-planning-meeting', start: '2021-03-26T03:00:00.000Z', end: '2021-03-26T04:00:00.000Z' },
    { title: 'DSA 101', id: '2021-03-27-dsa-101', start: '2021-03-27T18:00:00.000Z', end: '2021-03-27T20:00:00.000Z' },
  ];

  it('holds the five events of the week, featured first', () => {
    expect(week.map((e) => String(e.summary))).toEqual(seed.map((s) => s.title));
  });

  it.each(seed)('events.ics: $title starts $start and ends $end (UTC)', ({ title, start, end }) => {
    const e = byTitle(week, title);
    expect(e.start.toISOString()).toBe(start);
    expect(e.end.toISOString()).toBe(end);
  });

  it.each(seed)('events/$id.ics holds only $title, at the same times, with UID $id@news.example.org', ({ title, id, start, end }) => {
    const events = readEvents(path.join(out, 'events', `${id}.ics`));
    expect(events).toHaveLength(1);
    const e = events[0]!;
    expect(String(e.summary)).toBe(title);
    expect(e.uid).toBe(`${id}@news.example.org`);
    expect(e.start.toISOString()).toBe(start);
    expect(e.end.toISOString()).toBe(end);
  });

  it('writes local times with the publication zone and its VTIMEZONE, and DTSTAMP in UTC', () => {
    expect(raw).toContain('DTSTART;TZID=America/Los_Angeles:20210322T080000\r\n');
    expect(raw).toContain('DTEND;TZID=America/Los_Angeles:20210322T110000\r\n');
    expect(raw.match(/BEGIN:VTIMEZONE\r\nTZID:America\/Los_Angeles\r\n/g)).toHaveLength(1);
    // 2021-03-21T12:00:00Z is the build's clock in this test.
    expect(raw.match(/^DTSTAMP:20210321T120000Z\r$/gm)).toHaveLength(5);
    const events = raw.split('BEGIN:VEVENT').slice(1).join('');
    expect(events.match(/^DTSTART;TZID=America\/Los_Angeles:/gm)).toHaveLength(5);
    expect(events).not.toMatch(/^DTSTART:/m);
  });

  it('names the calendar for the issue', () => {
    const calendar = ical.sync.parseICS(raw).vcalendar as unknown as Record<string, string>;
    expect(calendar['WR-CALNAME']).toBe('DSA Los Angeles: Week of March 22, 2021');
  });

  it('puts the place in LOCATION, the first link in URL, and description, details and notes in DESCRIPTION as plain text', () => {
    const rally = byTitle(week, 'Solidarity with BAmazon Union! Rally at Grand Park');
    expect(rally.location).toBe('Grand Park (upper level near Grand Ave), 200 N Grand Ave, LA 90012');
    expect(urlOf(rally)).toBe('https://example.org/rsvp/bamazon-rally');
    const description = String(rally.description);
    expect(description).toMatch(/^Nearly 5,800 workers in Bessemer, Alabama/);
    expect(description).toContain('\n\nWhere to Rally: Grand Park (upper level near Grand Ave)');
    expect(description).toContain('Suggested Parking: Lady of Angels Cathedral (555 W Temple St)');
    expect(description).toContain('\n\nMasks and social distancing will be enforced.');
    expect(description).not.toMatch(/<[a-z]/i);
    const proAct = byTitle(week, 'Pass the PRO Act Planning Meeting');
    expect(proAct.location).toBe('Online: Zoom');
    expect(urlOf(proAct)).toBe('https://example.org/rsvp/pro-act');
  });

  it('escapes the iCalendar specials in text values (the parser gets the commas back)', () => {
    expect(raw).toContain('SUMMARY:South Central & Inglewood March Branch Meeting\r\n');
    expect(raw).toMatch(/LOCATION:Grand Park \(upper level near Grand Ave\)\\, 200 N Grand Ave\\, LA 90\r\n 012/);
  });
});

describe('.ics files across the November clock change (tests/fixtures/dst-november.yaml)', () => {
  let out: string;
  let week: VEvent[];
  let raw: string;

  beforeAll(async () => {
    const dir = makeProject({ 'issues/2021-11-02.yaml': fs.readFileSync(path.join(REPO_ROOT, 'tests/fixtures/dst-november.yaml'), 'utf8') });
    out = await build(dir, 'issues/2021-11-02.yaml', new Date('2021-11-01T12:00:00Z'));
    week = readEvents(path.join(out, 'events.ics'));
    raw = fs.readFileSync(path.join(out, 'events.ics'), 'utf8');
  });

  // Until 2021-11-07 01:59 PDT Los Angeles is UTC-7; from then (01:00 PST, the second time) UTC-8.
  // A time in the repeated hour means its first occurrence (PDT).
  const timed = [
    { title: 'Saturday Evening Meeting', start: '2021-11-07T01:00:00.000Z', end: '2021-11-07T03:00:00.000Z', local: ['20211106T180000', '20211106T200000'] },
    { title: 'Overnight Picket Vigil', start: '2021-11-07T08:30:00.000Z', end: '2021-11-07T10:30:00.000Z', local: ['20211107T013000', '20211107T023000'] },
    // No end: one hour after 01:30 PDT is 01:30 PST, which a TZID time cannot name (see below).
    { title: 'Night Check-in Call', start: '2021-11-07T08:30:00.000Z', end: '2021-11-07T09:30:00.000Z', local: null },
    { title: 'Sunday Canvass', start: '2021-11-07T17:00:00.000Z', end: '2021-11-07T20:00:00.000Z', local: ['20211107T090000', '20211107T120000'] },
    { title: 'Monday Debrief', start: '2021-11-09T02:00:00.000Z', end: '2021-11-09T03:00:00.000Z', local: ['20211108T180000', '20211108T190000'] },
  ];

  it.each(timed)('$title: $start – $end (UTC)', ({ title, start, end }) => {
    const e = byTitle(week, title);
    expect(e.start.toISOString()).toBe(start);
    expect(e.end.toISOString()).toBe(end);
  });

  it.each(timed.filter((t) => t.local))('$title is written as local wall-clock time with TZID', ({ title, local }) => {
    if (!local) throw new Error('filtered above');
    const block = eventBlock(raw, title);
    expect(block).toContain(`DTSTART;TZID=America/Los_Angeles:${local[0]}\r\n`);
    expect(block).toContain(`DTEND;TZID=America/Los_Angeles:${local[1]}\r\n`);
  });

  it('writes an event that ends in the second pass through the repeated hour in UTC, the one form that names that instant', () => {
    const block = eventBlock(raw, 'Night Check-in Call');
    expect(block).toContain('DTSTART:20211107T083000Z\r\n');
    expect(block).toContain('DTEND:20211107T093000Z\r\n');
  });

  const allDay = [
    { title: 'Weekend of Action', start: '20211106', end: '20211108' },
    { title: 'Phone Bank Day', start: '20211108', end: '20211109' },
  ];

  it.each(allDay)('all-day $title is a date range $start to $end (exclusive end), not a time', ({ title, start, end }) => {
    const block = eventBlock(raw, title);
    expect(block).toContain(`DTSTART;VALUE=DATE:${start}\r\n`);
    expect(block).toContain(`DTEND;VALUE=DATE:${end}\r\n`);
    const e = byTitle(week, title);
    expect(e.datetype).toBe('date');
  });

  it('writes the per-event file of the repeated-hour event with the same instant', () => {
    const [e] = readEvents(path.join(out, 'events', 'night-check-in.ics'));
    expect(e!.uid).toBe('night-check-in@news.example.org');
    expect(e!.start.toISOString()).toBe('2021-11-07T08:30:00.000Z');
  });
});

describe('calendar UIDs', () => {
  const rallyId = '2021-03-22-solidarity-with-bamazon-union-rally-at-grand-park';

  it('are the same in two builds, while DTSTAMP and SEQUENCE move on so the later build wins', async () => {
    const dir = makeProject();
    const out = await build(dir, 'issues/2021-03-22.yaml', new Date('2021-03-21T12:00:00Z'));
    const first = readEvents(path.join(out, 'events.ics'));
    await build(dir, 'issues/2021-03-22.yaml', new Date('2021-03-21T18:30:00Z'));
    const second = readEvents(path.join(out, 'events.ics'));
    expect(second.map((e) => e.uid)).toEqual(first.map((e) => e.uid));
    expect(new Set(first.map((e) => e.uid)).size).toBe(5);
    for (const [i, e] of second.entries()) {
      expect(e.dtstamp.toISOString()).toBe('2021-03-21T18:30:00.000Z');
      expect(Number(e.sequence)).toBeGreaterThan(Number(first[i]!.sequence));
    }
  });

  it('follow a corrected time (the entry members added is updated), and change only with the id', async () => {
    const dir = makeProject();
    const issue = path.join(dir, 'issues', '2021-03-22.yaml');
    const out = await build(dir, 'issues/2021-03-22.yaml');
    const before = readEvents(path.join(out, 'events.ics'));

    const original = fs.readFileSync(issue, 'utf8');
    const corrected = original.replace('start: 2021-03-22T08:00', 'start: 2021-03-22T09:00');
    expect(corrected).not.toBe(original);
    fs.writeFileSync(issue, corrected);
    await build(dir, 'issues/2021-03-22.yaml');
    const after = readEvents(path.join(out, 'events.ics'));
    expect(after.map((e) => e.uid)).toEqual(before.map((e) => e.uid));
    expect(byTitle(after, 'Solidarity with BAmazon Union! Rally at Grand Park').start.toISOString()).toBe('2021-03-22T16:00:00.000Z');

    fs.writeFileSync(issue, corrected.replace('  - title: "Solidarity with BAmazon Union! Rally at Grand Park"', '  - id: bamazon-rally\n    title: "Solidarity with BAmazon Union! Rally at Grand Park"'));
    await build(dir, 'issues/2021-03-22.yaml');
    const renamed = readEvents(path.join(out, 'events.ics'));
    expect(renamed.map((e) => e.uid)).toEqual(['bamazon-rally@news.example.org', ...before.slice(1).map((e) => e.uid)]);
    // The old per-event file goes, so the public server cannot keep publishing it.
    expect(fs.existsSync(path.join(out, 'events', 'bamazon-rally.ics'))).toBe(true);
    expect(fs.existsSync(path.join(out, 'events', `${rallyId}.ics`))).toBe(false);
  });
});

function urlOf(e: VEvent): string {
  const url = e.url as unknown;
  return typeof url === 'string' ? url : (url as { val: string }).val;
}

/** The unfolded text of one VEVENT, found by its SUMMARY. */
function eventBlock(raw: string, title: string): string {
  const unfolded = raw.replace(/\r\n /g, '');
  const blocks = unfolded.split('BEGIN:VEVENT').slice(1);
  const found = blocks.filter((b) => b.includes(`\r\nSUMMARY:${title}\r\n`));
  expect(found).toHaveLength(1);
  return found[0]!;
}
