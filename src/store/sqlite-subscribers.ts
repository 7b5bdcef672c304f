import type Database from 'better-sqlite3';
import { addressKey, type Address } from '../subscribers/address';
import { guard } from './sqlite-errors';
import type {
  AddResult,
  EventSource,
  ImportOutcome,
  Mailbox,
  ResubscribeOptions,
  ResubscribeResult,
  Signup,
  SubscriptionEvent,
  Subscriber,
  SubscriberCounts,
  SubscriberImport,
  SubscriberStatus,
  SubscriberStore,
  Suppression,
  SuppressionReason,
  SuppressResult,
} from './types';
import { QUERIES, SUBSCRIBER_COLUMNS, subscriberPageSql } from './sqlite-queries';
import { prepared } from './sqlite-statements';

/** The page cache (KB) of the temporary table of addresses an import has seen. */
const IMPORT_SEEN_CACHE_KB = 2000;

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


export class SqliteSubscriberStore implements SubscriberStore {
  private importing = false;

  constructor(
    private readonly db: Database.Database,
    private readonly location: string,
    private readonly now: () => Date,
  ) {}

  /** Prepared once per connection: an import runs the same few statements for every row. */
  private stmt<P extends unknown[] | {} = unknown[], R = unknown>(sql: string): Database.Statement<P, R> {
    return prepared<P, R>(this, this.db, sql);
  }

  private stamp(): string {
    return this.now().toISOString();
  }

  private find(key: string): SubscriberRow | undefined {
    return this.stmt<[string], SubscriberRow>(QUERIES.subscriberByKey).get(key);
  }

  private findSuppression(key: string): Suppression | undefined {
    return this.stmt<[string], Suppression>(QUERIES.suppressionByAddress).get(key);
  }

  /** The one place that suppresses: the suppression row and the subscriber's status move together. */
  private suppressKey(key: string, reason: SuppressionReason, detail: string | null): SuppressResult {
    return this.db.transaction(() => {
      const at = this.stamp();
      const added = this.stmt(QUERIES.insertSuppression).run(key, reason, at, detail).changes === 1;
      const unsubscribed = this.stmt(QUERIES.unsubscribeByKey).run(at, key).changes;
      return { added, suppression: this.findSuppression(key)!, subscriberUnsubscribed: unsubscribed === 1 };
    })();
  }

  /** The mailbox id of an address key, made on first use: every subscriber row takes its id from here. */
  private mailboxId(key: string): number {
    const found = this.stmt<[string], { id: number | null }>('SELECT min(id) AS id FROM mailboxes WHERE address = ?').get(key);
    if (found?.id != null) return found.id;
    return Number(this.stmt('INSERT INTO mailboxes (address, created_at) VALUES (?, ?)').run(key, this.stamp()).lastInsertRowid);
  }

  /** Inserts an active subscriber under its mailbox's id. */
  private insertSubscriber(address: Address, key: string, name: string | null): void {
    const at = this.stamp();
    this.stmt("INSERT INTO subscribers (id, email, email_key, name, status, added_at, updated_at) VALUES (?, ?, ?, ?, 'active', ?, ?)").run(
      this.mailboxId(key),
      address,
      key,
      name,
      at,
      at,
    );
  }

  private recordEvent(key: string, kind: SubscriptionEvent['kind'], source: EventSource, note: string | null): void {
    this.stmt('INSERT INTO subscription_events (address, kind, source, note, at) VALUES (?, ?, ?, ?, ?)').run(key, kind, source, note, this.stamp());
  }

  async findMailbox(id: number): Promise<Mailbox | undefined> {
    if (!Number.isSafeInteger(id)) return undefined;
    return guard(this.location, () => {
      const box = this.stmt<[number], { id: number; address: string }>(QUERIES.mailboxById).get(id);
      if (!box) return undefined;
      const row = this.find(box.address);
      return row ? { id: box.id, address: box.address, subscriber: toSubscriber(row) } : { id: box.id, address: box.address };
    });
  }

  async add(address: Address, name: string | null, event: { source: EventSource; note?: string | null }): Promise<AddResult> {
    return guard(this.location, () =>
      this.db.transaction((): AddResult => {
        const key = addressKey(address);
        const existing = this.find(key);
        const suppression = this.findSuppression(key);
        if (suppression || existing?.status === 'unsubscribed') {
          return { outcome: 'suppressed', suppression, subscriber: existing && toSubscriber(existing) };
        }
        if (existing) return { outcome: 'exists', subscriber: toSubscriber(existing) };
        this.insertSubscriber(address, key, name);
        this.recordEvent(key, 'added', event.source, event.note ?? null);
        return { outcome: 'added', subscriber: toSubscriber(this.find(key)!) };
      }).immediate(),
    );
  }

