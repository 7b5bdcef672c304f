import fs from 'node:fs/promises';
import type { Database, Statement, Transaction } from 'better-sqlite3';
import type { Edition, EditionContent } from './types';
import { insertEdition, type SqliteEditionStore } from './sqlite-editions';
import {
  LeaseLost,
  canSendTransition,
  canTransition,
  DELIVERY_STATES,
  type ClaimedDelivery,
  type CommitBatch,
  type DeliveryCounts,
  type DeliveryListing,
  type DeliveryState,
  type Ledger,
  type Outcome,
  type RunEnd,
  type SendRecord,
  type SendState,
} from '../send/ledger';
import { isDraftSlug } from '../publish/draft';
import { guard } from './sqlite-errors';
import { deliveriesInStatesSql, QUERIES, SEND_COLUMNS } from './sqlite-queries';
import { prepared } from './sqlite-statements';
import { iso, toSend, type SendRow } from './rows';


/**
 * The send ledger in SQLite. Every change of a delivery's state goes through `transition` (or
 * `transitionAll` for a whole send), which checks the move against ALLOWED_TRANSITIONS and that
 * the row really was in the state the caller believed. Claims commit before any message is sent.
 */
export class SqliteLedger implements Ledger {
  /** One sender per send: a second one is refused while the lease lives. */
  readonly sharedSends = false;

  constructor(
    private readonly db: Database,
    private readonly editions: SqliteEditionStore,
  ) {}

  private stmt<P extends unknown[] | object = unknown[], R = unknown>(sql: string): Statement<P, R> {
    return prepared<P, R>(this, this.db, sql);
  }

  /** The one place a single delivery's state changes. */
  private transition(
    id: number,
    from: DeliveryState,
    to: DeliveryState,
    now: Date,
    fields: { reply?: string; messageId?: string; retryAt?: Date; attempt?: boolean; refund?: boolean } = {},
  ): void {
    if (!canTransition(from, to)) throw new Error(`delivery ${id}: ${from} → ${to} is not an allowed move`);
    // A claim (an attempt) clears the on-the-wire mark: it is set again at this attempt's hand-over.
    const info = this.stmt(
      `UPDATE deliveries SET state = @to, updated_at = @now,
         attempts = attempts + @attempt,
         run_attempts = max(run_attempts + @attempt - @refund, 0),
         on_wire = CASE WHEN @attempt = 1 THEN 0 ELSE on_wire END,
         last_reply = coalesce(@reply, last_reply),
         message_id = coalesce(@messageId, message_id),
         next_attempt_at = coalesce(@retryAt, next_attempt_at)
       WHERE id = @id AND state = @from`,
    ).run({
      id,
      from,
      to,
      now: iso(now),
      attempt: fields.attempt ? 1 : 0,
      refund: fields.refund ? 1 : 0,
      reply: fields.reply ?? null,
      messageId: fields.messageId ?? null,
      retryAt: fields.retryAt ? iso(fields.retryAt) : null,
    });
    if (info.changes !== 1) throw new Error(`delivery ${id} was not ${from} when moving it to ${to}`);
  }

  /** The same, for every row of a send in one state (and, if given, with that on-the-wire mark). */
  private transitionAll(sendId: number, from: DeliveryState, to: DeliveryState, now: Date, reply: string, retryAt?: Date, onWire?: 0 | 1): number {
    if (!canTransition(from, to)) throw new Error(`${from} → ${to} is not an allowed move`);
    return this.stmt(
      `UPDATE deliveries SET state = @to, updated_at = @now, last_reply = @reply, next_attempt_at = coalesce(@retryAt, next_attempt_at)
       WHERE send_id = @sendId AND state = @from AND (@onWire IS NULL OR on_wire = @onWire)`,
    ).run({ sendId, from, to, now: iso(now), reply, retryAt: retryAt ? iso(retryAt) : null, onWire: onWire ?? null }).changes;
  }

