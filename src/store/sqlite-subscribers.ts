import type Database from 'better-sqlite3';
import { addressKey, type Address } from '../subscribers/address';
import { guard } from './sqlite-errors';
import type {
  ImportOutcome,
  Subscriber,
  SubscriberCounts,
  SubscriberImport,
  SubscriberStatus,
  SubscriberStore,
  Suppression,
  SuppressionReason,
  SuppressResult,
} from './types';

/** Rows fetched per query when listing: lists are paged by address so none is held whole. */
const LIST_PAGE_SIZE = 500;

interface SubscriberRow {
  id: number;
  email: string;
  name: string | null;
  status: SubscriberStatus;
  added_at: string;
  updated_at: string;
}

function toSubscriber(row: SubscriberRow): Subscriber {
  return { id: row.id, email: row.email, name: row.name, status: row.status, addedAt: row.added_at, updatedAt: row.updated_at };
}

const SUBSCRIBER_COLUMNS = 'id, email, name, status, added_at, updated_at';

export class SqliteSubscriberStore implements SubscriberStore {
  private importing = false;

  constructor(
    private readonly db: Database.Database,
    private readonly location: string,
    private readonly now: () => Date,
  ) {}

  private readonly statements = new Map<string, Database.Statement>();

  /** Prepared once per connection: an import runs the same few statements for every row. */
  private stmt<P extends unknown[] | {} = unknown[], R = unknown>(sql: string): Database.Statement<P, R> {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s as unknown as Database.Statement<P, R>;
  }

  private stamp(): string {
    return this.now().toISOString();
  }

  private find(key: string): SubscriberRow | undefined {
    return this.stmt<[string], SubscriberRow>(`SELECT ${SUBSCRIBER_COLUMNS} FROM subscribers WHERE email_key = ?`).get(key);
  }

  private findSuppression(key: string): Suppression | undefined {
    return this.stmt<[string], Suppression>('SELECT address, reason, at, detail FROM suppressions WHERE address = ?').get(key);
  }

  /** The one place that suppresses: the suppression row and the subscriber's status move together. */
  private suppressKey(key: string, reason: SuppressionReason, detail: string | null): SuppressResult {
    return this.db.transaction(() => {
      const at = this.stamp();
      const added = this.stmt('INSERT OR IGNORE INTO suppressions (address, reason, at, detail) VALUES (?, ?, ?, ?)').run(key, reason, at, detail).changes === 1;
      const unsubscribed = this.stmt("UPDATE subscribers SET status = 'unsubscribed', updated_at = ? WHERE email_key = ? AND status <> 'unsubscribed'")
        .run(at, key).changes;
      return { added, suppression: this.findSuppression(key)!, subscriberUnsubscribed: unsubscribed === 1 };
    })();
  }

  async get(address: Address): Promise<Subscriber | undefined> {
    const row = guard(this.location, () => this.find(addressKey(address)));
    return row && toSubscriber(row);
  }

  async findById(id: number): Promise<Subscriber | undefined> {
    if (!Number.isSafeInteger(id)) return undefined;
    const row = guard(this.location, () => this.stmt<[number], SubscriberRow>(`SELECT ${SUBSCRIBER_COLUMNS} FROM subscribers WHERE id = ?`).get(id));
    return row && toSubscriber(row);
  }

  async *list(filter: { status?: SubscriberStatus; suppression?: SuppressionReason } = {}): AsyncIterable<Subscriber> {
    const where = [filter.status ? 'AND status = @status' : '', filter.suppression ? 'AND email_key IN (SELECT address FROM suppressions WHERE reason = @suppression)' : ''].join(' ');
    const page = this.stmt<{ after: string; status?: string; suppression?: string; limit: number }, SubscriberRow & { email_key: string }>(
      `SELECT ${SUBSCRIBER_COLUMNS}, email_key FROM subscribers WHERE email_key > @after ${where} ORDER BY email_key LIMIT @limit`,
    );
    let after = '';
    for (;;) {
      const rows = guard(this.location, () =>
        page.all({ after, limit: LIST_PAGE_SIZE, ...(filter.status ? { status: filter.status } : {}), ...(filter.suppression ? { suppression: filter.suppression } : {}) }),
      );
      for (const row of rows) yield toSubscriber(row);
      if (rows.length < LIST_PAGE_SIZE) return;
      after = rows[rows.length - 1]!.email_key;
    }
  }

