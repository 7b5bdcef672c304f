import type { EventView, IssueView } from '../issue/view';

/**
 * The plain-text part, written from the view rather than stripped from the HTML, so it reads well
 * on its own: headings underlined, one event after another, links as `label: url`.
 */
export function renderText(view: IssueView): string {
  const out: string[] = [];
  const pub = view.publication;
  out.push(pub.name.toUpperCase(), underline(view.title, '='), '');
  out.push(`View in browser: ${view.urls.web}`, '');
  for (const e of view.featured) out.push(...eventText(e, '*'), '');
  if (view.intro) out.push(view.intro.text, '');
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
  if (e.place) lines.push(`Where: ${e.place.name}${e.place.address ? ` – ${e.place.address}` : ''}`, `Map: ${e.place.mapUrl}`);
  if (e.online) lines.push(`Online: ${e.online}`);
  if (e.description) lines.push('', e.description.text);
  for (const d of e.details) lines.push('', `${d.label}: ${d.text.text}`);
  if (e.notes.length) lines.push('', ...e.notes);
  if (e.links.length) lines.push('', ...e.links.map((l) => `${l.label}: ${l.url}`));
  lines.push('', `Add to Google Calendar: ${e.calendar.google}`, `Add to calendar (.ics): ${e.calendar.ics}`);
  return lines;
}

function underline(text: string, char: string): string {
  return `${text}\n${char.repeat(Math.min(Array.from(text).length, 72))}`;
}
