import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import ICAL from 'ical.js';
import { eventsInWeek, type CalendarEvent } from '../../src/calendar/expand';
import { readSource } from '../../src/calendar/fetch';
import { descriptionToMarkdown, mapLocation, toIssueEvent } from '../../src/calendar/map';
import { renderMarkdown } from '../../src/render/markdown';
import { makeProject, runCli } from '../helpers/cli';
import { CALENDARS, fixture, startFeedServer, type FeedServer } from './feed-server';

/**
 * Calendars as other producers export them, beyond the ones issue 18 was built with: Outlook and
 * Exchange (Windows zone names, Teams links, X-MICROSOFT-CDO-ALLDAYEVENT), Apple iCloud (RRULE
 * VTIMEZONE, "name\naddress" LOCATION), Meetup ("Venue (address)"), Luma (LF only, BOM),
 * Nextcloud and Proton (Europe/Berlin publications across both changes of the clocks), and the
 * recurrence rules RFC 5545 allows that the first fixtures did not use.
 */

const brief = (events: CalendarEvent[]) => events.map((e) => [e.title, e.start, e.end ?? null, e.cancelled ? 'cancelled' : 'ok']);
const LA = 'America/Los_Angeles';
const BERLIN = 'Europe/Berlin';
const week = (name: string, w: string, zone = LA) => eventsInWeek(fixture(name), { source: name, zone, week: w });

describe('Outlook / Exchange, week of November 1, 2021 (Los Angeles)', () => {
  const { events, notes } = week('outlook.ics', '2021-11-01');
  it('reads Windows zone names, with or without a VTIMEZONE, and Exchange all-day events as dates', () => {
    expect(brief(events)).toEqual([
      // 18:00 "W. Europe Standard Time" (CET since Oct 31) is 10:00 PDT.
      ['Berlin Solidarity Call', '2021-11-02T10:00', '2021-11-02T11:00', 'ok'],
      ['Steering Committee', '2021-11-02T19:00', '2021-11-02T20:30', 'ok'],
      ['Day of Service', '2021-11-03', null, 'ok'],
      // Regression: "Eastern Standard Time" without a VTIMEZONE was read as Los Angeles time (20:00).
      ['East Coast Coalition Call', '2021-11-04T17:00', '2021-11-04T18:00', 'ok'],
      // Midnight to midnight with X-MICROSOFT-CDO-ALLDAYEVENT:TRUE: Friday and Saturday.
      ['Book Fair (Exchange all-day)', '2021-11-05', '2021-11-06', 'ok'],
    ]);
    expect(notes).toEqual([]);
  });

  it('takes the Teams join link from X-MICROSOFT-SKYPETEAMSMEETINGURL (regression: the event had no link)', () => {
    const steering = toIssueEvent(events.find((e) => e.title === 'Steering Committee')!);
    expect(steering.online).toBe('Microsoft Teams');
    expect(steering.links).toEqual([{ label: 'Join on Microsoft Teams', url: 'https://teams.microsoft.com/l/meetup-join/19%3ameeting_NjQ1%40thread.v2/0?context=%7b%22Tid%22%3a%22abc%22%7d' }]);
    // Outlook's "Click here to join the meeting<https://…>" is a link, and its separator rows are gone.
    expect(steering.description).toContain('Click here to join the meeting https://teams.microsoft.com/l/meetup-join/');
    expect(steering.description).not.toMatch(/\\_|\\</);
  });

  it('a Windows-zone series ends at its UTC UNTIL, inclusive (regression: the zone was a fixed UTC-5)', () => {
    expect(brief(week('outlook-no-vtimezone.ics', '2021-11-01').events).slice(0, 2)).toEqual([
      ['Weekly day (moved to Tuesday)', '2021-11-02', null, 'ok'],
      ['Until boundary (last one Nov 2)', '2021-11-02T16:00', '2021-11-02T17:00', 'ok'],
    ]);
    expect(week('outlook-no-vtimezone.ics', '2021-11-08').events.map((e) => e.title)).not.toContain('Until boundary (last one Nov 2)');
  });
});

