import { Body, Container, Head, Html, Preview, Section } from '@react-email/components';
import type { IssueView } from '../src/issue/view';
import { EventSection } from './components/EventSection';
import { FeaturedEvent } from './components/FeaturedEvent';
import { Footer } from './components/Footer';
import { Header } from './components/Header';
import { Rich } from './components/Rich';
import { FONT, PAGE, TEXT } from './theme';

/**
 * Classes for what inline styles cannot do: spacing inside editor Markdown, long words on narrow
 * phones, and dark mode for clients that honour prefers-color-scheme (Apple Mail, iOS).
 * Clients that drop <style> (some Gmail apps) still get the inline styles.
 */
const CSS = `
.rich p { margin: 0 0 12px; font-size: 16px; line-height: 24px; }
.rich ul, .rich ol { margin: 0 0 12px; padding-left: 22px; font-size: 16px; line-height: 24px; }
.rich a { color: inherit; text-decoration: underline; }
.nl-card { word-wrap: break-word; overflow-wrap: break-word; }
@media (prefers-color-scheme: dark) {
  .nl-body { background-color: #0d1117 !important; }
  .nl-card { background-color: #161b22 !important; }
  .nl-body > table > tbody > tr > td { background-color: #0d1117 !important; }
  .nl-card p, .nl-card h2, .nl-card h3, .nl-card li, .nl-card .rich { color: #e6edf3 !important; }
  .nl-card a { color: #9ecbff !important; }
  .nl-card .nl-header p, .nl-card .nl-header h1, .nl-card .nl-header a { color: #ffffff !important; }
  .nl-card a.nl-button { color: #ffffff !important; }
  .nl-card a.nl-button-secondary { color: #e6edf3 !important; }
}
`;

export interface NewsletterProps {
  view: IssueView;
}

export default function Newsletter({ view }: NewsletterProps) {
  const color = view.publication.color;
  return (
    <Html lang={view.lang} dir="ltr">
      <Head>
        <meta name="color-scheme" content="light dark" />
        <meta name="supported-color-schemes" content="light dark" />
        <title>{view.subject}</title>
        <style>{CSS}</style>
      </Head>
      {view.preheader ? <Preview>{view.preheader}</Preview> : null}
      <Body className="nl-body" style={{ backgroundColor: PAGE, margin: 0, padding: '16px 0', fontFamily: FONT, color: TEXT }}>
        {/* word-break (inline, so clients that drop <style> keep it): tables grow to fit their longest
            word, and overflow-wrap alone does not shrink that, so a long URL would widen a phone's page. */}
        <Container className="nl-card" style={{ maxWidth: '600px', width: '100%', backgroundColor: '#ffffff', wordBreak: 'break-word' }}>
          <Header view={view} />
          {view.featured.map((e) => (
            <FeaturedEvent key={e.id} event={e} color={color} />
          ))}
          {view.intro ? (
            <Section style={{ padding: '20px 24px 4px' }}>
              <Rich value={view.intro} />
            </Section>
          ) : null}
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
