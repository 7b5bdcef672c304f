import type { EventView } from '../../src/issue/view';
import { FONT, TEXT } from '../theme';
import { eventBody } from './event-body';
import { css, h, type Children } from './markup';
import { pictureImg } from './picture';

/** One event of a section (as emails/components/EventItem.tsx). */
export function eventItem(event: EventView, color: string): Children {
  return [
    h(
      'mj-text',
      { 'padding-top': '8px' },
      h('h3', { id: event.anchor, style: css({ margin: '0 0 6px', fontFamily: FONT, fontSize: '19px', lineHeight: '26px', color: TEXT }) }, event.title),
      event.image && h('div', { style: css({ margin: '4px 0 10px' }) }, pictureImg(event.image, '4px')),
    ),
    eventBody(event, color),
  ];
}