describe('Apple iCloud', () => {
  const { events } = week('icloud.ics', '2021-11-01');
  it('BYDAY=MO,WE,FR with an EXDATE; an event that runs past midnight; all-day without DTEND is one day', () => {
    expect(brief(events)).toEqual([
      ['Tabling', '2021-11-01T18:00', '2021-11-01T19:00', 'ok'],
      ['Tabling', '2021-11-05T18:00', '2021-11-05T19:00', 'ok'],
      ['Election Night Watch Party', '2021-11-06T22:00', '2021-11-07T02:00', 'ok'],
      ['Deadline: ballots', '2021-11-07', null, 'ok'],
    ]);
  });
  it('splits Apple\'s "name\\naddress" LOCATION at the line break (regression: all of it was the name)', () => {
    expect(toIssueEvent(events[0]!).location).toEqual({ name: 'Grand Park', address: '200 N Grand Ave, Los Angeles, CA 90012, United States' });
  });
});

describe('Meetup and Luma', () => {
  it('Meetup: "Venue (address)" is a name and an address (regression: all of it was the name)', () => {
    const { events } = week('meetup.ics', '2021-11-01');
    expect(brief(events)).toEqual([
      ['Know Your Rights Workshop', '2021-11-03T18:30', '2021-11-03T20:30', 'ok'],
      // 01:30 on the night the clock falls back: the first pass (PDT).
      ['Late shift (clock falls back)', '2021-11-07T01:30', '2021-11-07T02:30', 'ok'],
    ]);
    expect(toIssueEvent(events[0]!).location).toEqual({ name: 'Boyle Heights Library', address: '4641 E Cesar Chavez Ave, Los Angeles, CA' });
  });
  it('Luma: LF line endings and a byte-order mark; UTC times', () => {
    const { events } = week('luma.ics', '2021-11-01');
    expect(brief(events)).toEqual([
      ['Climate Jobs Teach-In', '2021-11-04T18:30', '2021-11-04T20:00', 'ok'],
      ['Online: Climate Policy 101', '2021-11-06T11:00', '2021-11-06T12:00', 'ok'],
    ]);
  });
});

describe('Nextcloud and Proton, a Berlin publication', () => {
  it('the week the clocks spring forward (March 28, 2021)', () => {
    expect(brief(week('nextcloud.ics', '2021-03-22', BERLIN).events)).toEqual([
      ['Plenum', '2021-03-24T19:00', '2021-03-24T21:00', 'ok'],
      // 02:30 does not exist that night: the clock shows 03:30.
      ['Nachtschicht (Zeitumstellung)', '2021-03-28T03:30', '2021-03-28T04:00', 'ok'],
    ]);
    expect(brief(week('proton.ics', '2021-03-22', BERLIN).events).map((e) => e[1])).toEqual(['2021-03-22T18:00', '2021-03-24T18:00', '2021-03-26T18:00']);
  });
  it('the week the clocks fall back (October 31, 2021): New York still on summer time', () => {
    expect(brief(week('nextcloud.ics', '2021-10-25', BERLIN).events)).toEqual([
      ['Plenum', '2021-10-27T19:00', '2021-10-27T21:00', 'ok'],
      ['Transatlantic call', '2021-10-28T18:00', '2021-10-28T19:00', 'ok'],
      ['Zweimal zwei Uhr dreißig', '2021-10-31T02:30', '2021-10-31T03:30', 'ok'],
    ]);
    expect(brief(week('proton.ics', '2021-10-25', BERLIN).events)).toEqual([
      ['Aktionswoche', '2021-10-25', '2021-10-31', 'ok'],
      ['Sprachcafé', '2021-10-25T18:00', '2021-10-25T19:30', 'ok'],
      ['Sprachcafé', '2021-10-27T18:00', '2021-10-27T19:30', 'ok'],
      ['Sprachcafé', '2021-10-29T18:00', '2021-10-29T19:30', 'cancelled'],
    ]);
  });
});

