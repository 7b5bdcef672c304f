import { Heading } from '@react-email/heading';
import { Section } from '@react-email/section';
import type { EventView } from '../../src/issue/view';
import { FONT, label, RULE, TEXT } from '../theme';
import { EventBody } from './EventBody';
import { Picture } from './Picture';

/** The headline event: first after the intro, on a card tinted with the brand colour, under its label. */
export function FeaturedEvent({ event, color, tint, labelText }: { event: EventView; color: string; tint: string; labelText: string }) {
  return (
    <Section className="nl-featured" style={{ backgroundColor: tint, padding: '24px 24px 16px', borderTop: `4px solid ${color}`, borderBottom: `1px solid ${RULE}` }}>
      <p style={{ margin: '0 0 12px', fontFamily: FONT }}>
        <span style={label(color)}>{labelText}</span>
      </p>
      <Heading as="h2" id={event.anchor} className="nl-featured-title" style={{ margin: '0 0 10px', fontFamily: FONT, fontSize: '26px', lineHeight: '32px', color: TEXT }}>
        {event.title}
      </Heading>
      {event.image ? (
        <div style={{ margin: '4px 0 14px' }}>
          <Picture image={event.image} radius="4px" />
        </div>
      ) : null}
      <EventBody event={event} color={color} featured />
    </Section>
  );
}
