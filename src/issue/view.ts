import { DateTime } from 'luxon';
import type { Publication } from '../config';
import { googleCalendarUrl, issueUrls, mapUrl, outlookCalendarUrl, subscribedCalendarUrls } from '../render/calendar-links';
import { renderMarkdown, type Rich } from '../render/markdown';
import { darkerPassingShade, mixColors } from '../render/quality/contrast';
import { PLACEHOLDERS } from '../render/placeholders';
import { isLocalImagePath } from '../util/links';
import { eventId } from './events';
import { imageAsset, type ImageCatalog } from './images';
import type { Issue, IssueEvent, IssueImage } from './schema';
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

/** A picture as the templates draw it: at most the column's width, never wider than the file. */
export interface ImageView {
  /** An https URL: the editor's, or where the issue's own file is published. */
  src: string;
  alt: string;
  /** Shown width in CSS pixels. */
  width: number;
  /** Shown height, when the file was read (local pictures); pictures on the web keep their own shape. */
  height?: number;
}

/** The email's width, and the width of its content inside the cards' 24 px padding. */
export const EMAIL_WIDTH = 600;
export const CONTENT_WIDTH = 552;

export interface EventView {
  id: string;
  /** The id of the event's heading in the email, for the glance list's links. */
  anchor: string;
  title: string;
  /** "Tuesday, March 23 @ 6:00 pm – 7:30 pm", weekday computed from the date. */
  when: string;
  /** The event is on the day the issue is sent. */
  today: boolean;
  allDay: boolean;
  /** ISO instants with offset, for calendars. */
  start: string;
  end: string;
  /** `ownMap`: the map link is the editor's `location.url`, not a generated map search. */
  place?: { name: string; address?: string; mapUrl: string; ownMap: boolean };
  online?: string;
  description?: Rich;
  details: { label: string; text: Rich }[];
  notes: string[];
  links: LinkView[];
  image?: ImageView;
  calendar: {
    /** The event's "Add to calendar" page on site_url (Google, Outlook.com, Office 365, .ics): the short link. */
    page: string;
    google: string;
    outlook: string;
    office365: string;
    ics: string;
  };
  /** The event's line in "This week at a glance": "Tue, Mar 23" and "6:00 pm" (or "All day"). */
  glance: { day: string; time: string };
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
  /** The featured card's background: a light tint of the brand colour, and its dark-mode counterpart. */
  tint: string;
  darkTint: string;
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
  hero?: ImageView;
  /** The label on the featured events' card ("This week's headline"). */
  featuredLabel: string;
  /** "This week at a glance": every event by its start, when the issue or newsletter.yaml turns it on. */
  glance?: EventView[];
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
  /** Pictures next to the issue, read by checkIssueFile (LoadedIssue.images): their sizes. */
  images?: ImageCatalog;
  /**
   * Where the issue's own files are linked from, as a prefix of `images/<name>`: by default its
   * web folder on site_url (where `build` and `serve` publish them); the preview serves them itself.
   */
  assetBase?: string;
}

const LOCALE = 'en-US';
/**
 * How much brand colour the featured card's background takes: enough to set it apart from the
 * white cards, little enough that body text keeps its contrast (#1f2328 stays above 12:1).
 */
const FEATURED_TINT = 0.08;
/** In dark mode the tint is laid over the dark card colour instead. */
const FEATURED_DARK_TINT = 0.16;
/** The cards' dark-mode background (emails/theme.ts's dark rules). */
export const DARK_CARD = '#161b22';

export function buildView(issue: Issue, pub: Publication, opts: ViewOptions): IssueView {
  const zone = pub.timezone;
  const sendDay = (issue.send_at ? toDateTime(issue.send_at, zone) : (opts.now ?? DateTime.now()).setZone(zone)).toISODate();
  const urls = issueUrls(pub.site_url, opts.slug);
  // White text sits on the brand colour (header, buttons) and the colour is used for headings
  // on white: a shade just dark enough for WCAG AA is used when the brand's own is too light.
  const color = darkerPassingShade(pub.brand.color);
  const weekOf = toDateTime(issue.week_of, zone).setLocale(LOCALE);
  const assetUrl = opts.assetBase === undefined ? urls.asset : (name: string) => `${opts.assetBase}${name}`;
  const image = (i: IssueImage, max: number) => imageView(i, max, opts.images, assetUrl);
  const event = (e: IssueEvent) => eventView(e, zone, sendDay, urls, image);
  const featured = (issue.featured ?? []).map(event);
  const sections = (issue.sections ?? []).map((s) => ({
    title: s.title,
    intro: s.intro ? renderMarkdown(s.intro) : undefined,
    events: s.events.map(event),
  }));
  const all = [...featured, ...sections.flatMap((s) => s.events)];

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
      color,
      tint: mixColors(color, '#ffffff', FEATURED_TINT),
      darkTint: mixColors(color, DARK_CARD, FEATURED_DARK_TINT),
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
    hero: issue.hero_image ? image(issue.hero_image, EMAIL_WIDTH) : undefined,
    featuredLabel: issue.featured_label ?? pub.featured_label,
    // Sorted by start (stable, so events at the same time keep the file's order).
    glance: (issue.glance ?? pub.glance) ? [...all].sort((a, b) => a.start.localeCompare(b.start)) : undefined,
    featured,
    sections,
    urls: { web: urls.web, weekIcs: urls.weekIcs, calendar: subscribedCalendarUrls(pub.site_url), unsubscribe: PLACEHOLDERS.unsubscribeUrl },
  };
}

type Urls = ReturnType<typeof issueUrls>;

function imageView(i: IssueImage, max: number, catalog: ImageCatalog | undefined, asset: Urls['asset']): ImageView {
  if (!isLocalImagePath(i.src)) return { src: i.src, alt: i.alt, width: max };
  const file = catalog?.get(i.src);
  const src = asset(imageAsset(i.src));
  if (!file) return { src, alt: i.alt, width: max };
  const width = Math.min(file.width, max);
  return { src, alt: i.alt, width, height: Math.round((file.height * width) / file.width) };
}

function eventView(e: IssueEvent, zone: string, sendDay: string | null, urls: Urls, image: (i: IssueImage, max: number) => ImageView): EventView {
  const id = eventId(e);
  const allDay = isAllDay(e.start);
  const start = toDateTime(e.start, zone).setLocale(LOCALE);
  const end = eventEnd(e, zone).setLocale(LOCALE);
  const place = e.location
    ? { name: e.location.name, address: e.location.address, mapUrl: e.location.url ?? mapUrl(e.location.name, e.location.address), ownMap: e.location.url !== undefined }
    : undefined;
  const description = e.description ? renderMarkdown(e.description, { breaks: true }) : undefined;
  const forCalendar = {
    title: e.title,
    start,
    end,
    allDay,
    location: place ? [place.name, place.address].filter(Boolean).join(', ') : e.online,
    details: description?.text,
  };
  return {
    id,
    anchor: `event-${id}`,
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
    image: e.image ? image(e.image, CONTENT_WIDTH) : undefined,
    calendar: {
      page: urls.eventPage(id),
      google: googleCalendarUrl(forCalendar),
      outlook: outlookCalendarUrl(forCalendar, 'live'),
      office365: outlookCalendarUrl(forCalendar, 'office'),
      ics: urls.eventIcs(id),
    },
    glance: { day: start.toFormat('ccc, LLL d'), time: allDay ? 'All day' : time(start) },
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
