import ICAL from 'ical.js';

/**
 * The one calendar members subscribe to (`/calendar.ics`): the events of every sent issue that are
 * not over, and those that ended in the last CALENDAR_PAST_DAYS days, taken from each issue's
 * current edition (its `events.ics`) as they are. So each event keeps the UID, SEQUENCE and
 * DTSTAMP of its per-issue file: a subscribed calendar that also imported an event from an email
 * sees one event, and a correction (a new edition, a higher SEQUENCE) updates it in place.
 */

/** Past events stay this long, so a member can still look up last week's meeting. */
export const CALENDAR_PAST_DAYS = 30;
/** How often a subscribed calendar should check again (clients read REFRESH-INTERVAL or X-PUBLISHED-TTL). */
const REFRESH = 'PT6H';

export interface IssueCalendar {
  /** The issue's `events.ics` as stored in its edition. */
  ics: string;
}

export function subscribedCalendar(name: string, calendars: readonly IssueCalendar[], now: Date): string {
  const since = now.getTime() - CALENDAR_PAST_DAYS * 24 * 3600 * 1000;
  const out = new ICAL.Component(['vcalendar', [], []]);
  out.addPropertyWithValue('version', '2.0');
  out.addPropertyWithValue('prodid', '-//newsletter//subscribed calendar//EN');
  out.addPropertyWithValue('calscale', 'GREGORIAN');
  out.addPropertyWithValue('method', 'PUBLISH');
  out.addPropertyWithValue('name', name);
  out.addPropertyWithValue('x-wr-calname', name);
  const refresh = out.addPropertyWithValue('refresh-interval', REFRESH);
  refresh.setParameter('value', 'DURATION');
  out.addPropertyWithValue('x-published-ttl', REFRESH);

  const zones = new Map<string, ICAL.Component>();
  const events = new Map<string, { event: ICAL.Component; sequence: number }>();
  for (const cal of calendars) {
    let root: ICAL.Component;
    try {
      root = new ICAL.Component(ICAL.parse(cal.ics) as unknown[]);
    } catch {
      // One unreadable file (a hand-edited store) must not take every other issue's events down.
      continue;
    }
    for (const vtz of root.getAllSubcomponents('vtimezone')) {
      const tzid = String(vtz.getFirstPropertyValue('tzid'));
      if (!zones.has(tzid)) zones.set(tzid, vtz);
      if (!ICAL.TimezoneService.has(tzid)) ICAL.TimezoneService.register(new ICAL.Timezone({ component: vtz, tzid }));
    }
    for (const vevent of root.getAllSubcomponents('vevent')) {
      const uid = String(vevent.getFirstPropertyValue('uid'));
      const event = new ICAL.Event(vevent);
      const end = (event.endDate ?? event.startDate).toJSDate().getTime();
      if (end < since) continue;
      const sequence = Number(vevent.getFirstPropertyValue('sequence') ?? 0);
      // An event in two issues (carried over a week) is one event: its latest version wins.
      const seen = events.get(uid);
      if (!seen || sequence > seen.sequence) events.set(uid, { event: vevent, sequence });
    }
  }
  const used = new Set<string>();
  for (const { event } of events.values()) {
    for (const p of ['dtstart', 'dtend']) {
      const tzid = event.getFirstProperty(p)?.getParameter('tzid');
      if (typeof tzid === 'string') used.add(tzid);
    }
  }
  for (const [tzid, vtz] of zones) if (used.has(tzid)) out.addSubcomponent(vtz);
  const sorted = [...events.values()].sort((a, b) => new ICAL.Event(a.event).startDate.compare(new ICAL.Event(b.event).startDate));
  for (const { event } of sorted) out.addSubcomponent(event);
  return out.toString().replace(/\r?\n/g, '\r\n') + '\r\n';
}
