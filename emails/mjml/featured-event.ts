import type { EventView } from '../../src/issue/view';
import { FONT, label, RULE, TEXT } from '../theme';
import { eventBody } from './event-body';
import { css, h, type Element } from './markup';
import { pictureImg } from './picture';

/** The headline event: first after the intro, on a card tinted with the brand colour, under its label (as emails/components/FeaturedEvent.tsx). */
export function featuredEvent(event: EventView, color: string, tint: string, labelText: string): Element {
  return h(
    'mj-section',
    { 'css-class': 'nl-card nl-featured', 'background-color': tint, padding: '24px 24px 16px', 'border-top': `4px solid ${color}`, 'border-bottom': `1px solid ${RULE}` },
    h(
      'mj-column',
      {},
      h(
        'mj-text',
        {},
        h('p', { style: css({ margin: '0 0 12px', fontFamily: FONT }) }, h('span', { style: css(label(color)) }, labelText)),
        h('h2', { id: event.anchor, class: 'nl-featured-title', style: css({ margin: '0 0 10px', fontFamily: FONT, fontSize: '26px', lineHeight: '32px', color: TEXT }) }, event.title),
        event.image && h('div', { style: css({ margin: '4px 0 14px' }) }, pictureImg(event.image, '4px')),
      ),
      eventBody(event, color, true),
    ),
  );
}
