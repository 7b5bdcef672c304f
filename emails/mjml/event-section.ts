import type { SectionView } from '../../src/issue/view';
import { kicker, RULE } from '../theme';
import { eventItem } from './event-item';
import { css, h, rich, type Element } from './markup';

/** A heading ("Neighborhood Meetings") and its events (as emails/components/EventSection.tsx). */
export function eventSection(section: SectionView, color: string): Element {
  return h(
    'mj-section',
    { 'css-class': 'nl-card', 'background-color': '#ffffff', padding: '16px 24px 8px', 'border-bottom': `1px solid ${RULE}` },
    h(
      'mj-column',
      {},
      h(
        'mj-text',
        {},
        h(
          'h2',
          { style: css(kicker(color)) },
          section.title,
        ),
        section.intro && h('div', { class: 'rich' }, rich(section.intro)),
      ),
      section.events.map((e) => eventItem(e, color)),
    ),
  );
}
