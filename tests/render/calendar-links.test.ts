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
  /** The built issue folder (dist/<issue>/). */
  out: string;
}

async function build(files: Record<string, string>, issue: string): Promise<Built> {
  const dir = makeProject(files);
  const result = await runCli(['build', issue], { cwd: dir });
  expect(result.code).toBe(0);
  const out = path.join(dir, 'dist', path.basename(issue, '.yaml'));
  return { html: fs.readFileSync(path.join(out, 'email.html'), 'utf8'), text: fs.readFileSync(path.join(out, 'email.txt'), 'utf8'), out };
}

/** `label: url` lines of the plain text, per event (the title line above its underline). */
function textLinks(text: string, label: string | RegExp): Map<string, string> {
  const lines = text.split('\n');
  const links = new Map<string, string>();
  let title = '';
  lines.forEach((line, i) => {
    if (/^[*-]+$/.test(lines[i + 1] ?? '') && line.trim()) title = line;
    const m = new RegExp(`^(?:${typeof label === 'string' ? label : label.source}): (.*)$`).exec(line);
    if (m) links.set(title, m[1]!);
  });
  return links;
}

/** Each event's one calendar link in the plain text: "Add to calendar: …" (or "Map and calendar: …" for a place). */
const pageLinks = (text: string) => textLinks(text, /Add to calendar|Map and calendar/);

