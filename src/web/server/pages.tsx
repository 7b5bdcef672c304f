import crypto from 'node:crypto';
import type { ReactNode } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';

/**
 * The public server's own pages, rendered with React so every value (the publication's name,
 * the masked address) is escaped. One inline style sheet, allowed by its hash in the
 * Content-Security-Policy; no script, no images, nothing loaded from elsewhere.
 */

const FALLBACK_COLOR = '#EC1F27';

/** RFC 8058's field: the confirm form sends exactly what a mail provider's one-click POST sends. */
export const ONE_CLICK_FIELD = 'List-Unsubscribe';
export const ONE_CLICK_VALUE = 'One-Click';

export interface PageStyle {
  css: string;
  /** For the Content-Security-Policy's style-src. */
  cspHash: string;
}

export function pageStyle(brandColor: string): PageStyle {
  const color = /^#[0-9a-fA-F]{6}$/.test(brandColor) ? brandColor : FALLBACK_COLOR;
  const css = `
:root { color-scheme: light dark; }
* { box-sizing: border-box; }
body { margin: 0; padding: 48px 16px; font: 17px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: #f4f4f5; color: #18181b; }
main { max-width: 460px; margin: 0 auto; background: #fff; border-top: 6px solid ${color}; border-radius: 8px; padding: 28px 24px; }
.publication { margin: 0 0 4px; font-size: 14px; font-weight: 600; letter-spacing: .04em; text-transform: uppercase; color: #52525b; }
h1 { margin: 0 0 12px; font-size: 24px; line-height: 1.25; }
p { margin: 0 0 16px; }
.address { font-weight: 600; overflow-wrap: anywhere; }
button { font: inherit; font-weight: 600; color: #fff; background: ${color}; border: 0; border-radius: 6px; padding: 12px 22px; cursor: pointer; }
button:focus-visible { outline: 3px solid #18181b; outline-offset: 2px; }
.note { font-size: 14px; color: #52525b; margin: 16px 0 0; }
a { color: inherit; }
.issues { list-style: none; margin: 0 0 16px; padding: 0; }
.issues li { margin: 0 0 14px; overflow-wrap: anywhere; }
.issues time, .issues .title { display: block; font-size: 14px; color: #52525b; }
.issues a { font-weight: 600; }
label { display: block; font-weight: 600; margin: 0 0 14px; }
label .optional { font-weight: 400; color: #52525b; }
input[type=email], input[type=text] { display: block; width: 100%; margin-top: 4px; font: inherit; padding: 10px 12px; border: 1px solid #a1a1aa; border-radius: 6px; background: #fff; color: #18181b; }
input:focus-visible { outline: 3px solid ${color}; outline-offset: 1px; }
.error { color: #b91c1c; font-weight: 600; }
.hp { position: absolute; left: -10000px; width: 1px; height: 1px; overflow: hidden; }
.secondary { color: #18181b; background: transparent; border: 2px solid #52525b; }
@media (prefers-color-scheme: dark) {
  body { background: #18181b; color: #f4f4f5; }
  main { background: #27272a; }
  .publication, .note, label .optional, .issues time, .issues .title { color: #a1a1aa; }
  input[type=email], input[type=text] { background: #18181b; color: #f4f4f5; border-color: #71717a; }
  .error { color: #fca5a5; }
  .secondary { color: #f4f4f5; border-color: #a1a1aa; }
  button:focus-visible { outline-color: #f4f4f5; }
}
`;
  return { css, cspHash: `'sha256-${crypto.createHash('sha256').update(css).digest('base64')}'` };
}

export function page(style: PageStyle, title: string, body: ReactNode, opts: { alternate?: string } = {}): string {
  return (
    '<!doctype html>' +
    renderToStaticMarkup(
      <html lang="en">
        <head>
          <meta charSet="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          {opts.alternate ? null : <meta name="robots" content="noindex" />}
          <title>{title}</title>
          {opts.alternate ? <link rel="alternate" type="application/atom+xml" title={title} href={opts.alternate} /> : null}
          <style dangerouslySetInnerHTML={{ __html: style.css }} />
        </head>
        <body>
          <main>{body}</main>
        </body>
      </html>,
    )
  );
}

export interface SubscriberPageInput {
  publication: string;
  maskedAddress: string;
}