  async resubscribe(address: Address, opts: ResubscribeOptions): Promise<ResubscribeResult> {
    const liftable = opts.liftable ?? ['unsubscribed', 'manual'];
    return guard(this.location, () =>
      this.db.transaction((): ResubscribeResult => {
        const key = addressKey(address);
        const suppression = this.findSuppression(key);
        if (suppression && !opts.force && !liftable.includes(suppression.reason)) return { outcome: 'refused', suppression };
        const existing = this.find(key);
        if (!suppression && existing?.status === 'active') return { outcome: 'already-active', subscriber: toSubscriber(existing) };
        if (suppression) this.stmt('DELETE FROM suppressions WHERE address = ?').run(key);
        if (existing) this.stmt("UPDATE subscribers SET status = 'active', updated_at = ? WHERE id = ?").run(this.stamp(), existing.id);
        else this.insertSubscriber(address, key, opts.name ?? null);
        const note = [suppression ? `lifted ${suppression.reason} suppression of ${suppression.at}` : null, opts.note ?? null].filter(Boolean).join('; ');
        this.recordEvent(key, 'resubscribed', opts.source, note || null);
        return { outcome: 'resubscribed', lifted: suppression, subscriber: toSubscriber(this.find(key)!) };
      }).immediate(),
    );
  }

  async events(address: Address): Promise<SubscriptionEvent[]> {
    return guard(this.location, () =>
      this.stmt<[string], SubscriptionEvent>('SELECT address, kind, source, note, at FROM subscription_events WHERE address = ? ORDER BY at, id').all(addressKey(address)),
    );
  }

  async requestSignup(address: Address, name: string | null, since: Date): Promise<{ signup: Signup; recent: number }> {
    return guard(this.location, () =>
      this.db.transaction(() => {
        const key = addressKey(address);
        const at = this.stamp();
        // Unconfirmed signups older than the confirmation window are of no use to anyone.
        this.stmt("DELETE FROM signups WHERE confirmed_at IS NULL AND requested_at < strftime('%Y-%m-%dT%H:%M:%fZ', ?, '-30 days')").run(at);
        const id = Number(this.stmt('INSERT INTO signups (address, email, name, requested_at) VALUES (?, ?, ?, ?)').run(key, address, name, at).lastInsertRowid);
        const recent = this.stmt<[string, string], { n: number }>('SELECT count(*) AS n FROM signups WHERE address = ? AND requested_at >= ?').get(key, since.toISOString())!.n;
        return { signup: this.signupById(id)!, recent };
      }).immediate(),
    );
  }

  private signupById(id: number): Signup | undefined {
    return this.stmt<[number], Signup>(
      'SELECT id, address, email, name, requested_at AS requestedAt, confirmed_at AS confirmedAt FROM signups WHERE id = ?',
    ).get(id);
  }

  async findSignup(id: number): Promise<Signup | undefined> {
    if (!Number.isSafeInteger(id)) return undefined;
    return guard(this.location, () => this.signupById(id));
  }

  async confirmSignup(id: number): Promise<{ subscriber: Subscriber; resubscribed: boolean } | 'used' | undefined> {
    if (!Number.isSafeInteger(id)) return undefined;
    return guard(this.location, () =>
      this.db.transaction(() => {
        const signup = this.signupById(id);
        if (!signup) return undefined;
        const key = signup.address;
        const existing = this.find(key);
        const suppression = this.findSuppression(key);
        // A link confirms once. Pressed again while they are on the list, nothing changes; after
        // they unsubscribed, bounced or were removed, what happened since stands: only a new
        // signup (a new link) brings them back.
        if (signup.confirmedAt) return existing?.status === 'active' && !suppression ? { subscriber: toSubscriber(existing), resubscribed: false } : 'used';
        // An operator's manual suppression is lifted by an operator (`subscribers resubscribe`), never by a form.
        if (suppression?.reason === 'manual') return 'used';
        const wasOff = !!suppression || existing?.status === 'unsubscribed';
        if (suppression) this.stmt('DELETE FROM suppressions WHERE address = ?').run(key);
        if (!existing) this.insertSubscriber(signup.email as Address, key, signup.name);
        else {
          const name = existing.name ?? signup.name;
          this.stmt("UPDATE subscribers SET status = 'active', name = ?, updated_at = ? WHERE id = ?").run(name, this.stamp(), existing.id);
        }
        this.stmt('UPDATE signups SET confirmed_at = ? WHERE id = ?').run(this.stamp(), id);
        const note = suppression ? `confirmed signup; lifted ${suppression.reason} suppression of ${suppression.at}` : 'confirmed signup';
        this.recordEvent(key, wasOff ? 'resubscribed' : 'consent', 'form', note);
        return { subscriber: toSubscriber(this.find(key)!), resubscribed: wasOff };
      }).immediate(),
    );
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
    const page = this.stmt<{ after: string; status?: string; suppression?: string; limit: number }, SubscriberRow & { email_key: string }>(
      subscriberPageSql({ status: Boolean(filter.status), suppression: Boolean(filter.suppression) }),
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
      this.stmt<[], SubscriberCounts>(QUERIES.subscriberCounts).get()!,
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
    // Its page cache, like the main one, would grow to 16 MB (better-sqlite3's default) as a
    // million-row file is read; the table is looked up once a row, so 2 MB of it is plenty.
    db.pragma(`temp.cache_size = -${IMPORT_SEEN_CACHE_KB}`);
    db.exec('DELETE FROM temp.import_seen');
    const markSeen = db.prepare<[string]>('INSERT OR IGNORE INTO temp.import_seen (key) VALUES (?)');
    const isSuppressed = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM suppressions WHERE address = ?');
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
            this.insertSubscriber(address, key, name);
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
