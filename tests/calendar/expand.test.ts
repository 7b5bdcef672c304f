import { eventsInWeek, type CalendarEvent } from '../../src/calendar/expand';
import { fixture } from './feed-server';

/**
 * Calendar semantics, decided by src/calendar/expand.ts on top of ical.js: the week's instances
 * of recurring events, exceptions, moved and cancelled instances, zones and all-day events, in
 * the publication's zone (Los Angeles). The fixtures are written as Google Calendar, The Events
 * Calendar and Mobilize export them (CRLF, folded lines, VTIMEZONE, X-WR-TIMEZONE).
 */

const ZONE = 'America/Los_Angeles';
const week = (text: string, w: string, source = 'test.ics') => eventsInWeek(text, { source, zone: ZONE, week: w });
const brief = (events: CalendarEvent[]) => events.map((e) => [e.title, e.start, e.end ?? null, e.cancelled ? 'cancelled' : 'ok']);

describe('Google Calendar export, week of November 1, 2021 (clocks fall back on Sunday the 7th)', () => {
  const { events } = week(fixture('google.ics'), '2021-11-01', 'google.ics');
  it('has the week\'s instances and single events, in local time, sorted, nothing from other weeks', () => {
    expect(brief(events)).toEqual([
      // 06:00Z on Nov 1 is 23:00 PDT on Oct 31 and runs into Monday: it belongs to the week.
      ['Overnight Vigil', '2021-10-31T23:00', '2021-11-01T03:00', 'ok'],
      // Weekly on Mondays 19:00 (TZID=America/Los_Angeles).
      ['General Meeting', '2021-11-01T19:00', '2021-11-01T20:30', 'ok'],
      // Weekly Wednesdays 18:00 in London: GMT since Oct 31, while Los Angeles is still on PDT.
      ['International Solidarity Call', '2021-11-03T11:00', '2021-11-03T12:00', 'ok'],
      // Weekly Thursdays, this week's instance overridden with STATUS:CANCELLED.
      ['Socialist Reading Group', '2021-11-04T18:00', '2021-11-04T19:30', 'cancelled'],
      // VALUE=DATE 20211106–20211108 (exclusive end): Saturday and Sunday.
      ['Canvass Weekend', '2021-11-06', '2021-11-07', 'ok'],
      // 17:00Z on Nov 6 is 10:00 PDT.
      ['Rally at City Hall: Support the Nurses!', '2021-11-06T10:00', '2021-11-06T12:00', 'ok'],
      // Wed and Sat 10:00; EXDATE removes Wednesday; Saturday's instance moved to Sunday 13:00.
      ['Phone Bank for Measure J', '2021-11-07T13:00', '2021-11-07T15:00', 'ok'],
      // Sundays 20:00 New York: EST from Sunday 2:00, so 17:00 in Los Angeles (PST by then).
      ['National Call', '2021-11-07T17:00', '2021-11-07T18:00', 'ok'],
      // 04:00Z on Nov 8 is 20:00 PST on Sunday (it would be 21:00 if read with the summer offset).
      ['Pass the PRO Act Planning Meeting', '2021-11-07T20:00', '2021-11-07T21:00', 'ok'],
    ]);
  });

  it('keeps the instance date of a moved instance (its RECURRENCE-ID), so its id does not move with it', () => {
    const moved = events.find((e) => e.title === 'Phone Bank for Measure J')!;
    expect(moved.instance).toBe('2021-11-06');
    expect(moved.description).toBe('Moved to Sunday this week: the center is closed on Saturday.');
    expect(events.find((e) => e.title === 'General Meeting')!.instance).toBe('2021-11-01');
    expect(events.find((e) => e.title === 'Rally at City Hall: Support the Nurses!')!.instance).toBeUndefined();
  });
});