function htmlHrefs(html: string, startsWith: string): string[] {
  return [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&')).filter((h) => h.startsWith(startsWith));
}

/** The event page a short link names, as `build` wrote it (e/<code>.html in the issue's folder). */
function eventPage(built: Built, link: string, slug: string): string {
  const prefix = `${SITE}/issues/${slug}/e/`;
  expect(link.startsWith(prefix)).toBe(true);
  return fs.readFileSync(path.join(built.out, 'e', link.slice(prefix.length)), 'utf8');
}

/** The event page's link for a calendar (Google, Outlook.com, Office 365, .ics), by its label. */
function pageLink(page: string, label: string): string {
  const m = new RegExp(`<a class="option" href="([^"]*)">${label.replace(/[().]/g, '\\$&')}<small>`).exec(page);
  expect([label, m !== null]).toEqual([label, true]);
  return m![1]!.replace(/&amp;/g, '&');
}

function decodeGoogle(href: string) {
  const url = new URL(href);
  expect(url.origin + url.pathname).toBe('https://calendar.google.com/calendar/render');
  const p = url.searchParams;
  return { action: p.get('action'), text: p.get('text'), dates: p.get('dates'), location: p.get('location'), details: p.get('details') };
}

function decodeOutlook(href: string) {
  const url = new URL(href);
  const p = url.searchParams;
  return { base: url.origin + url.pathname, rru: p.get('rru'), path: p.get('path'), subject: p.get('subject'), startdt: p.get('startdt'), enddt: p.get('enddt'), allday: p.get('allday'), location: p.get('location') };
}

describe('calendar links of the seed issue', () => {
  let built: Built;
  beforeAll(async () => {
    built = await build({}, 'issues/2021-03-22.yaml');
  });

  it.each(seed)('the plain text’s one short link for $title leads to its page, whose Google Calendar link decodes to its title, $dates and place', ({ title, dates, location }) => {
    const link = pageLinks(built.text).get(title);
    expect(link).toBeDefined();
    expect(link!.length).toBeLessThan(60);
    const google = pageLink(eventPage(built, link!, '2021-03-22'), 'Google Calendar');
    expect(decodeGoogle(google)).toMatchObject({ action: 'TEMPLATE', text: title, dates, location });
  });

  it('regression: the plain text carries no calendar or map-search URL hundreds of characters long', () => {
    expect(built.text).not.toContain('calendar.google.com');
    expect(built.text).not.toContain('google.com/maps');
    const urls = [...built.text.matchAll(/https?:\/\/[^\s)]+/g)].map((m) => m[0]);
    expect(urls.length).toBeGreaterThan(10);
    expect(Math.max(...urls.map((u) => u.length))).toBeLessThan(80);
  });

  it.each(seed)('the page of $title offers Outlook.com and Office 365 with the same UTC times', ({ title, dates }) => {
    const page = eventPage(built, pageLinks(built.text).get(title)!, '2021-03-22');
    const [start, end] = dates.split('/').map((d) => d.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'));
    for (const [label, base] of [
      ['Outlook.com', 'https://outlook.live.com/calendar/0/deeplink/compose'],
      ['Office 365', 'https://outlook.office.com/calendar/0/deeplink/compose'],
    ] as const) {
      expect(decodeOutlook(pageLink(page, label))).toMatchObject({ base, rru: 'addevent', path: '/calendar/action/compose', subject: title, startdt: start, enddt: end, allday: 'false' });
    }
  });

  it('the email’s HTML links each event’s page once, in order, labelled "Add to calendar"', () => {
    const links = seed.map((s) => pageLinks(built.text).get(s.title)!);
    expect(htmlHrefs(built.html, `${SITE}/issues/2021-03-22/e/`)).toEqual(links);
    expect([...built.html.matchAll(/>Add to calendar<\/a>/g)]).toHaveLength(seed.length);
  });

  it('keeps the direct Google Calendar and .ics links for the headline event only, the same as on its page', () => {
    const page = eventPage(built, pageLinks(built.text).get(seed[0]!.title)!, '2021-03-22');
    expect(htmlHrefs(built.html, 'https://calendar.google.com/')).toEqual([pageLink(page, 'Google Calendar')]);
    expect(htmlHrefs(built.html, `${SITE}/issues/2021-03-22/events/`)).toEqual([`${SITE}/issues/2021-03-22/events/${seed[0]!.id}.ics`]);
    expect(built.html).toMatch(/<a[^>]*href="https:\/\/calendar\.google\.com\/[^"]*"[^>]*>Google Calendar<\/a>/);
    expect(built.html).toMatch(/<a[^>]*href="https:\/\/news\.example\.org\/issues\/2021-03-22\/events\/2021-03-22-[a-z-]+\.ics"[^>]*>Apple\u00a0\/\u00a0Outlook\u00a0\(\.ics\)<\/a>/);
  });

  it('puts the event description, as plain text, in the Google Calendar details', () => {
    const page = eventPage(built, pageLinks(built.text).get(seed[0]!.title)!, '2021-03-22');
    const rally = decodeGoogle(pageLink(page, 'Google Calendar'));
    expect(rally.details).toMatch(/^Nearly 5,800 workers in Bessemer, Alabama/);
    expect(rally.details).not.toMatch(/<[a-z]/i);
  });

  it.each(seed)('the page of $title links its own .ics on site_url', ({ title, id }) => {
    const page = eventPage(built, pageLinks(built.text).get(title)!, '2021-03-22');
    expect(pageLink(page, 'Apple Calendar, Outlook on the desktop (.ics)')).toBe(`${SITE}/issues/2021-03-22/events/${id}.ics`);
    expect(fs.existsSync(path.join(built.out, 'events', `${id}.ics`))).toBe(true);
  });

  it('links the week’s .ics in the footer of both parts', () => {
    expect(built.text).toContain(`This week's events (.ics): ${SITE}/issues/2021-03-22/events.ics`);
    expect(htmlHrefs(built.html, `${SITE}/issues/2021-03-22/events.ics`)).toHaveLength(1);
  });

  it('links the rally’s place, with its address, to a map search, in the email and on its page (the plain text names the place)', () => {
    const hrefs = htmlHrefs(built.html, 'https://www.google.com/maps/');
    expect(hrefs).toHaveLength(1);
    const url = new URL(hrefs[0]!);
    expect(url.origin + url.pathname).toBe('https://www.google.com/maps/search/');
    expect(url.searchParams.get('api')).toBe('1');
    expect(url.searchParams.get('query')).toBe('Grand Park (upper level near Grand Ave), 200 N Grand Ave, LA 90012');
    const page = eventPage(built, pageLinks(built.text).get(seed[0]!.title)!, '2021-03-22');
    expect(htmlHrefs(page, 'https://www.google.com/maps/')).toEqual(hrefs);
    expect(built.text).toContain('Where: Grand Park (upper level near Grand Ave) – 200 N Grand Ave, LA 90012');
    expect(textLinks(built.text, 'Map and calendar').get(seed[0]!.title)).toBeDefined();
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
    const link = pageLinks(built.text).get(title);
    expect(link).toBeDefined();
    expect(decodeGoogle(pageLink(eventPage(built, link!, '2021-11-02'), 'Google Calendar')).dates).toBe(dates);
  });

  it('gives Outlook an all-day event as dates, the end day exclusive', () => {
    const page = eventPage(built, pageLinks(built.text).get('Weekend of Action')!, '2021-11-02');
    expect(decodeOutlook(pageLink(page, 'Outlook.com'))).toMatchObject({ startdt: '2021-11-06', enddt: '2021-11-08', allday: 'true' });
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
