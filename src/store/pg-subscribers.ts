import type { PoolClient } from 'pg';
import { addressKey, type Address } from '../subscribers/address';
import { SUBSCRIBERS_LOCK, type PgDb, type Queryable } from './pg-db';
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

/** Rows fetched per query when listing: lists are paged by address so none is held whole. */
export const PG_LIST_PAGE_SIZE = 1000;

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
const SIGNUP_COLUMNS = 'id, address, email, name, requested_at AS "requestedAt", confirmed_at AS "confirmedAt"';
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The one place that suppresses in PostgreSQL (the subscriber store, imports and bounce feedback
 * use it): the suppression row and the subscriber's status move together, in the caller's
 * transaction, which holds SUBSCRIBERS_LOCK.
 */
export async function pgSuppressKey(db: PgDb, client: PoolClient, key: string, reason: SuppressionReason, detail: string | null, at: string): Promise<SuppressResult> {
  const added = (await db.query('INSERT INTO suppressions (address, reason, at, detail) VALUES ($1, $2, $3, $4) ON CONFLICT (address) DO NOTHING', [key, reason, at, detail], client)).rowCount === 1;
  const unsubscribed = (await db.query("UPDATE subscribers SET status = 'unsubscribed', updated_at = $1 WHERE email_key = $2 AND status <> 'unsubscribed'", [at, key], client)).rowCount;
  const suppression = (await db.one<Suppression>('SELECT address, reason, at, detail FROM suppressions WHERE address = $1', [key], client))!;
  return { added, suppression, subscriberUnsubscribed: unsubscribed === 1 };
}

/**
 * An imported active row, in one statement (an import of 100,000 rows to a server across a
 * network is 100,000 round trips, not 400,000): the same rules as SqliteSubscriberStore's import.
 * New address: added under its mailbox's id. Known address: renamed when the row has a different,
 * non-empty name. Suppressed or unsubscribed: never re-subscribed. Seen earlier in this import:
 * only fills a missing name. A function of the session (pg_temp), made for each import: the
 * schema has no functions to migrate.
 */
const IMPORT_SUBSCRIBE_FUNCTION = `
CREATE OR REPLACE FUNCTION pg_temp.newsletter_import_subscribe(p_email text, p_key text, p_name text, p_at text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  first boolean;
  sub record;
  box bigint;
BEGIN
  INSERT INTO import_seen (key) VALUES (p_key) ON CONFLICT DO NOTHING;
  first := FOUND;
  SELECT id, name, status INTO sub FROM subscribers WHERE email_key = p_key;
  IF NOT first THEN
    IF p_name <> '' AND sub.id IS NOT NULL AND sub.name IS NULL THEN
      UPDATE subscribers SET name = p_name, updated_at = p_at WHERE id = sub.id;
    END IF;
    RETURN 'duplicate';
  END IF;
  IF sub.status = 'unsubscribed' OR EXISTS (SELECT 1 FROM suppressions WHERE address = p_key) THEN
    RETURN 'suppressed';
  END IF;
  IF sub.id IS NULL THEN
    SELECT min(id) INTO box FROM mailboxes WHERE address = p_key;
    IF box IS NULL THEN
      INSERT INTO mailboxes (address, created_at) VALUES (p_key, p_at) RETURNING id INTO box;
    END IF;
    INSERT INTO subscribers (id, email, email_key, name, status, added_at, updated_at) VALUES (box, p_email, p_key, p_name, 'active', p_at, p_at);
    RETURN 'added';
  END IF;
  IF p_name <> '' AND p_name IS DISTINCT FROM sub.name THEN
    UPDATE subscribers SET name = p_name, updated_at = p_at WHERE id = sub.id;
    RETURN 'updated';
  END IF;
  RETURN 'unchanged';
END $$`;

/** Subscribers, suppressions, mailboxes, events and signups in PostgreSQL, as SqliteSubscriberStore. */
export class PgSubscriberStore implements SubscriberStore {
  private importClient: PoolClient | undefined;

  constructor(
    private readonly db: PgDb,
    private readonly now: () => Date,
  ) {}

  private stamp(): string {
    return this.now().toISOString();
  }

  private find(key: string, on?: Queryable): Promise<SubscriberRow | undefined> {
    return this.db.one<SubscriberRow>(`SELECT ${SUBSCRIBER_COLUMNS} FROM subscribers WHERE email_key = $1`, [key], on);
  }

