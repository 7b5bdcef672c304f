import type { DateTime } from 'luxon';
import { eventsInWeek, type CalendarEvent } from './expand';
import { readSource, type FetchOptions } from './fetch';

export { CalendarError } from './errors';
export { eventsInWeek, type CalendarEvent, type WeekEvents } from './expand';
export { FETCH_LIMITS, isUrlSource, readSource, type FetchOptions } from './fetch';
export { descriptionToMarkdown, eventIdFor, looksLikeStreetAddress, mapLocation, meetingPlatform, toIssueEvent } from './map';
export { issueFromCalendar, subjectFrom } from './write';

export interface ImportedWeek {
  /** The week's events from every source, neither cancelled nor private, sorted by start. */
  events: CalendarEvent[];
  /** The week's instances that the calendars mark STATUS:CANCELLED. */
  cancelled: CalendarEvent[];
  /** The week's CLASS:PRIVATE and CONFIDENTIAL events, left out of the issue. */
  private: CalendarEvent[];
  notes: string[];
}

/** Reads every source (all of them, or a CalendarError for the first that fails) and merges the week. */
export async function importWeek(sources: string[], week: DateTime, zone: string, fetch: FetchOptions): Promise<ImportedWeek> {
  const texts = await Promise.all(sources.map((s) => readSource(s, fetch)));
  return mergeWeek(texts.map(({ source, text }) => eventsInWeek(text, { source, zone, week: week.toISODate()! })));
}

export function mergeWeek(weeks: ReturnType<typeof eventsInWeek>[]): ImportedWeek {
  const all = weeks.flatMap((w) => w.events);
  // The same event in two calendars (a chapter calendar and a coalition's): keep the first.
  const seen = new Set<string>();
  const unique = all.filter((e) => {
    const key = `${e.uid}|${e.instance ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  unique.sort((a, b) => a.start.localeCompare(b.start) || a.title.localeCompare(b.title));
  return {
    events: unique.filter((e) => !e.cancelled && !e.private),
    cancelled: unique.filter((e) => e.cancelled),
    private: unique.filter((e) => e.private && !e.cancelled),
    notes: weeks.flatMap((w) => w.notes),
  };
}
