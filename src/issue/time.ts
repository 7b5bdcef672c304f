import { DateTime } from 'luxon';

/** Local wall-clock values from an issue file, interpreted in the publication's time zone. */

export function isAllDay(value: string): boolean {
  return !value.includes('T');
}

export function toDateTime(value: string, zone: string): DateTime {
  return DateTime.fromISO(value, { zone });
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
