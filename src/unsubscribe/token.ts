import crypto from 'node:crypto';

/**
 * Unsubscribe tokens: `<key id>.<subscriber id>.<HMAC-SHA256(secret, "unsubscribe:<id>") base64url>`.
 * No email address is in the URL; the key id lets a new secret sign new links while links in
 * older emails (signed with an older key still listed in UNSUBSCRIBE_SECRET) keep working.
 */

export interface SigningKey {
  id: string;
  secret: string;
}

/** Test sends carry this instead of a real token: it can never unsubscribe anyone. */
export const TEST_TOKEN = 'test-send';

const TOKEN = /^([A-Za-z0-9_-]{1,16})\.([1-9][0-9]{0,15})\.([A-Za-z0-9_-]{43})$/;

function mac(secret: string, subscriberId: number): Buffer {
  return crypto.createHmac('sha256', secret).update(`unsubscribe:${subscriberId}`).digest();
}

/** Signs with the first (newest) key. */
export function signToken(keys: readonly SigningKey[], subscriberId: number): string {
  const key = keys[0];
  if (!key) throw new Error('no unsubscribe signing key configured');
  return `${key.id}.${subscriberId}.${mac(key.secret, subscriberId).toString('base64url')}`;
}

/** The subscriber id a token was signed for, or undefined for anything forged, truncated or unknown. */
export function verifyToken(keys: readonly SigningKey[], token: string): number | undefined {
  const m = TOKEN.exec(token);
  if (!m) return undefined;
  const key = keys.find((k) => k.id === m[1]);
  if (!key) return undefined;
  const id = Number(m[2]);
  if (!Number.isSafeInteger(id)) return undefined;
  const given = Buffer.from(m[3]!, 'base64url');
  const expected = mac(key.secret, id);
  return given.length === expected.length && crypto.timingSafeEqual(given, expected) ? id : undefined;
}

export function unsubscribeUrl(siteUrl: string, token: string): string {
  return `${siteUrl}/u/${token}`;
}
