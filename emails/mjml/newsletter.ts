import type { IssueView } from '../../src/issue/view';
import { featuredDarkCss, FONT, PAGE, RULE, SHARED_CSS, SHARED_DARK_CSS, TEXT } from '../theme';
import { eventSection } from './event-section';
import { featuredEvent } from './featured-event';
import { footer } from './footer';
import { glance } from './glance';
import { header } from './header';
import { h, rich, serialize, styleSheet } from './markup';
import { pictureImg } from './picture';

/**
 * The shared rules (../theme), plus MJML's own markup: it draws a section as a <div> around a
 * <table>, so the card colour is set on both, and a button's class sits on the cell around its link.
 */
const css = (darkTint: string) =>
  styleSheet(
    SHARED_CSS,
    '@media (prefers-color-scheme: dark) {',
    SHARED_DARK_CSS,
    `  .nl-card, .nl-card > table { background-color: #161b22 !important; }
  .nl-card .nl-button a, .nl-featured .nl-button a { color: #ffffff !important; }
  .nl-card .nl-button-secondary a, .nl-featured .nl-button-secondary a { color: #1f2328 !important; }`,
    featuredDarkCss(darkTint),
    '}',
  );

/** The whole email as MJML markup (as emails/Newsletter.tsx): every YAML value escaped by ./markup. */
export function newsletterMjml(view: IssueView): string {
  const color = view.publication.color;
  const doc = h(
    'mjml',
    { lang: view.lang, dir: 'ltr' },
    h(
      'mj-head',
      {},
      h('mj-title', {}, view.subject),
      view.preheader && h('mj-preview', {}, view.preheader),
      h(
        'mj-attributes',
        {},
        h('mj-all', { 'font-family': FONT }),
        h('mj-column', { padding: '0' }),
        h('mj-text', { padding: '0', 'font-size': '16px', 'line-height': '24px', color: TEXT }),
        h('mj-button', { align: 'left', padding: '4px 0 8px', 'inner-padding': '10px 18px', 'border-radius': '4px', 'font-size': '15px', 'line-height': '20px' }),
      ),
      h('mj-style', {}, css(view.publication.darkTint)),
      h('mj-raw', {}, h('meta', { name: 'color-scheme', content: 'light dark' }), h('meta', { name: 'supported-color-schemes', content: 'light dark' })),
    ),
    h(
      'mj-body',
      { 'background-color': PAGE, width: '600px', 'css-class': 'nl-body' },
      header(view),
      view.hero && h('mj-section', { 'css-class': 'nl-card', 'background-color': '#ffffff', padding: '0' }, h('mj-column', {}, h('mj-text', {}, pictureImg(view.hero)))),
      view.intro &&
        h(
          'mj-section',
          { 'css-class': 'nl-card', 'background-color': '#ffffff', padding: '20px 24px 4px', 'border-bottom': `1px solid ${RULE}` },
          h('mj-column', {}, h('mj-text', {}, h('div', { class: 'rich' }, rich(view.intro)))),
        ),
      view.glance && glance(view.glance, color),
      view.featured.map((e) => featuredEvent(e, color, view.publication.tint, view.featuredLabel)),
      view.sections.map((s) => eventSection(s, color)),
      footer(view),
    ),
  );
  return serialize(doc);
}
