import { readEnv } from '../../src/config/env';

describe('.env settings', () => {
  it('reads one bare secret as key k1, and several with their ids, newest first', () => {
    expect(readEnv('/p', { UNSUBSCRIBE_SECRET: 'only-one' }).unsubscribeKeys).toEqual([{ id: 'k1', secret: 'only-one' }]);
    expect(readEnv('/p', { UNSUBSCRIBE_SECRET: 'k2:new,k1:old' }).unsubscribeKeys).toEqual([
      { id: 'k2', secret: 'new' },
      { id: 'k1', secret: 'old' },
    ]);
  });

  it('refuses a bare secret among several, whose id would shift', () => {
    expect(() => readEnv('/p', { UNSUBSCRIBE_SECRET: 'k2:new,old' })).toThrow('UNSUBSCRIBE_SECRET: with several secrets, give each an id');
  });

  it('falls back to a development key (flagged) when unset, and resolves DATABASE_PATH', () => {
    const env = readEnv('/p', {});
    expect(env.unsubscribeKeyIsDevelopment).toBe(true);
    expect(env.databasePath).toBe('/p/data/newsletter.db');
    expect(env.smtpUrl).toBeUndefined();
    expect(readEnv('/p', { DATABASE_PATH: 'x/y.db', SMTP_URL: ' smtp://h:25 ' })).toMatchObject({ databasePath: '/p/x/y.db', smtpUrl: 'smtp://h:25' });
  });

  it('takes DKIM settings only when all three are set', () => {
    expect(readEnv('/p', { DKIM_DOMAIN: 'example.org', DKIM_SELECTOR: 'news' }).dkim).toBeUndefined();
    expect(readEnv('/p', { DKIM_DOMAIN: 'example.org', DKIM_SELECTOR: 'news', DKIM_PRIVATE_KEY_PATH: 'k.pem' }).dkim).toEqual({
      domainName: 'example.org',
      keySelector: 'news',
      privateKeyPath: '/p/k.pem',
    });
  });
});
