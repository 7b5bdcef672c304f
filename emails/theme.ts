import type { CSSProperties } from 'react';

/** Shared look of the email; colours chosen to stay readable when a client inverts them for dark mode. */
export const FONT = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Helvetica, Arial, sans-serif";
export const TEXT = '#1f2328';
export const MUTED = '#57606a';
export const RULE = '#d8dee4';
export const PAGE = '#f3f4f6';

export const paragraph: CSSProperties = { fontSize: '16px', lineHeight: '24px', margin: '0 0 12px', color: TEXT };
export const small: CSSProperties = { fontSize: '13px', lineHeight: '20px', margin: '0 0 8px', color: MUTED };

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
`;

/** Dark-mode rules both engines share; they go inside `@media (prefers-color-scheme: dark)`. */
export const SHARED_DARK_CSS = `
  .nl-body { background-color: #0d1117 !important; }
  .nl-card p, .nl-card h2, .nl-card h3, .nl-card li, .nl-card .rich { color: #e6edf3 !important; }
  .nl-card a { color: #9ecbff !important; }
  .nl-card .nl-header p, .nl-card .nl-header h1, .nl-card .nl-header a { color: #ffffff !important; }
`;
