import { Heading } from '@react-email/heading';
import { Section } from '@react-email/section';
import type { EventView } from '../../src/issue/view';
import { FONT, TEXT } from '../theme';
import { EventBody } from './EventBody';
import { Picture } from './Picture';

/** One event of a section. */
export function EventItem({ event, color }: { event: EventView; color: string }) {
  return (
    <Section style={{ padding: '8px 0 8px' }}>
      <Heading as="h3" id={event.anchor} style={{ margin: '0 0 6px', fontFamily: FONT, fontSize: '19px', lineHeight: '26px', color: TEXT }}>
        {event.title}
      </Heading>
      {event.image ? (
        <div style={{ margin: '4px 0 10px' }}>
          <Picture image={event.image} radius="4px" />
        </div>
      ) : null}
      <EventBody event={event} color={color} />
    </Section>
  );
}
