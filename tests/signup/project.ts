import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { loadConfig, type Config } from '../../src/config';
import { openStore, type Store } from '../../src/store';
import { signFormStamp } from '../../src/signup/token';
import { startPublicServer, type PublicServer, type PublicServerOptions } from '../../src/web/server';
import { makeProject, runCli } from '../helpers/cli';

/** A project whose `serve` takes signups: a strong secret, a real SQLite file, a few members. */

export const SECRET = 'k1:DUhljennDVagQpHnEU-Kak1waaqRJ-ig8gE1T0mJK9A';

export interface SignupProject {
  dir: string;
  env: Record<string, string>;
  config: (extra?: Record<string, string>) => Config;
  cli: (...args: string[]) => ReturnType<typeof runCli>;
  setSiteUrl: (url: string) => void;
  /** A form stamp as if the form had been served `secondsAgo` ago. */
  stamp: (secondsAgo: number) => string;
  /** Confirmation messages written to outbox/confirmations/, parsed, oldest first. */
  outbox: () => Promise<Confirmation[]>;
  withStore: <T>(fn: (store: Store) => Promise<T>) => Promise<T>;
}

export interface Confirmation {
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
  raw: string;
  /** The link in the text part. */
  link: string;
}

export async function parseConfirmation(raw: string | Buffer): Promise<Confirmation> {
  const mail = await simpleParser(raw);
  const to = Array.isArray(mail.to) ? mail.to[0] : mail.to;
  const text = mail.text ?? '';
  const link = /https?:\/\/\S+\/confirm\/\S+/.exec(text)?.[0] ?? '';
  return { to: to?.value[0]?.address ?? '', from: mail.from?.text ?? '', subject: mail.subject ?? '', text, html: typeof mail.html === 'string' ? mail.html : '', raw: raw.toString(), link };
}

export async function signupProject(): Promise<SignupProject> {
  const dir = makeProject({ 'members.csv': 'email,name\nana@example.org,Ana\nben@example.org,Ben\n' });
  const env = { DATABASE_PATH: path.join(dir, 'data', 'store.db'), UNSUBSCRIBE_SECRET: SECRET };
  const cli = (...args: string[]) => runCli(args, { cwd: dir, env });
  const imported = await cli('subscribers', 'import', 'members.csv');
  if (imported.code !== 0) throw new Error(imported.stderr);
  await cli('subscribers', 'suppress', 'ben@example.org', '--reason', 'unsubscribed');
  const config = (extra: Record<string, string> = {}) => loadConfig(dir, { ...env, ...extra });
  return {
    dir,
    env,
    config,
    cli,
    setSiteUrl: (url) => {
      const file = path.join(dir, 'newsletter.yaml');
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^site_url: \S+/m, `site_url: ${url}`));
    },
    stamp: (secondsAgo) => signFormStamp(config().env.unsubscribeKeys, new Date(Date.now() - secondsAgo * 1000)),
    outbox: async () => {
      const folder = path.join(dir, 'outbox', 'confirmations');
      if (!fs.existsSync(folder)) return [];
      const names = fs.readdirSync(folder).filter((n) => n.endsWith('.eml')).sort();
      return Promise.all(names.map((n) => parseConfirmation(fs.readFileSync(path.join(folder, n)))));
    },
    withStore: async (fn) => {
      const store = await openStore(config());
      try {
        return await fn(store);
      } finally {
        await store.close();
      }
    },
  };
}

/**
 * `serve` for the project, with site_url pointing at it so the links in confirmation messages
 * lead to it: a free port is found first, then the server starts there with that site_url.
 */
export async function startSignupServer(p: SignupProject, opts: Omit<PublicServerOptions, 'config' | 'port'> = {}, extraEnv: Record<string, string> = {}): Promise<PublicServer> {
  const probe = await startPublicServer({ config: p.config(extraEnv), port: 0 });
  const { port, url } = probe;
  await probe.close();
  p.setSiteUrl(url);
  return startPublicServer({ ...opts, config: p.config(extraEnv), port });
}
