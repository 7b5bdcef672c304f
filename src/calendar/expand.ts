import { timezoneExists as timezoneExistsTyped, getVtimezoneComponent } from '@touch4it/ical-timezones';
import ICAL from 'ical.js';
import { DateTime, IANAZone } from 'luxon';
import { findIana } from 'windows-iana';
import { CalendarError } from './errors';

/**
 * One calendar's events in one week, read with ical.js (Mozilla's RFC 5545 parser, the one
 * Thunderbird uses), which unfolds lines, reads VTIMEZONE and expands RRULE/RDATE/EXDATE.
 *
 * What this file decides on top of the library:
 * - a moved instance (an override with RECURRENCE-ID) replaces the instance it names, wherever it
 *   moved to; the original is dropped even when the override lands in another week; an override
 *   with RANGE=THISANDFUTURE (which ical.js does not apply) also changes every later instance:
 *   the same shift in time, its length, and its fields;
 * - EXDATE and RECURRENCE-ID are matched by instant (or by date), so a UTC EXDATE still removes an
 *   instance of a series written with a TZID;
 * - times become wall-clock times in the publication's zone; a TZID the tz database knows is
 *   converted by luxon (full history), and so is a Windows zone name (Outlook and Exchange write
 *   "Pacific Standard Time"), by the CLDR table; any other by the file's own VTIMEZONE; floating times are
 *   read in the calendar's X-WR-TIMEZONE (as Google and Apple do), else the publication's zone;
 * - all-day events (VALUE=DATE) stay dates, with the exclusive DTEND made the last day;
 * - an event belongs to the week when any part of it falls in the week.
 */

export interface CalendarEvent {
  /** The source as the editor named it (a URL or a file path). */
  source: string;
  uid: string;
  /** The instance's original date (RECURRENCE-ID) for an instance of a recurring event. */
  instance?: string;
  title: string;
  /** Local to the publication: 2021-11-01T19:00, or 2021-11-01 for an all-day event. */
  start: string;
  /** Local end; all-day: the last day (inclusive). Absent when the event has no length. */
  end?: string;
  allDay: boolean;
  location?: string;
  /** DESCRIPTION, or the HTML of X-ALT-DESC;FMTTYPE=text/html when the feed gives one. */
  description?: string;
  descriptionIsHtml: boolean;
  url?: string;
  /** Google's conference link (X-GOOGLE-CONFERENCE). */
  conference?: string;
  cancelled: boolean;
  /** CLASS:PRIVATE or CONFIDENTIAL (a secret feed shows them in full): never put in an email by itself. */
  private: boolean;
  /** The instants (ms) the event spans, for timed events; all-day events compare as dates. */
  span?: { start: number; end: number };
}

export interface WeekEvents {
  /** The week's events, cancelled ones included (see `cancelled`), sorted by start. */
  events: CalendarEvent[];
  /** Things the editor should know: a time zone the file does not define, a series cut short. */
  notes: string[];
}

/** The package's types say Promise; its code returns a boolean at once. */
const timezoneExists = timezoneExistsTyped as unknown as (zone: string) => boolean;

/** A daily series started decades ago is still only this many steps; beyond it we stop. */
const MAX_OCCURRENCES = 50_000;

export interface WeekOptions {
  source: string;
  /** The publication's zone. */
  zone: string;
  /** First day of the week (a date: 2021-11-01); the week is seven days from it. */
  week: string;
}

