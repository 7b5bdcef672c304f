import { page, type PageStyle } from './pages';

/** The signup's pages: the form, "check your inbox", the confirm button, and what follows. */

/** The honeypot: a field people never see (hidden by the style sheet, skipped by keyboard and screen readers). */
export const HONEYPOT_FIELD = 'website';
/** The form's signed timestamp. */
export const STAMP_FIELD = 'stamp';

export interface FormInput {
  publication: string;
  stamp: string;
  email?: string;
  name?: string;
  /** Shown above the form (a refused address, or "press the button once more"). */
  error?: string;
  notice?: string;
}

export function signupFormPage(style: PageStyle, p: FormInput): string {
  return page(
    style,
    `Subscribe to ${p.publication}`,
    <>
      <p className="publication">{p.publication}</p>
      <h1>Subscribe</h1>
      {p.error ? (
        <p className="error" role="alert">
          {p.error}
        </p>
      ) : null}
      {p.notice ? <p role="status">{p.notice}</p> : null}
      {!p.error && !p.notice ? <p>Get {p.publication} by email. We send you a link to confirm first.</p> : null}
      {/* No action attribute: the form posts to this same address, whatever prefix a proxy adds. */}
      <form method="post">
        <label>
          Email
          <input type="email" name="email" required autoComplete="email" maxLength={254} defaultValue={p.email ?? ''} />
        </label>
        <label>
          Name <span className="optional">(optional)</span>
          <input type="text" name="name" autoComplete="name" maxLength={200} defaultValue={p.name ?? ''} />
        </label>
        <div className="hp" aria-hidden="true">
          <label>
            Leave this empty
            <input type="text" name={HONEYPOT_FIELD} tabIndex={-1} autoComplete="off" defaultValue="" />
          </label>
        </div>
        <input type="hidden" name={STAMP_FIELD} value={p.stamp} />
        <button type="submit">Subscribe</button>
      </form>
      <p className="note">You can unsubscribe with the link at the bottom of every email.</p>
    </>,
  );
}

/** The one answer to every accepted post, whatever the address: new, already subscribed or suppressed. */
export function checkInboxPage(style: PageStyle, publication: string): string {
  return page(
    style,
    `Check your inbox: ${publication}`,
    <>
      <p className="publication">{publication}</p>
      <h1>Check your inbox</h1>
      <p>If the address can get {publication}, a message with a link to confirm is on its way. The link works for 7 days.</p>
      <p className="note">Nothing there after a few minutes? Look in the spam folder.</p>
    </>,
  );
}

/** GET /confirm/<token>: changes nothing (mail scanners open links); the button confirms. */
export function confirmSignupPage(style: PageStyle, publication: string, maskedAddress: string): string {
  return page(
    style,
    `Confirm your subscription to ${publication}`,
    <>
      <p className="publication">{publication}</p>
      <h1>Confirm your subscription</h1>
      <p>
        Send {publication} to <span className="address">{maskedAddress}</span>?
      </p>
      <form method="post">
        <button type="submit">Yes, subscribe me</button>
      </form>
      <p className="note">Nothing changes until you press the button.</p>
    </>,
  );
}

export function subscribedPage(style: PageStyle, publication: string, maskedAddress: string): string {
  return page(
    style,
    `Subscribed to ${publication}`,
    <>
      <p className="publication">{publication}</p>
      <h1>You are subscribed</h1>
      <p>
        <span className="address">{maskedAddress}</span> will get {publication}. The link at the bottom of every email unsubscribes you.
      </p>
    </>,
  );
}

const INVALID_LINK = {
  expired: { title: 'This link has expired', text: 'Confirmation links work for 7 days. ' },
  invalid: { title: 'Page not found', text: 'This link is not valid. Nothing was changed. ' },
  // The link confirmed a subscription before and the address has left the list since.
  used: { title: 'This link was already used', text: 'A confirmation link works once. Nothing was changed. ' },
} as const;

export function confirmLinkInvalidPage(style: PageStyle, publication: string, why: keyof typeof INVALID_LINK): string {
  const { title, text } = INVALID_LINK[why];
  return page(
    style,
    title,
    <>
      <p className="publication">{publication}</p>
      <h1>{title}</h1>
      <p>
        {text}
        <a href="../subscribe">Subscribe again</a>.
      </p>
    </>,
  );
}
