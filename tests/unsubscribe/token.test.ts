import crypto from 'node:crypto';
import { maskAddress } from '../../src/unsubscribe/mask';
import { signingKeyProblems, signToken, TEST_TOKEN, unsubscribeUrl, verifyToken, type SigningKey } from '../../src/unsubscribe/token';

const K1: SigningKey = { id: 'k1', secret: 'old-secret-0b9d7f5e3c1a4b2d8e6f0a9c7b5d3e1f' };
const K2: SigningKey = { id: 'k2', secret: 'new-secret-4f1c0a9e7b2d4c8f9a1e3b5d7c9f0a2b' };
/** After a rotation: k2 signs, k1 still verifies links in older emails. */
const ROTATED = [K2, K1];

describe('unsubscribe tokens', () => {
  it('are <key id>.<subscriber id>.<HMAC-SHA256 of the id, base64url> with the newest key', () => {
    const token = signToken(ROTATED, 42);
    const expectedMac = crypto.createHmac('sha256', K2.secret).update('unsubscribe:42').digest('base64url');
    expect(token).toBe(`k2.42.${expectedMac}`);
    expect(token).toMatch(/^k2\.42\.[A-Za-z0-9_-]{43}$/);
    expect(verifyToken(ROTATED, token)).toBe(42);
  });

  it('carry no address and only URL-safe characters', () => {
    const url = unsubscribeUrl('https://news.example.org', signToken(ROTATED, 7));
    expect(url).toMatch(/^https:\/\/news\.example\.org\/u\/k2\.7\.[A-Za-z0-9_-]{43}$/);
    expect(encodeURIComponent(url.split('/u/')[1]!)).toBe(url.split('/u/')[1]);
  });

  it('forged: any changed character of the MAC, or the MAC of another id, is refused', () => {
    const token = signToken(ROTATED, 42);
    const [kid, id, mac] = token.split('.') as [string, string, string];
    for (let i = 0; i < mac.length; i++) {
      const other = mac[i] === 'A' ? 'B' : 'A';
      expect(verifyToken(ROTATED, `${kid}.${id}.${mac.slice(0, i)}${other}${mac.slice(i + 1)}`)).toBeUndefined();
    }
    expect(verifyToken(ROTATED, `${kid}.43.${mac}`)).toBeUndefined();
    expect(verifyToken(ROTATED, `${kid}.${id}.${'A'.repeat(43)}`)).toBeUndefined();
  });

  it('forged: a second spelling of the MAC (same bytes, other unused bits in the last character) is refused', () => {
    const token = signToken(ROTATED, 42);
    const last = token.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // 43 characters carry 258 bits for 256: the last character's two low bits are padding.
    const sibling = alphabet[alphabet.indexOf(last) ^ 1]!;
    const respelled = token.slice(0, -1) + sibling;
    expect(Buffer.from(respelled.split('.')[2]!, 'base64url')).toEqual(Buffer.from(token.split('.')[2]!, 'base64url'));
    expect(verifyToken(ROTATED, respelled)).toBeUndefined();
  });

  it('truncated or padded tokens are refused', () => {
    const token = signToken(ROTATED, 42);
    for (let n = 0; n < token.length; n++) expect(verifyToken(ROTATED, token.slice(0, n))).toBeUndefined();
    expect(verifyToken(ROTATED, `${token}=`)).toBeUndefined();
    expect(verifyToken(ROTATED, `${token}A`)).toBeUndefined();
    expect(verifyToken(ROTATED, ` ${token}`)).toBeUndefined();
    expect(verifyToken(ROTATED, `${token}\n`)).toBeUndefined();
  });

  it('re-signed with a wrong secret under a listed key id is refused', () => {
    expect(verifyToken(ROTATED, signToken([{ id: 'k2', secret: 'guessed-secret-guessed-secret-123' }], 42))).toBeUndefined();
    expect(verifyToken(ROTATED, signToken([{ id: 'k2', secret: K1.secret }], 42))).toBeUndefined();
    expect(verifyToken(ROTATED, signToken([{ id: 'k1', secret: K2.secret }], 42))).toBeUndefined();
  });

  it('old key still listed: links signed before the rotation keep working', () => {
    const old = signToken([K1], 42);
    expect(old.startsWith('k1.42.')).toBe(true);
    expect(verifyToken(ROTATED, old)).toBe(42);
  });

  it('removed key: once k1 is dropped from the list, its links are refused', () => {
    const old = signToken([K1], 42);
    expect(verifyToken([K2], old)).toBeUndefined();
    // A key id no list ever had.
    expect(verifyToken(ROTATED, signToken([{ id: 'k9', secret: K2.secret }], 42))).toBeUndefined();
  });

  it('ids with leading zeros, zero, signs or beyond safe integers are refused, so each id has one token', () => {
    const mac42 = signToken(ROTATED, 42).split('.')[2]!;
    for (const id of ['042', '0', '-42', '+42', '4.2', '42e0', '9007199254740993']) expect(verifyToken(ROTATED, `k2.${id}.${mac42}`)).toBeUndefined();
    expect(() => signToken(ROTATED, 0)).toThrow(/subscriber id 0/);
    expect(() => signToken(ROTATED, Number.NaN)).toThrow();
    expect(() => signToken([], 1)).toThrow(/no unsubscribe signing key/);
  });

  it('the test-send token never verifies as a subscriber', () => {
    expect(verifyToken(ROTATED, TEST_TOKEN)).toBeUndefined();
  });

  it('compares in constant time: the MAC check goes through crypto.timingSafeEqual', () => {
    const spy = jest.spyOn(crypto, 'timingSafeEqual');
    try {
      const token = signToken(ROTATED, 42);
      expect(verifyToken(ROTATED, token)).toBe(42);
      expect(verifyToken(ROTATED, token.slice(0, -2) + (token.at(-2) === 'A' ? 'BA' : 'AA'))).toBeUndefined();
      expect(spy).toHaveBeenCalledTimes(2);
    } finally {
      spy.mockRestore();
    }
  });

  it('key problems: duplicate ids are errors, short secrets warnings', () => {
    expect(signingKeyProblems(ROTATED)).toEqual({ errors: [], warnings: [] });
    const dup = signingKeyProblems([K2, { id: 'k2', secret: K1.secret }]);
    expect(dup.errors).toEqual(['two keys have the id "k2"; give each key its own id, e.g. UNSUBSCRIBE_SECRET=k2:new-secret,k1:old-secret']);
    const short = signingKeyProblems([{ id: 'k1', secret: 'short' }]);
    expect(short.errors).toEqual([]);
    expect(short.warnings[0]).toMatch(/^the key "k1" is shorter than 24 characters; make a new one with: node -e/);
    expect(signingKeyProblems([]).errors).toEqual(['no unsubscribe signing key is configured']);
  });
});

describe('maskAddress', () => {
  it.each([
    ['ana@example.org', 'a***@example.org'],
    ['Bob.Smith@Example.NET', 'B***@example.net'],
    ['x@example.org', 'x***@example.org'],
    ['élodie@example.fr', 'é***@example.fr'],
    ['😀smile@example.org', '😀***@example.org'],
    ['not-an-address', '***'],
  ])('%s → %s', (address, masked) => {
    expect(maskAddress(address)).toBe(masked);
  });
});
