import { isIP } from 'node:net';

/**
 * Requests per client address, as a token bucket in memory: each address may make `burst`
 * requests at once and then `perSecond` a second. One process, no shared state: enough to keep a
 * single client (a scanner, a script) from flooding the store, which is what it is for.
 */

export interface RateLimitOptions {
  /** Requests a client may make at once. */
  burst: number;
  /** Requests a client earns back per second. */
  perSecond: number;
  /** Addresses tracked at most; past it the least recently seen are forgotten. */
  maxClients?: number;
  now?: () => number;
}

export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

/** Memory stays bounded whatever the number of addresses seen: about 100 bytes per entry. */
const DEFAULT_MAX_CLIENTS = 10_000;

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxClients: number;
  private readonly now: () => number;

  constructor(private readonly opts: RateLimitOptions) {
    if (!(opts.burst >= 1) || !(opts.perSecond > 0)) throw new Error('rate limit: burst must be at least 1 and perSecond above 0');
    this.maxClients = opts.maxClients ?? DEFAULT_MAX_CLIENTS;
    this.now = opts.now ?? (() => Date.now());
  }

  take(client: string): RateDecision {
    const now = this.now();
    const { burst, perSecond } = this.opts;
    const old = this.buckets.get(client);
    const tokens = old ? Math.min(burst, old.tokens + ((now - old.at) / 1000) * perSecond) : burst;
    // Re-inserted on every request, so the map's order is least recently seen first.
    this.buckets.delete(client);
    if (tokens < 1) {
      this.buckets.set(client, { tokens, at: now });
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perSecond)) };
    }
    this.buckets.set(client, { tokens: tokens - 1, at: now });
    this.forgetOldest();
    return { ok: true };
  }

  /** How many addresses are tracked now. */
  get size(): number {
    return this.buckets.size;
  }

  private forgetOldest(): void {
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= this.maxClients) return;
      this.buckets.delete(key);
    }
  }
}

/**
 * The address a client is limited by. Behind a reverse proxy (`trustProxy`) every request comes
 * from the proxy, so the client is the last X-Forwarded-For entry: the one the proxy itself
 * added (earlier entries are whatever the client claimed). IPv6 clients are limited per /64,
 * the block one household or server gets, or one client could walk through addresses.
 */
export function clientKey(remoteAddress: string | undefined, forwardedFor: string | string[] | undefined, trustProxy: boolean): string {
  let address = remoteAddress ?? 'unknown';
  if (trustProxy && forwardedFor !== undefined) {
    const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor;
    const last = header.split(',').pop()!.trim();
    if (isIP(last)) address = last;
  }
  return rateKey(address);
}

function rateKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (isIP(address) !== 6) return address;
  const plain = address.split('%')[0]!.toLowerCase();
  const [head, tail] = plain.split('::') as [string, string | undefined];
  const front = head ? head.split(':') : [];
  const back = tail ? tail.split(':') : [];
  const groups = tail === undefined ? front : [...front, ...Array<string>(Math.max(0, 8 - front.length - back.length)).fill('0'), ...back];
  return `${groups.slice(0, 4).map((g) => (parseInt(g, 16) || 0).toString(16)).join(':')}::/64`;
}
