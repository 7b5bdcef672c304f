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
  };
}

/**
 * The calendar of every sent issue (`newsletter serve`'s /calendar.ics): `webcal:` makes a phone
 * or desktop calendar subscribe at one tap; the https address is for apps that ask for one.
 */
export function subscribedCalendarUrls(siteUrl: string): { webcal: string; https: string } {
  const https = `${siteUrl}/calendar.ics`;
  return { https, webcal: https.replace(/^https?:/i, 'webcal:') };
}
