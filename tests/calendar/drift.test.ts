import fs from 'node:fs';
import path from 'node:path';
import { eventIdFor } from '../../src/calendar';
import { makeProject, runCli } from '../helpers/cli';
import { fixture, startFeedServer, type FeedServer } from './feed-server';

/**
 * `check --feeds`: the issue made from the calendars, compared with what the calendars say now.
 * Every difference is a warning on the event's line; a calendar that cannot be read is a warning.
 */

let server: FeedServer;
let dir: string;
let url: string;
const NOW = new Date('2021-10-29T17:00:00Z');
const ISSUE = 'issues/2021-11-01.yaml';

beforeAll(async () => {
  server = await startFeedServer();
  url = `${server.url}/chapter.ics`;
  server.calendar('/chapter.ics', fixture('google.ics'));
  dir = makeProject();
  const cfg = fs.readFileSync(path.join(dir, 'newsletter.yaml'), 'utf8');
  fs.writeFileSync(path.join(dir, 'newsletter.yaml'), `${cfg}calendar_feeds: [ "${url}" ]\n`);
  const r = await runCli(['new', '--week', '2021-11-01'], { cwd: dir, now: NOW });
  expect(r.code).toBe(0);
});
afterAll(() => server.close());

const check = () => runCli(['check', '--feeds', ISSUE], { cwd: dir, now: NOW });
const lineOf = (needle: string) => fs.readFileSync(path.join(dir, ISSUE), 'utf8').split('\n').findIndex((l) => l.includes(needle)) + 1;
/** The comparison's warnings (other checks' warnings are not this test's business). */
const warnings = (out: string) => out.split('\n').filter((l) => l.includes('  warning  ') && l.includes('calendar'));

