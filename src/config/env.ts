import path from 'node:path';
import { z } from 'zod';
import { IssueError } from '../util/errors';
import { sortProblems, type Problem } from '../util/problems';
import { bounceEnvKeys, toBounceEnv, type BounceEnv } from '../bounces/settings';

/** Settings that are secrets or machine-specific: read from .env (and the environment), never from YAML. */
export interface EnvSettings {
  /** Unset: messages go to the local outbox. */
  smtpUrl?: string;
  /** Signing keys for unsubscribe tokens, newest first: `k2:secret2,k1:secret1` or one bare secret. */
  unsubscribeKeys: { id: string; secret: string }[];
  /** True when no UNSUBSCRIBE_SECRET was set and a development key is in use. */
  unsubscribeKeyIsDevelopment: boolean;
  /** The SQLite store's file (DATABASE_PATH, or data/newsletter.db): the store unless databaseUrl is set. */
  databasePath: string;
  /** DATABASE_URL: a PostgreSQL store (postgres://user:password@host:5432/database) instead of the SQLite file. */
  databaseUrl?: string;
  unsubscribeMailto?: string;
  /** All three DKIM settings, or none (a partial set is refused). The key is read and checked by loadDkim before a send. */
  dkim?: { domainName: string; keySelector: string; privateKeyPath: string };
  /** Bounce processing: BOUNCE_ADDRESS (VERP), BOUNCE_IMAP_URL, the relays' webhook secrets. */
  bounces: BounceEnv;
}

/** Used only when UNSUBSCRIBE_SECRET is unset, which is refused for real (SMTP) sends. */
const DEVELOPMENT_KEY = { id: 'dev', secret: 'development-only-unsubscribe-secret' };

/** Where a value came from, for messages: `.env` and its line, or the process environment. */
export type EnvOrigin = { file: string; line: number };

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blankToUndefined, schema.optional());

const SmtpUrl = z.string().refine(
  (s) => {
    try {
      const url = new URL(s);
      return (url.protocol === 'smtp:' || url.protocol === 'smtps:') && url.hostname !== '';
    } catch {
      return false;
    }
  },
  { error: 'must look like smtps://user:password@smtp.example.org:465 (or smtp://… for STARTTLS on 587); special characters in the password percent-encoded' },
);

/**
 * `k2:new,k1:old` (ids chosen by the editor, newest first) or one bare secret (id `k1`). A bare
 * secret among several would get an id by position, which changes when a key is added and breaks
 * the links signed with it, so that mix is refused.
 */
export const UnsubscribeSecret = z.string().transform((value, ctx) => {
  const parts = value.split(',').map((p) => p.trim()).filter(Boolean);
  const keys = parts.map((part) => {
    const m = /^([A-Za-z0-9_-]{1,16}):(.+)$/.exec(part);
    return m ? { id: m[1]!, secret: m[2]! } : undefined;
  });
  if (parts.length === 1 && !keys[0]) return [{ id: 'k1', secret: parts[0]! }];
  if (keys.some((k) => !k)) {
    ctx.addIssue({ code: 'custom', message: 'with several secrets, give each an id: UNSUBSCRIBE_SECRET=k2:new-secret,k1:old-secret (a bare secret is k1)' });
    return z.NEVER;
  }
  return keys as { id: string; secret: string }[];
});

/** postgres:// or postgresql:// with a database name; what pg (libpq's URL form) understands. */
export const DatabaseUrl = z.string().superRefine((s, ctx) => {
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must look like postgres://user:password@db.example.org:5432/newsletter (special characters in the password percent-encoded)' });
    return;
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    ctx.addIssue({ code: 'custom', message: `must start with postgres:// or postgresql:// (not ${url.protocol}//): only PostgreSQL is reached by URL; for SQLite set DATABASE_PATH instead` });
    return;
  }
  if (!url.pathname.replace(/^\//, '')) {
    ctx.addIssue({ code: 'custom', message: 'names no database: add it after the host, like postgres://user:password@db.example.org:5432/newsletter' });
  }
});

