import crypto from 'node:crypto';
import type { SigningKey } from '../unsubscribe/token';

/**
 * The signup's signed values, under the unsubscribe keys with their own domain separation (a
 * confirmation token can never pass for an unsubscribe token, nor the other way round):
 *  - confirmation links: `<key id>.<signup id>.<expiry, unix seconds in base 36>.<HMAC>`; no
 *    address in the URL, and the expiry is signed, so a link cannot be stretched;
 *  - the form's timestamp: `<issued, ms in base 36>.<HMAC>`, so a bot cannot claim it waited.
 */

/** Confirmation links work for a week. */
export const CONFIRM_TTL_SECONDS = 7 * 24 * 3600;

const CONFIRM = /^([A-Za-z0-9_-]{1,16})\.([1-9][0-9]{0,15})\.([0-9a-z]{1,10})\.([A-Za-z0-9_-]{43})$/;
const FORM = /^([0-9a-z]{1,12})\.([A-Za-z0-9_-]{43})$/;

function mac(secret: string, message: string): string {
  return crypto.createHmac('sha256', secret).update(message).digest('base64url');
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a, 'latin1');
  const y = Buffer.from(b, 'latin1');
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

export function signConfirmToken(keys: readonly SigningKey[], signupId: number, now: Date): string {
  const key = keys[0];
  if (!key) throw new Error('no signing key configured');
  const expires = (Math.floor(now.getTime() / 1000) + CONFIRM_TTL_SECONDS).toString(36);
  return `${key.id}.${signupId}.${expires}.${mac(key.secret, `confirm:${signupId}:${expires}`)}`;
}

export type ConfirmCheck = { ok: true; signupId: number } | { ok: false; reason: 'invalid' | 'expired' };

/** The signup a link was signed for; `expired` only for a genuine link past its week. */
export function verifyConfirmToken(keys: readonly SigningKey[], token: string, now: Date): ConfirmCheck {
  const m = CONFIRM.exec(token);
  if (!m) return { ok: false, reason: 'invalid' };
  const key = keys.find((k) => k.id === m[1]);
  if (!key || !same(m[4]!, mac(key.secret, `confirm:${m[2]}:${m[3]}`))) return { ok: false, reason: 'invalid' };
  const id = Number(m[2]);
  if (!Number.isSafeInteger(id)) return { ok: false, reason: 'invalid' };
  if (parseInt(m[3]!, 36) * 1000 < now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, signupId: id };
}

export function signFormStamp(keys: readonly SigningKey[], now: Date): string {
  const issued = now.getTime().toString(36);
  return `${issued}.${mac(keys[0]!.secret, `signup-form:${issued}`)}`;
}

/** When the form was served, if the stamp is ours (any configured key); undefined otherwise. */
export function formIssuedAt(keys: readonly SigningKey[], stamp: string | undefined): Date | undefined {
  const m = FORM.exec(stamp ?? '');
  if (!m) return undefined;
  if (!keys.some((k) => same(m[2]!, mac(k.secret, `signup-form:${m[1]}`)))) return undefined;
  return new Date(parseInt(m[1]!, 36));
}
