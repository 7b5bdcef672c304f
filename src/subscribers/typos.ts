/**
 * Domains that are one slip away from a big mail provider's (`gmail.con`, `yaho.com`,
 * `hotmial.com`): such an address is imported (it might be real) with a warning naming the
 * domain that was probably meant, so the editor can check it with the person.
 */

/** The providers most members use. A domain equal to one of these, or to another real one, is never a typo. */
const PROVIDERS = [
  'gmail.com',
  'googlemail.com',
  'yahoo.com',
  'yahoo.co.uk',
  'yahoo.fr',
  'yahoo.de',
  'ymail.com',
  'hotmail.com',
  'hotmail.co.uk',
  'hotmail.fr',
  'hotmail.de',
  'outlook.com',
  'live.com',
  'msn.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'aol.com',
  'protonmail.com',
  'proton.me',
  'comcast.net',
  'verizon.net',
  'att.net',
  'sbcglobal.net',
  'gmx.de',
  'gmx.net',
  'web.de',
];

/** Real domains that are close to a provider's: never flagged. */
const REAL_NEIGHBOURS = new Set([...PROVIDERS, 'mail.com', 'gmx.com', 'email.com', 'aim.com', 'live.ca', 'live.fr', 'outlook.fr', 'outlook.de', 'yahoo.ca', 'yahoo.es', 'yahoo.it', 'hotmail.it', 'hotmail.es', 'gmail.co.uk']);

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The provider's domain this one is probably a typo of, or undefined. One slip (a letter missing,
 * extra, wrong or two swapped) for any domain; two for longer ones, where two slips still leave
 * most of the name (`hotmial.con`).
 */
export function likelyTypo(domain: string): string | undefined {
  const d = domain.toLowerCase().replace(/\.$/, '');
  // A list has few distinct domains: each is compared with the providers once.
  if (cache.has(d)) return cache.get(d);
  const found = compare(d);
  if (cache.size >= CACHE_SIZE) cache.clear();
  cache.set(d, found);
  return found;
}

const CACHE_SIZE = 10_000;
const cache = new Map<string, string | undefined>();

function compare(d: string): string | undefined {
  if (REAL_NEIGHBOURS.has(d)) return undefined;
  let best: { provider: string; distance: number } | undefined;
  for (const provider of PROVIDERS) {
    const allowed = provider.length >= 9 ? 2 : 1;
    if (Math.abs(d.length - provider.length) > allowed) continue;
    const distance = editDistance(d, provider);
    if (distance > 0 && distance <= allowed && (!best || distance < best.distance)) best = { provider, distance };
  }
  return best?.provider;
}
