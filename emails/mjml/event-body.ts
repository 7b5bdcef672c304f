import type { EventView } from '../../src/issue/view';
import { MUTED, paragraph, small, TEXT } from '../theme';
import { css, h, rich, type Children } from './markup';

/** Everything about one event below its title; shared by featured and section events (as emails/components/EventBody.tsx). */
export function eventBody(event: EventView, color: string): Children {
  const line = css({ ...paragraph, margin: '0 0 6px' });
  const calendarLink = css({ color: MUTED, textDecoration: 'underline' });
  return [
    h(
      'mj-text',
      {},
      h('p', { style: css({ ...paragraph, fontWeight: 700, margin: '0 0 6px' }) }, event.today && h('span', { style: css({ color }) }, '(TODAY) '), event.when),
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
    // is the primary call to action, filled with the brand colour; the others are outlined.
    event.links.map((l, i) =>
      h(
        'mj-button',
        i === 0
          ? { href: l.url, 'css-class': 'nl-button', 'background-color': color, color: '#ffffff', 'font-weight': '700' }
          : { href: l.url, 'css-class': 'nl-button-secondary', 'background-color': '#ffffff', color: TEXT, border: `2px solid ${color}`, 'inner-padding': '8px 16px' },
        l.label,
      ),
    ),
    h(
      'mj-text',
      { 'padding-top': '4px' },
      h(
        'p',
        { style: css(small) },
        'Add to calendar: ',
        h('a', { href: event.calendar.google, style: calendarLink }, 'Google Calendar'),
        ' · ',
        h('a', { href: event.calendar.ics, style: calendarLink }, 'Apple / Outlook (.ics)'),
      ),
    ),
  ];
}
