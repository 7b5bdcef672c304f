import type { CSSProperties } from 'react';

/** Shared look of the email; colours chosen to stay readable when a client inverts them for dark mode. */
export const FONT = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Helvetica, Arial, sans-serif";
export const TEXT = '#1f2328';
export const MUTED = '#57606a';
export const RULE = '#d8dee4';
export const PAGE = '#f3f4f6';

/** Inner width of a card: the email's 600 px less 24 px padding on each side. */
export const CARD_PADDING = '24px';

export const paragraph: CSSProperties = { fontSize: '16px', lineHeight: '24px', margin: '0 0 12px', color: TEXT };
export const small: CSSProperties = { fontSize: '13px', lineHeight: '20px', margin: '0 0 8px', color: MUTED };

/** The one calm calendar link under each event. */
export const calendarLine: CSSProperties = { fontSize: '14px', lineHeight: '22px', margin: '0 0 8px', color: MUTED };
export const calendarLink: CSSProperties = { color: TEXT, fontWeight: 700, textDecoration: 'underline' };

/** The glance list's day-and-time column: "Wed, Mar 31" in 14 px bold, with room to breathe. */
export const GLANCE_DAY_WIDTH = 100;

/** The direct .ics link's label, with non-breaking spaces so it wraps as one piece on a phone. */
export const ICS_LABEL = 'Apple\u00a0/\u00a0Outlook\u00a0(.ics)';

/** Section headings and "This week at a glance": small capitals in the brand colour. */
export const kicker = (color: string): CSSProperties => ({
  margin: '0 0 8px',
  fontFamily: FONT,
  fontSize: '14px',
  lineHeight: '20px',
  letterSpacing: '0.06em',
  textTransform: 'uppercase',
  color,
});

/** The featured card's label ("This week's headline"): white on the brand colour, like the buttons. */
export const label = (color: string): CSSProperties => ({
  display: 'inline-block',
  backgroundColor: color,
  color: '#ffffff',
  fontSize: '12px',
  lineHeight: '16px',
  fontWeight: 700,
  letterSpacing: '0.06em',
  textTransform: 'uppercase',
  padding: '4px 10px',
  borderRadius: '3px',
});

/** A picture: never wider than its file or the column, scaled down with the phone. */
export const picture = (width: number): CSSProperties => ({
  display: 'block',
  width: '100%',
  maxWidth: `${width}px`,
  height: 'auto',
  border: '0',
  outline: 'none',
  textDecoration: 'none',
});

export const primaryButton = (color: string, featured: boolean): CSSProperties => ({
  backgroundColor: color,
  color: '#ffffff',
  borderRadius: '4px',
  padding: featured ? '14px 28px' : '10px 18px',
  fontSize: featured ? '17px' : '15px',
  lineHeight: featured ? '22px' : '20px',
  fontWeight: 700,
});

/**
 * Style-sheet rules both engines share, for what inline styles cannot do: spacing inside editor
 * Markdown, long words on narrow phones, and dark mode for clients that honour
 * prefers-color-scheme (Apple Mail, iOS). Each engine adds the rules its own markup needs.
 */
export const SHARED_CSS = `
.rich p { margin: 0 0 12px; font-size: 16px; line-height: 24px; }
.rich ul, .rich ol { margin: 0 0 12px; padding-left: 22px; font-size: 16px; line-height: 24px; }
.rich a { color: inherit; text-decoration: underline; }
.nl-card { word-wrap: break-word; overflow-wrap: break-word; }
.nl-glance td { vertical-align: top; }
@media only screen and (max-width: 480px) {
  .nl-title { font-size: 22px !important; line-height: 28px !important; }
  .nl-featured-title { font-size: 22px !important; line-height: 28px !important; }
}
@media only screen and (max-width: 360px) {
  .nl-title { font-size: 20px !important; line-height: 26px !important; }
}
`;

/** Dark-mode rules that depend on the brand colour: the featured card's tint. */
export function featuredDarkCss(darkTint: string): string {
  if (!/^#[0-9A-Fa-f]{6}$/.test(darkTint)) throw new Error(`not a colour: ${darkTint}`);
  return `  .nl-featured, .nl-featured > table, .nl-featured > tbody > tr > td { background-color: ${darkTint} !important; }
`;
}

/** Dark-mode rules both engines share; they go inside `@media (prefers-color-scheme: dark)`. */
export const SHARED_DARK_CSS = `
  .nl-body { background-color: #0d1117 !important; }
  .nl-card p, .nl-card h2, .nl-card h3, .nl-card li, .nl-card .rich { color: #e6edf3 !important; }
  .nl-card a { color: #9ecbff !important; }
  .nl-card .nl-today { color: #ff9a9e !important; }
  .nl-card .nl-header p, .nl-card .nl-header h1, .nl-card .nl-header a { color: #ffffff !important; }
`;
