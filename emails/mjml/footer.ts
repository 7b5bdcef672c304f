import { WEB_UNSUBSCRIBE_NOTE, type IssueView } from '../../src/issue/view';
import { MUTED, small } from '../theme';
import { css, h, type Element } from './markup';

/** Calendar and social links, why the reader gets this, the postal address, web version, unsubscribe (as emails/components/Footer.tsx). */
export function footer(view: IssueView): Element {
  const pub = view.publication;
  const p = (...children: Parameters<typeof h>[2][]) => h('p', { style: css(small) }, ...children);
  const link = (href: string, label: string) => h('a', { href, style: css({ color: MUTED, textDecoration: 'underline' }) }, label);
  return h(
    'mj-section',
    { 'css-class': 'nl-card', 'background-color': '#ffffff', padding: '20px 24px 28px' },
    h(
      'mj-column',
      {},
      h(
        'mj-text',
        {},
        p(pub.calendarUrl && [link(pub.calendarUrl, 'Full calendar of events'), ' · '], link(view.urls.weekIcs, "This week's events (.ics)")),
        p('Every event in your calendar, updated each week: ', link(view.urls.calendar.webcal, 'Subscribe'), ' · ', link(view.urls.calendar.https, 'Calendar address (https)')),
        pub.social.length > 0 && p('Follow us: ', pub.social.map((s, i) => [i > 0 && ' · ', link(s.url, s.label)])),
        p(pub.reason),
        p(`${pub.name} · ${pub.postalAddress}`),
        // The web version is one page for everyone, so it cannot hold a per-recipient unsubscribe link.
        view.medium === 'web' ? p(WEB_UNSUBSCRIBE_NOTE) : p(link(view.urls.web, 'View in browser'), ' · ', link(view.urls.unsubscribe, 'Unsubscribe')),
      ),
    ),
  );
}
