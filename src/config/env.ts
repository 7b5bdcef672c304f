import path from 'node:path';
import { UserError } from '../util/errors';

/** Settings that are secrets or machine-specific: read from .env (and the environment), never from YAML. */
export interface EnvSettings {
  /** Unset: messages go to the local outbox. */
  smtpUrl?: string;
  /** Signing keys for unsubscribe tokens, newest first: `k2:secret2,k1:secret1` or one bare secret. */
  unsubscribeKeys: { id: string; secret: string }[];
  /** True when no UNSUBSCRIBE_SECRET was set and a development key is in use. */
  unsubscribeKeyIsDevelopment: boolean;
  databasePath: string;
  unsubscribeMailto?: string;
  dkim?: { domainName: string; keySelector: string; privateKeyPath: string };
}

/** Used only when UNSUBSCRIBE_SECRET is unset, which is refused for real (SMTP) sends. */
const DEVELOPMENT_KEY = { id: 'dev', secret: 'development-only-unsubscribe-secret' };

export function readEnv(root: string, env: Record<string, string | undefined>): EnvSettings {
  const blank = (v: string | undefined) => (v && v.trim() ? v.trim() : undefined);
  const keys = parseKeys(blank(env.UNSUBSCRIBE_SECRET));
  const dkimDomain = blank(env.DKIM_DOMAIN);
  const dkimSelector = blank(env.DKIM_SELECTOR);
  const dkimKey = blank(env.DKIM_PRIVATE_KEY_PATH);
  return {
    smtpUrl: blank(env.SMTP_URL),
    unsubscribeKeys: keys.length ? keys : [DEVELOPMENT_KEY],
    unsubscribeKeyIsDevelopment: keys.length === 0,
    databasePath: path.resolve(root, blank(env.DATABASE_PATH) ?? 'data/newsletter.db'),
    unsubscribeMailto: blank(env.UNSUBSCRIBE_MAILTO),
    dkim:
      dkimDomain && dkimSelector && dkimKey
        ? { domainName: dkimDomain, keySelector: dkimSelector, privateKeyPath: path.resolve(root, dkimKey) }
        : undefined,
  };
}

/**
 * `k2:new,k1:old` (ids chosen by the editor, newest first) or one bare secret (id `k1`). A bare
 * secret among several would get an id by position, which changes when a key is added and breaks
 * the links signed with it, so that mix is refused.
 */
function parseKeys(value: string | undefined): { id: string; secret: string }[] {
  if (!value) return [];
  const parts = value.split(',').map((p) => p.trim()).filter(Boolean);
  const keys = parts.map((part) => {
    const m = /^([A-Za-z0-9_-]{1,16}):(.+)$/.exec(part);
    return m ? { id: m[1]!, secret: m[2]! } : undefined;
  });
  if (parts.length === 1 && !keys[0]) return [{ id: 'k1', secret: parts[0]! }];
  if (keys.some((k) => !k)) {
    throw new UserError('UNSUBSCRIBE_SECRET: with several secrets, give each an id: UNSUBSCRIBE_SECRET=k2:new-secret,k1:old-secret (a bare secret is k1)');
  }
  return keys as { id: string; secret: string }[];
}