  private findSuppression(key: string, on?: Queryable): Promise<Suppression | undefined> {
    return this.db.one<Suppression>('SELECT address, reason, at, detail FROM suppressions WHERE address = $1', [key], on);
  }

  /** The mailbox id of an address key, made on first use: every subscriber row takes its id from here. */
  private async mailboxId(key: string, client: PoolClient): Promise<number> {
    const found = await this.db.one<{ id: number | null }>('SELECT min(id) AS id FROM mailboxes WHERE address = $1', [key], client);
    if (found?.id != null) return found.id;
    return (await this.db.one<{ id: number }>('INSERT INTO mailboxes (address, created_at) VALUES ($1, $2) RETURNING id', [key, this.stamp()], client))!.id;
  }

  /** Inserts an active subscriber under its mailbox's id. */
  private async insertSubscriber(address: Address, key: string, name: string | null, client: PoolClient): Promise<void> {
    const at = this.stamp();
    await this.db.query("INSERT INTO subscribers (id, email, email_key, name, status, added_at, updated_at) VALUES ($1, $2, $3, $4, 'active', $5, $5)", [
      await this.mailboxId(key, client),
      address,
      key,
      name,
      at,
    ], client);
  }

  private async recordEvent(key: string, kind: SubscriptionEvent['kind'], source: EventSource, note: string | null, client: PoolClient): Promise<void> {
    await this.db.query('INSERT INTO subscription_events (address, kind, source, note, at) VALUES ($1, $2, $3, $4, $5)', [key, kind, source, note, this.stamp()], client);
  }

  async findMailbox(id: number): Promise<Mailbox | undefined> {
    if (!Number.isSafeInteger(id)) return undefined;
    const box = await this.db.one<{ id: number; address: string }>('SELECT id, address FROM mailboxes WHERE id = $1', [id]);
    if (!box) return undefined;
    const row = await this.find(box.address);
    return row ? { id: box.id, address: box.address, subscriber: toSubscriber(row) } : { id: box.id, address: box.address };
  }

  async add(address: Address, name: string | null, event: { source: EventSource; note?: string | null }): Promise<AddResult> {
    return this.db.tx(async (client): Promise<AddResult> => {
      const key = addressKey(address);
      const existing = await this.find(key, client);
      const suppression = await this.findSuppression(key, client);
      if (suppression || existing?.status === 'unsubscribed') {
        return { outcome: 'suppressed', suppression, subscriber: existing && toSubscriber(existing) };
      }
      if (existing) return { outcome: 'exists', subscriber: toSubscriber(existing) };
      await this.insertSubscriber(address, key, name, client);
      await this.recordEvent(key, 'added', event.source, event.note ?? null, client);
      return { outcome: 'added', subscriber: toSubscriber((await this.find(key, client))!) };
    }, { lock: true });
  }

  async resubscribe(address: Address, opts: ResubscribeOptions): Promise<ResubscribeResult> {
    const liftable = opts.liftable ?? ['unsubscribed', 'manual'];
    return this.db.tx(async (client): Promise<ResubscribeResult> => {
      const key = addressKey(address);
      const suppression = await this.findSuppression(key, client);
      if (suppression && !opts.force && !liftable.includes(suppression.reason)) return { outcome: 'refused', suppression };
      const existing = await this.find(key, client);
      if (!suppression && existing?.status === 'active') return { outcome: 'already-active', subscriber: toSubscriber(existing) };
      if (suppression) await this.db.query('DELETE FROM suppressions WHERE address = $1', [key], client);
      if (existing) await this.db.query("UPDATE subscribers SET status = 'active', updated_at = $1 WHERE id = $2", [this.stamp(), existing.id], client);
      else await this.insertSubscriber(address, key, opts.name ?? null, client);
      const note = [suppression ? `lifted ${suppression.reason} suppression of ${suppression.at}` : null, opts.note ?? null].filter(Boolean).join('; ');
      await this.recordEvent(key, 'resubscribed', opts.source, note || null, client);
      return { outcome: 'resubscribed', lifted: suppression, subscriber: toSubscriber((await this.find(key, client))!) };
    }, { lock: true });
  }

  async events(address: Address): Promise<SubscriptionEvent[]> {
    return this.db.rows<SubscriptionEvent>('SELECT address, kind, source, note, at FROM subscription_events WHERE address = $1 ORDER BY at, id', [addressKey(address)]);
  }

