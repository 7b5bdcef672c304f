import type { Config } from '../config';
import type { Store } from './types';

export type * from './types';
export { SUBSCRIBER_STATUSES, SUPPRESSION_REASONS } from './types';

export interface OpenStoreOptions {
  /** The clock for the store's timestamps. */
  now?: () => Date;
}

/**
 * The store named by the configuration: PostgreSQL when DATABASE_URL is set, otherwise the SQLite
 * file of DATABASE_PATH; created or upgraded to the current schema. Callers hold it for one
 * command and `close()` it in a `finally`.
 */
export async function openStore(config: Pick<Config, 'env'>, opts: OpenStoreOptions = {}): Promise<Store> {
  // Each driver is loaded only by the commands that use it (a cold command pays for one).
  if (config.env.databaseUrl) return (require('./pg') as typeof import('./pg')).openPgStore(config.env.databaseUrl, { now: opts.now });
  return (require('./sqlite') as typeof import('./sqlite')).openSqliteStore(config.env.databasePath, { now: opts.now });
}

/** Whether the configured store exists yet (a SQLite file not yet made does not; a PostgreSQL URL is taken to). */
export function storeExists(config: Pick<Config, 'env'>, exists: (file: string) => boolean): boolean {
  return config.env.databaseUrl !== undefined || exists(config.env.databasePath);
}
