import type { IssueView } from '../../src/issue/view';
import { FONT } from '../theme';
import { css, h, type Element } from './markup';

/** The publication's name or logo, the issue title and the web-version link (as emails/components/Header.tsx). */
export function header(view: IssueView): Element {
  const { publication: pub } = view;
  return h(
    'mj-section',
    { 'css-class': 'nl-header', 'background-color': pub.color, padding: '20px 24px' },
    h(
      'mj-column',
      {},
      h(
        'mj-text',
        {},
        // A plain <img> rather than mj-image: mj-image stretches the logo to the column width,
        // and the logo's own width is not known here; a fixed height with width:auto keeps its shape.
        pub.logoUrl
          ? h('img', { src: pub.logoUrl, alt: pub.logoAlt, height: '48', style: css({ display: 'block', height: '48px', width: 'auto', border: '0', margin: '0 0 8px' }) })
          : h(
              'p',
              { style: css({ margin: '0 0 4px', fontSize: '14px', lineHeight: '24px', fontWeight: 700, letterSpacing: '0.04em', textTransform: 'uppercase', color: '#ffffff' }) },
              pub.name,
            ),
        h('h1', { class: 'nl-title', style: css({ margin: 0, fontFamily: FONT, fontSize: '26px', lineHeight: '32px', color: '#ffffff' }) }, view.title),
        view.medium === 'email' &&
          h(
            'p',
            { style: css({ margin: '6px 0 0', fontSize: '13px', lineHeight: '18px', color: '#ffffff' }) },
            h('a', { href: view.urls.web, style: css({ color: '#ffffff', textDecoration: 'underline' }) }, 'View this email in your browser'),
          ),
      ),
    ),
  );
}
