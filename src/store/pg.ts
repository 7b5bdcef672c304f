import { PgDb, pgError } from './pg-db';
import { PgEditionStore } from './pg-editions';
import { PgFeedbackStore } from './pg-feedback';
import { PgLedger } from './pg-ledger';
import { pgMigrate, PG_MIGRATIONS, type PgMigration } from './pg-migrations';
import { PgSubscriberStore } from './pg-subscribers';
import type { Store } from './types';

export interface PgOptions {
  /** The clock for timestamps; the CLI passes its own so tests control it. */
  now?: () => Date;
  /** Connections in the pool (a command needs few; a send's runner a couple). */
  maxConnections?: number;
  /** How long a write waits for another process's lock before saying the store is busy (default 10 s). */
  lockTimeoutMs?: number;
  /** Tests create old databases with a prefix of the migrations. */
  migrations?: readonly PgMigration[];
}

/**
 * The store on a PostgreSQL server (DATABASE_URL): the same interfaces as the SQLite store, for
 * several processes on several hosts sharing one list and one send.
 */
export class PgStore implements Store {
  readonly subscribers: PgSubscriberStore;
  readonly ledger: PgLedger;
  readonly editions: PgEditionStore;
  readonly feedback: PgFeedbackStore;
  readonly location: string;

  /** Public to the other PostgreSQL parts of the store (the send ledger); callers use the interfaces. */
  constructor(
    readonly db: PgDb,
    readonly now: () => Date,
  ) {
    this.location = db.location;
    this.subscribers = new PgSubscriberStore(db, now);
    this.editions = new PgEditionStore(db);
    this.ledger = new PgLedger(db, this.editions);
    this.feedback = new PgFeedbackStore(db);
  }

  async audienceSize(): Promise<number> {
    const row = await this.db.one<{ n: number }>(
      "SELECT count(*) AS n FROM subscribers s WHERE s.status = 'active' AND NOT EXISTS (SELECT 1 FROM suppressions p WHERE p.address = s.email_key)",
    );
    return row?.n ?? 0;
  }

  async audience(limit: number): Promise<string[]> {
    const rows = await this.db.rows<{ email: string }>(
      "SELECT s.email FROM subscribers s WHERE s.status = 'active' AND NOT EXISTS (SELECT 1 FROM suppressions p WHERE p.address = s.email_key) ORDER BY s.id LIMIT $1",
      [limit],
    );
    return rows.map((r) => r.email);
  }

  private closed = false;

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // An import left open by an error is undone rather than committed by the close.
    await this.subscribers.abortImport();
    await this.ledger.close();
    await this.db.end();
  }
}

/** Connects (failing with one line naming DATABASE_URL), then creates or upgrades the schema. */
export async function openPgStore(url: string, opts: PgOptions = {}): Promise<PgStore> {
  const db = PgDb.create(url, { max: opts.maxConnections, lockTimeoutMs: opts.lockTimeoutMs });
  try {
    const client = await db.connect();
    try {
      await pgMigrate(client, db.location, opts.migrations ?? PG_MIGRATIONS);
    } finally {
      client.release();
    }
  } catch (err) {
    await db.end().catch(() => undefined);
    throw pgError(err, db.location);
  }
  return new PgStore(db, opts.now ?? (() => new Date()));
}