  async requestSignup(address: Address, name: string | null, since: Date): Promise<{ signup: Signup; recent: number }> {
    return this.db.tx(async (client) => {
      const key = addressKey(address);
      const now = this.now();
      const at = now.toISOString();
      // Unconfirmed signups older than the confirmation window are of no use to anyone.
      await this.db.query('DELETE FROM signups WHERE confirmed_at IS NULL AND requested_at < $1', [new Date(now.getTime() - 30 * DAY_MS).toISOString()], client);
      const signup = (await this.db.one<Signup>(`INSERT INTO signups (address, email, name, requested_at) VALUES ($1, $2, $3, $4) RETURNING ${SIGNUP_COLUMNS}`, [key, address, name, at], client))!;
      const recent = (await this.db.one<{ n: number }>('SELECT count(*) AS n FROM signups WHERE address = $1 AND requested_at >= $2', [key, since.toISOString()], client))!.n;
      return { signup, recent };
    }, { lock: true });
  }

  private signupById(id: number, on?: Queryable): Promise<Signup | undefined> {
    return this.db.one<Signup>(`SELECT ${SIGNUP_COLUMNS} FROM signups WHERE id = $1`, [id], on);
  }

  async findSignup(id: number): Promise<Signup | undefined> {
    if (!Number.isSafeInteger(id)) return undefined;
    return this.signupById(id);
  }

  async confirmSignup(id: number): Promise<{ subscriber: Subscriber; resubscribed: boolean } | 'used' | undefined> {
    if (!Number.isSafeInteger(id)) return undefined;
    return this.db.tx(async (client) => {
      const signup = await this.signupById(id, client);
      if (!signup) return undefined;
      const key = signup.address;
      const existing = await this.find(key, client);
      const suppression = await this.findSuppression(key, client);
      // A link confirms once (see SqliteSubscriberStore.confirmSignup).
      if (signup.confirmedAt) return existing?.status === 'active' && !suppression ? { subscriber: toSubscriber(existing), resubscribed: false } : 'used';
      if (suppression?.reason === 'manual') return 'used';
      const wasOff = !!suppression || existing?.status === 'unsubscribed';
      if (suppression) await this.db.query('DELETE FROM suppressions WHERE address = $1', [key], client);
      if (!existing) await this.insertSubscriber(signup.email as Address, key, signup.name, client);
      else {
        const name = existing.name ?? signup.name;
        await this.db.query("UPDATE subscribers SET status = 'active', name = $1, updated_at = $2 WHERE id = $3", [name, this.stamp(), existing.id], client);
      }
      await this.db.query('UPDATE signups SET confirmed_at = $1 WHERE id = $2', [this.stamp(), id], client);
      const note = suppression ? `confirmed signup; lifted ${suppression.reason} suppression of ${suppression.at}` : 'confirmed signup';
      await this.recordEvent(key, wasOff ? 'resubscribed' : 'consent', 'form', note, client);
      return { subscriber: toSubscriber((await this.find(key, client))!), resubscribed: wasOff };
    }, { lock: true });
  }

  async get(address: Address): Promise<Subscriber | undefined> {
    const row = await this.find(addressKey(address));
    return row && toSubscriber(row);
  }

  async findById(id: number): Promise<Subscriber | undefined> {
    if (!Number.isSafeInteger(id)) return undefined;
    const row = await this.db.one<SubscriberRow>(`SELECT ${SUBSCRIBER_COLUMNS} FROM subscribers WHERE id = $1`, [id]);
    return row && toSubscriber(row);
  }

