import type { EventView } from '../../src/issue/view';
import { GLANCE_DAY_WIDTH, kicker, RULE, TEXT } from '../theme';
import { css, h, type Element } from './markup';

/** "This week at a glance": day and time, and the title linking to the event further down (as emails/components/Glance.tsx). */
export function glance(events: EventView[], color: string): Element {
  const cell = (extra: string) => css({ padding: extra, borderTop: `1px solid ${RULE}` });
  return h(
    'mj-section',
    { 'css-class': 'nl-card nl-glance', 'background-color': '#ffffff', padding: '16px 24px 12px', 'border-bottom': `1px solid ${RULE}` },
    h(
      'mj-column',
      {},
      h(
        'mj-text',
        {},
        h('h2', { style: css(kicker(color)) }, 'This week at a glance'),
        h(
          'table',
          { role: 'presentation', width: '100%', cellpadding: '0', cellspacing: '0', border: '0', style: css({ borderCollapse: 'collapse' }) },
          h(
            'tbody',
            {},
            events.map((e) =>
              h(
                'tr',
                {},
                h(
                  'td',
                  { width: String(GLANCE_DAY_WIDTH), style: css({ width: `${GLANCE_DAY_WIDTH}px` }) + ';' + cell('6px 10px 6px 0') },
                  h('p', { style: css({ margin: 0, fontSize: '14px', lineHeight: '20px', fontWeight: 700, color: TEXT }) }, e.glance.day),
                  h('p', { style: css({ margin: 0, fontSize: '14px', lineHeight: '20px', color: TEXT }) }, e.glance.time),
                ),
                h(
                  'td',
                  { style: cell('6px 0') },
                  h('p', { style: css({ margin: 0, fontSize: '16px', lineHeight: '22px' }) }, h('a', { href: `#${e.anchor}`, style: css({ color: TEXT, textDecoration: 'underline' }) }, e.title)),
                ),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}
