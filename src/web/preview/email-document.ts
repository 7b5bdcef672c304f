/**
 * Small changes to an email's HTML for showing it in the preview's frame. The email itself is
 * never changed for sending; these only apply to what the preview serves.
 */

/** Links in the email open a new tab rather than replacing the email inside its frame. */
export function withLinksInNewTab(html: string): string {
  return html.replace(/<head(\s[^>]*)?>/i, (m) => `${m}<base target="_blank">`);
}

const DARK_QUERY = /@media\s*\(\s*prefers-color-scheme\s*:\s*dark\s*\)/gi;
const LIGHT_QUERY = /@media\s*\(\s*prefers-color-scheme\s*:\s*light\s*\)/gi;

/**
 * The email as a dark-mode client that honours the email's own styles shows it (Apple Mail, iOS
 * Mail): its `prefers-color-scheme: dark` rules apply and the page's colour scheme is dark.
 * A frame cannot be told that its reader prefers dark (Chromium does not pass the embedding
 * element's color-scheme on as the frame's preference), so the media queries are switched here.
 * Clients that invert colours on their own (Gmail's apps, Outlook) are not imitated.
 */
export function asDarkMode(html: string): string {
  const switched = html.replace(DARK_QUERY, '@media all').replace(LIGHT_QUERY, '@media not all');
  return switched.replace(/<head(\s[^>]*)?>/i, (m) => `${m}<style>:root { color-scheme: dark; }</style>`);
}
