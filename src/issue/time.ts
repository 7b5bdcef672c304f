import { DateTime } from 'luxon';

/** Local wall-clock values from an issue file, interpreted in the publication's time zone. */

export function isAllDay(value: string): boolean {
  return !value.includes('T');
}

/**
 * A local time the clock shows twice (2021-11-07T01:30 in Los Angeles, when daylight saving time
 * ends) is taken as its first occurrence (01:30 PDT), as RFC 5545 reads a DTSTART with a TZID, so
 * the email, the Google Calendar link and the .ics files agree. Luxon alone would pick the second.
 */
export function toDateTime(value: string, zone: string): DateTime {
  const dt = DateTime.fromISO(value, { zone });
  if (!dt.isValid || isAllDay(value)) return dt;
  return dt.getPossibleOffsets().reduce((first, d) => (d < first ? d : first));
}

/**
 * A local time that the clock skips (2021-03-14T02:30 in Los Angeles) does not exist; luxon would
 * silently move it an hour on, so compare what we asked for with what we got.
 */
export function existsInZone(value: string, zone: string): boolean {
  if (isAllDay(value)) return true;
  const dt = toDateTime(value, zone);
  return dt.isValid && dt.toFormat("yyyy-MM-dd'T'HH:mm") === value;
}

/** The moment an event ends, for "already over" checks: its end, or its start (all-day: end of day). */
export function endOf(start: string, end: string | undefined, zone: string): DateTime {
  const last = end ?? start;
  const dt = toDateTime(last, zone);
  return isAllDay(last) ? dt.endOf('day') : dt;
}
