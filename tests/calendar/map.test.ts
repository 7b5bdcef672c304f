import { DateTime } from 'luxon';
import { descriptionToMarkdown, eventIdFor, issueFromCalendar, looksLikeStreetAddress, mapLocation, subjectFrom, toIssueEvent } from '../../src/calendar';
import { checkIssueSource } from '../../src/issue/load';
import type { CalendarEvent } from '../../src/calendar/expand';
import { renderMarkdown } from '../../src/render/markdown';

/** Calendar fields → issue fields: decisions by table (src/calendar/map.ts). */

describe('LOCATION', () => {
  it.each([
    { raw: 'Grand Park, 200 N Grand Ave, Los Angeles, CA 90012', want: { location: { name: 'Grand Park', address: '200 N Grand Ave, Los Angeles, CA 90012' } } },
    { raw: 'Foley Square, 111 Worth St, New York, NY, 10013, United States', want: { location: { name: 'Foley Square', address: '111 Worth St, New York, NY, 10013, United States' } } },
    { raw: 'Union Hall, Suite 4, 12 Main St', want: { location: { name: 'Union Hall', address: 'Suite 4, 12 Main St' } } },
    { raw: 'Café Rouge, 75011 Paris', want: { location: { name: 'Café Rouge', address: '75011 Paris' } } },
    // No street address after the comma: one name, not split.
    { raw: 'Echo Park, Los Angeles', want: { location: { name: 'Echo Park, Los Angeles' } } },
    // An address alone is the name (the map link searches for it).
    { raw: '200 N Grand Ave, Los Angeles, CA 90012', want: { location: { name: '200 N Grand Ave, Los Angeles, CA 90012' } } },
    { raw: 'MacArthur Park', want: { location: { name: 'MacArthur Park' } } },
    { raw: '  Line one\nline two ', want: { location: { name: 'Line one line two' } } },
    { raw: 'https://us02web.zoom.us/j/81234567890?pwd=abc', want: { online: 'Zoom', link: { label: 'Join on Zoom', url: 'https://us02web.zoom.us/j/81234567890?pwd=abc' } } },
    { raw: 'https://meet.google.com/abc-defg-hij', want: { online: 'Google Meet', link: { label: 'Join on Google Meet', url: 'https://meet.google.com/abc-defg-hij' } } },
    { raw: 'https://teams.microsoft.com/l/meetup-join/19%3a', want: { online: 'Microsoft Teams', link: { label: 'Join on Microsoft Teams', url: 'https://teams.microsoft.com/l/meetup-join/19%3a' } } },
    { raw: 'https://meet.jit.si/Orientation', want: { online: 'Jitsi', link: { label: 'Join on Jitsi', url: 'https://meet.jit.si/Orientation' } } },
    { raw: 'Zoom: https://zoom.us/j/1', want: { online: 'Zoom', link: { label: 'Join on Zoom', url: 'https://zoom.us/j/1' } } },
    { raw: 'Union Hall, 12 Main St | https://zoom.us/j/1', want: { location: { name: 'Union Hall', address: '12 Main St' }, online: 'Zoom', link: { label: 'Join on Zoom', url: 'https://zoom.us/j/1' } } },
    { raw: 'Union Hall (https://zoom.us/j/1).', want: { location: { name: 'Union Hall' }, online: 'Zoom', link: { label: 'Join on Zoom', url: 'https://zoom.us/j/1' } } },
    { raw: 'Zoom', want: { online: 'Zoom' } },
    { raw: 'Microsoft Teams Meeting', want: { online: 'Microsoft Teams' } },
    { raw: 'Online', want: { online: 'Online' } },
    { raw: 'Virtual event', want: { online: 'Online' } },
    { raw: 'https://example.org/stream', want: { online: 'Online', link: { label: 'Join online', url: 'https://example.org/stream' } } },
    // A link with a scheme that may not reach an email is only a name.
    { raw: 'javascript:alert(1)', want: { location: { name: 'javascript:alert(1)' } } },
    // A lookalike host is not a meeting platform.
    { raw: 'https://zoom.us.evil.example/j/1', want: { online: 'Online', link: { label: 'Join online', url: 'https://zoom.us.evil.example/j/1' } } },
  ])('$raw', ({ raw, want }) => {
    expect(mapLocation(raw)).toEqual(want);
  });

  it.each([
    ['200 N Grand Ave', true],
    ['Los Angeles, CA 90012', true],
    ['London SW1A 1AA', true],
    ['Los Angeles', false],
    ['the back room', false],
  ])('looks like a street address: %s → %s', (s, want) => {
    expect(looksLikeStreetAddress(s as string)).toBe(want);
  });
});

