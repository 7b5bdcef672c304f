import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { loadConfig, type Config } from '../../src/config';
import { makeProject, runCli, type CliResult } from '../helpers/cli';

/**
 * A temp project as the public server meets it in production: subscribers imported into a real
 * SQLite file, the seed issue sent through the outbox (the whole send pipeline, no SMTP server),
 * and the messages read back with mailparser to get the links a subscriber really receives.
 */

export const NEW_SECRET = 'new-secret-4f1c0a9e7b2d4c8f9a1e3b5d7c9f0a2b';
export const OLD_SECRET = 'old-secret-0b9d7f5e3c1a4b2d8e6f0a9c7b5d3e1f';
/** Newest first: k2 signs, k1 (links in older emails) still verifies. */
export const ROTATED_SECRET = `k2:${NEW_SECRET},k1:${OLD_SECRET}`;

export const SEED = 'issues/2021-03-22.yaml';
export const SEED_SLUG = '2021-03-22';
export const SUBSCRIBERS = ['ana@example.org', 'Bob.Smith@example.net', 'carla@example.org', 'dan@example.org'];

export interface ReceivedMessage {
  to: string;
  subject: string;
  /** The web URL of List-Unsubscribe (the one-click target). */
  unsubscribeUrl: string;
  html: string;
  text: string;
  listUnsubscribePost: string | undefined;
}

export interface SentProject {
  dir: string;
  env: Record<string, string>;
  cli: (...args: string[]) => Promise<CliResult>;
  config: (env?: Record<string, string>) => Config;
  /** Every message written to outbox/<slug>/, parsed. */
  received: (slug: string) => Promise<ReceivedMessage[]>;
  /** Writes a second issue: the seed for another week, under another file name. */
  writeIssue: (slug: string, weekOf: string) => string;
  /** Points newsletter.yaml's site_url (where the emails' links lead) somewhere else. */
  setSiteUrl: (url: string) => void;
}

export interface SentProjectOptions {
  secret?: string;
  /** Runs after the import and before the send: e.g. start a server and point site_url at it. */
  beforeSend?: (project: SentProject) => Promise<void>;
}

export async function sentProject(opts: SentProjectOptions = {}): Promise<SentProject> {
  const secret = opts.secret ?? ROTATED_SECRET;
  const dir = makeProject({ 'subscribers.csv': `email,name\n${SUBSCRIBERS.map((e) => `${e},${e.split('@')[0]}`).join('\n')}\n` });
  const env = { DATABASE_PATH: path.join(dir, 'data', 'store.db'), UNSUBSCRIBE_SECRET: secret };
  const cli = async (...args: string[]) => runCli(args, { cwd: dir, env });
  const project: SentProject = {
    dir,
    env,
    cli,
    config: (e = env) => loadConfig(dir, e),
    received: (slug) => readOutbox(dir, slug),
    writeIssue: (slug, weekOf) => {
      const seed = fs.readFileSync(path.join(dir, SEED), 'utf8');
      const file = `issues/${slug}.yaml`;
      fs.writeFileSync(path.join(dir, file), seed.replace(/^week_of: .*$/m, `week_of: ${weekOf}`));
      return file;
    },
    setSiteUrl: (url) => {
      const file = path.join(dir, 'newsletter.yaml');
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^site_url: \S+/m, `site_url: ${url}`));
      // With a real site_url, the seed's example.org stand-in links are refused at send (they
      // are only tolerated while the settings are the demo's own); give them a real-looking host.
      const seed = path.join(dir, SEED);
      fs.writeFileSync(seed, fs.readFileSync(seed, 'utf8').replaceAll('https://example.org/', 'https://chapter.invalid/'));
    },
  };
  await expectOk(cli('subscribers', 'import', 'subscribers.csv'));
  await opts.beforeSend?.(project);
  await expectOk(cli('send', SEED, '--yes'));
  return project;
}

export async function expectOk(result: Promise<CliResult>): Promise<CliResult> {
  const r = await result;
  if (r.code !== 0) throw new Error(`newsletter exited ${r.code}: ${r.stderr}`);
  return r;
}

async function readOutbox(dir: string, slug: string): Promise<ReceivedMessage[]> {
  const folder = path.join(dir, 'outbox', slug);
  const names = fs.readdirSync(folder).filter((n) => n.endsWith('.eml'));
  return Promise.all(
    names.map(async (name) => {
      const mail = await simpleParser(fs.readFileSync(path.join(folder, name)));
      const header = (key: string) => mail.headerLines.find((h) => h.key === key)?.line.replace(/^[^:]+:\s*/, '').replace(/\r?\n\s+/g, ' ');
      const https = /<(https?:[^>]+)>/.exec(header('list-unsubscribe') ?? '');
      if (!https) throw new Error(`${name}: no web link in List-Unsubscribe`);
      const to = Array.isArray(mail.to) ? mail.to[0] : mail.to;
      return {
        to: to?.value[0]?.address ?? '',
        subject: mail.subject ?? '',
        unsubscribeUrl: https[1]!,
        html: typeof mail.html === 'string' ? mail.html : '',
        text: mail.text ?? '',
        listUnsubscribePost: header('list-unsubscribe-post'),
      };
    }),
  );
}

/** The path of a site_url link, on the test server instead. */
export function onServer(serverUrl: string, siteLink: string): string {
  const u = new URL(siteLink);
  return new URL(u.pathname + u.search, serverUrl).toString();
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request whose path goes on the wire exactly as written (fetch would resolve `..` and `%2e%2e`). */
export function rawRequest(
  serverUrl: string,
  method: string,
  pathOnWire: string,
  opts: { headers?: Record<string, string | number>; body?: string | Buffer; chunks?: Buffer[] } = {},
): Promise<RawResponse> {
  const { port } = new URL(serverUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: Number(port), path: pathOnWire, method, headers: opts.headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    // The server may answer (413) and close before a long body is written: that is the point.
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err)));
    if (opts.chunks) for (const c of opts.chunks) req.write(c);
    req.end(opts.body);
  });
}

/** Writes bytes on a bare socket and collects whatever comes back until the server closes it. */
export function rawSocket(serverUrl: string, data: string): Promise<string> {
  const { port } = new URL(serverUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(data));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (answer += d));
    socket.on('close', () => resolve(answer));
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? resolve(answer) : reject(err)));
  });
}
