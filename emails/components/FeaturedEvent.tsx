import { Heading, Section } from '@react-email/components';
import type { EventView } from '../../src/issue/view';
import { FONT, RULE, TEXT } from '../theme';
import { EventBody } from './EventBody';

/** The headline event: shown first and large. */
export function FeaturedEvent({ event, color }: { event: EventView; color: string }) {
  return (
    <Section style={{ padding: '24px 24px 12px', borderBottom: `1px solid ${RULE}` }}>
      <Heading as="h2" style={{ margin: '0 0 10px', fontFamily: FONT, fontSize: '24px', lineHeight: '30px', color: TEXT }}>
        {event.title}
      </Heading>
      <EventBody event={event} color={color} />
    </Section>
  );
}
