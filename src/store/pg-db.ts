import pg from 'pg';
import { UserError } from '../util/errors';

/**
 * The connection pool of a PostgreSQL store and the few things every part of it needs: queries,
 * transactions, and PostgreSQL's expected failures turned into one line naming DATABASE_URL.
 */

/** bigint (ids, counts) as JavaScript numbers, as SQLite gives them; ids stay far below 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === pg.types.builtins.INT8 && format !== 'binary') return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  }) as typeof pg.types.getTypeParser,
};

/** How long a write waits for another process's lock (an import, a send's batch) before giving up, as SQLite's busy timeout. */
export const PG_LOCK_TIMEOUT_MS = 10_000;

/** Advisory locks of the store (transaction-scoped), beside MIGRATION_LOCK. */
export const SUBSCRIBERS_LOCK = 0x6e6c0002;

export type Queryable = pg.Pool | pg.PoolClient;

/** The URL with its password hidden, for messages and `location`. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    // libpq also takes the password as a parameter: ?password=…
    for (const key of [...u.searchParams.keys()]) if (key.toLowerCase().endsWith('password')) u.searchParams.set(key, '***');
    return u.toString().replace(/=%2A%2A%2A/g, '=***');
  } catch {
    return 'DATABASE_URL';
  }
}

const CONNECTION_CODES: Record<string, string> = {
  ECONNREFUSED: 'the server refused the connection (is PostgreSQL running there, on that port?)',
  ENOTFOUND: 'the host name was not found',
  EAI_AGAIN: 'the host name could not be resolved',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  ECONNRESET: 'the server closed the connection',
  '28P01': 'the password was refused',
  '28000': 'the server refused this user',
  '3D000': 'the database does not exist (create it first: createdb, or CREATE DATABASE)',
  '57P03': 'the server is starting up or shutting down',
  '53300': 'the server has too many connections',
  '42501': 'the user lacks the privileges the store needs',
};

/** PostgreSQL's expected failures, as one line the user can act on; anything else passes through. */
export function pgError(err: unknown, location: string, setting = 'DATABASE_URL'): unknown {
  if (err instanceof UserError) return err;
  const code = String((err as { code?: unknown })?.code ?? '');
  const said = (err as Error)?.message ?? String(err);
  const connection = CONNECTION_CODES[code];
  if (connection) return new UserError(`cannot use the PostgreSQL store ${location}: ${connection} (${said}); check ${setting}`);
  if (code === '55P03' || code === '40P01') {
    return new UserError(`the store ${location} is busy: another newsletter command is writing to it; try again when it has finished`);
  }
  if (code === '53100') return new UserError(`the disk of the PostgreSQL server holding ${location} is full; nothing was written`);
  if (code === '25006') return new UserError(`the PostgreSQL store ${location} is read-only (${said}); check ${setting} points at the primary server`);
  if (/^(Connection terminated|connect ECONN|getaddrinfo|timeout expired)/i.test(said)) {
    return new UserError(`cannot use the PostgreSQL store ${location}: ${said}; check ${setting} and that the server is running`);
  }
  // A URL pg cannot parse, SSL refused by the server, …
  if (/^(The server does not support SSL|self[- ]signed certificate|Invalid URL)/i.test(said)) {
    return new UserError(`cannot use the PostgreSQL store ${location}: ${said}; check ${setting}`);
  }
  return err;
}

export class PgDb {
  constructor(
    readonly pool: pg.Pool,
    readonly location: string,
    /** Where the URL came from, for messages: DATABASE_URL, or `--to` of store copy. */
    readonly setting = 'DATABASE_URL',
    /** How long a write waits for another's lock before the store says it is busy. */
    readonly lockTimeoutMs = PG_LOCK_TIMEOUT_MS,
  ) {}

  /**
   * `settings`: server settings for every connection of the pool, sent when it connects (no round
   * trip of its own), besides the lock timeout every connection has.
   */
  static create(url: string, opts: { max?: number; setting?: string; lockTimeoutMs?: number; settings?: Record<string, string> } = {}): PgDb {
    const settings = { lock_timeout: String(Math.round(opts.lockTimeoutMs ?? PG_LOCK_TIMEOUT_MS)), ...opts.settings };
    const options = Object.entries(settings)
      .map(([k, v]) => `-c ${k}=${v}`)
      .join(' ');
    const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 5, types, connectionTimeoutMillis: 15_000, idleTimeoutMillis: 10_000, options });
    // An idle client that loses its connection (server restarted) is dropped by the pool; without a
    // listener its error would end the process.
    pool.on('error', () => undefined);
    return new PgDb(pool, maskUrl(url), opts.setting, opts.lockTimeoutMs);
  }

  /** Another pool to the same database with more settings (`max` connections): connects only when used. */
  withSettings(settings: Record<string, string>, max: number): PgDb {
    const options = [this.pool.options.options, ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`)].filter(Boolean).join(' ');
    const pool = new pg.Pool({ ...this.pool.options, max, options });
    pool.on('error', () => undefined);
    return new PgDb(pool, this.location, this.setting, this.lockTimeoutMs);
  }

  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: unknown[] = [], on: Queryable = this.pool): Promise<pg.QueryResult<R>> {
    try {
      return await on.query<R>(sql, params);
    } catch (err) {
      throw pgError(err, this.location, this.setting);
    }
  }

  async rows<R extends pg.QueryResultRow>(sql: string, params: unknown[] = [], on: Queryable = this.pool): Promise<R[]> {
    return (await this.query<R>(sql, params, on)).rows;
  }

  async one<R extends pg.QueryResultRow>(sql: string, params: unknown[] = [], on: Queryable = this.pool): Promise<R | undefined> {
    return (await this.query<R>(sql, params, on)).rows[0];
  }

  async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (err) {
      throw pgError(err, this.location, this.setting);
    }
  }

  /**
   * Runs `fn` in one transaction on one connection: committed when it resolves, rolled back when
   * it throws. `lock` takes the store's subscriber write lock first (SUBSCRIBERS_LOCK), so writes
   * to subscribers and suppressions happen one at a time, as in SQLite. `unsynced` commits without
   * waiting for the server's disk (synchronous_commit off): for writes whose loss in a server crash
   * is safe (a send's claims and outcomes; see PgLedger), made durable by the next synced commit.
   */
  async tx<T>(fn: (client: pg.PoolClient) => Promise<T>, opts: { lock?: boolean; unsynced?: boolean } = {}): Promise<T> {
    const client = await this.connect();
    let broken = false;
    try {
      await client.query(opts.unsynced ? 'BEGIN; SET LOCAL synchronous_commit = off' : 'BEGIN');
      if (opts.lock) await client.query('SELECT pg_advisory_xact_lock($1)', [SUBSCRIBERS_LOCK]);
      const out = await fn(client);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      throw pgError(err, this.location, this.setting);
    } finally {
      client.release(broken);
    }
  }

  async end(): Promise<void> {
    await this.pool.end();
  }
}
