import { doIUseEmail } from '@jsx-email/doiuse-email';

/**
 * Which HTML and CSS features of a rendered email the mail clients most subscribers use do not
 * support, from caniemail.com's data (through @jsx-email/doiuse-email, which bundles it).
 */

/** Gmail, Outlook, Apple Mail and Yahoo, on every platform caniemail tests them on. */
export const EMAIL_CLIENTS = ['gmail.*', 'outlook.*', 'apple-mail.*', 'yahoo.*'] as const;

export interface AllowedFeature {
  /** The feature's title in caniemail's data, as doiuse-email names it. */
  feature: string;
  /** Only for these clients (doiuse-email's names); every client when absent. */
  clients?: readonly string[];
  reason: string;
}

const STYLE_SHEET_ONLY_IN_SOME = ['gmail.mobile-webmail', 'outlook.windows', 'outlook.windows-mail'];
const STYLE_SHEET_REASON =
  'the <style> block is progressive enhancement: every style the layout needs is inline, and its ' +
  'rules only add Markdown spacing, dark mode and (MJML) wide-screen columns; Gmail\'s web app for ' +
  'non-Google accounts and Outlook for Windows ignore them and show the inline-styled email';
const PREHEADER_REASON =
  'the hidden preheader (React Email\'s <Preview>, MJML\'s mj-preview) stacks several ways of hiding ' +
  'text, the standard technique of both libraries; a client that honours none shows the preheader, ' +
  'which is the issue\'s own summary line';

/**
 * Features both templates use on purpose, or that the engines add and we cannot remove, with
 * why each is harmless where it is missing. Anything not listed here is reported by `check`.
 */
export const ALLOWED_FEATURES: readonly AllowedFeature[] = [
  ...['Class selector', 'Type selector', 'ID selector', 'Descendant combinator', 'Chaining selectors', '@media'].map(
    (feature) => ({ feature, clients: STYLE_SHEET_ONLY_IN_SOME, reason: STYLE_SHEET_REASON }),
  ),
  {
    feature: '<body> element',
    reason: 'these clients replace <body> with a <div> of their own; the background and width are repeated on inline-styled wrappers inside it',
  },
  { feature: 'display:none', reason: PREHEADER_REASON },
  { feature: 'opacity', reason: PREHEADER_REASON },
  { feature: 'overflow', reason: PREHEADER_REASON },
  {
    feature: 'overflow-wrap',
    reason: 'breaks long words and URLs on narrow screens where supported (beside the legacy word-wrap, which caniemail does not track); elsewhere the text simply does not break early',
  },
  {
    feature: 'word-break',
    reason: "word-break:break-word (inline on React's card, and on every MJML mj-text) keeps a long URL from widening the layout on a phone; clients without it may show a sideways scroll for such a word",
  },
  { feature: 'border-radius', clients: ['outlook.windows', 'outlook.windows-mail'], reason: 'Outlook for Windows draws the buttons with square corners; nothing else changes' },
  { feature: 'role attribute', reason: 'role="presentation" on layout tables is required for screen readers (see ./accessibility); a client that drops it only loses that hint' },
  { feature: 'aria-label attribute', reason: "MJML's skeleton labels the email's wrapper for screen readers; a client that drops it only loses the label" },
  { feature: 'target attribute', reason: 'target="_blank" (React Email links, MJML buttons): Gmail and Yahoo open every link in a new tab anyway' },
  { feature: 'text-decoration-line', reason: "React Email's Button sets text-decoration-line:none beside text-decoration:none, which these clients do support" },
  { feature: 'word-spacing', reason: "MJML's skeleton resets word-spacing:normal on the body; ignoring it changes nothing" },
  {
    feature: 'Local anchors',
    clients: ['gmail.ios', 'outlook.android', 'outlook.ios', 'yahoo.android', 'yahoo.ios'],
    reason:
      '"This week at a glance" links each title to its event further down (href="#event-…"); in these apps the link does nothing, and the event is still a short scroll away under its own heading',
  },
  { feature: 'outline', reason: "MJML's reset style sheet removes image outlines; Outlook for Windows draws none anyway" },
];

export interface UnsupportedFeature {
  feature: string;
  /** The clients (doiuse-email's names, e.g. gmail.ios) that do not support it, sorted. */
  clients: string[];
}

const NOT_SUPPORTED = /^`(.+)` is not supported by `(.+)`$/;

/** Features of `html` some of EMAIL_CLIENTS do not support at all, minus ALLOWED_FEATURES. */
export function unsupportedFeatures(html: string, allowed: readonly AllowedFeature[] = ALLOWED_FEATURES): UnsupportedFeature[] {
  const result = doIUseEmail(html, { emailClients: [...EMAIL_CLIENTS] });
  if (result.success) return [];
  const byFeature = new Map<string, Set<string>>();
  for (const message of result.errors) {
    const m = NOT_SUPPORTED.exec(message);
    // A message in another form (a newer doiuse-email) is still reported, whole, rather than lost.
    const [feature, client] = m ? [m[1]!, m[2]!] : [message, ''];
    if (allowed.some((a) => a.feature === feature && (!a.clients || a.clients.includes(client)))) continue;
    const clients = byFeature.get(feature) ?? new Set<string>();
    if (client) clients.add(client);
    byFeature.set(feature, clients);
  }
  return [...byFeature].map(([feature, clients]) => ({ feature, clients: [...clients].sort() }));
}
