import { createHash } from 'node:crypto';
import TurndownService from 'turndown';
import { EVENT_ID, type IssueEvent, type IssueLink } from '../issue/schema';
import { isSafeUrl } from '../util/links';
import type { CalendarEvent } from './expand';

/**
 * A calendar event as an issue event: SUMMARY → title, LOCATION → location (or `online:` with
 * the meeting link), DESCRIPTION → Markdown, URL → the first link, UID (+ instance date) → id.
 * Nothing from the feed is markup: HTML descriptions go through turndown, every character that
 * Markdown or HTML would read is escaped, and only https/http/mailto links are kept.
 */
export function toIssueEvent(e: CalendarEvent): IssueEvent {
  const links: IssueLink[] = [];
  const addLink = (label: string, url: string | undefined) => {
    if (url && isSafeUrl(url) && !links.some((l) => l.url === url)) links.push({ label, url });
  };
  addLink('Event page', e.url);

  const place = mapLocation(e.location);
  // The join link: the feed's conference field (Google, Teams), else, for a place such as "Zoom"
  // or "Microsoft Teams Meeting", the first meeting link in the description (where Outlook and
  // most organizers paste it).
  const conference = place.link ? undefined : (meetingFromText(e.conference) ?? (place.online ? meetingFromText(e.description) : undefined));
  if (place.link) addLink(place.link.label, place.link.url);
  if (conference) addLink(`Join on ${conference.platform}`, conference.url);

  const event: IssueEvent = { id: eventIdFor(e.uid, e.instance), title: oneLine(e.title), start: e.start };
  if (e.end) event.end = e.end;
  if (place.location) event.location = place.location;
  const online = place.online ?? conference?.platform;
  if (online) event.online = online;
  const description = e.description ? descriptionToMarkdown(e.description, e.descriptionIsHtml) : '';
  if (description) event.description = description;
  if (links.length) event.links = links;
  return event;
}

// ---------------------------------------------------------------- ids

/**
 * A stable id from the UID (and, for an instance of a recurring event, its original date), the
 * same every time the calendar is read: the readable part of the UID and a short hash of all of
 * it, since two UIDs may differ only in characters an id cannot hold.
 */
