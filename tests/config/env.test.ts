import { loadConfig } from '../../src/config';
import { readEnv } from '../../src/config/env';
import { IssueError } from '../../src/util/errors';
import { makeProject } from '../helpers/cli';

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

  it('takes DKIM settings when all three are set, and none', () => {
    expect(readEnv('/p', {}).dkim).toBeUndefined();
    expect(readEnv('/p', { DKIM_DOMAIN: 'example.org', DKIM_SELECTOR: 'news', DKIM_PRIVATE_KEY_PATH: 'k.pem' }).dkim).toEqual({
      domainName: 'example.org',
      keySelector: 'news',
      privateKeyPath: '/p/k.pem',
    });
  });
});

describe('.env, one schema with file:line errors', () => {
  const load = (dotenv: string, env: Record<string, string> = {}) => {
    const dir = makeProject({ '.env': dotenv });
    return () => loadConfig(dir, env);
  };

  it('regression: DKIM configured with two of its three variables is refused, not silently dropped (mail went out unsigned)', () => {
    const run = load('# dkim\nDKIM_DOMAIN=example.org\nDKIM_SELECTOR=news\n');
    expect(run).toThrow(IssueError);
    expect(run).toThrow(/^.*\.env:2:1 {2}error {2}DKIM_PRIVATE_KEY_PATH: is not set, but DKIM_DOMAIN and DKIM_SELECTOR are: DKIM needs all three \(or none, to send unsigned\)$/);
  });

  it('reports every bad key at once, each at its line', () => {
    const run = load('SMTP_URL=http://smtp.example.org\n\nUNSUBSCRIBE_MAILTO=not an address\nDKIM_DOMAIN=example.org\nDKIM_SELECTOR=news\nDKIM_PRIVATE_KEY_PATH=k.pem\nUNSUBSCRIBE_SECRET=k2:new,old\n');
    let message = '';
    try {
      run();
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message.split('\n')).toEqual([
      expect.stringMatching(/\.env:1:1 {2}error {2}SMTP_URL: must look like smtps:\/\/user:password@smtp\.example\.org:465/),
      expect.stringMatching(/\.env:3:1 {2}error {2}UNSUBSCRIBE_MAILTO: must be a bare address/),
      expect.stringMatching(/\.env:7:1 {2}error {2}UNSUBSCRIBE_SECRET: with several secrets, give each an id/),
    ]);
  });

  it('names the environment for a value set there (it wins over .env)', () => {
    expect(load('SMTP_URL=smtp://ok.example.org:587\n', { SMTP_URL: 'ftp://x' })).toThrow(/^environment:0:1 {2}error {2}SMTP_URL: /);
    expect(load('SMTP_URL=ftp://x\n', { SMTP_URL: 'smtp://ok.example.org:587' })().env.smtpUrl).toBe('smtp://ok.example.org:587');
  });
});

describe('DATABASE_URL', () => {
  const load = (dotenv: string) => {
    const dir = makeProject({ '.env': dotenv });
    return () => loadConfig(dir, {});
  };

  it('takes postgres:// and postgresql:// URLs; without it the SQLite file of DATABASE_PATH stays the store', () => {
    expect(readEnv('/p', { DATABASE_URL: 'postgres://news:s%40cret@db.example.org:5432/newsletter' }).databaseUrl).toBe('postgres://news:s%40cret@db.example.org:5432/newsletter');
    expect(readEnv('/p', { DATABASE_URL: ' postgresql://db.example.org/newsletter ' }).databaseUrl).toBe('postgresql://db.example.org/newsletter');
    expect(readEnv('/p', { DATABASE_PATH: 'x.db' })).toMatchObject({ databaseUrl: undefined, databasePath: '/p/x.db' });
    expect(readEnv('/p', { DATABASE_URL: '' }).databaseUrl).toBeUndefined();
  });

  it.each([
    ['mysql://u:p@db.example.org/newsletter', /DATABASE_URL: must start with postgres:\/\/ or postgresql:\/\/ \(not mysql:\/\/\): only PostgreSQL is reached by URL; for SQLite set DATABASE_PATH instead$/],
    ['file:data/newsletter.db', /DATABASE_URL: must start with postgres:\/\/ or postgresql:\/\/ \(not file:\/\/\)/],
    ['db.example.org/newsletter', /DATABASE_URL: must look like postgres:\/\/user:password@db\.example\.org:5432\/newsletter/],
    ['postgres://u:p@db.example.org:5432', /DATABASE_URL: names no database: add it after the host/],
    ['postgres://u:p@db.example.org:5432/', /DATABASE_URL: names no database/],
  ])('refuses %s with one line at its place in .env', (value, message) => {
    const run = load(`# the store\nDATABASE_URL=${value}\n`);
    expect(run).toThrow(IssueError);
    let said = '';
    try {
      run();
    } catch (err) {
      said = (err as Error).message;
    }
    expect(said.split('\n')).toHaveLength(1);
    expect(said).toMatch(/\.env:2:1 {2}error {2}DATABASE_URL: /);
    expect(said).toMatch(message);
  });
});