const DKIM_KEYS = ['DKIM_DOMAIN', 'DKIM_SELECTOR', 'DKIM_PRIVATE_KEY_PATH'] as const;

/** Every key of .env and its check, in one place; a new check is one more line here. */
export const EnvSchema = z
  .object({
    SMTP_URL: optional(SmtpUrl),
    UNSUBSCRIBE_SECRET: optional(UnsubscribeSecret),
    DATABASE_PATH: optional(z.string()),
    DATABASE_URL: optional(DatabaseUrl),
    UNSUBSCRIBE_MAILTO: optional(z.string().regex(/^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$/, { error: 'must be a bare address like unsubscribe@example.org' })),
    DKIM_DOMAIN: optional(z.string().regex(/^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/, { error: 'must be the domain of the From address, like example.org' })),
    DKIM_SELECTOR: optional(z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9_-]{0,62}))*$/, { error: 'must be a DNS label like news (the record is news._domainkey.<domain>)' })),
    DKIM_PRIVATE_KEY_PATH: optional(z.string()),
    ...bounceEnvKeys(optional),
  })
  .superRefine((env, ctx) => {
    // DKIM is all or nothing: two of three would silently send unsigned mail.
    const set = DKIM_KEYS.filter((k) => env[k] !== undefined);
    if (set.length === 0 || set.length === DKIM_KEYS.length) return;
    for (const missing of DKIM_KEYS.filter((k) => env[k] === undefined)) {
      ctx.addIssue({ code: 'custom', path: [missing], message: `is not set, but ${set.join(' and ')} ${set.length === 1 ? 'is' : 'are'}: DKIM needs all three (or none, to send unsigned)` });
    }
  });

/**
 * Reads the settings through EnvSchema. Every problem is reported at once, each as
 * `.env:LINE:1  error  KEY: message` (or `environment` for a value from the process environment;
 * for a key that is missing, the line of a related key that is set).
 */
export function readEnv(root: string, env: Record<string, string | undefined>, origins: Record<string, EnvOrigin> = {}): EnvSettings {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems: Problem[] = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '');
      const origin = origins[key] ?? (DKIM_KEYS.includes(key as (typeof DKIM_KEYS)[number]) ? DKIM_KEYS.map((k) => origins[k]).find(Boolean) : undefined);
      return { severity: 'error', file: origin?.file ?? 'environment', line: origin?.line ?? 0, col: 1, path: key, message: issue.message };
    });
    throw new IssueError(sortProblems(problems));
  }
  const e = parsed.data;
  const keys = e.UNSUBSCRIBE_SECRET ?? [];
  return {
    smtpUrl: e.SMTP_URL,
    unsubscribeKeys: keys.length ? keys : [DEVELOPMENT_KEY],
    unsubscribeKeyIsDevelopment: keys.length === 0,
    databasePath: path.resolve(root, e.DATABASE_PATH ?? 'data/newsletter.db'),
    databaseUrl: e.DATABASE_URL,
    unsubscribeMailto: e.UNSUBSCRIBE_MAILTO,
    dkim:
      e.DKIM_DOMAIN && e.DKIM_SELECTOR && e.DKIM_PRIVATE_KEY_PATH
        ? { domainName: e.DKIM_DOMAIN, keySelector: e.DKIM_SELECTOR, privateKeyPath: path.resolve(root, e.DKIM_PRIVATE_KEY_PATH) }
        : undefined,
    bounces: toBounceEnv(e),
  };
}

/** The line of each key in a .env file (the last one wins, as dotenv reads it). */
export function envLines(source: string, file: string): Record<string, EnvOrigin> {
  const out: Record<string, EnvOrigin> = {};
  source.split(/\r\n|\r|\n/).forEach((text, i) => {
    const m = /^\s*(?:export\s+)?([\w.-]+)\s*[=:]/.exec(text);
    if (m) out[m[1]!] = { file, line: i + 1 };
  });
  return out;
}
