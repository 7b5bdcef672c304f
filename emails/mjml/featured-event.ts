import type { EventView } from '../../src/issue/view';
import { FONT, RULE, TEXT } from '../theme';
import { eventBody } from './event-body';
import { css, h, type Element } from './markup';

/** The headline event: shown first and large (as emails/components/FeaturedEvent.tsx). */
export function featuredEvent(event: EventView, color: string): Element {
  return h(
    'mj-section',
    { 'css-class': 'nl-card', 'background-color': '#ffffff', padding: '24px 24px 12px', 'border-bottom': `1px solid ${RULE}` },
    h(
      'mj-column',
      {},
      h('mj-text', {}, h('h2', { style: css({ margin: '0 0 10px', fontFamily: FONT, fontSize: '24px', lineHeight: '30px', color: TEXT }) }, event.title)),
      eventBody(event, color),
    ),
  );
}