export function eventsInWeek(text: string, opts: WeekOptions): WeekEvents {
  const root = parseCalendar(text, opts.source);
  const notes: string[] = [];
  const calendarZone = defaultZone(root, opts.zone);
  const weekStart = DateTime.fromISO(opts.week, { zone: opts.zone }).startOf('day');
  const weekEnd = weekStart.plus({ days: 7 });
  const weekDates = { first: weekStart.toISODate()!, after: weekEnd.toISODate()! };
  const ctx: TimeContext = { zone: opts.zone, calendarZone, root, notes, source: opts.source };

  // Instances whose wall-clock end is two days before the week (more than any zone offset) are
  // skipped without converting them: a daily series started years ago, or a feed of thousands of
  // past events, stays cheap.
  const floor = Date.UTC(weekStart.year, weekStart.month - 1, weekStart.day) - 2 * 86_400_000;
  const ceiling = Date.UTC(weekEnd.year, weekEnd.month - 1, weekEnd.day) + 2 * 86_400_000;

  const vevents = root.getAllSubcomponents('vevent');
  registerZones(root, vevents);

  // A series and its overrides share a UID; overrides carry RECURRENCE-ID.
  const byUid = new Map<string, { masters: ICAL.Component[]; overrides: ICAL.Component[] }>();
  for (const v of vevents) {
    const uid = text1(v, 'uid');
    if (!uid || !v.hasProperty('dtstart')) {
      notes.push(`${opts.source}: an event without ${uid ? 'DTSTART' : 'UID'} was skipped (${text1(v, 'summary') ?? 'no title'})`);
      continue;
    }
    const group = byUid.get(uid) ?? { masters: [], overrides: [] };
    if (v.hasProperty('recurrence-id')) group.overrides.push(v);
    else group.masters.push(v);
    byUid.set(uid, group);
  }

  const out: CalendarEvent[] = [];
  const keep = (e: CalendarEvent | undefined) => {
    if (!e || !overlaps(e, weekStart, weekEnd, weekDates)) return;
    out.push(e);
    if (e.span && [e.span.start, e.span.end].some((ms) => isSecondPass(ms, opts.zone))) {
      notes.push(
        `${opts.source}: "${e.title}" starts or ends in the second pass through the hour the clock repeats (${DateTime.fromMillis(e.span.start, { zone: opts.zone }).toFormat('ccc LLL d, HH:mm ZZZZ')}); an issue time names the first pass, so check its time`,
      );
    }
  };

  for (const [uid, { masters, overrides }] of byUid) {
    // One broken event (a date ical.js cannot read) is left out with a note; the others stay.
    try {
      const [master, ...others] = masters;
      const overridden = new Set(overrides.map((o) => instantKey(o.getFirstPropertyValue('recurrence-id') as ICAL.Time, o.getFirstProperty('recurrence-id')!, ctx)));
      const future = overrides
        .filter((o) => /^thisandfuture$/i.test(String(o.getFirstProperty('recurrence-id')!.getParameter('range') ?? '')))
        .map((o) => ({ override: o, from: instantOrder(o.getFirstPropertyValue('recurrence-id') as ICAL.Time, o.getFirstProperty('recurrence-id')!, ctx) }))
        .sort((a, b) => a.from - b.from);
      for (const o of overrides) {
        const rid = o.getFirstPropertyValue('recurrence-id') as ICAL.Time;
        const event = event_(o);
        keep(toCalendarEvent(o, uid, event.startDate, event.endDate, localDate(rid, o.getFirstProperty('recurrence-id')!, ctx), ctx, master));
      }
      if (master) expandSeries(master, uid, overridden, false, future);
      // The same UID on several events (some exporters reuse one): each is its own event, told
      // apart by its date.
      for (const other of others) expandSeries(other, uid, new Set(), true, []);
    } catch (err) {
      const title = text1(masters[0] ?? overrides[0]!, 'summary') ?? uid;
      notes.push(`${opts.source}: "${cleanText(title)}" could not be read (${(err as Error).message.split('\n')[0]}); it was left out`);
    }
  }

  function expandSeries(master: ICAL.Component, uid: string, overridden: Set<string>, dated: boolean, future: { override: ICAL.Component; from: number }[]): void {
    const event = event_(master);
    const dtstart = master.getFirstProperty('dtstart')!;
    if (!event.isRecurring()) {
      // Far from the week (by wall-clock time, more than any zone offset): not converted at all.
      const end = event.endDate ?? event.startDate;
      const wall = (t: ICAL.Time) => Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
      if (wall(end) < floor || wall(event.startDate) > ceiling) return;
      keep(toCalendarEvent(master, uid, event.startDate, event.endDate, dated ? localDate(event.startDate, dtstart, ctx) : undefined, ctx));
      return;
    }
    const excluded = exdateKeys(master, ctx);
    const lengthMs = event.duration.toSeconds() * 1000;
    const iterator = event.iterator();
    let count = 0;
    for (let item: ICAL.Time | ICAL.Period | null = iterator.next(); item; item = iterator.next()) {
      // RDATE;VALUE=PERIOD gives a start and an end (or a length) of its own.
      const period = item instanceof ICAL.Period ? item : undefined;
      let next = period ? period.start : (item as ICAL.Time);
      // An RDATE in another zone than DTSTART: read in the series' zone, as its TZID is.
      if (next.zone && event.startDate.zone && !next.isDate && ![event.startDate.zone.tzid, 'UTC', 'floating'].includes(next.zone.tzid)) next = next.convertToZone(event.startDate.zone);
      if (++count > MAX_OCCURRENCES) {
        notes.push(`${opts.source}: "${cleanText(event.summary ?? uid)}" repeats more than ${MAX_OCCURRENCES} times before this week; later instances were not read`);
        break;
      }
      if (Date.UTC(next.year, next.month - 1, next.day, next.hour, next.minute, next.second) + lengthMs < floor) continue;
      const start = toLocal(next, dtstart, ctx);
      if (!start.allDay && start.dt >= weekEnd) break;
      if (start.allDay && start.date >= weekDates.after) break;
      const key = instantKey(next, dtstart, ctx);
      if (overridden.has(key) || excluded.has(key) || (!start.allDay && excluded.has(`day:${start.dt.toISODate()}`))) continue;
      const instance = start.allDay ? start.date : start.dt.toISODate()!;
      // The latest THISANDFUTURE override at or before this instance rules it.
      const order = instantOrder(next, dtstart, ctx);
      const rule = future.filter((f) => f.from <= order).at(-1)?.override;
      if (rule) {
        keep(thisAndFuture(rule, master, uid, next, instance));
        continue;
      }
      const end = next.clone();
      end.addDuration(period ? period.getDuration() : event.duration);
      keep(toCalendarEvent(master, uid, next, end, instance, ctx));
    }
  }

  /** An instance after a RANGE=THISANDFUTURE override: shifted as the override shifted its own, with its length and fields. */
  function thisAndFuture(rule: ICAL.Component, master: ICAL.Component, uid: string, next: ICAL.Time, instance: string): CalendarEvent {
    const changed = event_(rule);
    const rid = rule.getFirstPropertyValue('recurrence-id') as ICAL.Time;
    // Shift by wall-clock time in the series' zone: 18:00 → 18:30 stays 18:30 across a change of offset.
    const shift = wallClock(changed.startDate.clone().convertToZone(next.zone ?? ICAL.Timezone.localTimezone)).subtractDate(wallClock(rid.clone().convertToZone(next.zone ?? ICAL.Timezone.localTimezone)));
    const start = next.clone();
    start.addDuration(shift);
    if (start.isDate !== changed.startDate.isDate) start.isDate = changed.startDate.isDate;
    const end = start.clone();
    end.addDuration(changed.duration);
    const seriesStart = master.getFirstProperty('dtstart')!;
    return toCalendarEvent(rule, uid, start, end, instance, ctx, master, { start: seriesStart, end: seriesStart });
  }

  out.sort((a, b) => a.start.localeCompare(b.start) || a.title.localeCompare(b.title));
  return { events: out, notes };
}

