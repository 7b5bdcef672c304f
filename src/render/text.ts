import type { EventView, ImageView, IssueView } from '../issue/view';

/**
 * The plain-text part, written from the view rather than stripped from the HTML, so it reads well
 * on its own: headings underlined, one event after another, links as `label: url`, pictures as
 * their text alternatives, and one short "Add to calendar" link per event (its page on site_url)
 * instead of calendar links hundreds of characters long.
 */
export function renderText(view: IssueView): string {
  const out: string[] = [];
  const pub = view.publication;
  out.push(pub.name.toUpperCase(), underline(view.title, '='), '');
  out.push(`View in browser: ${view.urls.web}`, '');
  if (view.hero) out.push(picture(view.hero), '');
  if (view.intro) out.push(view.intro.text, '');
  if (view.glance) {
    out.push(underline('This week at a glance', '='), '');
    for (const e of view.glance) out.push(`${e.glance.day}, ${e.glance.time}: ${e.title}`);
    out.push('');
  }
  if (view.featured.length) {
    out.push(underline(view.featuredLabel, '='), '');
    for (const e of view.featured) out.push(...eventText(e, '*'), '');
  }
  for (const s of view.sections) {
    out.push(underline(s.title, '='), '');
    if (s.intro) out.push(s.intro.text, '');
    for (const e of s.events) out.push(...eventText(e, '-'), '');
  }
  out.push('-- ');
  if (pub.calendarUrl) out.push(`Full calendar of events: ${pub.calendarUrl}`);
  out.push(`This week's events (.ics): ${view.urls.weekIcs}`);
  out.push(`Subscribe to every event (calendar app): ${view.urls.calendar.webcal}`, `Calendar address (https): ${view.urls.calendar.https}`);
  for (const s of pub.social) out.push(`${s.label}: ${s.url}`);
  out.push('', pub.reason, `${pub.name} · ${pub.postalAddress}`, '', `Unsubscribe: ${view.urls.unsubscribe}`);
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}

function eventText(e: EventView, rule: string): string[] {
  const lines = [underline(e.title, rule), `${e.today ? '(TODAY) ' : ''}${e.when}`];
  if (e.place) lines.push(`Where: ${e.place.name}${e.place.address ? ` – ${e.place.address}` : ''}`);
  // The editor's own map link; a generated map search (150 characters) is on the event's page instead.
  if (e.place?.ownMap) lines.push(`Map: ${e.place.mapUrl}`);
  if (e.online) lines.push(`Online: ${e.online}`);
  if (e.image) lines.push('', picture(e.image));
  if (e.description) lines.push('', e.description.text);
  for (const d of e.details) lines.push('', `${d.label}: ${d.text.text}`);
  if (e.notes.length) lines.push('', ...e.notes);
  if (e.links.length) lines.push('', ...e.links.map((l) => `${l.label}: ${l.url}`));
  lines.push('', `${e.place && !e.place.ownMap ? 'Map and calendar' : 'Add to calendar'}: ${e.calendar.page}`);
  return lines;
}

/** A picture in words: its text alternative, which `check` asks to say what it shows. */
function picture(image: ImageView): string {
  return `[Picture: ${image.alt}]`;
}

function underline(text: string, char: string): string {
  return `${text}\n${char.repeat(Math.min(Array.from(text).length, 72))}`;
}
