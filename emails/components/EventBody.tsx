import { Button } from '@react-email/button';
import { Link } from '@react-email/link';
import { Text } from '@react-email/text';
import type { EventView } from '../../src/issue/view';
import { calendarLine, ICS_LABEL, calendarLink, MUTED, paragraph, primaryButton, TEXT } from '../theme';
import { Rich } from './Rich';

/** Everything about one event below its title; shared by featured and section events. */
export function EventBody({ event, color, featured = false }: { event: EventView; color: string; featured?: boolean }) {
  const direct = { color: MUTED, textDecoration: 'underline' };
  return (
    <>
      <Text style={{ ...paragraph, fontWeight: 700, margin: '0 0 6px' }}>
        {event.today ? (
          <span className="nl-today" style={{ color }}>
            (TODAY){' '}
          </span>
        ) : null}
        {event.when}
      </Text>
      {event.place ? (
        <Text style={{ ...paragraph, margin: '0 0 6px' }}>
          <Link href={event.place.mapUrl} style={{ color: TEXT, textDecoration: 'underline' }}>
            {event.place.name}
            {event.place.address ? ` – ${event.place.address}` : ''}
          </Link>
        </Text>
      ) : null}
      {event.online ? <Text style={{ ...paragraph, margin: '0 0 6px' }}>Online: {event.online}</Text> : null}
      {event.description ? <Rich value={event.description} /> : null}
      {event.details.map((d, i) => (
        <div key={i} className="rich">
          <Text style={{ ...paragraph, margin: '0 0 4px', fontWeight: 700 }}>{d.label}:</Text>
          <div dangerouslySetInnerHTML={{ __html: d.text.html }} />
        </div>
      ))}
      {event.notes.map((n, i) => (
        <Text key={i} style={{ ...paragraph, fontStyle: 'italic', color: MUTED }}>
          {n}
        </Text>
      ))}
      {event.links.map((l, i) => (
        <Button
          key={i}
          href={l.url}
          className={i === 0 ? 'nl-button' : 'nl-button-secondary'}
          style={
            i === 0
              ? { ...primaryButton(color, featured), margin: '4px 8px 8px 0' }
              : { border: `2px solid ${color}`, backgroundColor: '#ffffff', color: TEXT, borderRadius: '4px', padding: '8px 16px', fontSize: '15px', lineHeight: '20px', margin: '4px 8px 8px 0' }
          }
        >
          {l.label}
        </Button>
      ))}
      {/* One calm link to the event's page on site_url (Google, Outlook.com, Office 365, .ics); the
          headline event keeps the two direct links most readers use. */}
      <Text style={calendarLine}>
        <Link href={event.calendar.page} style={calendarLink}>
          Add to calendar
        </Link>
        {featured ? (
          <>
            {' · '}
            <Link href={event.calendar.google} style={direct}>
              Google Calendar
            </Link>
            {' · '}
            <Link href={event.calendar.ics} style={direct}>
              {ICS_LABEL}
            </Link>
          </>
        ) : null}
      </Text>
    </>
  );
}