  /** Throws LeaseLost unless `owner` holds the send's lease (checked inside the caller's transaction). */
  private assertOwner(sendId: number, owner: string): void {
    const row = this.stmt<[number], { lease_owner: string | null }>('SELECT lease_owner FROM sends WHERE id = ?').get(sendId);
    if (row?.lease_owner !== owner) throw new LeaseLost();
  }

  async findSend(slug: string): Promise<SendRecord | undefined> {
    const row = this.stmt<[string], SendRow>(QUERIES.sendBySlug).get(slug);
    return row && toSend(row);
  }

  async beginSend(input: { slug: string; edition: EditionContent; now: Date }): Promise<{ send: SendRecord; created: boolean; edition: Edition }> {
    const { send, created, editionId } = this.db
      .transaction(() => {
        const now = iso(input.now);
        const inserted = this.stmt(
          `INSERT INTO sends (slug, content_hash, subject, state, created_at, started_at) VALUES (?, ?, ?, 'sending', ?, ?)
           ON CONFLICT (slug) DO NOTHING`,
        ).run(input.slug, input.edition.contentHash, input.edition.subject, now, now);
        const row = this.stmt<[string], SendRow>(`SELECT ${SEND_COLUMNS} FROM sends WHERE slug = ?`).get(input.slug)!;
        if (inserted.changes !== 1) {
          const current = this.stmt<[number], { id: number }>('SELECT id FROM editions WHERE send_id = ? ORDER BY number DESC LIMIT 1').get(row.id);
          // A send recorded before editions were: this rendering becomes its first edition.
          const id = current?.id ?? insertEdition(this.db, row.id, input.edition, input.now);
          if (!current) this.stmt("UPDATE deliveries SET edition_id = ? WHERE send_id = ? AND state = 'pending' AND edition_id IS NULL").run(id, row.id);
          return { send: toSend(row), created: false, editionId: id };
        }
        const editionId = insertEdition(this.db, row.id, input.edition, input.now);
        // The audience is frozen here: active subscribers minus suppressions, one row each.
        this.stmt(
          `INSERT INTO deliveries (send_id, subscriber_id, address, state, attempts, next_attempt_at, created_at, updated_at, edition_id)
           SELECT ?, s.id, s.email, 'pending', 0, ?, ?, ?, ?
           FROM subscribers s
           WHERE s.status = 'active' AND NOT EXISTS (SELECT 1 FROM suppressions p WHERE p.address = s.email_key)
           ORDER BY s.id`,
        ).run(row.id, now, now, now, editionId);
        return { send: toSend(row), created: true, editionId };
      })
      .immediate();
    return { send, created, edition: (await this.editions.byId(editionId))! };
  }

  async correct(sendId: number, edition: EditionContent, now: Date): Promise<{ edition: Edition; moved: number }> {
    const { editionId, moved } = this.db
      .transaction(() => {
        const editionId = insertEdition(this.db, sendId, edition, now);
        // Only deliveries not yet handed over: a row `sending` is on the wire with the old bytes.
        const moved = this.stmt("UPDATE deliveries SET edition_id = ?, updated_at = ? WHERE send_id = ? AND state = 'pending'").run(editionId, iso(now), sendId).changes;
        return { editionId, moved };
      })
      .immediate();
    return { edition: (await this.editions.byId(editionId))!, moved };
  }

  async transitionSend(sendId: number, from: SendState, to: SendState, now: Date): Promise<void> {
    if (!canSendTransition(from, to)) throw new Error(`send ${sendId}: ${from} → ${to} is not an allowed move`);
    const info = this.stmt(
      `UPDATE sends SET state = @to,
         finished_at = CASE WHEN @to = 'finished' THEN @now ELSE NULL END
       WHERE id = @sendId AND state = @from`,
    ).run({ sendId, from, to, now: iso(now) });
    if (info.changes !== 1) throw new Error(`send ${sendId} was not ${from} when moving it to ${to}`);
  }

