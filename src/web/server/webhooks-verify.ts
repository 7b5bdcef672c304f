import crypto from 'node:crypto';

/**
 * How each relay signs its webhook, checked as the providers document it. Pure: the SNS
 * certificate is fetched by the caller (webhooks.ts) and passed in.
 */

/** Constant-time comparison of two strings (equal lengths are compared, unequal ones never match). */
function same(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/** Postmark: HTTP basic auth with the user and password put in the webhook URL. */
export function verifyBasicAuth(header: string | undefined, expected: { user: string; password: string }): boolean {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return false;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return false;
  // Both halves are always compared, so the time taken says nothing about which was wrong.
  const userOk = same(decoded.slice(0, i), expected.user);
  const passOk = same(decoded.slice(i + 1), expected.password);
  return userOk && passOk;
}

/** Mailgun refuses replays of old signatures; its own examples allow a few minutes of clock skew. */
export const MAILGUN_MAX_AGE_SECONDS = 15 * 60;

/**
 * Mailgun: `signature` = hex HMAC-SHA256 of timestamp + token, keyed with the HTTP webhook
 * signing key (https://documentation.mailgun.com/docs/mailgun/user-manual/tracking-messages/#securing-webhooks).
 */
export function verifyMailgun(sig: { timestamp?: unknown; token?: unknown; signature?: unknown } | undefined, key: string, now: Date): boolean {
  if (!sig || typeof sig.timestamp !== 'string' || typeof sig.token !== 'string' || typeof sig.signature !== 'string') return false;
  if (!/^\d{1,12}$/.test(sig.timestamp)) return false;
  if (Math.abs(now.getTime() / 1000 - Number(sig.timestamp)) > MAILGUN_MAX_AGE_SECONDS) return false;
  const expected = crypto.createHmac('sha256', key).update(sig.timestamp + sig.token).digest('hex');
  return same(sig.signature.toLowerCase(), expected);
}

/**
 * SendGrid's signed event webhook: an ECDSA (P-256, SHA-256) signature, base64 DER, over the
 * timestamp header followed by the raw body, checked with the verification key SendGrid shows
 * (base64 of the DER public key; a PEM is accepted too).
 */
export function verifySendGrid(body: Buffer, signature: string | undefined, timestamp: string | undefined, publicKey: string): boolean {
  if (!signature || !timestamp) return false;
  let key: crypto.KeyObject;
  try {
    key = publicKey.includes('BEGIN PUBLIC KEY')
      ? crypto.createPublicKey(publicKey)
      : crypto.createPublicKey({ key: Buffer.from(publicKey.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'spki' });
  } catch {
    return false;
  }
  try {
    return crypto.verify('sha256', Buffer.concat([Buffer.from(timestamp, 'utf8'), body]), key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** An SNS message: https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html */
export interface SnsMessage {
  Type: string;
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  Signature: string;
  SignatureVersion: string;
  SigningCertURL: string;
  Subject?: string;
  SubscribeURL?: string;
  Token?: string;
}

export function isSnsMessage(v: unknown): v is SnsMessage {
  const o = v as Record<string, unknown>;
  return (
    typeof o === 'object' &&
    o !== null &&
    ['Type', 'MessageId', 'TopicArn', 'Message', 'Timestamp', 'Signature', 'SignatureVersion', 'SigningCertURL'].every((k) => typeof o[k] === 'string') &&
    ['Subject', 'SubscribeURL', 'Token'].every((k) => o[k] === undefined || o[k] === null || typeof o[k] === 'string')
  );
}

/** The fields SNS signs, in its order, as "Name\nvalue\n". */
export function snsStringToSign(m: SnsMessage): string | undefined {
  const keys =
    m.Type === 'Notification'
      ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
      : m.Type === 'SubscriptionConfirmation' || m.Type === 'UnsubscribeConfirmation'
        ? ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type']
        : undefined;
  if (!keys) return undefined;
  const fields = m as unknown as Record<string, string | undefined | null>;
  let out = '';
  for (const k of keys) {
    const v = fields[k];
    if (v === undefined || v === null) {
      if (k === 'Subject') continue;
      return undefined;
    }
    out += `${k}\n${v}\n`;
  }
  return out;
}

/**
 * SNS certificates and subscription links are served by sns.<region>.amazonaws.com over https;
 * a certificate's name is SimpleNotificationService-<hex>.pem, so a message cannot make us fetch
 * any other path there.
 */
export function isAmazonSnsCertificateUrl(value: string): boolean {
  return isAmazonSnsUrl(value) && /^\/SimpleNotificationService-[0-9a-f]+\.pem$/.test(new URL(value).pathname);
}

export function isAmazonSnsUrl(value: string): boolean {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return false;
  }
  return u.protocol === 'https:' && /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.test(u.hostname) && u.port === '' && !u.username && !u.password;
}

/** SignatureVersion 1 is SHA1withRSA, 2 is SHA256withRSA. */
export function verifySns(m: SnsMessage, certificatePem: string): boolean {
  const text = snsStringToSign(m);
  const algorithm = m.SignatureVersion === '1' ? 'sha1' : m.SignatureVersion === '2' ? 'sha256' : undefined;
  if (!text || !algorithm) return false;
  try {
    const key = new crypto.X509Certificate(certificatePem).publicKey;
    return crypto.verify(algorithm, Buffer.from(text, 'utf8'), key, Buffer.from(m.Signature, 'base64'));
  } catch {
    return false;
  }
}