describe('check --feeds', () => {
  it('is quiet when the calendar has not changed', async () => {
    const r = await check();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${ISSUE}: compared 8 events with ${url}`);
    expect(warnings(r.stdout)).toEqual([]);
  });

  it('warns on the event\'s line when a time moved, an event was cancelled or deleted, a place changed, and on week_of for a new event', async () => {
    // Unfolded first (a valid calendar too), so that the edits below can match whole lines.
    const changed = fixture('google.ics')
      .replace(/\r\n[ \t]/g, '')
      // The rally moves an hour later.
      .replace('DTSTART:20211106T170000Z\r\nDTEND:20211106T190000Z', 'DTSTART:20211106T180000Z\r\nDTEND:20211106T200000Z')
      // The general meeting's Nov 1 instance is cancelled (an override, as Google writes it).
      .replace('END:VCALENDAR', 'BEGIN:VEVENT\r\nUID:4q2k8vd0c3m1l6h9rjb7s5tq1e@google.com\r\nRECURRENCE-ID;TZID=America/Los_Angeles:20211101T190000\r\nDTSTART;TZID=America/Los_Angeles:20211101T190000\r\nDTEND;TZID=America/Los_Angeles:20211101T203000\r\nSUMMARY:General Meeting\r\nSTATUS:CANCELLED\r\nEND:VEVENT\r\nEND:VCALENDAR')
      // The phone bank moves to another place.
      .replaceAll('LOCATION:Echo Park Labor Center\\, 1234 Sunset Blvd\\, Los Angeles\\, CA 90026\\, USA', 'LOCATION:Union Hall\\, 500 Main St\\, Los Angeles\\, CA 90013')
      // The vigil is deleted.
      .replace(/BEGIN:VEVENT\r\nDTSTART:20211101T060000Z[\s\S]*?END:VEVENT\r\n/, '')
      // A new event appears in the week.
      .replace('END:VCALENDAR', 'BEGIN:VEVENT\r\nUID:brand-new@google.com\r\nDTSTART:20211104T020000Z\r\nDTEND:20211104T030000Z\r\nSUMMARY:Emergency Tenant Meeting\r\nEND:VEVENT\r\nEND:VCALENDAR');
    server.calendar('/chapter.ics', changed);
    let r;
    try {
      r = await check();
    } finally {
      server.calendar('/chapter.ics', fixture('google.ics'));
    }
    expect(r.code).toBe(0);
    const w = warnings(r.stdout);
    const line = (title: string) => lineOf(`title: ${title}`) - 1;
    expect(w).toContain(`${ISSUE}:${lineOf('week_of:')}:10  warning  week_of: "Emergency Tenant Meeting" (Wednesday, November 3, 7:00 pm – 8:00 pm) is in the calendar ${url} this week but not in the issue (add it; or, to leave it out, add ${eventIdFor('brand-new@google.com')} to a \`# calendar-ids:\` line)`);
    expect(w.find((l) => l.includes('Overnight Vigil'))).toMatch(new RegExp(`^${ISSUE}:${line('Overnight Vigil')}:\\d+  warning  sections\\[0\\]\\.events\\[0\\]: "Overnight Vigil" is no longer in the calendar this week`));
    expect(w.find((l) => l.includes('General Meeting'))).toMatch(new RegExp(`^${ISSUE}:${line('General Meeting')}:\\d+  warning  sections\\[0\\]\\.events\\[1\\]: "General Meeting" is cancelled in the calendar`));
    expect(w).toContain(`${ISSUE}:${lineOf('start: 2021-11-06T10:00')}:16  warning  sections[0].events[4].start: the calendar now says Saturday, November 6, 11:00 am – 1:00 pm (the issue says Saturday, November 6, 10:00 am – 12:00 pm) (update start and end)`);
    expect(w.find((l) => l.includes('the place'))).toBe(
      `${ISSUE}:${lineOf('location: { name: Echo Park Labor Center')}:19  warning  sections[0].events[5].location: the calendar now gives the place as "Union Hall, 500 Main St, Los Angeles, CA 90013" (the issue says "Echo Park Labor Center, 1234 Sunset Blvd, Los Angeles, CA 90026, USA") (update location or online)`,
    );
    expect(w).toHaveLength(5);
  });

  it('an event the editor deleted while curating stays quietly left out', async () => {
    const file = path.join(dir, ISSUE);
    const original = fs.readFileSync(file, 'utf8');
    const curated = original.replace(/      # calendar: [^\n]*\n      - id: 9a8b7c6d5e4f3g2h1i0j9k8l7m[\s\S]*?(?=      # calendar:)/, '');
    expect(curated).not.toContain('title: Overnight Vigil');
    fs.writeFileSync(file, curated);
    try {
      const r = await check();
      expect(r.stdout).toContain('compared 7 events');
      expect(warnings(r.stdout)).toEqual([]);
    } finally {
      fs.writeFileSync(file, original);
    }
  });

  it('a calendar that cannot be read is a warning, never an error', async () => {
    server.route('/chapter.ics', (_q, res) => res.writeHead(503, 'Service Unavailable').end());
    const r = await check();
    expect(r.code).toBe(0);
    expect(warnings(r.stdout)).toEqual([
      `${ISSUE}:${lineOf('title: Overnight Vigil') - 1}:9  warning  sections[0].events[0]: calendar ${url} could not be read, so its events were not compared: the server answered HTTP 503 Service Unavailable`,
    ]);
    server.calendar('/chapter.ics', fixture('google.ics'));
  });

  it('without --feeds, check does not read the calendars', async () => {
    server.route('/chapter.ics', (_q, res) => res.writeHead(503).end());
    const r = await runCli(['check', ISSUE], { cwd: dir, now: NOW });
    expect(r.stdout).not.toContain('compared');
    expect(warnings(r.stdout)).toEqual([]);
    server.calendar('/chapter.ics', fixture('google.ics'));
  });

  it('an issue written by hand has nothing to compare', async () => {
    const r = await runCli(['check', '--feeds', 'issues/2021-03-22.yaml'], { cwd: dir, now: NOW });
    expect(r.stdout).toContain('issues/2021-03-22.yaml: no event came from a calendar');
  });
});