  async acquireLease(sendId: number, owner: string, until: Date, now: Date): Promise<boolean> {
    const info = this.stmt(
      `UPDATE sends SET lease_owner = ?, lease_expires_at = ? WHERE id = ? AND (lease_owner IS NULL OR lease_owner = ? OR lease_expires_at <= ?)`,
    ).run(owner, iso(until), sendId, owner, iso(now));
    return info.changes === 1;
  }

  async renewLease(sendId: number, owner: string, until: Date): Promise<void> {
    this.stmt('UPDATE sends SET lease_expires_at = ? WHERE id = ? AND lease_owner = ?').run(iso(until), sendId, owner);
  }

  async releaseLease(sendId: number, owner: string): Promise<void> {
    this.stmt('UPDATE sends SET lease_owner = NULL, lease_expires_at = NULL WHERE id = ? AND lease_owner = ?').run(sendId, owner);
  }

  async leaseHolder(sendId: number): Promise<{ owner: string; until: Date } | undefined> {
    const row = this.stmt<[number], { lease_owner: string | null; lease_expires_at: string | null }>('SELECT lease_owner, lease_expires_at FROM sends WHERE id = ?').get(sendId);
    return row?.lease_owner && row.lease_expires_at ? { owner: row.lease_owner, until: new Date(row.lease_expires_at) } : undefined;
  }

  async leaseHolders(sendId: number): Promise<{ owner: string; until: Date }[]> {
    const holder = await this.leaseHolder(sendId);
    return holder ? [holder] : [];
  }

  async endRun(sendId: number, owner: string, decide: (counts: DeliveryCounts) => SendState, now: Date): Promise<RunEnd> {
    // The state moves while the lease is still held: no other run can start in between.
    const counts = await this.counts(sendId);
    const row = this.stmt<[number], { state: SendState }>('SELECT state FROM sends WHERE id = ?').get(sendId);
    if (!row) throw new Error(`send ${sendId} is not in the store`);
    const next = decide(counts);
    if (row.state !== next) await this.transitionSend(sendId, row.state, next, now);
    await this.releaseLease(sendId, owner);
    return { state: next, counts, othersRunning: 0 };
  }

  async beginRun(sendId: number, now: Date): Promise<{ unknown: number; requeued: number }> {
    return guard(this.db.name, () =>
      this.db
        .transaction(() => {
          const unknown = this.transitionAll(sendId, 'sending', 'unknown', now, 'interrupted: the sending process stopped after handing this message to the server', undefined, 1);
          const requeued = this.transitionAll(sendId, 'sending', 'pending', now, 'interrupted before the message reached the server: queued again', now, 0);
          this.stmt("UPDATE deliveries SET run_attempts = 0 WHERE send_id = ? AND state = 'pending' AND run_attempts <> 0").run(sendId);
          return { unknown, requeued };
        })
        .immediate(),
    );
  }

  async requeueUnknown(sendId: number, now: Date): Promise<number> {
    return this.db.transaction(() => {
      const n = this.transitionAll(sendId, 'unknown', 'pending', now, 'queued again by --resend-unknown', now);
      // Unknown since before editions were recorded: they get the send's current edition.
      this.stmt(
        `UPDATE deliveries SET edition_id = (SELECT id FROM editions WHERE send_id = @sendId ORDER BY number DESC LIMIT 1)
         WHERE send_id = @sendId AND state = 'pending' AND edition_id IS NULL`,
      ).run({ sendId });
      return n;
    })();
  }