/** GET /u/<token>: asks; changes nothing (mail scanners open every link). */
export function confirmPage(style: PageStyle, p: SubscriberPageInput): string {
  return page(
    style,
    `Unsubscribe from ${p.publication}`,
    <>
      <p className="publication">{p.publication}</p>
      <h1>Unsubscribe?</h1>
      <p>
        <span className="address">{p.maskedAddress}</span> will no longer get emails from {p.publication}.
      </p>
      {/* No action attribute: the form posts to this same address, whatever prefix a proxy adds. */}
      <form method="post">
        <input type="hidden" name={ONE_CLICK_FIELD} value={ONE_CLICK_VALUE} />
        <button type="submit">Unsubscribe</button>
      </form>
      <p className="note">Nothing changes until you press the button.</p>
    </>,
  );
}

/** The unsubscribed page's undo button posts this field, to the same /u/<token> address. */
export const RESUBSCRIBE_FIELD = 'resubscribe';
export const RESUBSCRIBE_VALUE = 'yes';

/**
 * After the POST, and on GET when the address is already unsubscribed. A mistaken click is undone
 * in one step: the button posts back to the same link (when the unsubscribe was the person's own).
 */
export function unsubscribedPage(style: PageStyle, p: SubscriberPageInput & { canResubscribe?: boolean }): string {
  return page(
    style,
    `Unsubscribed from ${p.publication}`,
    <>
      <p className="publication">{p.publication}</p>
      <h1>You are unsubscribed</h1>
      <p>
        <span className="address">{p.maskedAddress}</span> will get no more emails from {p.publication}.
      </p>
      {p.canResubscribe === false ? null : (
        <form method="post">
          <input type="hidden" name={RESUBSCRIBE_FIELD} value={RESUBSCRIBE_VALUE} />
          <p className="note">Did you click by mistake?</p>
          <button type="submit" className="secondary">
            Resubscribe
          </button>
        </form>
      )}
    </>,
  );
}

/** After the undo: on the list again. */
export function resubscribedPage(style: PageStyle, p: SubscriberPageInput): string {
  return page(
    style,
    `Subscribed to ${p.publication}`,
    <>
      <p className="publication">{p.publication}</p>
      <h1>You are subscribed again</h1>
      <p>
        <span className="address">{p.maskedAddress}</span> will get {p.publication} again. The link at the bottom of every email unsubscribes you.
      </p>
    </>,
  );
}

/** The placeholder link of a test send: it names no subscriber. */
export function testMessagePage(style: PageStyle, publication: string): string {
  return page(
    style,
    `${publication}: test message`,
    <>
      <p className="publication">{publication}</p>
      <h1>This was a test message</h1>
      <p>Test sends carry a placeholder unsubscribe link. Nothing was changed.</p>
    </>,
  );
}

/** Every refusal (unknown link, bad method, too large…): says what kind, never why in detail. */
export function errorPage(style: PageStyle, title: string, text: string): string {
  return page(
    style,
    title,
    <>
      <h1>{title}</h1>
      <p>{text}</p>
    </>,
  );
}

export interface ArchiveEntry {
  /** "March 22, 2021", in the publication's zone. */
  date: string;
  /** ISO date for <time>. */
  isoDate: string;
  subject: string;
  title: string;
  /** Relative to /issues/: `2021-03-22/`. */
  href: string;
}

export interface ArchivePageInput {
  publication: string;
  issues: readonly ArchiveEntry[];
  /** Relative to /issues/. */
  feedHref: string;
  calendarWebcal: string;
  calendarHttps: string;
}

/** GET /issues/: every sent issue, newest first, and where to follow them (feed, calendar). */
export function archivePage(style: PageStyle, p: ArchivePageInput): string {
  return page(
    style,
    `${p.publication}: all issues`,
    <>
      <p className="publication">{p.publication}</p>
      <h1>All issues</h1>
      {p.issues.length === 0 ? (
        <p>No issue has been sent yet.</p>
      ) : (
        <ul className="issues">
          {p.issues.map((i) => (
            <li key={i.href}>
              <time dateTime={i.isoDate}>{i.date}</time>
              <a href={i.href}>{i.subject}</a>
              {i.title !== i.subject ? <span className="title">{i.title}</span> : null}
            </li>
          ))}
        </ul>
      )}
      <p className="note">
        Follow new issues in a feed reader: <a href={p.feedHref}>Atom feed</a>. Every event in one calendar:{' '}
        <a href={p.calendarWebcal}>subscribe</a> (or add <a href={p.calendarHttps}>this address</a> to your calendar app).
      </p>
    </>,
    { alternate: p.feedHref },
  );
}
