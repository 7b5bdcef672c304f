import { Body } from '@react-email/body';
import { Container } from '@react-email/container';
import { Head } from '@react-email/head';
import { Html } from '@react-email/html';
import { Preview } from '@react-email/preview';
import { Section } from '@react-email/section';
import type { IssueView } from '../src/issue/view';
import { EventSection } from './components/EventSection';
import { FeaturedEvent } from './components/FeaturedEvent';
import { Footer } from './components/Footer';
import { Glance } from './components/Glance';
import { Header } from './components/Header';
import { Picture } from './components/Picture';
import { Rich } from './components/Rich';
import { featuredDarkCss, FONT, PAGE, RULE, SHARED_CSS, SHARED_DARK_CSS, TEXT } from './theme';

/**
 * The shared rules (./theme), plus React Email's own markup: its Body draws the page colour on an
 * inner cell, and its buttons are the links themselves. Clients that drop <style> (some Gmail
 * apps) still get the inline styles.
 */
const css = (darkTint: string) => `${SHARED_CSS}
@media (prefers-color-scheme: dark) {${SHARED_DARK_CSS}
  .nl-card { background-color: #161b22 !important; }
  .nl-body > table > tbody > tr > td { background-color: #0d1117 !important; }
  .nl-card a.nl-button { color: #ffffff !important; }
  .nl-card a.nl-button-secondary { color: #e6edf3 !important; background-color: transparent !important; }
${featuredDarkCss(darkTint)}}
`;

export interface NewsletterProps {
  view: IssueView;
}

export default function Newsletter({ view }: NewsletterProps) {
  const color = view.publication.color;
  return (
    <Html lang={view.lang} dir="ltr">
      <Head>
        {/* Without it a phone's browser lays the web version out 980 px wide and shrinks it. */}
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <meta name="supported-color-schemes" content="light dark" />
        <title>{view.subject}</title>
        <style>{css(view.publication.darkTint)}</style>
      </Head>
      {view.preheader ? <Preview>{view.preheader}</Preview> : null}
      <Body className="nl-body" style={{ backgroundColor: PAGE, margin: 0, padding: '16px 0', fontFamily: FONT, color: TEXT }}>
        {/* word-break (inline, so clients that drop <style> keep it): tables grow to fit their longest
            word, and overflow-wrap alone does not shrink that, so a long URL would widen a phone's page. */}
        <Container className="nl-card" style={{ maxWidth: '600px', width: '100%', backgroundColor: '#ffffff', wordBreak: 'break-word' }}>
          <Header view={view} />
          {view.hero ? (
            <Section>
              <Picture image={view.hero} />
            </Section>
          ) : null}
          {view.intro ? (
            <Section style={{ padding: '20px 24px 4px', borderBottom: `1px solid ${RULE}` }}>
              <Rich value={view.intro} />
            </Section>
          ) : null}
          {view.glance ? <Glance events={view.glance} color={color} /> : null}
          {view.featured.map((e) => (
            <FeaturedEvent key={e.id} event={e} color={color} tint={view.publication.tint} labelText={view.featuredLabel} />
          ))}
          {view.sections.map((s, i) => (
            <EventSection key={i} section={s} color={color} />
          ))}
          <Footer view={view} />
        </Container>
      </Body>
    </Html>
  );
}

// `npm run email:dev` (react-email's own preview) renders the template with the seed issue. A getter,
// so that rendering in the program never reads the seed files.
Object.defineProperty(Newsletter, 'PreviewProps', {
  get: (): NewsletterProps => (require('./preview-props') as typeof import('./preview-props')).seedPreviewProps(),
});
