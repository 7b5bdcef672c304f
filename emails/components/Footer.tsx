import { Link } from '@react-email/link';
import { Section } from '@react-email/section';
import { Text } from '@react-email/text';
import { WEB_UNSUBSCRIBE_NOTE, type IssueView } from '../../src/issue/view';
import { MUTED, small } from '../theme';

/** Calendar and social links, why the reader gets this, the postal address, web version, unsubscribe. */
export function Footer({ view }: { view: IssueView }) {
  const pub = view.publication;
  const link = { color: MUTED, textDecoration: 'underline' };
  return (
    <Section style={{ padding: '20px 24px 28px' }}>
      <Text style={small}>
        {pub.calendarUrl ? (
          <>
            <Link href={pub.calendarUrl} style={link}>
              Full calendar of events
            </Link>
            {' · '}
          </>
        ) : null}
        <Link href={view.urls.weekIcs} style={link}>
          This week's events (.ics)
        </Link>
      </Text>
      <Text style={small}>
        Every event in your calendar, updated each week:{' '}
        <Link href={view.urls.calendar.webcal} style={link}>
          Subscribe
        </Link>
        {' · '}
        <Link href={view.urls.calendar.https} style={link}>
          Calendar address (https)
        </Link>
      </Text>
      {pub.social.length ? (
        <Text style={small}>
          Follow us:{' '}
          {pub.social.map((s, i) => (
            <span key={s.url}>
              {i > 0 ? ' · ' : ''}
              <Link href={s.url} style={link}>
                {s.label}
              </Link>
            </span>
          ))}
        </Text>
      ) : null}
      <Text style={small}>{pub.reason}</Text>
      <Text style={small}>
        {pub.name} · {pub.postalAddress}
      </Text>
      {view.medium === 'web' ? (
        // The web version is one page for everyone: an unsubscribe link here could only be a
        // placeholder, so readers are sent to the personal link in their own email.
        <Text style={small}>{WEB_UNSUBSCRIBE_NOTE}</Text>
      ) : (
        <Text style={small}>
          <Link href={view.urls.web} style={link}>
            View in browser
          </Link>
          {' · '}
          <Link href={view.urls.unsubscribe} style={link}>
            Unsubscribe
          </Link>
        </Text>
      )}
    </Section>
  );
}