describe('the daylight-saving week of March 8, 2021 (clocks spring forward on Sunday the 14th)', () => {
  it('Google: the same 10:00 on both sides of the change; London and New York series at their offsets', () => {
    const { events } = week(fixture('google.ics'), '2021-03-08');
    expect(brief(events)).toEqual([
      // London is on GMT, Los Angeles on PST until Sunday: 18:00 GMT is 10:00 PST.
      ['International Solidarity Call', '2021-03-10T10:00', '2021-03-10T11:00', 'ok'],
      ['Saturday Cleanup', '2021-03-13T10:00', '2021-03-13T12:00', 'ok'],
      ['Sunday Picnic', '2021-03-14T10:00', '2021-03-14T12:00', 'ok'],
      // New York and Los Angeles both switched at 2:00 local: 20:00 EDT is 17:00 PDT.
      ['National Call', '2021-03-14T17:00', '2021-03-14T18:00', 'ok'],
    ]);
  });

  it('Mobilize: UTC timeslots of one event become two local events with their own ids', () => {
    const { events } = week(fixture('mobilize.ics'), '2021-03-08');
    expect(brief(events)).toEqual([
      ['Virtual Phone Bank: Call Your Senator', '2021-03-09T18:00', '2021-03-09T19:30', 'ok'],
      ['Canvass for the Tenant Protections Ballot Measure', '2021-03-13T10:00', '2021-03-13T12:00', 'ok'],
      ['Canvass for the Tenant Protections Ballot Measure', '2021-03-14T10:00', '2021-03-14T12:00', 'ok'],
      ['Sunday Evening Debrief', '2021-03-14T19:00', '2021-03-14T20:00', 'ok'],
    ]);
    expect(new Set(events.map((e) => e.uid)).size).toBe(4);
  });
});

describe('The Events Calendar export, week of November 1, 2021 (site in New York)', () => {
  it('reads TZID=America/New_York (and the plugin\'s one-transition VTIMEZONE) into Los Angeles time', () => {
    const { events } = week(fixture('the-events-calendar.ics'), '2021-11-01');
    expect(brief(events)).toEqual([
      ['Day of Action Against Evictions', '2021-11-03', null, 'ok'],
      ['Tenant Union Orientation', '2021-11-04T16:00', '2021-11-04T17:00', 'ok'],
      ['Solidarity Rally for Striking Nurses', '2021-11-05T15:00', '2021-11-05T17:00', 'ok'],
      // 00:30 EDT on Sunday in New York is still Saturday evening in Los Angeles.
      ['Late Night Zine Making', '2021-11-06T21:30', '2021-11-06T22:30', 'ok'],
      // 20:00 EST (after the change) is 17:00 PST.
      ['Cancelled: Film Screening', '2021-11-07T17:00', '2021-11-07T19:00', 'cancelled'],
    ]);
  });
});

/** A minimal calendar around the given VEVENT lines (CRLF, as the RFC writes it). */
function cal(...events: string[][]): string {
  const body = events.map((lines) => ['BEGIN:VEVENT', ...lines, 'END:VEVENT'].join('\r\n')).join('\r\n');
  return `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n${body}\r\nEND:VCALENDAR\r\n`;
}