describe('DESCRIPTION', () => {
  it.each([
    {
      name: 'Google HTML: bold, line breaks, links kept',
      html: true,
      source: 'All <b>welcome</b>!<br><br>Agenda: <a href="https://docs.example.org/a?x=1&amp;y=2">doc</a><br>Mail <a href="mailto:info@example.org">us</a>',
      want: 'All **welcome**!\n\nAgenda: [doc](https://docs.example.org/a?x=1&y=2)\\\nMail [us](mailto:info@example.org)',
    },
    {
      name: 'lists',
      html: true,
      source: '<ul><li>Bring a laptop</li><li>Headphones</li></ul>',
      want: '- Bring a laptop\n- Headphones',
    },
    {
      name: 'a javascript: link keeps its text only; script and style are dropped',
      html: true,
      source: '<a href="javascript:alert(1)">click</a><script>alert(1)</script><style>p{}</style>',
      want: 'click',
    },
    {
      name: 'an escaped tag stays text, escaped for Markdown too',
      html: true,
      source: '&lt;img src=x onerror=alert(1)&gt; 1 &lt; 2',
      want: '\\<img src=x onerror=alert(1)\\> 1 \\< 2',
    },
    {
      name: 'headings become bold, images their alt text',
      html: true,
      source: '<h2>Agenda</h2><p><img src="https://x.example/a.png" alt="Poster">Come</p>',
      want: '**Agenda**\n\nPosterCome',
    },
    {
      name: "Google's own <html-blob> wrapper",
      html: true,
      source: '<html-blob>Bring <u>signs</u> &amp; water</html-blob>',
      want: 'Bring signs & water',
    },
    {
      name: 'a link whose text is its address stays a bare address',
      html: true,
      source: '<a href="https://example.org/rsvp">https://example.org/rsvp</a>',
      want: 'https://example.org/rsvp',
    },
    {
      name: 'plain text (RFC 5545): paragraphs, line breaks, Markdown characters escaped',
      html: false,
      source: 'Line *one*\nline_two\n\n# not a heading\n1. not a list',
      want: 'Line \\*one\\*\\\nline\\_two\n\n\\# not a heading\\\n1\\. not a list',
    },
    {
      name: 'plain text: bare links become links; text around them stays text',
      html: false,
      source: 'Sign up at https://www.mobilize.us/dsala/event/381234/. <b>Thanks</b>',
      want: 'Sign up at https://www.mobilize.us/dsala/event/381234/. \\<b\\>Thanks\\</b\\>',
    },
  ])('$name', ({ source, html, want }) => {
    expect(descriptionToMarkdown(source, html)).toBe(want);
  });

  it('renders with its links and no raw HTML', () => {
    const md = descriptionToMarkdown('<p>Hi <a href="https://example.org/a_b_c">x</a> &lt;script&gt;alert(1)&lt;/script&gt; <a href="data:text/html,x">d</a></p>', true);
    const { html } = renderMarkdown(md);
    expect(html).toContain('<a href="https://example.org/a_b_c">x</a>');
    expect(html).not.toMatch(/<script|href="data:/);
    expect(html).toContain('&lt;script&gt;');
  });
});

describe('ids', () => {
  it('are stable, follow the schema\'s pattern, and tell instances apart', () => {
    const a = eventIdFor('4q2k8vd0c3m1l6h9rjb7s5tq1e@google.com');
    expect(a).toBe(eventIdFor('4q2k8vd0c3m1l6h9rjb7s5tq1e@google.com'));
    expect(a).toMatch(/^4q2k8vd0c3m1l6h9rjb7s5tq1e-[0-9a-f]{6}$/);
    expect(eventIdFor('4q2k8vd0c3m1l6h9rjb7s5tq1e@google.com', '2021-11-01')).toBe(`${a}-20211101`);
  });

  it.each(['A@x', 'a@x', 'Ünïcödé uid', '@@@', 'x'.repeat(500), 'mobilize-event-381234-timeslot-2901@mobilize.us'])('%s fits the pattern', (uid) => {
    expect(eventIdFor(uid, '2021-11-01')).toMatch(/^[a-z0-9][a-z0-9-]{0,79}$/);
  });

  it('UIDs differing only in case or punctuation get different ids', () => {
    expect(eventIdFor('A@x')).not.toBe(eventIdFor('a@x'));
    expect(eventIdFor('a.b@x')).not.toBe(eventIdFor('a-b@x'));
  });
});

describe('the whole event', () => {
  const base: CalendarEvent = { source: 's', uid: 'u@x', title: 'T', start: '2021-11-01T19:00', allDay: false, descriptionIsHtml: false, cancelled: false, private: false };
  it('URL is the first link, then the meeting link; an unsafe URL is dropped; titles are one line', () => {
    const e = toIssueEvent({ ...base, title: 'Two\nlines', url: 'https://example.org/e', location: 'https://zoom.us/j/1' });
    expect(e).toEqual({ id: eventIdFor('u@x'), title: 'Two lines', start: '2021-11-01T19:00', online: 'Zoom', links: [{ label: 'Event page', url: 'https://example.org/e' }, { label: 'Join on Zoom', url: 'https://zoom.us/j/1' }] });
    expect(toIssueEvent({ ...base, url: 'javascript:alert(1)' }).links).toBeUndefined();
  });

  it("Google's conference link makes an event online when LOCATION has no meeting", () => {
    const e = toIssueEvent({ ...base, location: 'Union Hall', conference: 'https://meet.google.com/abc-defg-hij' });
    expect([e.location, e.online, e.links]).toEqual([{ name: 'Union Hall' }, 'Google Meet', [{ label: 'Join on Google Meet', url: 'https://meet.google.com/abc-defg-hij' }]]);
  });
});

describe('subject', () => {
  it.each([
    { titles: ['Rally'], want: 'This week: Rally' },
    { titles: ['Rally', 'Meeting'], want: 'This week: Rally, Meeting' },
    { titles: ['Rally', 'General Meeting', 'Phone Bank for Measure J', 'National Call', 'Reading'], want: 'This week: Rally, General Meeting, Phone Bank for Measure J and 2 more' },
    { titles: ['A'.repeat(100)], want: `This week: ${'A'.repeat(58)}…` },
  ])('$want', ({ titles, want }) => {
    expect(subjectFrom(titles)).toBe(want);
    expect(subjectFrom(titles).length).toBeLessThanOrEqual(78);
  });
});

describe('the written issue', () => {
  it('gives two events with the same id distinct ids, so the file still passes check', () => {
    const e: CalendarEvent = { source: 'a.ics', uid: 'u@x', title: 'T', start: '2021-11-02T19:00', allDay: false, descriptionIsHtml: false, cancelled: false, private: false };
    const yaml = issueFromCalendar({ week: DateTime.fromISO('2021-11-01'), sources: ['a.ics'], events: [e, { ...e, title: 'U' }], readAt: DateTime.fromISO('2021-10-29T17:00:00Z') });
    const checked = checkIssueSource('issues/2021-11-01.yaml', yaml, 'America/Los_Angeles');
    expect(checked.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(checked.issue!.sections![0]!.events.map((x) => x.id)).toEqual([eventIdFor('u@x'), `${eventIdFor('u@x')}-2`]);
  });
});
