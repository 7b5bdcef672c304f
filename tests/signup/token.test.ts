import { CONFIRM_TTL_SECONDS, formIssuedAt, signConfirmToken, signFormStamp, verifyConfirmToken } from '../../src/signup/token';
import { signToken, verifyToken } from '../../src/unsubscribe/token';

const NEW = { id: 'k2', secret: 'DUhljennDVagQpHnEU-Kak1waaqRJ-ig8gE1T0mJK9A' };
const OLD = { id: 'k1', secret: '-Lqwt9zGq0ICj0TYgSdVjGp1IhPe9sCAnLFDHwnEpfA' };
const now = new Date('2021-03-22T12:00:00Z');

describe('confirmation tokens', () => {
  test('valid for 7 days, then expired; an older key still verifies', () => {
    const token = signConfirmToken([NEW, OLD], 42, now);
    expect(token).toMatch(/^k2\.42\.[0-9a-z]+\.[A-Za-z0-9_-]{43}$/);
    expect(verifyConfirmToken([OLD, NEW], token, now)).toEqual({ ok: true, signupId: 42 });
    expect(verifyConfirmToken([NEW], token, new Date(now.getTime() + (CONFIRM_TTL_SECONDS - 1) * 1000))).toEqual({ ok: true, signupId: 42 });
    expect(verifyConfirmToken([NEW], token, new Date(now.getTime() + (CONFIRM_TTL_SECONDS + 1) * 1000))).toEqual({ ok: false, reason: 'expired' });
  });

  test('the expiry is signed: stretching it, changing the id or dropping the key breaks it', () => {
    const [kid, id, exp, mac] = signConfirmToken([NEW], 42, now).split('.') as [string, string, string, string];
    const later = (parseInt(exp, 36) + 86400 * 30).toString(36);
    for (const forged of [`${kid}.${id}.${later}.${mac}`, `${kid}.43.${exp}.${mac}`, `k9.${id}.${exp}.${mac}`, `${kid}.${id}.${exp}.${mac.slice(0, -1)}A`, '', 'k2.42']) {
      expect(verifyConfirmToken([NEW], forged, now)).toEqual({ ok: false, reason: 'invalid' });
    }
    expect(verifyConfirmToken([OLD], `${kid}.${id}.${exp}.${mac}`, now)).toEqual({ ok: false, reason: 'invalid' });
  });

  test('a confirmation token is never an unsubscribe token, nor the other way round', () => {
    const confirm = signConfirmToken([NEW], 42, now);
    const unsubscribe = signToken([NEW], 42);
    expect(verifyToken([NEW], confirm)).toBeUndefined();
    expect(verifyConfirmToken([NEW], unsubscribe, now)).toEqual({ ok: false, reason: 'invalid' });
  });
});

describe('form stamps', () => {
  test('say when the form was served, only when ours', () => {
    const stamp = signFormStamp([NEW], now);
    expect(formIssuedAt([NEW, OLD], stamp)).toEqual(now);
    expect(formIssuedAt([OLD], stamp)).toBeUndefined();
    const [issued, mac] = stamp.split('.') as [string, string];
    expect(formIssuedAt([NEW], `${(parseInt(issued, 36) - 60_000).toString(36)}.${mac}`)).toBeUndefined();
    expect(formIssuedAt([NEW], undefined)).toBeUndefined();
    expect(formIssuedAt([NEW], 'garbage')).toBeUndefined();
  });
});