  async counts(): Promise<SubscriberCounts> {
    return guard(this.location, () =>
      this.stmt<[], SubscriberCounts>(
          `SELECT (SELECT count(*) FROM subscribers WHERE status = 'active') AS active,
                  (SELECT count(*) FROM subscribers WHERE status = 'unsubscribed') AS unsubscribed,
                  (SELECT count(*) FROM suppressions) AS suppressed,
                  (SELECT count(*) FROM suppressions WHERE reason = 'bounced') AS bounced,
                  (SELECT count(*) FROM suppressions WHERE reason = 'complained') AS complained`,
        )
        .get()!,
    );
  }

  async remove(address: Address): Promise<boolean> {
    return guard(this.location, () => this.stmt('DELETE FROM subscribers WHERE email_key = ?').run(addressKey(address)).changes === 1);
  }

  async suppress(address: Address, reason: SuppressionReason, detail: string | null = null): Promise<SuppressResult> {
    return guard(this.location, () => this.suppressKey(addressKey(address), reason, detail));
  }

  async suppression(address: Address): Promise<Suppression | undefined> {
    return guard(this.location, () => this.findSuppression(addressKey(address)));
  }

  async beginImport(): Promise<SubscriberImport> {
    if (this.importing) throw new Error('an import is already open on this store');
    // IMMEDIATE takes the write lock now (waiting up to the busy timeout), so the import cannot
    // fail half-way because another process started writing.
    guard(this.location, () => this.db.exec('BEGIN IMMEDIATE'));
    this.importing = true;
    try {
      return this.openImport();
    } catch (err) {
      this.db.exec('ROLLBACK');
      this.importing = false;
      throw err;
    }
  }

  private openImport(): SubscriberImport {
    const { db, location } = this;
    // Addresses already seen in this import live in a temporary table, not in memory: the file
    // can be any size. It is emptied at the end of every import.
    db.exec('CREATE TEMP TABLE IF NOT EXISTS import_seen (key TEXT PRIMARY KEY) WITHOUT ROWID');
    db.exec('DELETE FROM temp.import_seen');
    const markSeen = db.prepare<[string]>('INSERT OR IGNORE INTO temp.import_seen (key) VALUES (?)');
    const isSuppressed = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM suppressions WHERE address = ?');
    const insert = db.prepare<[string, string, string | null, string, string]>(
      "INSERT INTO subscribers (email, email_key, name, status, added_at, updated_at) VALUES (?, ?, ?, 'active', ?, ?)",
    );
    const rename = db.prepare<[string, string, number]>('UPDATE subscribers SET name = ?, updated_at = ? WHERE id = ?');
    let open = true;
    const end = (sql: 'COMMIT' | 'ROLLBACK') => {
      if (!open) return;
      try {
        if (db.inTransaction) db.exec('DELETE FROM temp.import_seen');
        if (db.inTransaction) guard(location, () => db.exec(sql));
      } finally {
        open = false;
        this.importing = false;
      }
    };
    const ensureOpen = () => {
      if (!open) throw new Error('this import has already ended');
    };

    return {
      subscribe: async (address, name) => {
        ensureOpen();
        return guard(location, (): ImportOutcome => {
          const key = addressKey(address);
          const first = markSeen.run(key).changes === 1;
          const existing = this.find(key);
          if (!first) {
            if (name && existing && !existing.name) rename.run(name, this.stamp(), existing.id);
            return 'duplicate';
          }
          if (existing?.status === 'unsubscribed' || isSuppressed.get(key)) return 'suppressed';
          if (!existing) {
            const at = this.stamp();
            insert.run(address, key, name, at, at);
            return 'added';
          }
          if (name && name !== existing.name) {
            rename.run(name, this.stamp(), existing.id);
            return 'updated';
          }
          return 'unchanged';
        });
      },
      suppress: async (address, reason, detail) => {
        ensureOpen();
        return guard(location, (): ImportOutcome => {
          const key = addressKey(address);
          markSeen.run(key);
          this.suppressKey(key, reason, detail);
          return 'suppressed';
        });
      },
      commit: async () => {
        ensureOpen();
        end('COMMIT');
      },
      rollback: async () => end('ROLLBACK'),
    };
  }
}