describe('recurrence rules and times beyond the first fixtures', () => {
  it('COUNT, BYDAY=2TU with DURATION, RDATE, EXDATE;VALUE=DATE, DTEND in another zone, a span over the week', () => {
    expect(brief(week('recurrence-edges.ics', '2021-11-08').events)).toEqual([
      ['Two-week strike fund drive', '2021-11-06', '2021-11-19', 'ok'],
      ['Daily all-day', '2021-11-08', null, 'ok'],
      ['Weekly orientation', '2021-11-08T18:30', '2021-11-08T19:30', 'ok'],
      ['All day no end', '2021-11-09', null, 'ok'],
      ['Second Tuesday', '2021-11-09T19:00', '2021-11-09T21:00', 'ok'],
      // 09:00 New York to 08:00 Los Angeles.
      ['Flight-style event', '2021-11-10T06:00', '2021-11-10T08:00', 'ok'],
      expect.arrayContaining(['2021-11-10T19:00']),
      // EXDATE;VALUE=DATE:20211109,20211110 removed two days of the series.
      ['Daily all-day', '2021-11-11', null, 'ok'],
      ['Daily all-day', '2021-11-12', null, 'ok'],
      ['Daily all-day', '2021-11-13', null, 'ok'],
      ['Daily all-day', '2021-11-14', null, 'ok'],
    ]);
    const first = brief(week('recurrence-edges.ics', '2021-11-01').events);
    // COUNT=9 from October 25: the last two are this week's Monday and Tuesday.
    expect(first.filter((e) => e[0] === 'Nine lunches').map((e) => e[1])).toEqual(['2021-11-01T12:00', '2021-11-02T12:00']);
    expect(first).toContainEqual(['Extra date', '2021-11-04T15:00', '2021-11-04T16:00', 'ok']);
  });

  it('RANGE=THISANDFUTURE moves every later instance too (regression: only the first one moved)', () => {
    const at = (w: string) => week('recurrence-edges.ics', w).events.filter((e) => e.title === 'Weekly orientation').map((e) => [e.start, e.end, e.location, e.instance]);
    expect(at('2021-10-25')).toEqual([['2021-10-25T18:00', '2021-10-25T19:00', 'Old Hall', '2021-10-25']]);
    expect(at('2021-11-01')).toEqual([['2021-11-01T18:30', '2021-11-01T19:30', 'New Hall', '2021-11-01']]);
    expect(at('2021-11-08')).toEqual([['2021-11-08T18:30', '2021-11-08T19:30', 'New Hall', '2021-11-08']]);
    // Across the change of the clocks too: still 18:30 local.
    expect(at('2021-11-15')).toEqual([['2021-11-15T18:30', '2021-11-15T19:30', 'New Hall', '2021-11-15']]);
  });

  it('a file of several VCALENDARs (feeds joined end to end) gives the events of all (regression: only the first)', () => {
    const cal = (uid: string, when: string) => `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:${uid}\r\nSUMMARY:${uid}\r\nDTSTART:${when}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;
    const text = cal('one@test', '20211102T020000Z') + fixture('icloud.ics') + cal('three@test', '20211103T020000Z');
    const titles = eventsInWeek(text, { source: 'joined.ics', zone: LA, week: '2021-11-01' }).events.map((e) => e.title);
    expect(titles).toEqual(['Tabling', 'one@test', 'three@test', 'Tabling', 'Election Night Watch Party', 'Deadline: ballots']);
  });

  it('RDATE;VALUE=PERIOD is an instance with its own length (regression: it was dropped)', () => {
    expect(brief(week('outlook-no-vtimezone.ics', '2021-11-01').events)).toContainEqual(['Period rdate', '2021-11-03T10:00', '2021-11-03T12:00', 'ok']);
  });

  it('a large feed (thousands of events) is read in one pass: ical.js is not left to scan the file per event', () => {
    // 3,000 one-off events without a VTIMEZONE: before, each event rescanned the whole file twice.
    const n = 3000;
    const body = Array.from({ length: n }, (_, i) =>
      ['BEGIN:VEVENT', `UID:big${i}@test`, `DTSTART;TZID=America/Los_Angeles:2021${String(1 + (i % 12)).padStart(2, '0')}${String(1 + (i % 28)).padStart(2, '0')}T180000`, 'DURATION:PT1H', `SUMMARY:Event ${i}`, 'END:VEVENT'].join('\r\n'),
    );
    const text = `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n${body.join('\r\n')}\r\nEND:VCALENDAR\r\n`;
    const spy = jest.spyOn(ICAL.Component.prototype, 'getAllSubcomponents');
    try {
      const { events } = eventsInWeek(text, { source: 'big.ics', zone: LA, week: '2021-11-01' });
      expect(events.length).toBeGreaterThan(0);
      expect(spy.mock.calls.length).toBeLessThan(n / 10);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('text from the feeds', () => {
  it('a multi-byte character split across a folded line is read whole (regression: replacement characters)', async () => {
    const summary = Buffer.from('SUMMARY:Café 日本語 🎉', 'utf8');
    const cut = summary.indexOf(Buffer.from('日', 'utf8')) + 1;
    const bytes = Buffer.concat([
      Buffer.from('BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:split@test\r\nDTSTART:20211102T020000Z\r\n'),
      summary.subarray(0, cut),
      Buffer.from('\r\n '),
      summary.subarray(cut),
      Buffer.from('\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n'),
    ]);
    const dir = makeProject({});
    fs.writeFileSync(path.join(dir, 'split.ics'), bytes);
    const { text } = await readSource('split.ics', { root: dir });
    expect(eventsInWeek(text, { source: 'split.ics', zone: LA, week: '2021-11-01' }).events[0]!.title).toBe('Café 日本語 🎉');
    // A fold between whole characters stays as served.
    expect((await readSource(path.join(CALENDARS, 'google.ics'), { root: dir })).text).toContain('\r\n ');
  });

  it.each([
    ['a Google Maps link is a place linked to the map, not an online event', 'https://www.google.com/maps/place/Grand+Park/@34.056,-118.246,17z', { location: { name: 'Grand Park', url: 'https://www.google.com/maps/place/Grand+Park/@34.056,-118.246,17z' } }],
    ['a short maps link', 'https://maps.app.goo.gl/AbCdEf123', { location: { name: 'Map', url: 'https://maps.app.goo.gl/AbCdEf123' } }],
    ['an OpenStreetMap query', 'https://www.openstreetmap.org/search?query=Kiezladen%20Berlin', { location: { name: 'Kiezladen Berlin', url: 'https://www.openstreetmap.org/search?query=Kiezladen%20Berlin' } }],
    ['a long address stays name and address', 'Los Angeles Convention Center, West Hall A, Room 502, 1201 S Figueroa St, Los Angeles, CA 90015, USA', { location: { name: 'Los Angeles Convention Center', address: 'West Hall A, Room 502, 1201 S Figueroa St, Los Angeles, CA 90015, USA' } }],
    ['parentheses that are not an address stay in the name', 'Union Hall (upstairs)', { location: { name: 'Union Hall (upstairs)' } }],
  ])('LOCATION: %s', (_name, raw, want) => {
    expect(mapLocation(raw)).toEqual(want);
  });

  it('"Zoom" as LOCATION takes the join link from the description', () => {
    const e = toIssueEvent({ source: 's', uid: 'z@test', title: 'Call', start: '2021-11-02T18:00', allDay: false, location: 'Zoom', description: 'Join: https://us02web.zoom.us/j/123?pwd=abc', descriptionIsHtml: false, cancelled: false, private: false });
    expect(e.online).toBe('Zoom');
    expect(e.links).toEqual([{ label: 'Join on Zoom', url: 'https://us02web.zoom.us/j/123?pwd=abc' }]);
  });

  it('line breaks (<br>, or lines of plain text) stay line breaks in the email (regression: they became spaces)', () => {
    const md = descriptionToMarkdown('Line one &amp; two<br>Line three<br/><br>See https://example.org/a<br>Bye', true);
    expect(md).toBe('Line one & two\\\nLine three\n\nSee https://example.org/a  \nBye');
    const html = renderMarkdown(md).html;
    expect(html).toBe('<p>Line one &amp; two<br>\nLine three</p>\n<p>See <a href="https://example.org/a">https://example.org/a</a><br>\nBye</p>');
    expect(renderMarkdown(descriptionToMarkdown('First\nSecond', false)).text).toBe('First\nSecond');
  });
});

// ---------------------------------------------------------------- end to end

let server: FeedServer;
beforeAll(async () => {
  server = await startFeedServer();
  // As some servers send them: compressed, and labelled with another charset spelling.
  server.route('/outlook-gzip.ics', (_req, res) => res.writeHead(200, { 'content-type': 'text/calendar; charset="UTF-8"', 'content-encoding': 'gzip' }).end(zlib.gzipSync(fixture('outlook.ics'))));
  server.route('/moved.ics', (_req, res) => res.writeHead(301, { location: '/outlook-gzip.ics' }).end());
});
afterAll(() => server.close());

async function newCheckBuild(dir: string, weekOf: string, sources: string[], now: Date) {
  const created = await runCli(['new', '--week', weekOf, ...sources.flatMap((s) => ['--from', s])], { cwd: dir, now });
  expect(created.stderr).toBe('');
  expect(created.code).toBe(0);
  const file = `issues/${weekOf}.yaml`;
  const check = await runCli(['check', file], { cwd: dir, now });
  expect(check.stderr).toBe('');
  expect(check.stdout).toContain(`${file}: 0 errors, 0 warnings`);
  const build = await runCli(['build', file, '--out', 'out'], { cwd: dir, now });
  expect(build.code).toBe(0);
  return { created, text: fs.readFileSync(path.join(dir, 'out/email.txt'), 'utf8'), yaml: fs.readFileSync(path.join(dir, file), 'utf8') };
}

function whenOf(text: string, title: string): string | undefined {
  const i = text.indexOf(title);
  expect(i).toBeGreaterThanOrEqual(0);
  return text.slice(i + title.length).split('\n').find((l) => /@|\(all day\)/.test(l));
}

describe('new --from Outlook, iCloud, Meetup, Luma (gzip, a 301, LF and BOM), a Los Angeles publication', () => {
  it('writes a file that passes check and builds with the right local times', async () => {
    const dir = makeProject({ 'icloud.ics': fixture('icloud.ics'), 'edges.ics': fixture('recurrence-edges.ics') });
    const { text, created } = await newCheckBuild(dir, '2021-11-01', [`${server.url}/moved.ics`, 'icloud.ics', `${server.url}/meetup.ics`, `${server.url}/luma.ics`, 'edges.ics'], new Date('2021-10-29T17:00:00Z'));
    expect(created.stdout).not.toContain('note:');
    expect(whenOf(text, 'East Coast Coalition Call')).toBe('Thursday, November 4 @ 5:00 pm – 6:00 pm');
    expect(whenOf(text, 'Book Fair (Exchange all-day)')).toBe('Friday, November 5 – Saturday, November 6 (all day)');
    expect(whenOf(text, 'Election Night Watch Party')).toBe('Saturday, November 6 @ 10:00 pm – Sunday, November 7 @ 2:00 am');
    expect(whenOf(text, 'Late shift (clock falls back)')).toBe('Sunday, November 7 @ 1:30 am – 2:30 am');
    expect(whenOf(text, 'Climate Jobs Teach-In')).toBe('Thursday, November 4 @ 6:30 pm – 8:00 pm');
    expect(whenOf(text, 'Weekly orientation')).toBe('Monday, November 1 @ 6:30 pm – 7:30 pm');
    expect(text).toContain('Join on Microsoft Teams: https://teams.microsoft.com/l/meetup-join/19%3ameeting_NjQ1%40thread.v2/0?context=%7b%22Tid%22%3a%22abc%22%7d');
  });

  it('titles with colons, #, *, quotes and backslashes, and multi-byte text, survive the YAML and the build', async () => {
    const titles = ['Meeting: part 2', '# not a comment', '* not an alias', 'He said "hi" \\ bye', "It's 'quoted'", 'Ünïcödé – 日本語 🎉'];
    const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/[,;]/g, (c) => `\\${c}`);
    const events = titles.map((t, i) =>
      ['BEGIN:VEVENT', `UID:t${i}@test`, `SUMMARY:${esc(t)}`, `LOCATION:${esc(`Hall "${i}"\\ 12 Main St, Los Angeles, CA 90012`)}`, `DESCRIPTION:${esc(`Bring "snacks" \\ 'drinks'`)}\\nSecond line`, `DTSTART:2021110${2 + (i % 4)}T02${String(i).padStart(2, '0')}00Z`, 'END:VEVENT'].join('\r\n'),
    );
    const dir = makeProject({ 'text.ics': `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n${events.join('\r\n')}\r\nEND:VCALENDAR\r\n` });
    const { text } = await newCheckBuild(dir, '2021-11-01', ['text.ics'], new Date('2021-10-29T17:00:00Z'));
    for (const t of titles) expect(text).toContain(t);
    expect(text).toContain(`Bring "snacks" \\ 'drinks'\nSecond line`);
    expect(text).toContain('Hall "0"\\ 12 Main St');
  });
});

describe('new --from Nextcloud and Proton, a Berlin publication', () => {
  const berlin = () => {
    const dir = makeProject();
    const cfg = fs.readFileSync(path.join(dir, 'newsletter.yaml'), 'utf8').replace(/^timezone: .*$/m, 'timezone: Europe/Berlin');
    fs.writeFileSync(path.join(dir, 'newsletter.yaml'), cfg);
    fs.rmSync(path.join(dir, 'issues', '2021-03-22.yaml'));
    return dir;
  };
  it('the week the clocks fall back', async () => {
    const { text } = await newCheckBuild(berlin(), '2021-10-25', [`${server.url}/nextcloud.ics`, `${server.url}/proton.ics`], new Date('2021-10-22T10:00:00Z'));
    expect(whenOf(text, 'Transatlantic call')).toBe('Thursday, October 28 @ 6:00 pm – 7:00 pm');
    expect(whenOf(text, 'Zweimal zwei Uhr dreißig')).toBe('Sunday, October 31 @ 2:30 am – 3:30 am');
    expect(whenOf(text, 'Aktionswoche')).toBe('Monday, October 25 – Sunday, October 31 (all day)');
    expect(text).not.toContain('Friday, October 29 @ 6:00 pm');
  });
  it('the week the clocks spring forward', async () => {
    const { text } = await newCheckBuild(berlin(), '2021-03-22', [`${server.url}/nextcloud.ics`, `${server.url}/proton.ics`], new Date('2021-03-19T10:00:00Z'));
    expect(whenOf(text, 'Nachtschicht (Zeitumstellung)')).toBe('Sunday, March 28 @ 3:30 am – 4:00 am');
    expect(whenOf(text, 'Plenum')).toBe('Wednesday, March 24 @ 7:00 pm – 9:00 pm');
  });
});
