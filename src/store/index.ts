import type { Config } from '../config';
import { openSqliteStore } from './sqlite';
import type { Store } from './types';

export type * from './types';
export { SUBSCRIBER_STATUSES, SUPPRESSION_REASONS } from './types';

export interface OpenStoreOptions {
  /** The clock for the store's timestamps. */
  now?: () => Date;
}

/**
 * The store named by the configuration (DATABASE_PATH), created or upgraded to the current
 * schema. Callers hold it for one command and `close()` it in a `finally`.
 */
export async function openStore(config: Pick<Config, 'env'>, opts: OpenStoreOptions = {}): Promise<Store> {
  return openSqliteStore(config.env.databasePath, { now: opts.now });
}