/** The same wall-clock fields as UTC, so that subtracting two gives the wall-clock difference. */
function wallClock(t: ICAL.Time): ICAL.Time {
  return new ICAL.Time({ year: t.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute, second: t.second, isDate: t.isDate }, ICAL.Timezone.utcTimezone);
}

/** A number that orders instances: the instant (ms), or midnight UTC of an all-day date. */
function instantOrder(t: ICAL.Time, prop: ICAL.Property, ctx: TimeContext): number {
  const local = toLocal(t, prop, ctx);
  return local.allDay ? Date.parse(`${local.date}T00:00:00Z`) : local.dt.toMillis();
}

/**
 * An ical.js Event for one component. Without `exceptions`, ical.js scans every VEVENT of the
 * file for each one it makes (quadratic: minutes for a large feed); the overrides are matched
 * here by UID instead.
 */
function event_(component: ICAL.Component): ICAL.Event {
  return new ICAL.Event(component, { exceptions: [] });
}

function parseCalendar(text: string, source: string): ICAL.Component {
  let jcal: unknown;
  try {
    jcal = ICAL.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new CalendarError(`${source}: not a valid iCalendar file (${(err as Error).message.split('\n')[0]})`);
  }
  // A file may hold several VCALENDARs (feeds joined end to end); ical.js then returns an array,
  // and the events and zones of all of them are read, as one calendar.
  const all = (Array.isArray(jcal) && Array.isArray(jcal[0]) ? jcal : [jcal]).map((j) => new ICAL.Component(j as unknown[]));
  const root = all[0]!;
  if (root.name !== 'vcalendar') throw new CalendarError(`${source}: not an iCalendar feed (it has no VCALENDAR)`);
  for (const other of all.slice(1)) {
    if (other.name !== 'vcalendar') continue;
    for (const c of [...other.getAllSubcomponents()]) {
      other.removeSubcomponent(c);
      root.addSubcomponent(c);
    }
  }
  return root;
}