  async requeueFailed(sendId: number, now: Date): Promise<number> {
    return this.db.transaction(() => {
      const n = this.stmt(
        `UPDATE deliveries SET state = 'pending', updated_at = @now, next_attempt_at = @now, run_attempts = 0,
           last_reply = 'queued again by --retry-failed (was: ' || coalesce(last_reply, '') || ')'
         WHERE send_id = @sendId AND state = 'failed'
           AND NOT EXISTS (SELECT 1 FROM subscribers s JOIN suppressions p ON p.address = s.email_key WHERE s.id = deliveries.subscriber_id)
           AND NOT EXISTS (SELECT 1 FROM suppressions p WHERE p.address = lower(deliveries.address))`,
      ).run({ sendId, now: iso(now) }).changes;
      if (!canTransition('failed', 'pending')) throw new Error('failed → pending is not an allowed move');
      this.stmt(
        `UPDATE deliveries SET edition_id = (SELECT id FROM editions WHERE send_id = @sendId ORDER BY number DESC LIMIT 1)
         WHERE send_id = @sendId AND state = 'pending' AND edition_id IS NULL`,
      ).run({ sendId });
      return n;
    })();
  }

  async handoverTimes(since: Date): Promise<Date[]> {
    return this.stmt<[string], { at: string }>('SELECT handed_over_at AS at FROM deliveries WHERE handed_over_at > ? ORDER BY handed_over_at')
      .all(iso(since))
      .map((r) => new Date(r.at));
  }

  /**
   * A claim commits without waiting for the disk: a message goes on the wire only after its
   * hand-over mark is synced (see commit), and that sync makes the claim before it durable too. A
   * claim lost to a power cut leaves its row `pending`, and that row's message never left.
   */
  async claim(sendId: number, limit: number, now: Date, owner?: string): Promise<ClaimedDelivery[]> {
    return guard(this.db.name, () => this.withoutSync(() => this.claimRows(sendId, limit, now, owner)));
  }

  /**
   * Durability of a hand-over mark, without blocking the process on the disk. In WAL mode, SQLite's
   * synchronous=FULL is synchronous=NORMAL plus a sync of the WAL file after each commit
   * (https://www.sqlite.org/pragma.html#pragma_synchronous); its sync holds the whole process for a
   * few milliseconds per commit, during which no SMTP connection is served. So a commit with marks
   * runs with NORMAL and then syncs the WAL file itself, on libuv's thread pool, and only returns,
   * releasing those messages to the wire, once that sync is done: the same guarantee, off the main
   * thread. Marks of all connections that ask while one sync runs share the next one.
   * Outcomes alone are committed without a sync: one lost to a power cut leaves its row `sending`
   * and on the wire, which the next run marks unknown and never resends by itself.
   */
  async commit(batch: CommitBatch): Promise<void> {
    guard(this.db.name, () => this.withoutSync(() => this.commitRows(batch)));
    const wal = this.walFile();
    if (batch.handedOver.length > 0 && wal) await guardAsync(this.db.name, () => this.syncWal(wal));
  }

  /** For tests and tools: outcomes without a lease (the runner uses commit). */
  async record(results: readonly { id: number; outcome: Outcome }[], now: Date): Promise<void> {
    guard(this.db.name, () => this.withoutSync(() => this.db.transaction(() => this.recordAll(results, now)).immediate()));
  }

  /** synchronous=NORMAL for one statement group; FULL again after (the store's default). */
  private withoutSync<T>(fn: () => T): T {
    if (!this.walFile()) return fn();
    this.stmt('PRAGMA synchronous = NORMAL').run();
    try {
      return fn();
    } finally {
      this.stmt('PRAGMA synchronous = FULL').run();
    }
  }

  private commitRows(batch: CommitBatch): void {
    this.commitTransaction ??= this.db.transaction((b: CommitBatch) => {
      this.assertOwner(b.sendId, b.owner);
      this.recordAll(b.outcomes, b.now);
      const mark = this.stmt(`UPDATE deliveries SET on_wire = 1, handed_over_at = ? WHERE id = ? AND state = 'sending'`);
      for (const id of b.handedOver) {
        if (mark.run(iso(b.now), id).changes !== 1) throw new Error(`delivery ${id} was not sending when handing its message over`);
      }
    });
    this.commitTransaction.immediate(batch);
  }

