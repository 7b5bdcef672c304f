import { Heading } from '@react-email/heading';
import { Link } from '@react-email/link';
import { Section } from '@react-email/section';
import type { EventView } from '../../src/issue/view';
import { GLANCE_DAY_WIDTH, kicker, RULE, TEXT } from '../theme';

/** "This week at a glance": day and time, and the title linking to the event further down. */
export function Glance({ events, color }: { events: EventView[]; color: string }) {
  return (
    <Section className="nl-glance" style={{ padding: '16px 24px 12px', borderBottom: `1px solid ${RULE}` }}>
      <Heading as="h2" style={kicker(color)}>
        This week at a glance
      </Heading>
      <table role="presentation" width="100%" cellPadding="0" cellSpacing="0" border={0} style={{ borderCollapse: 'collapse' }}>
        <tbody>
          {events.map((e) => (
            <tr key={e.id}>
              <td width={String(GLANCE_DAY_WIDTH)} style={{ width: `${GLANCE_DAY_WIDTH}px`, padding: '6px 10px 6px 0', borderTop: `1px solid ${RULE}` }}>
                <p style={{ margin: 0, fontSize: '14px', lineHeight: '20px', fontWeight: 700, color: TEXT }}>{e.glance.day}</p>
                <p style={{ margin: 0, fontSize: '14px', lineHeight: '20px', color: TEXT }}>{e.glance.time}</p>
              </td>
              <td style={{ padding: '6px 0', borderTop: `1px solid ${RULE}` }}>
                <p style={{ margin: 0, fontSize: '16px', lineHeight: '22px' }}>
                  <Link href={`#${e.anchor}`} style={{ color: TEXT, textDecoration: 'underline' }}>
                    {e.title}
                  </Link>
                </p>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}
