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

/** Google Calendar's event template URL; times in UTC (the `Z` form), all-day as dates. */
export function googleCalendarUrl(e: CalendarEventInput): string {
  const fmt = (d: DateTime) => (e.allDay ? d.toFormat('yyyyMMdd') : d.toUTC().toFormat("yyyyMMdd'T'HHmmss'Z'"));
  const params = new URLSearchParams({ action: 'TEMPLATE', text: e.title, dates: `${fmt(e.start)}/${fmt(e.end)}` });
  if (e.details) params.set('details', e.details.slice(0, 1000));
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
