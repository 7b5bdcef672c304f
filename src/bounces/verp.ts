import crypto from 'node:crypto';
import type { SigningKey } from '../unsubscribe/token';

/**
 * VERP (variable envelope return path): each message's envelope sender names its delivery, so a
 * bounce identifies exactly which message failed, whatever address the failure report mentions.
 *
 *   BOUNCE_ADDRESS=bounces@example.org  →  bounces+<delivery id>-<signature>@example.org
 *
 * The signature (HMAC-SHA256 over "bounce:<id>" with the unsubscribe secret, 16 hex digits: 64
 * bits) means that a forged report to bounces+123-…@ cannot name a delivery it did not receive,
 * so nobody can suppress members by mailing made-up reports. Hex is lowercase, so MTAs that fold
 * the case of local parts do not break it; `+` is Postfix's and Exim's usual recipient delimiter.
 */

const MAC_HEX_LENGTH = 16;
const DELIMITER = '+';
const TOKEN = /^([1-9][0-9]{0,15})-([0-9a-f]{16})$/;

function mac(secret: string, deliveryId: number): string {
  return crypto.createHmac('sha256', secret).update(`bounce:${deliveryId}`).digest('hex').slice(0, MAC_HEX_LENGTH);
}

function split(address: string): { local: string; domain: string } | undefined {
  const at = address.lastIndexOf('@');
  if (at < 1 || at === address.length - 1) return undefined;
  return { local: address.slice(0, at), domain: address.slice(at + 1).toLowerCase() };
}

/** The envelope sender for one delivery; signed with the first (newest) key. */
export function verpAddress(bounceAddress: string, deliveryId: number, keys: readonly SigningKey[]): string {
  const key = keys[0];
  const parts = split(bounceAddress);
  if (!key || !parts) throw new Error(`cannot build a return path from ${bounceAddress}`);
  if (!Number.isSafeInteger(deliveryId) || deliveryId < 1) throw new Error(`cannot sign a return path for delivery ${deliveryId}`);
  return `${parts.local}${DELIMITER}${deliveryId}-${mac(key.secret, deliveryId)}@${parts.domain}`;
}

export type VerpMatch = { deliveryId: number } | { forged: string } | undefined;

/**
 * What an address says: undefined when it is not one of our return paths, the delivery when its
 * signature holds (with any listed key: old messages survive a key rotation), `forged` otherwise.
 */
export function readVerp(address: string, bounceAddress: string, keys: readonly SigningKey[]): VerpMatch {
  const given = split(address.trim().replace(/^<|>$/g, ''));
  const ours = split(bounceAddress);
  if (!given || !ours || given.domain !== ours.domain) return undefined;
  const prefix = `${ours.local}${DELIMITER}`.toLowerCase();
  const local = given.local.toLowerCase();
  if (!local.startsWith(prefix)) return undefined;
  const m = TOKEN.exec(local.slice(prefix.length));
  if (!m) return { forged: address };
  const id = Number(m[1]);
  const sig = Buffer.from(m[2]!, 'latin1');
  for (const key of keys) {
    const expected = Buffer.from(mac(key.secret, id), 'latin1');
    if (crypto.timingSafeEqual(sig, expected)) return { deliveryId: id };
  }
  return { forged: address };
}
