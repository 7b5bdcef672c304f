import fs from 'node:fs';
import path from 'node:path';
import { DateTime } from 'luxon';
import { googleCalendarUrl, mapUrl } from '../../src/render/calendar-links';
import { makeProject, REPO_ROOT, runCli } from '../helpers/cli';

/**
 * The "Add to calendar" links members click, read from what `build` writes (the React email and
 * the plain text) and decoded with URL + URLSearchParams. Expected UTC times are hand-computed.
 */

const SITE = 'https://news.example.org';

// Los Angeles is on daylight time (UTC-7) all week of 2021-03-22.
const seed = [
  {
    title: 'Solidarity with BAmazon Union! Rally at Grand Park',
    id: '2021-03-22-solidarity-with-bamazon-union-rally-at-grand-park',
    dates: '20210322T150000Z/20210322T180000Z',
    location: 'Grand Park (upper level near Grand Ave), 200 N Grand Ave, LA 90012',
  },
  { title: 'One-on-One Organizing Conversation Training', id: '2021-03-23-one-on-one-organizing-conversation-training', dates: '20210324T010000Z/20210324T023000Z', location: null },
  { title: 'South Central & Inglewood March Branch Meeting', id: '2021-03-15-south-central-inglewood-march-branch-meeting', dates: '20210316T010000Z/20210316T030000Z', location: null },
  { title: 'Pass the PRO Act Planning Meeting', id: '2021-03-25-pass-the-pro-act-planning-meeting', dates: '20210326T030000Z/20210326T040000Z', location: 'Zoom' },
  { title: 'DSA 101', id: '2021-03-27-dsa-101', dates: '20210327T180000Z/20210327T200000Z', location: 'Zoom' },
];

interface Built {
  html: string;
  text: string;
}

async function build(files: Record<string, string>, issue: string): Promise<Built> {
  const dir = makeProject(files);
  const result = await runCli(['build', issue], { cwd: dir });
  expect(result.code).toBe(0);
  const out = path.join(dir, 'dist', path.basename(issue, '.yaml'));
  return { html: fs.readFileSync(path.join(out, 'email.html'), 'utf8'), text: fs.readFileSync(path.join(out, 'email.txt'), 'utf8') };
}

/** `label: url` lines of the plain text, per event (the title line above its underline). */
function textLinks(text: string, label: string): Map<string, string> {
  const lines = text.split('\n');
  const links = new Map<string, string>();
  let title = '';
  lines.forEach((line, i) => {
    if (/^[*-]+$/.test(lines[i + 1] ?? '') && line.trim()) title = line;
    const prefix = `${label}: `;
    if (line.startsWith(prefix)) links.set(title, line.slice(prefix.length));
  });
  return links;
}

