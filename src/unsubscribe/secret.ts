/**
 * Whether an UNSUBSCRIBE_SECRET protects anything. Tokens are signed over sequential ids, so a
 * guessable secret lets anyone forge a link for every subscriber and unsubscribe the whole list:
 * example values and secrets with less than 32 bytes of randomness are refused by `send` and
 * `serve`. Pure: both commands call it with the keys they read.
 */

/** The command that makes a good one (32 random bytes, 43 characters). */
export const MAKE_SECRET_COMMAND = `node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))"`;

/** 32 bytes: the HMAC-SHA256 key size, and what the command above makes. */
export const MIN_SECRET_BITS = 256;

/**
 * Values that appear in documentation and examples (ours and everyone's): never secret, whatever
 * their length. Compared lower-cased, without the characters that vary between spellings.
 */
const EXAMPLE_SECRETS = [
  'change-me',
  'changeme',
  'change-this',
  'replace-me',
  'secret',
  'your-secret',
  'your-secret-here',
  'my-secret',
  'new-secret',
  'old-secret',
  'new-long-random-secret',
  'old-long-random-secret',
  'development-only-unsubscribe-secret',
  'password',
  'test',
  'example',
  'xxx',
].map((s) => s.replace(/[^a-z0-9]/g, ''));

export interface SecretKey {
  id: string;
  secret: string;
}

/**
 * Bits of randomness a secret can hold at most, as made by a generator: its length times the
 * bits per character of the smallest alphabet it fits (hex, base64, or the character classes it
 * uses), and no more than its own character statistics allow (`aaaa…`, `abcabc…` are caught).
 */
export function estimateSecretBits(secret: string): number {
  const chars = Array.from(secret);
  const n = chars.length;
  if (n === 0) return 0;
  // A pattern written out again and again (`change-mechange-me…`, `0123456789abcdef` × 4) holds
  // no more than one copy of it.
  const period = smallestPeriod(chars);
  if (period <= n / 2) return estimateSecretBits(chars.slice(0, period).join(''));
  let perChar: number;
  if (/^[0-9a-f]+$/i.test(secret)) perChar = 4;
  else if (/^[A-Za-z0-9_-]+$/.test(secret) || /^[A-Za-z0-9+/]+=*$/.test(secret)) {
    // base64 or base64url, if it mixes cases and digits as random output does; otherwise the classes it uses.
    perChar = /[a-z]/.test(secret) && /[A-Z]/.test(secret) && /[0-9]/.test(secret) ? 6 : Math.log2(classAlphabet(secret));
  } else perChar = Math.log2(classAlphabet(secret));
  // Shannon entropy of the secret's own characters: a repeated pattern has little, however long.
  const counts = new Map<string, number>();
  for (const c of chars) counts.set(c, (counts.get(c) ?? 0) + 1);
  let shannon = 0;
  for (const k of counts.values()) shannon -= (k / n) * Math.log2(k / n);
  // Random strings of this length show about this much; a secret far below it is not random.
  const expected = Math.log2(Math.min(2 ** perChar, n));
  const repetitionFactor = expected > 0 ? Math.min(1, shannon / (expected * 0.75)) : 0;
  return Math.floor((n - inRuns(chars)) * perChar * repetitionFactor);
}

/** The length of the shortest block the whole secret repeats (n when it repeats none). */
function smallestPeriod(chars: string[]): number {
  const n = chars.length;
  for (let p = 1; p <= n / 2; p++) {
    let repeats = true;
    for (let i = p; i < n && repeats; i++) repeats = chars[i] === chars[i - p];
    if (repeats) return p;
  }
  return n;
}

/**
 * Characters that continue a long run of neighbours (`abcdefgh`, `987654`, the alphabet typed out):
 * runs of 6 or more count as their first character only. Random output has such a run about once
 * in 100,000 secrets, so what the command makes is not refused for it.
 */
function inRuns(chars: string[]): number {
  const MIN_STEPS = 5;
  let predictable = 0;
  let steps = 0;
  let direction = 0;
  for (let i = 1; i <= chars.length; i++) {
    const d = i < chars.length ? chars[i]!.codePointAt(0)! - chars[i - 1]!.codePointAt(0)! : 0;
    if ((d === 1 || d === -1) && (steps === 0 || d === direction)) {
      steps++;
      direction = d;
      continue;
    }
    if (steps >= MIN_STEPS) predictable += steps;
    steps = d === 1 || d === -1 ? 1 : 0;
    direction = d;
  }
  return predictable;
}

function classAlphabet(secret: string): number {
  let size = 0;
  if (/[a-z]/.test(secret)) size += 26;
  if (/[A-Z]/.test(secret)) size += 26;
  if (/[0-9]/.test(secret)) size += 10;
  if (/[^A-Za-z0-9]/.test(secret)) size += 33;
  return Math.max(size, 2);
}

/** What is wrong with the keys, as lines for the operator (each ends with the fix); empty when they are good. */
export function secretProblems(keys: readonly SecretKey[]): string[] {
  const problems: string[] = [];
  for (const k of keys) {
    const squashed = k.secret.toLowerCase().replace(/[^a-z0-9]/g, '');
    if (EXAMPLE_SECRETS.includes(squashed)) {
      problems.push(`UNSUBSCRIBE_SECRET: the key "${k.id}" is an example value, not a secret; anyone could forge unsubscribe links. Make one with: ${MAKE_SECRET_COMMAND}`);
      continue;
    }
    const bits = estimateSecretBits(k.secret);
    if (bits < MIN_SECRET_BITS) {
      problems.push(
        `UNSUBSCRIBE_SECRET: the key "${k.id}" has about ${Math.floor(bits / 8)} bytes of randomness, under the 32 needed; it could be guessed from one link and every link forged. Make one with: ${MAKE_SECRET_COMMAND}`,
      );
    }
  }
  return problems;
}