  /** Keyset pages of PG_LIST_PAGE_SIZE by address key: no page holds more, nothing holds a connection between pages. */
  async *list(filter: { status?: SubscriberStatus; suppression?: SuppressionReason } = {}): AsyncIterable<Subscriber> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (filter.status) {
      params.push(filter.status);
      where.push(`AND status = $${params.length + 2}`);
    }
    if (filter.suppression) {
      params.push(filter.suppression);
      where.push(`AND email_key IN (SELECT address FROM suppressions WHERE reason = $${params.length + 2})`);
    }
    const sql = `SELECT ${SUBSCRIBER_COLUMNS}, email_key FROM subscribers WHERE email_key > $1 ${where.join(' ')} ORDER BY email_key LIMIT $2`;
    let after = '';
    for (;;) {
      const rows = await this.db.rows<SubscriberRow & { email_key: string }>(sql, [after, PG_LIST_PAGE_SIZE, ...params]);
      for (const row of rows) yield toSubscriber(row);
      if (rows.length < PG_LIST_PAGE_SIZE) return;
      after = rows[rows.length - 1]!.email_key;
    }
  }

  async counts(): Promise<SubscriberCounts> {
    return (await this.db.one<SubscriberCounts>(
      `SELECT (SELECT count(*) FROM subscribers WHERE status = 'active') AS active,
              (SELECT count(*) FROM subscribers WHERE status = 'unsubscribed') AS unsubscribed,
              (SELECT count(*) FROM suppressions) AS suppressed,
              (SELECT count(*) FROM suppressions WHERE reason = 'bounced') AS bounced,
              (SELECT count(*) FROM suppressions WHERE reason = 'complained') AS complained`,
    ))!;
  }

  async remove(address: Address): Promise<boolean> {
    return this.db.tx(async (client) => (await this.db.query('DELETE FROM subscribers WHERE email_key = $1', [addressKey(address)], client)).rowCount === 1, { lock: true });
  }

  async suppress(address: Address, reason: SuppressionReason, detail: string | null = null): Promise<SuppressResult> {
    return this.db.tx((client) => pgSuppressKey(this.db, client, addressKey(address), reason, detail, this.stamp()), { lock: true });
  }

  async suppression(address: Address): Promise<Suppression | undefined> {
    return this.findSuppression(addressKey(address));
  }

  /** Rolls back an import left open (the store is closing). */
  async abortImport(): Promise<void> {
    const client = this.importClient;
    if (!client) return;
    this.importClient = undefined;
    let broken = false;
    await client.query('ROLLBACK').catch(() => (broken = true));
    client.release(broken);
  }

  async beginImport(): Promise<SubscriberImport> {
    if (this.importClient) throw new Error('an import is already open on this store');
    const client = await this.db.connect();
    try {
      await this.db.query('BEGIN', [], client);
      // The subscriber write lock now (waiting up to the lock timeout), so the import cannot fail
      // half-way because another process is writing the same rows.
      await this.db.query('SELECT pg_advisory_xact_lock($1)', [SUBSCRIBERS_LOCK], client);
      // Addresses already seen in this import live in a temporary table, not in memory.
      await this.db.query('CREATE TEMP TABLE import_seen (key text COLLATE "C" PRIMARY KEY) ON COMMIT DROP', [], client);
      await this.db.query(IMPORT_SUBSCRIBE_FUNCTION, [], client);
    } catch (err) {
      let broken = false;
      await client.query('ROLLBACK').catch(() => (broken = true));
      client.release(broken);
      throw err;
    }
    this.importClient = client;
    return this.openImport(client);
  }

  private openImport(client: PoolClient): SubscriberImport {
    const { db } = this;
    let open = true;
    const end = async (sql: 'COMMIT' | 'ROLLBACK') => {
      if (!open) return;
      open = false;
      if (this.importClient !== client) return; // already rolled back by close()
      this.importClient = undefined;
      let broken = false;
      try {
        await db.query(sql, [], client);
      } catch (err) {
        await client.query('ROLLBACK').catch(() => (broken = true));
        throw err;
      } finally {
        client.release(broken);
      }
    };
    const ensureOpen = () => {
      if (!open) throw new Error('this import has already ended');
    };

    return {
      // One round trip per row (the rules of SqliteSubscriberStore's import, in IMPORT_SUBSCRIBE_FUNCTION).
      subscribe: async (address, name): Promise<ImportOutcome> => {
        ensureOpen();
        const row = await db.one<{ outcome: ImportOutcome }>('SELECT pg_temp.newsletter_import_subscribe($1, $2, $3, $4) AS outcome', [address, addressKey(address), name, this.stamp()], client);
        return row!.outcome;
      },
      suppress: async (address, reason, detail): Promise<ImportOutcome> => {
        ensureOpen();
        const key = addressKey(address);
        await db.query('INSERT INTO import_seen (key) VALUES ($1) ON CONFLICT DO NOTHING', [key], client);
        await pgSuppressKey(db, client, key, reason, detail, this.stamp());
        return 'suppressed';
      },
      commit: async () => {
        ensureOpen();
        await end('COMMIT');
      },
      rollback: async () => end('ROLLBACK'),
    };
  }
}
