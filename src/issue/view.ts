import { DateTime } from 'luxon';
import type { Publication } from '../config';
import { googleCalendarUrl, issueUrls, mapUrl, subscribedCalendarUrls } from '../render/calendar-links';
import { renderMarkdown, type Rich } from '../render/markdown';
import { darkerPassingShade } from '../render/quality/contrast';
import { PLACEHOLDERS } from '../render/placeholders';
import { eventId } from './events';
import type { Issue, IssueEvent } from './schema';
import { isAllDay, toDateTime } from './time';

/**
 * What the templates show, computed once per issue: dates in words, TODAY labels, Markdown
 * rendered, links resolved. Both engines and the plain-text part render this and nothing else,
 * so they cannot disagree on content.
 */

export type { Rich } from '../render/markdown';

export interface LinkView {
  label: string;
  url: string;
}

export interface EventView {
  id: string;
  title: string;
  /** "Tuesday, March 23 @ 6:00 pm – 7:30 pm", weekday computed from the date. */
  when: string;
  /** The event is on the day the issue is sent. */
  today: boolean;
  allDay: boolean;
  /** ISO instants with offset, for calendars. */
  start: string;
  end: string;
  place?: { name: string; address?: string; mapUrl: string };
  online?: string;
  description?: Rich;
  details: { label: string; text: Rich }[];
  notes: string[];
  links: LinkView[];
  calendar: { google: string; ics: string };
}

export interface SectionView {
  title: string;
  intro?: Rich;
  events: EventView[];
}

export interface PublicationView {
  name: string;
  from: string;
  color: string;
  logoUrl?: string;
  logoAlt: string;
  siteUrl: string;
  calendarUrl?: string;
  social: LinkView[];
  postalAddress: string;
  reason: string;
  timezone: string;
}

export interface IssueView {
  slug: string;
  /**
   * Where this rendering is read: the email (with a per-recipient unsubscribe link) or the web
   * version on site_url (one page for everyone, so no unsubscribe link; see render/web).
   */
  medium: 'email' | 'web';
  lang: string;
  title: string;
  subject: string;
  preheader?: string;
  publication: PublicationView;
  intro?: Rich;
  featured: EventView[];
  sections: SectionView[];
  urls: {
    /** The web version on site_url. */
    web: string;
    /** The whole week's events as one .ics. */
    weekIcs: string;
    /** The calendar of every sent issue, to subscribe to once. */
    calendar: { webcal: string; https: string };
    /** A placeholder, filled per recipient (see render/placeholders). */
    unsubscribe: string;
  };
}

/** What the web version's footer says where the email has its per-recipient unsubscribe link. */
export const WEB_UNSUBSCRIBE_NOTE = 'Subscribers find their own unsubscribe link at the bottom of each email.';

export interface ViewOptions {
  slug: string;
  /** The moment "(TODAY)" is computed for when the issue has no send_at (default: now). */
  now?: DateTime;
}

const LOCALE = 'en-US';