/** X-WR-TIMEZONE (Google, Apple, The Events Calendar) for floating times, if it is a real zone. */
function defaultZone(root: ICAL.Component, zone: string): string {
  const wr = text1(root, 'x-wr-timezone');
  return wr && IANAZone.isValidZone(wr) ? wr : zone;
}

/**
 * TZIDs that the file uses without defining (RFC 5545 requires a VTIMEZONE, but not every
 * exporter writes one): added to the file from the tz database, so that ical.js can compare them
 * with UNTIL and EXDATE, and finds them at once (it searches every component of the file for a
 * TZID it lacks, each time it reads a time: minutes for a large feed). The file's own VTIMEZONEs
 * take precedence.
 */
function registerZones(root: ICAL.Component, vevents: ICAL.Component[]): void {
  const defined = new Set(root.getAllSubcomponents('vtimezone').map((z) => String(z.getFirstPropertyValue('tzid') ?? '')));
  for (const v of vevents) {
    for (const p of v.getAllProperties()) {
      const tzid = p.getParameter('tzid');
      if (typeof tzid !== 'string' || defined.has(tzid)) continue;
      defined.add(tzid);
      // A Windows name is added under its own TZID with its IANA zone's rules (the package's
      // own alias for it can be wrong: it makes "Eastern Standard Time" a fixed UTC-5).
      const iana = ianaName(tzid) ?? (timezoneExists(tzid) ? tzid : undefined);
      const vtimezone = iana && timezoneExists(iana) ? getVtimezoneComponent(iana) : undefined;
      if (!vtimezone) continue;
      const comp = new ICAL.Component(ICAL.parse(`BEGIN:VCALENDAR\r\n${vtimezone.replace(/^TZID:.*$/m, () => `TZID:${tzid}`)}\r\nEND:VCALENDAR`) as unknown[]);
      const vtz = comp.getFirstSubcomponent('vtimezone');
      if (!vtz) continue;
      comp.removeSubcomponent(vtz);
      root.addSubcomponent(vtz);
      if (!ICAL.TimezoneService.has(tzid)) ICAL.TimezoneService.register(new ICAL.Timezone({ component: vtz, tzid }));
    }
  }
}

interface TimeContext {
  zone: string;
  calendarZone: string;
  root: ICAL.Component;
  notes: string[];
  source: string;
}

type Local = { allDay: true; date: string } | { allDay: false; dt: DateTime };

/** An ical.js time (with the property it came from, for its TZID) in the publication's zone. */
function toLocal(t: ICAL.Time, prop: ICAL.Property, ctx: TimeContext): Local {
  if (t.isDate) return { allDay: true, date: isoDate(t) };
  const wall = { year: t.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute, second: t.second };
  let dt: DateTime;
  const tzid = prop.getParameter('tzid');
  if (t.zone?.tzid === 'UTC' || t.zone === ICAL.Timezone.utcTimezone) {
    dt = DateTime.fromObject(wall, { zone: 'utc' });
  } else if (typeof tzid === 'string' && tzid) {
    const iana = ianaName(tzid);
    if (iana) dt = firstOccurrence(DateTime.fromObject(wall, { zone: iana }));
    else if (t.zone && t.zone.tzid !== 'floating') dt = DateTime.fromSeconds(t.toUnixTime(), { zone: 'utc' });
    else {
      note(ctx, `${ctx.source}: unknown time zone "${tzid}" (no VTIMEZONE for it); its times were read in ${ctx.calendarZone}`);
      dt = firstOccurrence(DateTime.fromObject(wall, { zone: ctx.calendarZone }));
    }
  } else {
    dt = firstOccurrence(DateTime.fromObject(wall, { zone: ctx.calendarZone }));
  }
  return { allDay: false, dt: dt.setZone(ctx.zone) };
}

