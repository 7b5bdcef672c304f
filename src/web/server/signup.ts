import type http from 'node:http';
import type { Config } from '../../config';
import { envelopeSender } from '../../send/message';
import { createTransport } from '../../send/prepare';
import type { Transport } from '../../send/transport';
import type { Store } from '../../store';
import { composeConfirmation } from '../../signup/mail';
import { formIssuedAt, signConfirmToken, signFormStamp, verifyConfirmToken } from '../../signup/token';
import { checkAddress } from '../../subscribers/address';
import { cleanName } from '../../subscribers/name';
import { maskAddress } from '../../unsubscribe/mask';
import type { SigningKey } from '../../unsubscribe/token';
import { declaredTooLarge, readForm } from './body';
import { errorPage, type PageStyle } from './pages';
import { RateLimiter } from './rate-limit';
import { checkInboxPage, confirmLinkInvalidPage, confirmSignupPage, HONEYPOT_FIELD, signupFormPage, STAMP_FIELD, subscribedPage } from './signup-pages';

/**
 * Signup with double opt-in: GET /subscribe (the form), POST /subscribe (always the same "check
 * your inbox" page, so the form tells nobody who is on the list), and the confirmation link
 * /confirm/<token> (GET asks, POST subscribes and records the consent).
 */

export type SignupRoute = { name: 'subscribe' } | { name: 'confirm'; token: string };

export const SIGNUP_PATTERNS = { subscribe: '/subscribe', confirm: '/confirm/:token' } as const;

export function matchSignupRoute(pathname: string): SignupRoute | undefined {
  if (pathname === '/subscribe') return { name: 'subscribe' };
  const m = /^\/confirm\/([A-Za-z0-9._-]{1,200})$/.exec(pathname);
  return m ? { name: 'confirm', token: m[1]! } : undefined;
}

export interface SignupLimits {
  /** Less time than this between serving the form and its post is a bot (people are quick: at most 3 s). */
  minFormMs: number;
  /** A form older than this is served again. */
  maxFormMs: number;
  /** Confirmation messages to one address per 24 hours. */
  perAddressPerDay: number;
  /** Confirmation messages requested from one client address per hour. */
  perClientPerHour: number;
}

export const DEFAULT_SIGNUP_LIMITS: SignupLimits = { minFormMs: 2_000, maxFormMs: 24 * 3600_000, perAddressPerDay: 3, perClientPerHour: 5 };

export interface SignupDeps {
  config: Config;
  store: Store;
  keys: readonly SigningKey[];
  style: PageStyle;
  now: () => Date;
  log: (line: string) => void;
  limits?: Partial<SignupLimits>;
  /** Default: SMTP when SMTP_URL is set, else outbox/confirmations/. */
  transport?: Transport;
}

export interface Answer {
  status: number;
  html: string;
  headers?: Record<string, string>;
}

export interface Signup {
  handle(req: http.IncomingMessage, route: SignupRoute, client: string): Promise<Answer | 'aborted'>;
  /** Waits for confirmation messages still being sent, then closes the transport. */
  close(): Promise<void>;
}

