import type { EventView } from '../../src/issue/view';
import { calendarLine, ICS_LABEL, calendarLink, MUTED, paragraph, TEXT } from '../theme';
import { css, h, rich, type Children } from './markup';

/** Everything about one event below its title; shared by featured and section events (as emails/components/EventBody.tsx). */
export function eventBody(event: EventView, color: string, featured = false): Children {
  const line = css({ ...paragraph, margin: '0 0 6px' });
  const direct = css({ color: MUTED, textDecoration: 'underline' });
  return [
    h(
      'mj-text',
      {},
      h('p', { style: css({ ...paragraph, fontWeight: 700, margin: '0 0 6px' }) }, event.today && h('span', { class: 'nl-today', style: css({ color }) }, '(TODAY) '), event.when),
      event.place &&
        h(
          'p',
          { style: line },
          h('a', { href: event.place.mapUrl, style: css({ color: TEXT, textDecoration: 'underline' }) }, event.place.name, event.place.address ? ` – ${event.place.address}` : ''),
        ),
      event.online && h('p', { style: line }, `Online: ${event.online}`),
      event.description && h('div', { class: 'rich' }, rich(event.description)),
      event.details.map((d) => h('div', { class: 'rich' }, h('p', { style: css({ ...paragraph, margin: '0 0 4px', fontWeight: 700 }) }, `${d.label}:`), rich(d.text))),
      event.notes.map((n) => h('p', { style: css({ ...paragraph, fontStyle: 'italic', color: MUTED }) }, n)),
    ),
    // One mj-button per link: a table-based button that Outlook for Windows draws too. The first
    // is the primary call to action, filled with the brand colour (larger on the headline event);
    // the others are outlined.
    event.links.map((l, i) =>
      h(
        'mj-button',
        i === 0
          ? {
              href: l.url,
              'css-class': 'nl-button',
              'background-color': color,
              color: '#ffffff',
              'font-weight': '700',
              ...(featured ? { 'inner-padding': '14px 28px', 'font-size': '17px', 'line-height': '22px' } : {}),
            }
          : { href: l.url, 'css-class': 'nl-button-secondary', 'background-color': '#ffffff', color: TEXT, border: `2px solid ${color}`, 'inner-padding': '8px 16px' },
        l.label,
      ),
    ),
    // One calm link to the event's page on site_url; the headline event keeps the direct links.
    h(
      'mj-text',
      { 'padding-top': '4px' },
      h(
        'p',
        { style: css(calendarLine) },
        h('a', { href: event.calendar.page, style: css(calendarLink) }, 'Add to calendar'),
        featured && [' · ', h('a', { href: event.calendar.google, style: direct }, 'Google Calendar'), ' · ', h('a', { href: event.calendar.ics, style: direct }, ICS_LABEL)],
      ),
    ),
  ];
}