export function buildView(issue: Issue, pub: Publication, opts: ViewOptions): IssueView {
  const zone = pub.timezone;
  const sendDay = (issue.send_at ? toDateTime(issue.send_at, zone) : (opts.now ?? DateTime.now()).setZone(zone)).toISODate();
  const urls = issueUrls(pub.site_url, opts.slug);
  const weekOf = toDateTime(issue.week_of, zone).setLocale(LOCALE);
  const event = (e: IssueEvent) => eventView(e, zone, sendDay, urls.eventIcs);

  return {
    slug: opts.slug,
    medium: 'email',
    lang: 'en',
    title: issue.title ?? `Week of ${weekOf.toFormat('LLLL d, yyyy')}`,
    subject: issue.subject,
    preheader: issue.preheader,
    publication: {
      name: pub.name,
      from: pub.from,
      // White text sits on the brand colour (header, buttons) and the colour is used for headings
      // on white: a shade just dark enough for WCAG AA is used when the brand's own is too light.
      color: darkerPassingShade(pub.brand.color),
      logoUrl: pub.brand.logo_url,
      logoAlt: pub.brand.logo_alt ?? pub.name,
      siteUrl: pub.site_url,
      calendarUrl: pub.calendar_url,
      social: pub.social.map((s) => ({ label: s.label, url: s.url })),
      postalAddress: pub.postal_address,
      reason: pub.reason ?? `You are receiving this email because you subscribed to ${pub.name}.`,
      timezone: zone,
    },
    intro: issue.intro ? renderMarkdown(issue.intro) : undefined,
    featured: (issue.featured ?? []).map(event),
    sections: (issue.sections ?? []).map((s) => ({
      title: s.title,
      intro: s.intro ? renderMarkdown(s.intro) : undefined,
      events: s.events.map(event),
    })),
    urls: { web: urls.web, weekIcs: urls.weekIcs, calendar: subscribedCalendarUrls(pub.site_url), unsubscribe: PLACEHOLDERS.unsubscribeUrl },
  };
}

function eventView(e: IssueEvent, zone: string, sendDay: string | null, icsUrl: (id: string) => string): EventView {
  const id = eventId(e);
  const allDay = isAllDay(e.start);
  const start = toDateTime(e.start, zone).setLocale(LOCALE);
  const end = eventEnd(e, zone).setLocale(LOCALE);
  const place = e.location
    ? { name: e.location.name, address: e.location.address, mapUrl: e.location.url ?? mapUrl(e.location.name, e.location.address) }
    : undefined;
  const description = e.description ? renderMarkdown(e.description, { breaks: true }) : undefined;
  return {
    id,
    title: e.title,
    when: formatWhen(e, zone),
    today: start.toISODate() === sendDay,
    allDay,
    start: start.toISO()!,
    end: end.toISO()!,
    place,
    online: e.online,
    description,
    details: (e.details ?? []).map((d) => ({ label: d.label, text: renderMarkdown(d.text) })),
    notes: e.notes ?? [],
    links: (e.links ?? []).map((l) => ({ label: l.label, url: l.url })),
    calendar: {
      google: googleCalendarUrl({
        title: e.title,
        start,
        end,
        allDay,
        location: place ? [place.name, place.address].filter(Boolean).join(', ') : e.online,
        details: description?.text,
      }),
      ics: icsUrl(id),
    },
  };
}

/** The moment the event ends; all-day events end (exclusively) at the start of the next day. */
export function eventEnd(e: IssueEvent, zone: string): DateTime {
  if (isAllDay(e.start)) return toDateTime(e.end ?? e.start, zone).plus({ days: 1 }).startOf('day');
  return e.end ? toDateTime(e.end, zone) : toDateTime(e.start, zone).plus({ hours: 1 });
}

const day = (d: DateTime) => d.toFormat('cccc, LLLL d');
const time = (d: DateTime) => `${d.toFormat('h:mm')} ${d.hour < 12 ? 'am' : 'pm'}`;

/** The seed's style: "Tuesday, March 23 @ 6:00 pm – 7:30 pm". */
export function formatWhen(e: Pick<IssueEvent, 'start' | 'end'>, zone: string): string {
  const start = toDateTime(e.start, zone).setLocale(LOCALE);
  if (isAllDay(e.start)) {
    if (!e.end || e.end === e.start) return `${day(start)} (all day)`;
    return `${day(start)} – ${day(toDateTime(e.end, zone).setLocale(LOCALE))} (all day)`;
  }
  if (!e.end) return `${day(start)} @ ${time(start)}`;
  const end = toDateTime(e.end, zone).setLocale(LOCALE);
  if (end.hasSame(start, 'day')) return `${day(start)} @ ${time(start)} – ${time(end)}`;
  return `${day(start)} @ ${time(start)} – ${day(end)} @ ${time(end)}`;
}