export function createSignup(deps: SignupDeps): Signup {
  const { config, store, keys, style, log } = deps;
  const limits = { ...DEFAULT_SIGNUP_LIMITS, ...deps.limits };
  const publication = config.publication.name;
  const clients = new RateLimiter({ burst: limits.perClientPerHour, perSecond: limits.perClientPerHour / 3600 });
  const pending = new Set<Promise<void>>();
  let transport = deps.transport;
  const stamp = () => signFormStamp(keys, deps.now());
  const page = (status: number, html: string, headers?: Record<string, string>): Answer => ({ status, html, ...(headers ? { headers } : {}) });
  const form = (status: number, extra: { email?: string; name?: string; error?: string; notice?: string } = {}) =>
    page(status, signupFormPage(style, { publication, stamp: stamp(), ...extra }));
  const checkInbox = () => page(200, checkInboxPage(style, publication));

  async function subscribe(req: http.IncomingMessage, client: string): Promise<Answer | 'aborted'> {
    if (req.method !== 'POST') return form(200);
    if (declaredTooLarge(req)) return page(413, errorPage(style, 'Request too large', 'Nothing was changed.'));
    const body = await readForm(req);
    if (!body.ok && body.status === 'aborted') return 'aborted';
    if (!body.ok) return page(body.status, errorPage(style, body.status === 413 ? 'Request too large' : 'Bad request', 'This is not a signup form. Nothing was changed.'));
    const field = (name: string) => body.fields.get(name) ?? '';
    const email = field('email').slice(0, 400);
    const name = field('name').slice(0, 400);
    const now = deps.now();

    // A bot fills every field; people never see this one. It is told what people are told.
    if (field(HONEYPOT_FIELD)) {
      log(`${now.toISOString()} signup dropped: honeypot`);
      return checkInbox();
    }
    // Too quick for a person, or no form of ours (an embedded form, a script): the form again,
    // filled in, with one more press. Nothing is sent.
    const issued = formIssuedAt(keys, field(STAMP_FIELD));
    const age = issued ? now.getTime() - issued.getTime() : undefined;
    if (age === undefined || age < limits.minFormMs || age > limits.maxFormMs) {
      return form(200, { email, name, notice: 'Almost there: press Subscribe to get the confirmation email.' });
    }
    const checked = checkAddress(email);
    if (!checked.ok) {
      const reason = checked.reason === 'the address is empty' ? 'Please enter your email address.' : `"${email.trim()}" is not an email address we can use: ${checked.reason}.`;
      return form(400, { email, name, error: reason });
    }
    const cleaned = cleanName(name);
    if (!cleaned.ok) return form(400, { email, name: '', error: `The name is too long: ${cleaned.reason}.` });

    const decision = clients.take(client);
    if (!decision.ok) {
      return page(429, errorPage(style, 'Too many signups', 'Too many signups came from your network in the last hour. Please try again later.'), {
        'retry-after': String(decision.retryAfterSeconds),
      });
    }
    const since = new Date(now.getTime() - 24 * 3600_000);
    const { signup, recent } = await store.subscribers.requestSignup(checked.address, cleaned.name, since);
    if (recent > limits.perAddressPerDay) {
      log(`${now.toISOString()} signup ${signup.id}: no confirmation sent (address limit of ${limits.perAddressPerDay} a day)`);
      return checkInbox();
    }
    // A manual suppression is an operator's "never mail this address": not even a confirmation
    // goes there, and the answer is the same as for anyone else.
    if ((await store.subscribers.suppression(checked.address))?.reason === 'manual') {
      log(`${now.toISOString()} signup ${signup.id}: no confirmation sent (the address is suppressed by hand)`);
      return checkInbox();
    }
    // Sent after the answer, so how long the answer takes says nothing about the address.
    const sending = sendConfirmation(signup.id, checked.address, now).catch((err: unknown) =>
      log(`${now.toISOString()} signup ${signup.id}: confirmation not sent: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`),
    );
    pending.add(sending);
    void sending.finally(() => pending.delete(sending));
    return checkInbox();
  }

  async function sendConfirmation(signupId: number, address: string, now: Date): Promise<void> {
    const confirmUrl = `${config.publication.site_url}/confirm/${signConfirmToken(keys, signupId, now)}`;
    const raw = await composeConfirmation({ config, to: address, confirmUrl, now });
    transport ??= createTransport(config, 'confirmations');
    const result = await transport.send({ from: envelopeSender(config.publication), to: address, raw, sequence: signupId });
    // The kind only: an SMTP reply may quote the address, and the log never names anyone.
    if (!result.ok) throw new Error(`the server refused it (${result.failure.kind})`);
    log(`${now.toISOString()} signup ${signupId}: confirmation sent`);
  }

  async function confirm(req: http.IncomingMessage, token: string): Promise<Answer | 'aborted'> {
    const now = deps.now();
    const check = verifyConfirmToken(keys, token, now);
    const signup = check.ok ? await store.subscribers.findSignup(check.signupId) : undefined;
    if (!check.ok || !signup) {
      const expired = !check.ok && check.reason === 'expired';
      return page(expired ? 410 : 404, confirmLinkInvalidPage(style, publication, expired ? 'expired' : 'invalid'));
    }
    const masked = maskAddress(signup.email);
    if (req.method !== 'POST') return page(200, confirmSignupPage(style, publication, masked));
    if (declaredTooLarge(req)) return page(413, errorPage(style, 'Request too large', 'Nothing was changed.'));
    const body = await readForm(req);
    if (!body.ok && body.status === 'aborted') return 'aborted';
    const done = await store.subscribers.confirmSignup(signup.id);
    if (!done) return page(404, confirmLinkInvalidPage(style, publication, 'invalid'));
    if (done === 'used') {
      log(`${now.toISOString()} signup ${signup.id}: link used again after leaving the list; nothing changed`);
      return page(410, confirmLinkInvalidPage(style, publication, 'used'));
    }
    log(`${now.toISOString()} signup ${signup.id}: confirmed${done.resubscribed ? ' (resubscribed)' : ''}`);
    return page(200, subscribedPage(style, publication, masked));
  }

  return {
    handle: (req, route, client) => (route.name === 'subscribe' ? subscribe(req, client) : confirm(req, route.token)),
    async close() {
      await Promise.allSettled([...pending]);
      await transport?.close();
    },
  };
}