  /**
   * The send path's two transactions, each made once: better-sqlite3's `transaction()` builds five
   * wrapper functions on every call, and a send commits and claims thousands of times a minute
   * (that garbage was a tenth of all a send allocated, some of it kept until a full collection).
   */
  private commitTransaction: Transaction<(batch: CommitBatch) => void> | undefined;
  private claimTransaction: Transaction<(sendId: number, limit: number, now: Date, owner: string | undefined) => ClaimedDelivery[]> | undefined;

  /** The WAL file of an on-disk database in WAL mode, else undefined. */
  private walFile(): string | undefined {
    if (this.walPath === undefined) {
      const mode = String(this.db.pragma('journal_mode', { simple: true })).toLowerCase();
      this.walPath = mode === 'wal' && !this.db.memory ? `${this.db.name}-wal` : null;
    }
    return this.walPath ?? undefined;
  }

  private walPath: string | null | undefined;
  private walHandle: Promise<fs.FileHandle> | undefined;

  /**
   * fdatasync of the WAL, as SQLite syncs it on Linux, on libuv's thread pool: one trip there per
   * group of marks (opening and closing the file each time made three, each waiting for the main
   * thread in between). The handle stays open while this connection is: SQLite deletes a WAL
   * only when the last connection to the database closes, so while ours is open the file is the
   * same one (a checkpoint resets or truncates it in place).
   */
  private async syncWal(file: string): Promise<void> {
    this.walHandle ??= fs.open(file, 'r');
    let handle: fs.FileHandle;
    try {
      handle = await this.walHandle;
    } catch (err) {
      this.walHandle = undefined;
      throw err;
    }
    await handle.datasync();
  }

  /** Closes the WAL handle (the store closes the database after). */
  async close(): Promise<void> {
    const handle = this.walHandle;
    this.walHandle = undefined;
    if (handle) await (await handle.catch(() => undefined))?.close().catch(() => undefined);
  }

  private claimRows(sendId: number, limit: number, now: Date, owner: string | undefined): ClaimedDelivery[] {
    this.claimTransaction ??= this.db.transaction((sendId: number, limit: number, now: Date, owner: string | undefined) => this.claimInTransaction(sendId, limit, now, owner));
    return this.claimTransaction.immediate(sendId, limit, now, owner);
  }

  private claimInTransaction(sendId: number, limit: number, now: Date, owner: string | undefined): ClaimedDelivery[] {
    type Candidate = { id: number; edition_id: number | null; subscriber_id: number | null; address: string; attempts: number; name: string | null; status: string | null; suppressed: string | null };
    if (owner !== undefined) this.assertOwner(sendId, owner);
    const candidates = this.stmt<[number, string, number], Candidate>(
      `SELECT d.id, d.edition_id, d.subscriber_id, d.address, d.run_attempts AS attempts, s.name, s.status, p.reason AS suppressed
       FROM deliveries d
       LEFT JOIN subscribers s ON s.id = d.subscriber_id
       LEFT JOIN suppressions p ON p.address = s.email_key
       WHERE d.send_id = ? AND d.state = 'pending' AND d.next_attempt_at <= ?
       ORDER BY d.next_attempt_at
       LIMIT ?`,
    ).all(sendId, iso(now), limit);
    const claimed: ClaimedDelivery[] = [];
    for (const c of candidates) {
      // Suppressed or removed after the audience was frozen: still skipped.
      if (c.subscriber_id === null || c.status !== 'active' || c.suppressed) {
        const why = c.subscriber_id === null ? 'removed from the list' : c.suppressed ? `suppressed (${c.suppressed})` : 'unsubscribed';
        this.transition(c.id, 'pending', 'skipped', now, { reply: `skipped: ${why} during the send` });
        continue;
      }
      if (c.edition_id === null) throw new Error(`delivery ${c.id} has no edition to be sent from`);
      this.transition(c.id, 'pending', 'sending', now, { attempt: true });
      claimed.push({ id: c.id, editionId: c.edition_id, subscriberId: c.subscriber_id, address: c.address, name: c.name, attempts: c.attempts + 1 });
    }
    return claimed;
  }

