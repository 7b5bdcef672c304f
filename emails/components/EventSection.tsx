import { Heading } from '@react-email/heading';
import { Section } from '@react-email/section';
import type { SectionView } from '../../src/issue/view';
import { kicker, RULE } from '../theme';
import { EventItem } from './EventItem';
import { Rich } from './Rich';

/** A heading ("Neighborhood Meetings") and its events. */
export function EventSection({ section, color }: { section: SectionView; color: string }) {
  return (
    <Section style={{ padding: '16px 24px 8px', borderBottom: `1px solid ${RULE}` }}>
      <Heading as="h2" style={kicker(color)}>
        {section.title}
      </Heading>
      {section.intro ? <Rich value={section.intro} /> : null}
      {section.events.map((e) => (
        <EventItem key={e.id} event={e} color={color} />
      ))}
    </Section>
  );
}
