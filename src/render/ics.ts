import { getVtimezoneComponent } from '@touch4it/ical-timezones';
import ical, { escape, type ICalCalendar } from 'ical-generator';
import { DateTime } from 'luxon';
import type { EventView, IssueView } from '../issue/view';

/**
 * The issue's events as iCalendar files, made by ical-generator from the view:
 * `events.ics` (the whole week) and one `events/<id>.ics` per event.
 *
 * Times are written as local times with the publication's time zone (DTSTART;TZID=…) and its
 * VTIMEZONE, so a member's calendar knows the event is "8:00 am Los Angeles time" whatever zone
 * the reader is in. A repeated local time (the hour the clock falls back) is its first
 * occurrence, the way RFC 5545 reads a TZID time and the way the view computes it
 * (src/issue/time.ts), so the Google Calendar link and the .ics agree on the UTC instant.
 * The one instant a TZID time cannot name, the second pass through the repeated hour (an event
 * at 01:30 PDT with no end ends at 01:30 PST), makes that event's times UTC (`Z`) instead.
 */

/** Event ids become file names and UID local parts; the issue schema already restricts them. */
const SAFE_ID = /^[a-z0-9][a-z0-9-]*$/;

/**
 * SEQUENCE counts minutes from this moment to the build: every later build of a corrected issue
 * carries a higher SEQUENCE (and a later DTSTAMP), so calendars that already hold the event by its
 * UID take the new times instead of keeping the old ones. Minutes keep it far below 2^31, which
 * some clients store SEQUENCE in.
 */
const SEQUENCE_EPOCH = DateTime.fromISO('2021-01-01T00:00:00Z', { zone: 'utc' });

export interface IcsOptions {
  /** The build time: DTSTAMP, LAST-MODIFIED and SEQUENCE derive from it. */
  now: DateTime;
}

/** `events.ics` and `events/<id>.ics`, relative to the issue's output folder. */
export function icsFiles(view: IssueView, opts: IcsOptions): Record<string, string> {
  const events = allEvents(view);
  const files: Record<string, string> = { 'events.ics': weekCalendar(view, opts) };
  for (const e of events) files[`events/${e.id}.ics`] = eventCalendar(view, e, opts);
  return files;
}

/** The whole week, featured events first, as one calendar named for the issue. */
export function weekCalendar(view: IssueView, opts: IcsOptions): string {
  const cal = newCalendar(view, `${view.publication.name}: ${view.title}`);
  for (const e of allEvents(view)) addEvent(cal, view, e, opts);
  return cal.toString();
}

/** One event as its own file: what the "Apple / Outlook (.ics)" link under each event opens. */
export function eventCalendar(view: IssueView, event: EventView, opts: IcsOptions): string {
  const cal = newCalendar(view, view.publication.name);
  addEvent(cal, view, event, opts);
  return cal.toString();
}

/** The calendar UID of an event: its stable id at the site's host, so it is the same in every build. */
export function eventUid(eventId: string, siteUrl: string): string {
  if (!SAFE_ID.test(eventId)) throw new Error(`unsafe event id for a calendar UID: ${JSON.stringify(eventId)}`);
  return `${eventId}@${new URL(siteUrl).hostname}`;
}

export function allEvents(view: IssueView): EventView[] {
  return [...view.featured, ...view.sections.flatMap((s) => s.events)];
}

function newCalendar(view: IssueView, name: string): ICalCalendar {
  // ical-generator writes the calendar name as given; escape it (and keep it on one line) here.
  const cal = ical({ name: escape(name.replace(/\s+/g, ' '), false), prodId: { company: 'newsletter', product: 'issue calendar', language: 'EN' } });
  // `name: null` adds the VTIMEZONE of every event's zone without making the calendar's own zone
  // the default for DTSTAMP (ical-generator would then write DTSTAMP as local time, not UTC).
  cal.timezone({ name: null, generator: getVtimezoneComponent });
  return cal;
}

function addEvent(cal: ICalCalendar, view: IssueView, e: EventView, opts: IcsOptions): void {
  const zone = view.publication.timezone;
  // The view's ISO strings carry the offset of the instant chosen; reading them with setZone
  // keeps that instant, whereas re-reading the local time could pick the other side of a DST change.
  const start = DateTime.fromISO(e.start, { setZone: true }).setZone(zone);
  const end = DateTime.fromISO(e.end, { setZone: true }).setZone(zone);
  const stamp = opts.now.toUTC().startOf('second');
  cal.createEvent({
    id: eventUid(e.id, view.publication.siteUrl),
    sequence: Math.max(0, Math.floor(stamp.diff(SEQUENCE_EPOCH, 'minutes').minutes)),
    stamp,
    lastModified: stamp,
    start,
    end,
    allDay: e.allDay,
    timezone: e.allDay || (isNamedByLocalTime(start) && isNamedByLocalTime(end)) ? zone : null,
    summary: e.title,
    location: eventLocation(e),
    description: eventDescription(e),
    url: e.links[0]?.url ?? null,
  });
}

/** Whether the local time of `dt` read back in its zone (first occurrence) is `dt` itself. */
function isNamedByLocalTime(dt: DateTime): boolean {
  return dt.getPossibleOffsets().every((other) => other >= dt);
}

/** "Name, address", the online platform, or both. */
export function eventLocation(e: EventView): string | null {
  const place = e.place ? [e.place.name, e.place.address].filter(Boolean).join(', ') : undefined;
  if (place && e.online) return `${place} (also online: ${e.online})`;
  return place ?? (e.online ? `Online: ${e.online}` : null);
}

/** Plain text, as the email's plain-text part writes it: description, details, notes, links. */
export function eventDescription(e: EventView): string | null {
  const parts: string[] = [];
  if (e.description) parts.push(e.description.text);
  for (const d of e.details) parts.push(`${d.label}: ${d.text.text}`);
  if (e.notes.length) parts.push(e.notes.join('\n'));
  if (e.links.length) parts.push(e.links.map((l) => `${l.label}: ${l.url}`).join('\n'));
  return parts.length ? parts.join('\n\n') : null;
}
