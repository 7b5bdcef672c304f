import crypto from 'node:crypto';
import type { DateTime } from 'luxon';

/** Links that put one event into a reader's calendar, and its place on a map. */

export interface CalendarEventInput {
  title: string;
  start: DateTime;
  /** Exclusive end; for all-day events the day after the last day. */
  end: DateTime;
  allDay: boolean;
  location?: string;
  details?: string;
}

/**
 * Google Calendar's template link carries the details in the URL; long descriptions are cut so
 * the link stays well inside URL length limits of browsers and mail clients.
 */
export const GOOGLE_DETAILS_MAX_CHARS = 1000;

/**
 * Google Calendar's event template URL. Timed events as UTC instants (`20210323T010000Z`), so the
 * reader's own zone does not matter; all-day events as local dates with the exclusive end day
 * (`20210327/20210328` for one day), as Google expects.
 */
export function googleCalendarUrl(e: CalendarEventInput): string {
  const fmt = (d: DateTime) => (e.allDay ? d.toFormat('yyyyMMdd') : d.toUTC().toFormat("yyyyMMdd'T'HHmmss'Z'"));
  const params = new URLSearchParams({ action: 'TEMPLATE', text: e.title, dates: `${fmt(e.start)}/${fmt(e.end)}` });
  // Cut by code points, so an emoji at the limit is not split into half a surrogate pair.
  if (e.details) params.set('details', Array.from(e.details).slice(0, GOOGLE_DETAILS_MAX_CHARS).join(''));
  if (e.location) params.set('location', e.location);
  return `https://calendar.google.com/calendar/render?${params.toString()}`;
}

/**
 * Outlook on the web's "new event" form, filled in: Outlook.com (`live`) for personal accounts,
 * Office 365 (`office`) for work and school ones. Microsoft does not document the link; this is
 * the form add-to-calendar tools use (path, rru=addevent, startdt/enddt in UTC or as dates for
 * all-day events, subject, body, location), as described in
 * https://github.com/InteractionDesignFoundation/add-event-to-calendar-docs/blob/main/services/outlook-web.md
 */
export function outlookCalendarUrl(e: CalendarEventInput, host: 'live' | 'office'): string {
  const fmt = (d: DateTime) => (e.allDay ? d.toFormat('yyyy-MM-dd') : d.toUTC().toFormat("yyyy-MM-dd'T'HH:mm:ss'Z'"));
  const params = new URLSearchParams({
    path: '/calendar/action/compose',
    rru: 'addevent',
    subject: e.title,
    startdt: fmt(e.start),
    enddt: fmt(e.end),
    allday: e.allDay ? 'true' : 'false',
  });
  if (e.details) params.set('body', Array.from(e.details).slice(0, GOOGLE_DETAILS_MAX_CHARS).join(''));
  if (e.location) params.set('location', e.location);
  return `https://outlook.${host}.com/calendar/0/deeplink/compose?${params.toString()}`;
}

/** A map search for the place (name and address), as Google Maps' documented search URL. */
export function mapUrl(name: string, address?: string): string {
  const query = address ? `${name}, ${address}` : name;
  return `https://www.google.com/maps/search/?api=1&query=${encodeURIComponent(query)}`;
}

/** Where `newsletter serve` (and `build`) publish an issue's files on site_url. */
export function issueUrls(siteUrl: string, slug: string) {
  const base = `${siteUrl}/issues/${encodeURIComponent(slug)}`;
  return {
    web: `${base}/`,
    weekIcs: `${base}/events.ics`,
    eventIcs: (eventId: string) => `${base}/events/${encodeURIComponent(eventId)}.ics`,
    /** The event's "Add to calendar" page: the one short link the email and the plain text carry. */
    eventPage: (eventId: string) => `${base}/e/${shortCode(eventId)}.html`,
    /** A published file of the issue (`images/rally.png`). */
    asset: (name: string) => `${base}/${name.split('/').map(encodeURIComponent).join('/')}`,
  };
}

/** Characters of a short code: 36^7 (78 billion) codes, so two events of one issue never share one in practice (`build` checks). */
const SHORT_CODE_LENGTH = 7;

/**
 * The short name of an event's page (`e/<code>.html`): derived from the event's stable id, so it
 * stays the same in every build and correction, and is short where the id (a date and a title)
 * can run to 70 characters.
 */
export function shortCode(eventId: string): string {
  const n = BigInt('0x' + crypto.createHash('sha256').update(eventId).digest('hex').slice(0, 16));
  return n.toString(36).padStart(SHORT_CODE_LENGTH, '0').slice(-SHORT_CODE_LENGTH);
}

/**
 * The calendar of every sent issue (`newsletter serve`'s /calendar.ics): `webcal:` makes a phone
 * or desktop calendar subscribe at one tap; the https address is for apps that ask for one.
 */
export function subscribedCalendarUrls(siteUrl: string): { webcal: string; https: string } {
  const https = `${siteUrl}/calendar.ics`;
  return { https, webcal: https.replace(/^https?:/i, 'webcal:') };
}
