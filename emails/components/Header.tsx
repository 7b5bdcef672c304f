import { Heading } from '@react-email/heading';
import { Img } from '@react-email/img';
import { Link } from '@react-email/link';
import { Section } from '@react-email/section';
import { Text } from '@react-email/text';
import type { IssueView } from '../../src/issue/view';
import { FONT } from '../theme';

export function Header({ view }: { view: IssueView }) {
  const { publication: pub } = view;
  return (
    <Section className="nl-header" style={{ backgroundColor: pub.color, padding: '20px 24px' }}>
      {pub.logoUrl ? (
        <Img src={pub.logoUrl} alt={pub.logoAlt} height="48" style={{ display: 'block', height: '48px', width: 'auto', margin: '0 0 8px' }} />
      ) : (
        <Text style={{ margin: '0 0 4px', fontSize: '14px', fontWeight: 700, letterSpacing: '0.04em', textTransform: 'uppercase', color: '#ffffff' }}>
          {pub.name}
        </Text>
      )}
      <Heading as="h1" className="nl-title" style={{ margin: 0, fontFamily: FONT, fontSize: '26px', lineHeight: '32px', color: '#ffffff' }}>
        {view.title}
      </Heading>
      {view.medium === 'email' ? (
        <Text style={{ margin: '6px 0 0', fontSize: '13px', lineHeight: '18px', color: '#ffffff' }}>
          <Link href={view.urls.web} style={{ color: '#ffffff', textDecoration: 'underline' }}>
            View this email in your browser
          </Link>
        </Text>
      ) : null}
    </Section>
  );
}