/** "America/New_York", and the Mozilla form "/mozilla.org/20050126_1/America/New_York". */
const ianaNames = new Map<string, string | undefined>();
function ianaName(tzid: string): string | undefined {
  if (!ianaNames.has(tzid)) ianaNames.set(tzid, findIanaName(tzid));
  return ianaNames.get(tzid);
}

function findIanaName(tzid: string): string | undefined {
  const candidates = [tzid, tzid.replace(/^\/[^/]+\/[^/]+\//, ''), tzid.replace(/^\//, '')];
  return candidates.find((c) => IANAZone.isValidZone(c) && c.includes('/') || c === 'UTC') ?? windowsZone(tzid);
}

/** "Pacific Standard Time" (a Windows zone name, as Outlook and Exchange write TZID) → America/Los_Angeles. */
function windowsZone(tzid: string): string | undefined {
  const iana = findIana(tzid.trim())?.[0];
  return iana && IANAZone.isValidZone(iana) ? iana : undefined;
}

/** An instant whose local time the clock also showed an hour earlier (01:30 PST after 01:30 PDT). */
function isSecondPass(ms: number, zone: string): boolean {
  const dt = DateTime.fromMillis(ms, { zone });
  return dt.getPossibleOffsets().some((other) => other < dt);
}

/** RFC 5545: a local time the clock shows twice is its first occurrence. */
function firstOccurrence(dt: DateTime): DateTime {
  if (!dt.isValid) return dt;
  return dt.getPossibleOffsets().reduce((first, d) => (d < first ? d : first), dt);
}

function note(ctx: TimeContext, line: string): void {
  if (!ctx.notes.includes(line)) ctx.notes.push(line);
}

function isoDate(t: ICAL.Time): string {
  return `${String(t.year).padStart(4, '0')}-${String(t.month).padStart(2, '0')}-${String(t.day).padStart(2, '0')}`;
}

/** What identifies an instance of a series: its date (all-day) or its instant. */
function instantKey(t: ICAL.Time, prop: ICAL.Property, ctx: TimeContext): string {
  const local = toLocal(t, prop, ctx);
  return local.allDay ? local.date : String(local.dt.toMillis());
}

/** The instance's original date, in the publication's zone: the stable part of its id. */
function localDate(t: ICAL.Time, prop: ICAL.Property, ctx: TimeContext): string {
  const local = toLocal(t, prop, ctx);
  return local.allDay ? local.date : local.dt.toISODate()!;
}

function exdateKeys(master: ICAL.Component, ctx: TimeContext): Set<string> {
  const keys = new Set<string>();
  for (const prop of master.getAllProperties('exdate')) {
    for (const value of prop.getValues() as ICAL.Time[]) {
      keys.add(instantKey(value, prop, ctx));
      // An all-day EXDATE on a timed series, as some exporters write it, removes that day's instance.
      if (value.isDate) keys.add(`day:${isoDate(value)}`);
    }
  }
  return keys;
}

function toCalendarEvent(
  v: ICAL.Component,
  uid: string,
  startTime: ICAL.Time,
  endTime: ICAL.Time | undefined,
  instance: string | undefined,
  ctx: TimeContext,
  master?: ICAL.Component,
  /** The properties whose TZID the times are written in, when not the event's own DTSTART/DTEND. */
  timeProps?: { start: ICAL.Property; end: ICAL.Property },
): CalendarEvent {
  // An override may leave out what did not change: take the series' value then.
  const field = (name: string) => {
    const value = text1(v, name) ?? (master ? text1(master, name) : undefined);
    return value === undefined ? undefined : cleanText(value);
  };
  const startProp = timeProps?.start ?? v.getFirstProperty('dtstart')!;
  const endProp = timeProps?.end ?? v.getFirstProperty('dtend') ?? startProp;
  let start = toLocal(startTime, startProp, ctx);
  let end = endTime ? toLocal(endTime, endProp, ctx) : undefined;
  // Outlook and Exchange write all-day events as midnight to midnight with this flag.
  if (/^true$/i.test(field('x-microsoft-cdo-alldayevent') ?? '') && !startTime.isDate) {
    start = { allDay: true, date: isoDate(startTime) };
    end = endTime ? { allDay: true, date: isoDate(endTime) } : undefined;
  }
  const altDesc = v.getAllProperties('x-alt-desc').find((p) => String(p.getParameter('fmttype') ?? '').toLowerCase() === 'text/html');
  const html = altDesc ? cleanText(String(altDesc.getFirstValue() ?? '')) : undefined;
  const description = html?.trim() ? html : field('description');
  const status = (field('status') ?? '').toUpperCase();
  let startText: string;
  let endText: string | undefined;
  if (start.allDay) {
    startText = start.date;
    // DTEND of an all-day event is the day after the last (exclusive); the issue writes the last day.
    const last = end?.allDay ? DateTime.fromISO(end.date).minus({ days: 1 }).toISODate()! : start.date;
    endText = last > start.date ? last : undefined;
  } else {
    startText = start.dt.toFormat("yyyy-MM-dd'T'HH:mm");
    const endDt = end && !end.allDay ? end.dt : undefined;
    endText = endDt && endDt > start.dt ? endDt.toFormat("yyyy-MM-dd'T'HH:mm") : undefined;
  }
  return {
    source: ctx.source,
    uid,
    instance,
    title: field('summary')?.trim() || '(untitled event)',
    start: startText,
    end: endText,
    allDay: start.allDay,
    location: field('location')?.trim() || undefined,
    description: description?.trim() || undefined,
    descriptionIsHtml: Boolean(html?.trim()) || looksLikeHtml(description ?? ''),
    url: field('url')?.trim() || undefined,
    // Google's conference link; Outlook's and Exchange's Teams and Skype links.
    conference: ['x-google-conference', 'x-microsoft-skypeteamsmeetingurl', 'x-microsoft-onlinemeetingexternallink', 'x-microsoft-onlinemeetingconflink'].map((n) => field(n)?.trim()).find(Boolean),
    cancelled: status === 'CANCELLED',
    private: /^(PRIVATE|CONFIDENTIAL)$/i.test(field('class') ?? ''),
    span: start.allDay ? undefined : { start: start.dt.toMillis(), end: end && !end.allDay && end.dt > start.dt ? end.dt.toMillis() : start.dt.toMillis() },
  };
}

/**
 * Text from a feed without the characters that could disguise or break it: control characters
 * (but line breaks and tabs), line and paragraph separators, bidirectional overrides, and the
 * `%%` of the per-member placeholders.
 */
export function cleanText(s: string): string {
  return s
    .replace(/\r\n?/g, '\n')
    .replace(/[\u2028\u2029]/g, '\n')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, '')
    // %%UNSUBSCRIBE_URL%% and its kind are filled in per member at send time; a feed cannot add one.
    .replace(/%%/g, '% %');
}

/** Any tag (Google also writes its own, such as <html-blob>) or entity makes a description HTML. */
function looksLikeHtml(s: string): boolean {
  return /<\/?[a-z][a-z0-9-]*(\s[^<>]*)?\/?>|&(amp|lt|gt|quot|nbsp|#\d+|#x[0-9a-f]+);/i.test(s);
}

function text1(c: ICAL.Component, name: string): string | undefined {
  const v = c.getFirstPropertyValue(name);
  if (v === null || v === undefined) return undefined;
  return String(v);
}

/** Any part of the event in [weekStart, weekEnd); all-day events compare as dates. */
function overlaps(e: CalendarEvent, weekStart: DateTime, weekEnd: DateTime, dates: { first: string; after: string }): boolean {
  if (!e.span) {
    const last = e.end ?? e.start;
    return e.start < dates.after && last >= dates.first;
  }
  const [from, to] = [weekStart.toMillis(), weekEnd.toMillis()];
  if (e.span.end === e.span.start) return e.span.start >= from && e.span.start < to;
  return e.span.start < to && e.span.end > from;
}
