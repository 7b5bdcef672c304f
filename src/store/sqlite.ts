import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { UserError } from '../util/errors';
import { migrate, type Migration, MIGRATIONS } from './migrations';
import { storeError } from './sqlite-errors';
import { SqliteEditionStore } from './sqlite-editions';
import { SqliteFeedbackStore } from './sqlite-feedback';
import { SqliteLedger } from './sqlite-ledger';
import { SqliteSubscriberStore } from './sqlite-subscribers';
import type { Store } from './types';

/**
 * How long a command waits for another process's write (an import, a send's batch commit) to
 * finish before giving up: long enough for any single commit, short enough to report a stuck lock.
 */
export const BUSY_TIMEOUT_MS = 10_000;

export interface SqliteOptions {
  /** The clock for timestamps; the CLI passes its own so tests control it. */
  now?: () => Date;
  busyTimeoutMs?: number;
  /** Tests create old files with a prefix of the migrations. */
  migrations?: readonly Migration[];
}

/**
 * The embedded store: one SQLite file. WAL so that readers (counts, the unsubscribe server)
 * never wait for a writer; foreign keys on (SQLite's default is off); a busy timeout so that
 * concurrent processes queue instead of failing at once.
 */
export class SqliteStore implements Store {
  readonly subscribers: SqliteSubscriberStore;
  readonly ledger: SqliteLedger;
  readonly editions: SqliteEditionStore;
  readonly feedback: SqliteFeedbackStore;

  /** Public to the other SQLite parts of the store (the send ledger); callers use the interfaces. */
  constructor(
    readonly db: Database.Database,
    readonly location: string,
    readonly now: () => Date,
  ) {
    this.subscribers = new SqliteSubscriberStore(db, location, now);
    this.editions = new SqliteEditionStore(db);
    this.ledger = new SqliteLedger(db, this.editions);
    this.feedback = new SqliteFeedbackStore(db);
  }

  async audienceSize(): Promise<number> {
    const row = this.db
      .prepare<[], { n: number }>(
        "SELECT count(*) AS n FROM subscribers s WHERE s.status = 'active' AND NOT EXISTS (SELECT 1 FROM suppressions p WHERE p.address = s.email_key)",
      )
      .get();
    return row?.n ?? 0;
  }

  async audience(limit: number): Promise<string[]> {
    return this.db
      .prepare<[number], { email: string }>(
        "SELECT s.email FROM subscribers s WHERE s.status = 'active' AND NOT EXISTS (SELECT 1 FROM suppressions p WHERE p.address = s.email_key) ORDER BY s.id LIMIT ?",
      )
      .all(limit)
      .map((r) => r.email);
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    await this.ledger.close();
    // An import left open by an error is undone rather than committed by the close.
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
    this.db.close();
  }
}

export function openSqliteStore(file: string, opts: SqliteOptions = {}): SqliteStore {
  const location = file;
  try {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  } catch (err) {
    throw new UserError(`cannot create the folder for the store ${location}: ${(err as Error).message}; check DATABASE_PATH`);
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { timeout: opts.busyTimeoutMs ?? BUSY_TIMEOUT_MS });
    db.pragma('journal_mode = WAL');
    // FULL: a claimed delivery (`sending`) is on disk before its message goes on the wire, even
    // through a power cut; WAL keeps each commit to one append and sync.
    db.pragma('synchronous = FULL');
    // SQLite's own default page cache (2 MB); better-sqlite3 builds it with 16 MB, which a send
    // filled page by page as it walked its deliveries: 16 MB more resident memory for nothing,
    // since every statement here reads through an index and the OS caches the file anyway.
    db.pragma('cache_size = -2000');
    db.pragma('foreign_keys = ON');
    migrate(db, opts.migrations ?? MIGRATIONS, location);
    return new SqliteStore(db, location, opts.now ?? (() => new Date()));
  } catch (err) {
    if (db?.open) db.close();
    throw storeError(err, location);
  }
}
