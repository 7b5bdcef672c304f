import crypto from 'node:crypto';
import type http from 'node:http';
import { applyItems, RECENT_DAYS } from '../../bounces/apply';
import type { SoftBouncePolicy } from '../../bounces/feedback';
import type { DeliveryRef, FeedbackItem, FeedbackStore } from '../../bounces/store';
import { oneLine } from '../../bounces/text';
import type { Config } from '../../config';
import { mailgunEvents, postmarkEvents, sendgridEvents, sesEvents, type Parsed, type RelayEvent } from './webhooks-events';
import { isAmazonSnsCertificateUrl, isAmazonSnsUrl, isSnsMessage, verifyBasicAuth, verifyMailgun, verifySendGrid, verifySns, type SnsMessage } from './webhooks-verify';

/**
 * The relays' bounce and complaint webhooks on `serve`, under /webhooks/<provider>:
 *   ses       Amazon SES through an SNS topic (SES_SNS_TOPIC_ARN): SNS signature, subscription handshake
 *   postmark  basic auth (POSTMARK_WEBHOOK_AUTH)
 *   mailgun   HMAC signature (MAILGUN_WEBHOOK_SIGNING_KEY)
 *   sendgrid  signed event webhook, ECDSA (SENDGRID_WEBHOOK_PUBLIC_KEY)
 * A provider without its setting has no endpoint (404). Every request is verified before its body
 * is even parsed as events: unverified ones get 401 (no or wrong credentials) or 403 (a bad
 * signature) and change nothing. Verified events are matched by Message-ID, then by recipient
 * among recent deliveries, and applied like mailed reports (src/bounces/apply.ts).
 */

/** Relays batch events (SendGrid up to a few thousand per POST); a megabyte is far more than any one. */
export const MAX_WEBHOOK_BYTES = 1024 * 1024;
/** SNS certificates change rarely; fetched once per URL and kept. */
const CERTIFICATE_CACHE_SIZE = 16;
const FETCH_TIMEOUT_MS = 10_000;
const DAY_MS = 24 * 60 * 60 * 1000;

export const WEBHOOK_PROVIDERS = ['ses', 'postmark', 'mailgun', 'sendgrid'] as const;
export type WebhookProvider = (typeof WEBHOOK_PROVIDERS)[number];

