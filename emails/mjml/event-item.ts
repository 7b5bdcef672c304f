import type { EventView } from '../../src/issue/view';
import { FONT, TEXT } from '../theme';
import { eventBody } from './event-body';
import { css, h, type Children } from './markup';

/** One event of a section (as emails/components/EventItem.tsx). */
export function eventItem(event: EventView, color: string): Children {
  return [
    h(
      'mj-text',
      { 'padding-top': '8px' },
      h('h3', { style: css({ margin: '0 0 6px', fontFamily: FONT, fontSize: '19px', lineHeight: '26px', color: TEXT }) }, event.title),
    ),
    eventBody(event, color),
  ];
}