  private recordAll(results: readonly { id: number; outcome: Outcome }[], now: Date): void {
        for (const { id, outcome } of results) {
          switch (outcome.to) {
            case 'sent':
              this.transition(id, 'sending', 'sent', now, { reply: outcome.reply, messageId: outcome.messageId });
              break;
            case 'failed':
              this.transition(id, 'sending', 'failed', now, { reply: outcome.reply });
              if (outcome.bounce) this.suppressBounce(id, now, outcome.reply);
              break;
            case 'pending':
              this.transition(id, 'sending', 'pending', now, { reply: outcome.reply, retryAt: outcome.retryAt, refund: outcome.refund });
              break;
            case 'unknown':
              this.transition(id, 'sending', 'unknown', now, { reply: outcome.reply });
              break;
          }
        }
  }

  /** A hard bounce: never mail the address again (the same suppression an unsubscribe makes). */
  private suppressBounce(deliveryId: number, now: Date, reply: string): void {
    const row = this.stmt<[number], { email_key: string | null; address: string }>(
      'SELECT s.email_key, d.address FROM deliveries d LEFT JOIN subscribers s ON s.id = d.subscriber_id WHERE d.id = ?',
    ).get(deliveryId);
    if (!row) return;
    const key = row.email_key ?? row.address.toLowerCase();
    this.stmt(`INSERT INTO suppressions (address, reason, at, detail) VALUES (?, 'bounced', ?, ?) ON CONFLICT (address) DO NOTHING`).run(key, iso(now), reply);
    this.stmt(`UPDATE subscribers SET status = 'unsubscribed', updated_at = ? WHERE email_key = ? AND status <> 'unsubscribed'`).run(iso(now), key);
  }

  async counts(sendId: number): Promise<DeliveryCounts> {
    const counts = Object.fromEntries(DELIVERY_STATES.map((s) => [s, 0])) as DeliveryCounts;
    for (const r of this.stmt<[number], { state: DeliveryState; n: number }>(QUERIES.deliveryCounts).all(sendId)) {
      counts[r.state] = r.n;
    }
    return counts;
  }

  async nextRetryAt(sendId: number): Promise<Date | undefined> {
    const row = this.stmt<[number], { at: string | null }>("SELECT min(next_attempt_at) AS at FROM deliveries WHERE send_id = ? AND state = 'pending'").get(sendId);
    return row?.at ? new Date(row.at) : undefined;
  }

  async topFailures(sendId: number, limit: number): Promise<{ reply: string; count: number }[]> {
    return this.stmt<[number, number], { reply: string; count: number }>(
      `SELECT coalesce(last_reply, '(no reply)') AS reply, count(*) AS count FROM deliveries
       WHERE send_id = ? AND state IN ('failed', 'unknown') GROUP BY reply ORDER BY count DESC, reply LIMIT ?`,
    ).all(sendId, limit);
  }

  async listSends(): Promise<(SendRecord & { counts: DeliveryCounts })[]> {
    const rows = this.stmt<[], SendRow>(QUERIES.listSends).all().filter((r) => !isDraftSlug(r.slug));
    return Promise.all(rows.map(async (r) => ({ ...toSend(r), counts: await this.counts(r.id) })));
  }

  /** For `status`: the deliveries of a send in some states, with their last reply. */
  async listDeliveries(sendId: number, states: readonly DeliveryState[], limit: number): Promise<DeliveryListing[]> {
    return this.stmt<unknown[], { address: string; state: DeliveryState; attempts: number; last_reply: string | null; updated_at: string }>(deliveriesInStatesSql(states.length))
      .all(sendId, ...states, limit)
      .map((r) => ({ address: r.address, state: r.state, attempts: r.attempts, lastReply: r.last_reply, updatedAt: r.updated_at }));
  }
}

async function guardAsync<T>(location: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    return guard(location, () => {
      throw err;
    });
  }
}
