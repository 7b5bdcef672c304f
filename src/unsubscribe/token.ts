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

/**
 * Below this many characters a secret could be guessed offline from one token (the MAC of a
 * known id is a test for each guess). 32 random bytes in base64url are 43 characters.
 */
export const MIN_SECRET_LENGTH = 24;

/**
 * The one shape a token has. The id has no leading zero and the MAC is exactly 43 characters
 * (32 bytes), so each subscriber has one spelling of its token and nothing else parses.
 */
const TOKEN = /^([A-Za-z0-9_-]{1,16})\.([1-9][0-9]{0,15})\.([A-Za-z0-9_-]{43})$/;

/** Domain separation: the same secret must never sign anything else that could pass for a token. */
function mac(secret: string, subscriberId: number): string {
  return crypto.createHmac('sha256', secret).update(`unsubscribe:${subscriberId}`).digest('base64url');
}

/** Signs with the first (newest) key. */
export function signToken(keys: readonly SigningKey[], subscriberId: number): string {
  const key = keys[0];
  if (!key) throw new Error('no unsubscribe signing key configured');
  if (!Number.isSafeInteger(subscriberId) || subscriberId < 1) throw new Error(`cannot sign an unsubscribe token for subscriber id ${subscriberId}`);
  return `${key.id}.${subscriberId}.${mac(key.secret, subscriberId)}`;
}

/**
 * The subscriber id a token was signed for, or undefined for anything forged, truncated, signed
 * with a key that is no longer listed, or malformed.
 *
 * The MAC is compared as its base64url text, not as decoded bytes: Node's decoder ignores the
 * unused low bits of the last character, so comparing bytes would accept a second spelling of
 * every token.
 */
export function verifyToken(keys: readonly SigningKey[], token: string): number | undefined {
  const m = TOKEN.exec(token);
  if (!m) return undefined;
  const key = keys.find((k) => k.id === m[1]);
  if (!key) return undefined;
  const id = Number(m[2]);
  if (!Number.isSafeInteger(id)) return undefined;
  const given = Buffer.from(m[3]!, 'latin1');
  const expected = Buffer.from(mac(key.secret, id), 'latin1');
  return given.length === expected.length && crypto.timingSafeEqual(given, expected) ? id : undefined;
}

export function unsubscribeUrl(siteUrl: string, token: string): string {
  return `${siteUrl}/u/${token}`;
}

/**
 * What is wrong with a set of keys for serving unsubscribe links, as sentences for the operator.
 * Two keys with one id would make links signed with the second unverifiable; a short secret can
 * be guessed from one link.
 */
export function signingKeyProblems(keys: readonly SigningKey[]): { errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  if (keys.length === 0) errors.push('no unsubscribe signing key is configured');
  const seen = new Set<string>();
  for (const k of keys) {
    if (seen.has(k.id)) errors.push(`two keys have the id "${k.id}"; give each key its own id, e.g. UNSUBSCRIBE_SECRET=k2:new-secret,k1:old-secret`);
    seen.add(k.id);
    if (k.secret.length < MIN_SECRET_LENGTH) {
      warnings.push(`the key "${k.id}" is shorter than ${MIN_SECRET_LENGTH} characters; make a new one with: node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))"`);
    }
  }
  return { errors, warnings };
}