export interface WebhookOptions {
  config: Config;
  store: FeedbackStore;
  now: () => Date;
  log: (line: string) => void;
  /**
   * Which URLs SNS may point us to for its certificate and subscription link. Default: https on
   * sns.<region>.amazonaws.com only, certificates by their SimpleNotificationService-<hex>.pem
   * name (never anything else the request chooses). Tests serve theirs locally.
   */
  snsUrlAllowed?: (url: string) => boolean;
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** The relays whose key is set in .env: each has an endpoint, the others do not exist. */
export function enabledWebhooks(env: Config['bounces']): WebhookProvider[] {
  const on: Record<WebhookProvider, boolean> = {
    ses: env.sesTopicArns.length > 0,
    postmark: Boolean(env.postmarkAuth),
    mailgun: Boolean(env.mailgunSigningKey),
    sendgrid: Boolean(env.sendgridPublicKey),
  };
  return WEBHOOK_PROVIDERS.filter((p) => on[p]);
}

export function webhookProvider(pathname: string): WebhookProvider | undefined {
  const m = /^\/webhooks\/([a-z]+)$/.exec(pathname);
  return m && (WEBHOOK_PROVIDERS as readonly string[]).includes(m[1]!) ? (m[1] as WebhookProvider) : undefined;
}

export function createWebhooks(opts: WebhookOptions) {
  const env = opts.config.bounces;
  const policy: SoftBouncePolicy = { limit: opts.config.publication.bounces.soft_bounce_limit, windowDays: opts.config.publication.bounces.soft_bounce_days };
  const certificateAllowed = opts.snsUrlAllowed ?? isAmazonSnsCertificateUrl;
  const subscribeAllowed = opts.snsUrlAllowed ?? isAmazonSnsUrl;
  const certificates = new Map<string, string>();

  const enabled = new Set(enabledWebhooks(env));

  async function fetchText(url: string): Promise<string> {
    const res = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (!res.ok) throw new Error(`${res.status} from ${new URL(url).host}`);
    return res.text();
  }

  async function certificate(url: string): Promise<string> {
    const cached = certificates.get(url);
    if (cached) return cached;
    const pem = await fetchText(url);
    if (certificates.size >= CERTIFICATE_CACHE_SIZE) certificates.delete(certificates.keys().next().value!);
    certificates.set(url, pem);
    return pem;
  }

  /** Message-ID first (when the delivery it names went to that recipient), then recent deliveries. */
  async function match(e: RelayEvent): Promise<DeliveryRef | undefined> {
    if (e.messageId) {
      const d = await opts.store.deliveryByMessageId(e.messageId);
      if (d && d.address.toLowerCase() === e.recipient.toLowerCase()) return d;
    }
    return opts.store.recentDelivery(e.recipient, new Date(opts.now().getTime() - RECENT_DAYS * DAY_MS));
  }

  async function apply(provider: WebhookProvider, parsed: Parsed): Promise<Answer> {
    if ('error' in parsed) return { status: 400, body: { error: parsed.error } };
    let applied = 0;
    let duplicate = 0;
    let unmatched = 0;
    for (const e of parsed.events) {
      const d = await match(e);
      if (!d) {
        unmatched++;
        opts.log(`${opts.now().toISOString()} webhook ${provider}: unmatched ${e.kind} event ${oneLine(e.id, 100)}`);
        continue;
      }
      const item: FeedbackItem = {
        key: crypto.createHash('sha256').update(`${provider}\n${e.id}`).digest('base64url'),
        source: provider,
        kind: e.kind,
        deliveryId: d.id,
        ...(e.status ? { status: e.status } : {}),
        detail: oneLine(e.detail),
      };
      const r = await applyItems(opts.store, [item], policy, opts.now(), [d], provider);
      if (r.status === 'applied') applied++;
      else duplicate++;
    }
    // 200 even for events that match nothing: the relay must not retry them forever.
    return { status: 200, body: { applied, duplicate, unmatched, ignored: parsed.ignored } };
  }

  function json(body: Buffer): { ok: true; value: unknown } | { ok: false } {
    try {
      return { ok: true, value: JSON.parse(body.toString('utf8')) };
    } catch {
      return { ok: false };
    }
  }

  async function ses(body: Buffer): Promise<Answer> {
    const parsed = json(body);
    if (!parsed.ok || !isSnsMessage(parsed.value)) return { status: 403, body: { error: 'not a signed SNS message' } };
    const m: SnsMessage = parsed.value;
    if (!env.sesTopicArns.includes(m.TopicArn)) return { status: 403, body: { error: 'topic not accepted (SES_SNS_TOPIC_ARN)' } };
    if (!certificateAllowed(m.SigningCertURL)) return { status: 403, body: { error: 'signing certificate not from Amazon SNS' } };
    let pem: string;
    try {
      pem = await certificate(m.SigningCertURL);
    } catch (err) {
      // Our problem, not the sender's: SNS retries a 5xx.
      return { status: 503, body: { error: `cannot fetch the signing certificate: ${(err as Error).message}` } };
    }
    if (!verifySns(m, pem)) return { status: 403, body: { error: 'bad SNS signature' } };
    if (m.Type === 'SubscriptionConfirmation') {
      if (!m.SubscribeURL || !subscribeAllowed(m.SubscribeURL)) return { status: 403, body: { error: 'subscription link not from Amazon SNS' } };
      try {
        await fetchText(m.SubscribeURL);
      } catch (err) {
        return { status: 503, body: { error: `cannot confirm the subscription: ${(err as Error).message}` } };
      }
      opts.log(`${opts.now().toISOString()} webhook ses: subscribed to ${m.TopicArn}`);
      return { status: 200, body: { subscribed: m.TopicArn } };
    }
    if (m.Type !== 'Notification') return { status: 200, body: { ignored: 1 } };
    const message = json(Buffer.from(m.Message, 'utf8'));
    if (!message.ok) return { status: 400, body: { error: 'the SNS Message is not JSON' } };
    return apply('ses', sesEvents(message.value));
  }

  async function postmark(req: http.IncomingMessage, body: Buffer): Promise<Answer> {
    if (!verifyBasicAuth(req.headers.authorization, env.postmarkAuth!)) {
      return { status: 401, body: { error: 'authentication required' }, headers: { 'www-authenticate': 'Basic realm="webhooks", charset="UTF-8"' } };
    }
    const parsed = json(body);
    if (!parsed.ok) return { status: 400, body: { error: 'not JSON' } };
    return apply('postmark', postmarkEvents(parsed.value));
  }

  async function mailgun(body: Buffer): Promise<Answer> {
    const parsed = json(body);
    const payload = parsed.ok ? (parsed.value as { signature?: { timestamp?: unknown; token?: unknown; signature?: unknown }; 'event-data'?: unknown }) : undefined;
    if (!payload || !verifyMailgun(payload.signature, env.mailgunSigningKey!, opts.now())) return { status: 403, body: { error: 'bad or missing Mailgun signature' } };
    return apply('mailgun', mailgunEvents(payload['event-data']));
  }

  async function sendgrid(req: http.IncomingMessage, body: Buffer): Promise<Answer> {
    const sig = req.headers['x-twilio-email-event-webhook-signature'];
    const ts = req.headers['x-twilio-email-event-webhook-timestamp'];
    if (typeof sig !== 'string' || typeof ts !== 'string') return { status: 401, body: { error: 'signature headers missing' } };
    if (!verifySendGrid(body, sig, ts, env.sendgridPublicKey!)) return { status: 403, body: { error: 'bad SendGrid signature' } };
    const parsed = json(body);
    if (!parsed.ok) return { status: 400, body: { error: 'not JSON' } };
    return apply('sendgrid', sendgridEvents(parsed.value));
  }

  return {
    enabled: (provider: WebhookProvider) => enabled.has(provider),
    /** Answers a POST to /webhooks/<provider> whose body was read whole. */
    async handle(provider: WebhookProvider, req: http.IncomingMessage, body: Buffer): Promise<Answer> {
      switch (provider) {
        case 'ses':
          return ses(body);
        case 'postmark':
          return postmark(req, body);
        case 'mailgun':
          return mailgun(body);
        case 'sendgrid':
          return sendgrid(req, body);
      }
    },
  };
}

/** The body, whole, or 'too-large' once it passes MAX_WEBHOOK_BYTES, or 'aborted'. */
export function readWebhookBody(req: http.IncomingMessage): Promise<Buffer | 'too-large' | 'aborted'> {
  const length = req.headers['content-length'];
  if (length !== undefined && (!/^\d+$/.test(length) || Number(length) > MAX_WEBHOOK_BYTES)) return Promise.resolve('too-large');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (v: Buffer | 'too-large' | 'aborted') => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onGone);
      resolve(v);
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > MAX_WEBHOOK_BYTES) {
        req.pause();
        return done('too-large');
      }
      chunks.push(c);
    };
    const onEnd = () => done(Buffer.concat(chunks));
    const onGone = () => done('aborted');
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onGone);
    req.on('close', onGone);
  });
}