describe('recurrence rules, decided case by case', () => {
  const series = ['UID:s@test', 'SUMMARY:Series', 'DTSTART;TZID=America/Los_Angeles:20211025T190000', 'DTEND;TZID=America/Los_Angeles:20211025T200000'];
  it.each([
    {
      name: 'an EXDATE written in UTC removes the instance of a TZID series',
      lines: [...series, 'RRULE:FREQ=DAILY;COUNT=20', 'EXDATE:20211103T020000Z'],
      starts: ['2021-11-01T19:00', '2021-11-03T19:00', '2021-11-04T19:00', '2021-11-05T19:00', '2021-11-06T19:00', '2021-11-07T19:00'],
    },
    {
      name: 'several EXDATEs on one line',
      lines: [...series, 'RRULE:FREQ=DAILY;COUNT=20', 'EXDATE;TZID=America/Los_Angeles:20211101T190000,20211102T190000'],
      starts: ['2021-11-03T19:00', '2021-11-04T19:00', '2021-11-05T19:00', '2021-11-06T19:00', '2021-11-07T19:00'],
    },
    {
      name: 'an all-day EXDATE on a timed series removes that day',
      lines: [...series, 'RRULE:FREQ=DAILY;COUNT=20', 'EXDATE;VALUE=DATE:20211104'],
      starts: ['2021-11-01T19:00', '2021-11-02T19:00', '2021-11-03T19:00', '2021-11-05T19:00', '2021-11-06T19:00', '2021-11-07T19:00'],
    },
    {
      name: 'COUNT ends the series inside the week',
      lines: [...series, 'RRULE:FREQ=DAILY;COUNT=10'],
      starts: ['2021-11-01T19:00', '2021-11-02T19:00', '2021-11-03T19:00'],
    },
    {
      name: 'UNTIL in UTC includes the instance at that instant',
      lines: [...series, 'RRULE:FREQ=WEEKLY;UNTIL=20211102T030000Z'],
      starts: ['2021-11-01T19:00'],
    },
    {
      name: 'RDATE adds an instance',
      lines: [...series, 'RRULE:FREQ=WEEKLY;COUNT=2', 'RDATE;TZID=America/Los_Angeles:20211105T120000'],
      starts: ['2021-11-01T19:00', '2021-11-05T12:00'],
    },
    {
      name: 'a monthly series has no instance in a week without its day',
      lines: [...series, 'RRULE:FREQ=MONTHLY;BYMONTHDAY=15'],
      starts: [],
    },
    {
      name: 'a daily series started years ago still reaches the week',
      lines: ['UID:old@test', 'SUMMARY:Old', 'DTSTART;TZID=America/Los_Angeles:20100101T080000', 'DURATION:PT30M', 'RRULE:FREQ=DAILY;INTERVAL=3'],
      // 1,441 × 3 days after January 1, 2010 is November 2, 2021.
      starts: ['2021-11-02T08:00', '2021-11-05T08:00'],
    },
  ])('$name', ({ lines, starts }) => {
    expect(week(cal(lines), '2021-11-01').events.map((e) => e.start)).toEqual(starts);
  });

  it('a moved instance replaces its original even when it moves out of the week, and one moved in is added', () => {
    const text = cal(
      [...series, 'RRULE:FREQ=WEEKLY;COUNT=4'],
      ['UID:s@test', 'SUMMARY:Series (moved away)', 'RECURRENCE-ID;TZID=America/Los_Angeles:20211101T190000', 'DTSTART;TZID=America/Los_Angeles:20211110T190000', 'DTEND;TZID=America/Los_Angeles:20211110T200000'],
      ['UID:s@test', 'SUMMARY:Series (moved in)', 'RECURRENCE-ID;TZID=America/Los_Angeles:20211108T190000', 'DTSTART;TZID=America/Los_Angeles:20211106T100000', 'DTEND;TZID=America/Los_Angeles:20211106T110000'],
    );
    expect(brief(week(text, '2021-11-01').events)).toEqual([['Series (moved in)', '2021-11-06T10:00', '2021-11-06T11:00', 'ok']]);
    expect(week(text, '2021-11-01').events[0]!.instance).toBe('2021-11-08');
  });

  it('an override matched by instant although written in UTC; fields it leaves out come from the series', () => {
    const text = cal(
      [...series, 'RRULE:FREQ=WEEKLY;COUNT=4', 'LOCATION:The Hall\\, 1 Main St\\, Los Angeles', 'DESCRIPTION:Every week.'],
      ['UID:s@test', 'RECURRENCE-ID:20211102T020000Z', 'DTSTART:20211102T030000Z', 'DTEND:20211102T040000Z'],
    );
    const [e] = week(text, '2021-11-01').events;
    expect([e!.title, e!.start, e!.location, e!.description]).toEqual(['Series', '2021-11-01T20:00', 'The Hall, 1 Main St, Los Angeles', 'Every week.']);
  });

  it('a cancelled series cancels each of its instances', () => {
    const { events } = week(cal([...series, 'RRULE:FREQ=WEEKLY;COUNT=4', 'STATUS:CANCELLED']), '2021-11-01');
    expect(brief(events)).toEqual([['Series', '2021-11-01T19:00', '2021-11-01T20:00', 'cancelled']]);
  });
});