function htmlHrefs(html: string, startsWith: string): string[] {
  return [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&')).filter((h) => h.startsWith(startsWith));
}

function decodeGoogle(href: string) {
  const url = new URL(href);
  expect(url.origin + url.pathname).toBe('https://calendar.google.com/calendar/render');
  const p = url.searchParams;
  return { action: p.get('action'), text: p.get('text'), dates: p.get('dates'), location: p.get('location'), details: p.get('details') };
}

describe('calendar links of the seed issue', () => {
  let built: Built;
  beforeAll(async () => {
    built = await build({}, 'issues/2021-03-22.yaml');
  });

  it.each(seed)('the plain text’s Google Calendar link of $title decodes to its title, $dates and place', ({ title, dates, location }) => {
    const link = textLinks(built.text, 'Add to Google Calendar').get(title);
    expect(link).toBeDefined();
    expect(decodeGoogle(link!)).toMatchObject({ action: 'TEMPLATE', text: title, dates, location });
  });

  it('the email’s HTML has the same Google Calendar link for each event, in order', () => {
    const decoded = htmlHrefs(built.html, 'https://calendar.google.com/').map(decodeGoogle);
    expect(decoded.map((d) => [d.text, d.dates, d.location])).toEqual(seed.map((s) => [s.title, s.dates, s.location]));
  });

  it('puts the event description, as plain text, in the Google Calendar details', () => {
    const rally = decodeGoogle(textLinks(built.text, 'Add to Google Calendar').get(seed[0]!.title)!);
    expect(rally.details).toMatch(/^Nearly 5,800 workers in Bessemer, Alabama/);
    expect(rally.details).not.toMatch(/<[a-z]/i);
  });

  it.each(seed)('links $title to its own .ics on site_url, in the text and the HTML', ({ title, id }) => {
    const ics = `${SITE}/issues/2021-03-22/events/${id}.ics`;
    expect(textLinks(built.text, 'Add to calendar (.ics)').get(title)).toBe(ics);
    expect(htmlHrefs(built.html, `${SITE}/issues/`)).toContain(ics);
  });

  it('labels the calendar links in the HTML', () => {
    expect(built.html).toMatch(/<a[^>]*href="https:\/\/calendar\.google\.com\/[^"]*"[^>]*>Google Calendar<\/a>/);
    expect(built.html).toMatch(/<a[^>]*href="https:\/\/news\.example\.org\/issues\/2021-03-22\/events\/2021-03-27-dsa-101\.ics"[^>]*>Apple \/ Outlook \(\.ics\)<\/a>/);
  });

  it('links the week’s .ics in the footer of both parts', () => {
    expect(built.text).toContain(`This week's events (.ics): ${SITE}/issues/2021-03-22/events.ics`);
    expect(htmlHrefs(built.html, `${SITE}/issues/2021-03-22/events.ics`)).toHaveLength(1);
  });

  it('links the rally’s place, with its address, to a map search', () => {
    const map = textLinks(built.text, 'Map').get(seed[0]!.title);
    expect(map).toBeDefined();
    const url = new URL(map!);
    expect(url.origin + url.pathname).toBe('https://www.google.com/maps/search/');
    expect(url.searchParams.get('api')).toBe('1');
    expect(url.searchParams.get('query')).toBe('Grand Park (upper level near Grand Ave), 200 N Grand Ave, LA 90012');
    expect(htmlHrefs(built.html, 'https://www.google.com/maps/')).toEqual([map]);
  });
});

describe('calendar links across the November clock change', () => {
  let built: Built;
  beforeAll(async () => {
    built = await build({ 'issues/2021-11-02.yaml': fs.readFileSync(path.join(REPO_ROOT, 'tests/fixtures/dst-november.yaml'), 'utf8') }, 'issues/2021-11-02.yaml');
  });

  // 01:30 on 2021-11-07 is its first occurrence (PDT, UTC-7); from 02:00 on it is PST (UTC-8).
  it.each([
    ['Saturday Evening Meeting', '20211107T010000Z/20211107T030000Z'],
    ['Overnight Picket Vigil', '20211107T083000Z/20211107T103000Z'],
    ['Night Check-in Call', '20211107T083000Z/20211107T093000Z'],
    ['Sunday Canvass', '20211107T170000Z/20211107T200000Z'],
    ['Monday Debrief', '20211109T020000Z/20211109T030000Z'],
    // All-day: local dates, the end day exclusive.
    ['Weekend of Action', '20211106/20211108'],
    ['Phone Bank Day', '20211108/20211109'],
  ])('%s: dates=%s', (title, dates) => {
    const link = textLinks(built.text, 'Add to Google Calendar').get(title);
    expect(link).toBeDefined();
    expect(decodeGoogle(link!).dates).toBe(dates);
  });

  it('shows the repeated-hour event at its local time in the email', () => {
    expect(built.text).toContain('Sunday, November 7 @ 1:30 am – 2:30 am');
  });
});

describe('googleCalendarUrl', () => {
  const zone = 'America/Los_Angeles';

  it('writes 6:00 pm – 7:30 pm PDT on March 22 as 01:00Z – 02:30Z on March 23', () => {
    const url = googleCalendarUrl({
      title: 'Training',
      start: DateTime.fromISO('2021-03-22T18:00', { zone }),
      end: DateTime.fromISO('2021-03-22T19:30', { zone }),
      allDay: false,
    });
    expect(new URL(url).searchParams.get('dates')).toBe('20210323T010000Z/20210323T023000Z');
    expect(new URL(url).searchParams.has('location')).toBe(false);
  });

  it('cuts long details without splitting a character made of two UTF-16 units', () => {
    const url = googleCalendarUrl({
      title: 'x',
      start: DateTime.fromISO('2021-03-22T18:00', { zone }),
      end: DateTime.fromISO('2021-03-22T19:00', { zone }),
      allDay: false,
      details: 'a'.repeat(999) + '🎉🎉',
    });
    const details = new URL(url).searchParams.get('details')!;
    expect(Array.from(details)).toHaveLength(1000);
    expect(details.endsWith('a🎉')).toBe(true);
    expect(details).not.toContain('\uFFFD');
  });

  it('mapUrl searches for the name alone when there is no address', () => {
    expect(new URL(mapUrl('Grand Park')).searchParams.get('query')).toBe('Grand Park');
  });
});