export function eventIdFor(uid: string, instance?: string): string {
  const hash = createHash('sha256').update(uid).digest('hex').slice(0, 6);
  const readable = uid
    .replace(/@.*$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  const date = instance ? `-${instance.replace(/-/g, '')}` : '';
  const id = `${readable ? `${readable}-` : 'cal-'}${hash}${date}`;
  if (!EVENT_ID.test(id)) throw new Error(`calendar id out of pattern: ${id}`);
  return id;
}

// ---------------------------------------------------------------- location

const MEETINGS: { platform: string; host: RegExp }[] = [
  { platform: 'Zoom', host: /(^|\.)zoom\.(us|com)$|(^|\.)zoomgov\.com$/ },
  { platform: 'Google Meet', host: /^meet\.google\.com$/ },
  { platform: 'Microsoft Teams', host: /^teams\.(microsoft|live)\.com$/ },
  { platform: 'Jitsi', host: /(^|\.)jit\.si$|(^|\.)jitsi\./ },
];

export interface MappedLocation {
  location?: IssueEvent['location'];
  online?: string;
  /** The meeting's link, for the event's links. */
  link?: IssueLink;
}

/** The meeting platform of a URL, if it is a Zoom, Meet, Teams or Jitsi link. */
export function meetingPlatform(url: string): string | undefined {
  let host: string;
  try {
    const u = new URL(url);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return undefined;
    host = u.hostname.toLowerCase();
  } catch {
    return undefined;
  }
  return MEETINGS.find((m) => m.host.test(host))?.platform;
}

function meetingFromText(text: string | undefined): { platform: string; url: string } | undefined {
  for (const match of text?.match(/https?:\/\/[^\s<>"',;|]+/g) ?? []) {
    const url = match.replace(/[).:!?]+$/, '');
    const platform = meetingPlatform(url);
    if (platform && isSafeUrl(url)) return { platform, url };
  }
  return undefined;
}

/** "Online", "Zoom", "Microsoft Teams Meeting", "Virtual event": a platform name, not a place. */
const ONLINE_WORDS = /^(online|virtual|zoom|google meet|microsoft teams|teams|jitsi(?: meet)?)(?: (?:meeting|event|call|only))?$/i;
const PLATFORM_NAMES: Record<string, string> = { zoom: 'Zoom', 'google meet': 'Google Meet', 'microsoft teams': 'Microsoft Teams', teams: 'Microsoft Teams', jitsi: 'Jitsi', 'jitsi meet': 'Jitsi' };

/**
 * LOCATION as the editor would write it:
 * - a meeting URL (Zoom, Meet, Teams, Jitsi), alone or after a name → `online:` and a join link;
 * - "Online", "Zoom", "Microsoft Teams Meeting", "Virtual event" → `online:`;
 * - a map link (Google Maps, Apple Maps, OpenStreetMap) → a place linked to the map, named by the
 *   link's place or query when it has one;
 * - "Grand Park, 200 N Grand Ave, Los Angeles, CA 90012" → name "Grand Park", address the rest,
 *   split at the first comma when what follows looks like a street address (a house number, or
 *   a postcode further on) and what precedes does not; Apple Calendar's "Grand Park\n200 N Grand
 *   Ave, …" splits at the line break, and Meetup's "Library (4641 E Cesar Chavez Ave, Los Angeles,
 *   CA)" at the parenthesis;
 * - anything else → the name alone.
 */
export function mapLocation(raw: string | undefined): MappedLocation {
  const text = raw ? oneLine(raw) : '';
  if (!text) return {};
  const lines = raw!.split(/\r?\n/).map(oneLine).filter(Boolean);
  if (lines.length > 1 && !meetingFromText(text) && !/^\d/.test(lines[0]!) && looksLikeStreetAddress(lines.slice(1).join(', '))) {
    return { location: { name: lines[0]!.replace(/,$/, ''), address: lines.slice(1).join(', ') } };
  }
  const map = mapPlace(text);
  if (map) return { location: map };
  const meeting = meetingFromText(text);
  if (meeting) {
    const rest = oneLine(text.replace(meeting.url, '').replace(/\(\s*\)/g, '').replace(/^[\s,;:|/–.-]+|[\s,;:|/–(.-]+$/g, ''));
    const other = rest && !ONLINE_WORDS.test(rest) ? mapLocation(rest) : {};
    return { location: other.location, online: meeting.platform, link: { label: `Join on ${meeting.platform}`, url: meeting.url } };
  }
  const platform = ONLINE_WORDS.exec(text);
  if (platform) return { online: PLATFORM_NAMES[platform[1]!.toLowerCase()] ?? 'Online' };
  if (/^https?:\/\//i.test(text) && isSafeUrl(text)) {
    // A link that is not a known meeting: an online event with its page as the place's link.
    return { online: 'Online', link: { label: 'Join online', url: text } };
  }
  const paren = /^([^()]+?)\s*\(([^()]+)\)$/.exec(text);
  if (paren && !/^\d/.test(paren[1]!) && /\p{L}.*\d|\d.*\p{L}/u.test(paren[2]!) && paren[2]!.length >= 6 && looksLikeStreetAddress(paren[2]!)) return { location: { name: paren[1]!, address: paren[2]! } };
  const comma = text.indexOf(',');
  if (comma > 0) {
    const name = text.slice(0, comma).trim();
    const rest = text.slice(comma + 1).trim();
    if (name && rest && looksLikeStreetAddress(rest) && !/^\d/.test(name)) return { location: { name, address: rest } };
  }
  return { location: { name: text } };
}

const MAP_HOSTS = /^(www\.)?google\.[a-z.]+$|^maps\.google\.[a-z.]+$|^maps\.app\.goo\.gl$|^goo\.gl$|^maps\.apple\.com$|^(www\.)?openstreetmap\.org$|^osm\.org$/;

/** A map link as LOCATION: a place (not an online event), named from the link where it says. */
function mapPlace(text: string): IssueEvent['location'] | undefined {
  if (!/^https?:\/\/\S+$/i.test(text) || !isSafeUrl(text)) return undefined;
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return undefined;
  }
  const host = u.hostname.toLowerCase();
  if (!MAP_HOSTS.test(host)) return undefined;
  if (/^(www\.)?google\./.test(host) && !u.pathname.startsWith('/maps')) return undefined;
  if (host === 'goo.gl' && !u.pathname.startsWith('/maps')) return undefined;
  const fromPath = /\/maps\/(?:place|search)\/([^/@]+)/.exec(u.pathname)?.[1];
  const named = fromPath ? safeDecode(fromPath.replace(/\+/g, ' ')) : (u.searchParams.get('q') ?? u.searchParams.get('query') ?? u.searchParams.get('address') ?? '');
  const name = oneLine(named);
  return { name: name && !/^-?\d+(\.\d+)?,\s*-?\d+(\.\d+)?$/.test(name) ? name : 'Map', url: text };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** "200 N Grand Ave, …", "Suite 4, 12 Main St", "…, CA 90012", "…, SW1A 1AA", "…, 75011 Paris". */
export function looksLikeStreetAddress(s: string): boolean {
  if (/^\d+[a-z]?\b/i.test(s)) return true;
  if (/\b\d{1,6}\s+\p{L}/u.test(s) && /,/.test(s)) return true;
  if (/\b[A-Z]{2}\s+\d{5}(-\d{4})?\b/.test(s)) return true; // US state + ZIP
  if (/\b\d{4,5}\s+\p{L}+/u.test(s)) return true; // 75011 Paris, 10115 Berlin
  if (/\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b/.test(s)) return true; // UK postcode
  return false;
}

// ---------------------------------------------------------------- description

// A line break (<br>, or a line of a plain-text description) is a Markdown hard break: a backslash
// at the end of the line (trailing spaces, the other form, do not survive editing).
const turndown = new TurndownService({ headingStyle: 'atx', bulletListMarker: '-', emDelimiter: '*', strongDelimiter: '**', linkStyle: 'inlined', br: '\\' });
turndown.remove(['script', 'style', 'iframe', 'object', 'embed', 'noscript', 'template', 'head', 'title', 'meta', 'form', 'button', 'select', 'textarea', 'svg', 'canvas', 'video', 'audio']);
// The issue's Markdown has no headings, images or code blocks: keep their text.
turndown.addRule('headings-as-bold', { filter: ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'], replacement: (content) => (content.trim() ? `\n\n**${content.trim()}**\n\n` : '') });
turndown.addRule('images-as-alt', {
  filter: 'img',
  replacement: (_content, node) => {
    const alt = (node as unknown as { getAttribute(n: string): string | null }).getAttribute('alt');
    return alt ? turndown.escape(alt) : '';
  },
});
turndown.addRule('pre-as-text', { filter: ['pre'], replacement: (content) => `\n\n${content}\n\n` });
turndown.addRule('code-as-text', { filter: ['code'], replacement: (content) => content });
turndown.addRule('safe-links', {
  filter: 'a',
  replacement: (content, node) => {
    const href = ((node as unknown as { getAttribute(n: string): string | null }).getAttribute('href') ?? '').trim();
    const label = content.replace(/\s+/g, ' ').trim();
    const url = encodeParens(href);
    if (!href || !isSafeUrl(url)) return label;
    // A link whose text is its address stays a bare address (the issue's Markdown links those).
    if (!label || label === turndown.escape(href) || label === href) return /^[\w:/?#@!$&'+,;=.%~-]+$/.test(url) ? url : `[${turndown.escape(href)}](${url})`;
    return `[${label}](${url})`;
  },
});
// Besides Markdown's own characters, escape what HTML would read: no raw tag reaches the issue.
const baseEscape = turndown.escape.bind(turndown);
turndown.escape = (s: string) => baseEscape(s).replace(/[<>]/g, (c) => `\\${c}`);

function encodeParens(url: string): string {
  return url.replace(/\(/g, '%28').replace(/\)/g, '%29');
}

/**
 * DESCRIPTION as Markdown: HTML (Google Calendar writes it) through turndown; plain text (the
 * RFC's form, which most exporters write) escaped line by line, with its bare links kept.
 */
export function descriptionToMarkdown(source: string, isHtml: boolean): string {
  const html = isHtml ? source : plainToHtml(source);
  return tidy(turndown.turndown(html));
}

function plainToHtml(text: string): string {
  const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return text
    .replace(/\r\n?/g, '\n')
    // Outlook writes a link as "Click here to join the meeting<https://…>": the address, bare.
    .replace(/(\S?)<((?:https?:\/\/|mailto:)[^\s<>"]+)>/g, (_m, before: string, url: string) => `${before}${before ? ' ' : ''}${url}`)
    // Outlook's and Teams' separator lines (a row of underscores) are not text.
    .replace(/^[ \t]*_{10,}[ \t]*$/gm, '')
    .split(/\n{2,}/)
    .map((para) => `<p>${para.split('\n').map((line) => linkify(line, escapeHtml)).join('<br>')}</p>`)
    .join('');
}

function linkify(line: string, escapeHtml: (s: string) => string): string {
  let out = '';
  let last = 0;
  for (const m of line.matchAll(/\b(?:https?:\/\/|mailto:)[^\s<>"]+[^\s<>".,;:!?)'\]]/g)) {
    out += escapeHtml(line.slice(last, m.index));
    out += `<a href="${escapeHtml(m[0])}">${escapeHtml(m[0])}</a>`;
    last = m.index! + m[0].length;
  }
  return out + escapeHtml(line.slice(last));
}

function tidy(md: string): string {
  return (
    md
      .replace(/\u00a0/g, ' ')
      .split('\n')
      .map((l) => l.replace(/[ \t]+$/, '').replace(/^(\s*(?:-|\d+\.))\s{2,}/, '$1 '))
      // A break on a line of its own (<br><br>) is a paragraph break.
      .map((l) => (/^\s*\\$/.test(l) ? '' : l))
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim()
      // A break that ends a paragraph would show as a backslash.
      .replace(/(?<!\\)\\(?=\n\n|$)/g, '')
      .replace(/\n{3,}/g, '\n\n')
      .trim()
      // After a bare address the backslash would join the link: the two-space form there.
      .replace(/((?:https?:\/\/|mailto:)[^\s\\)]*)\\\n/g, '$1  \n')
  );
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
