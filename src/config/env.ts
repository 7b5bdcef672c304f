import path from 'node:path';

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

function parseKeys(value: string | undefined): { id: string; secret: string }[] {
  if (!value) return [];
  return value.split(',').map((part, i) => {
    const m = /^([A-Za-z0-9_-]{1,16}):(.+)$/.exec(part.trim());
    return m ? { id: m[1]!, secret: m[2]! } : { id: `k${i + 1}`, secret: part.trim() };
  });
}