describe('times, zones and dates', () => {
  it.each([
    { name: 'UTC', lines: ['DTSTART:20211102T170000Z', 'DTEND:20211102T180000Z'], start: '2021-11-02T10:00', end: '2021-11-02T11:00' },
    { name: 'floating, read in the publication zone', lines: ['DTSTART:20211102T170000', 'DTEND:20211102T180000'], start: '2021-11-02T17:00', end: '2021-11-02T18:00' },
    { name: 'a TZID without VTIMEZONE (tz database)', lines: ['DTSTART;TZID=Europe/Berlin:20211102T170000', 'DURATION:PT2H'], start: '2021-11-02T09:00', end: '2021-11-02T11:00' },
    { name: 'a Mozilla-style TZID', lines: ['DTSTART;TZID=/mozilla.org/20050126_1/America/Chicago:20211102T170000'], start: '2021-11-02T15:00', end: null },
    { name: 'all day, one day (no DTEND)', lines: ['DTSTART;VALUE=DATE:20211105'], start: '2021-11-05', end: null },
    { name: 'all day, one day (exclusive DTEND)', lines: ['DTSTART;VALUE=DATE:20211105', 'DTEND;VALUE=DATE:20211106'], start: '2021-11-05', end: null },
    { name: 'all day over the week\'s start', lines: ['DTSTART;VALUE=DATE:20211030', 'DTEND;VALUE=DATE:20211102'], start: '2021-10-30', end: '2021-11-01' },
    { name: 'all day over the week\'s end', lines: ['DTSTART;VALUE=DATE:20211107', 'DTEND;VALUE=DATE:20211110'], start: '2021-11-07', end: '2021-11-09' },
    { name: 'the repeated hour is its first occurrence (RFC 5545)', lines: ['DTSTART;TZID=America/Los_Angeles:20211107T013000', 'DTEND;TZID=America/Los_Angeles:20211107T030000'], start: '2021-11-07T01:30', end: '2021-11-07T03:00' },
  ])('$name', ({ lines, start, end }) => {
    const [e] = week(cal(['UID:t@test', 'SUMMARY:T', ...lines]), '2021-11-01').events;
    expect([e!.start, e!.end ?? null]).toEqual([start, end]);
  });

  it('a floating time is read in the calendar\'s X-WR-TIMEZONE', () => {
    const text = cal(['UID:f@test', 'SUMMARY:F', 'DTSTART:20211102T170000']).replace('VERSION:2.0', 'VERSION:2.0\r\nX-WR-TIMEZONE:America/New_York');
    expect(week(text, '2021-11-01').events[0]!.start).toBe('2021-11-02T14:00');
  });

  it('an Outlook zone name is read with the file\'s own VTIMEZONE', () => {
    const vtz = ['BEGIN:VTIMEZONE', 'TZID:Central European Standard Time', 'BEGIN:STANDARD', 'DTSTART:16010101T030000', 'TZOFFSETFROM:+0200', 'TZOFFSETTO:+0100', 'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10', 'END:STANDARD', 'BEGIN:DAYLIGHT', 'DTSTART:16010101T020000', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0200', 'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3', 'END:DAYLIGHT', 'END:VTIMEZONE'].join('\r\n');
    const text = cal(['UID:o@test', 'SUMMARY:O', 'DTSTART;TZID=Central European Standard Time:20211102T170000']).replace('PRODID:-//test//EN', `PRODID:-//test//EN\r\n${vtz}`);
    expect(week(text, '2021-11-01').events[0]!.start).toBe('2021-11-02T09:00');
  });

  it.each([
    { name: 'ends exactly when the week starts', lines: ['DTSTART:20211101T050000Z', 'DTEND:20211101T070000Z'], included: false },
    { name: 'ends a minute into the week', lines: ['DTSTART:20211101T050000Z', 'DTEND:20211101T070100Z'], included: true },
    { name: 'starts the minute the week ends', lines: ['DTSTART:20211108T080000Z', 'DTEND:20211108T090000Z'], included: false },
    { name: 'starts a minute before the week ends', lines: ['DTSTART:20211108T075900Z', 'DTEND:20211108T090000Z'], included: true },
    { name: 'ends on the week\'s first day (all day, exclusive end)', lines: ['DTSTART;VALUE=DATE:20211030', 'DTEND;VALUE=DATE:20211101'], included: false },
  ])('overlap: $name', ({ lines, included }) => {
    expect(week(cal(['UID:b@test', 'SUMMARY:B', ...lines]), '2021-11-01').events.length).toBe(included ? 1 : 0);
  });

  it('an unknown zone without VTIMEZONE is read in the calendar\'s zone, with a note', () => {
    const r = week(cal(['UID:u@test', 'SUMMARY:U', 'DTSTART;TZID=Mars Standard Time:20211102T170000']), '2021-11-01');
    expect(r.events[0]!.start).toBe('2021-11-02T17:00');
    expect(r.notes).toEqual(['test.ics: unknown time zone "Mars Standard Time" (no VTIMEZONE for it); its times were read in America/Los_Angeles']);
  });
});

describe('files that are not calendars', () => {
  it.each([
    { text: 'hello', message: 'test.ics: not a valid iCalendar file' },
    { text: 'BEGIN:VCARD\r\nVERSION:4.0\r\nEND:VCARD\r\n', message: 'test.ics: not an iCalendar feed (it has no VCALENDAR)' },
  ])('$text', ({ text, message }) => {
    expect(() => week(text, '2021-11-01')).toThrow(message);
  });
});

describe('text from a feed', () => {
  it('loses control characters, separators and bidirectional overrides, keeping line breaks', () => {
    const text = cal(['UID:c@test', 'DTSTART:20211102T170000Z', 'SUMMARY:Rally\u001b[31m \u202egnp.exe', 'DESCRIPTION:one\\ntwo\u2028three\u0000', 'LOCATION:Hall\u0085']);
    const [e] = week(text, '2021-11-01').events;
    expect([e!.title, e!.description, e!.location]).toEqual(['Rally[31m gnp.exe', 'one\ntwo\nthree', 'Hall']);
  });
});

describe('the hour the clock repeats', () => {
  it('an event in its second pass (01:30 PST) is written as 01:30 with a note, since the issue reads 01:30 as PDT', () => {
    const r = week(cal(['UID:r@test', 'SUMMARY:Late shift', 'DTSTART:20211107T093000Z', 'DTEND:20211107T103000Z']), '2021-11-01');
    expect(r.events[0]!.start).toBe('2021-11-07T01:30');
    expect(r.notes).toEqual(['test.ics: "Late shift" starts or ends in the second pass through the hour the clock repeats (Sun Nov 7, 01:30 PST); an issue time names the first pass, so check its time']);
  });

  it('an event in its first pass (01:30 PDT) needs no note', () => {
    expect(week(cal(['UID:r@test', 'SUMMARY:Late shift', 'DTSTART:20211107T083000Z', 'DTEND:20211107T084500Z']), '2021-11-01').notes).toEqual([]);
  });
});

describe('what other exporters write', () => {
  it('Outlook: an all-day event as midnight to midnight with X-MICROSOFT-CDO-ALLDAYEVENT stays a date', () => {
    const text = cal(['UID:o@test', 'SUMMARY:Day of action', 'DTSTART;TZID=America/New_York:20211103T000000', 'DTEND;TZID=America/New_York:20211104T000000', 'X-MICROSOFT-CDO-ALLDAYEVENT:TRUE']);
    expect(brief(week(text, '2021-11-01').events)).toEqual([['Day of action', '2021-11-03', null, 'ok']]);
  });

  it('CLASS:PRIVATE and CONFIDENTIAL events are marked private (a secret feed shows them in full)', () => {
    const text = cal(['UID:p@test', 'SUMMARY:Steering committee', 'DTSTART:20211102T020000Z', 'CLASS:PRIVATE'], ['UID:q@test', 'SUMMARY:Open meeting', 'DTSTART:20211103T020000Z', 'CLASS:PUBLIC']);
    expect(week(text, '2021-11-01').events.map((e) => [e.title, e.private])).toEqual([
      ['Steering committee', true],
      ['Open meeting', false],
    ]);
  });
});

describe('broken feeds', () => {
  it('one event ical.js cannot read is left out with a note; the others stay', () => {
    const r = week(cal(['UID:bad@test', 'SUMMARY:Broken', 'DTSTART:2021110'], ['UID:ok@test', 'SUMMARY:Fine', 'DTSTART:20211102T170000Z']), '2021-11-01');
    expect(r.events.map((e) => e.title)).toEqual(['Fine']);
    expect(r.notes).toHaveLength(1);
    expect(r.notes[0]).toMatch(/^test\.ics: "Broken" could not be read \(.+\); it was left out$/);
  });

  it('two events with one UID (an exporter that reuses it) are both kept, told apart by date', () => {
    const r = week(cal(['UID:same@test', 'SUMMARY:First', 'DTSTART:20211102T170000Z'], ['UID:same@test', 'SUMMARY:Second', 'DTSTART:20211104T170000Z']), '2021-11-01');
    expect(r.events.map((e) => [e.title, e.instance ?? null])).toEqual([
      ['First', null],
      ['Second', '2021-11-04'],
    ]);
  });
});
