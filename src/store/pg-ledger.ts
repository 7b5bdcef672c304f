import type { PoolClient } from 'pg';
import type { Edition, EditionContent } from './types';
import { insertPgEdition, type PgEditionStore } from './pg-editions';
import type { PgDb } from './pg-db';
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
  type SharedPace,
} from '../send/ledger';
import type { Caps, CapCheck } from '../send/pace';
import { isDraftSlug } from '../publish/draft';
import { iso, toSend, type SendRow } from './rows';

const SEND_COLUMNS = 'id, slug, subject, content_hash, state, created_at, finished_at';

/** One row's move, with what it records (see `moveRows`). */
interface Move {
  id: number;
  to: DeliveryState;
  reply?: string | null;
  messageId?: string | null;
  retryAt?: Date | null;
  refund?: boolean;
  /** A claim: the attempt counts, the sender is named on the row and its on-the-wire mark clears. */
  attempt?: boolean;
}

/**
 * The send ledger in PostgreSQL, for several senders on one send (on one host or many):
 *
 * - each sender holds its own lease (`send_leases`), so a second `newsletter send` joins a running
 *   send instead of being refused;
 * - a claim takes pending rows with `FOR UPDATE SKIP LOCKED` and names its sender (`claimed_by`),
 *   so each row is claimed by one process, and concurrent claims never wait for each other;
 * - a run's start settles only the `sending` rows of senders whose lease is gone (on the wire:
 *   `unknown`, never resent; not yet: `pending`), never those of a sender still running;
 * - the last sender to end moves the send to finished or stopped (`endRun`, under the send's row lock);
 * - the rate and the caps are one budget for all of them (`PgPace`).
 *
 * Every change of a delivery's state goes through `moveRows` (or `moveAll` for the rows an ended
 * run left), which checks the move against ALLOWED_TRANSITIONS and that each row really was in the
 * state the caller believed. A commit is durable when it returns (synchronous_commit).
 */
export class PgLedger implements Ledger {
  readonly sharedSends = true;
  readonly sharedPace: SharedPace;

  /** The pace's own connections: its reservations commit without waiting for the disk (see PgPace). */
  private readonly paceDb: PgDb;

  constructor(
    private readonly db: PgDb,
    private readonly editions: PgEditionStore,
  ) {
    this.paceDb = db.withSettings({ synchronous_commit: 'off' }, 2);
    this.sharedPace = new PgPace(this.paceDb);
  }

  async close(): Promise<void> {
    await this.paceDb.end();
  }

  /**
   * The one place delivery states change: any number of rows leaving one state, each to its own
   * next state, in one statement. Each move is checked against ALLOWED_TRANSITIONS, and each row
   * must really be in `from` (else nothing of it is written: the caller's transaction fails).
   * A claim names its sender (`claimingAs`); a sender's outcomes move only rows it claimed itself
   * (`onlyClaimedBy`).
   */
  private async moveRows(c: PoolClient, from: DeliveryState, now: Date, rows: readonly Move[], who: { claimingAs?: string; onlyClaimedBy?: string } = {}): Promise<void> {
    if (rows.length === 0) return;
    for (const r of rows) if (!canTransition(from, r.to)) throw new Error(`delivery ${r.id}: ${from} → ${r.to} is not an allowed move`);
    // A claim (an attempt) clears the on-the-wire mark: it is set again at this attempt's hand-over.
    const res = await this.db.query(
      `UPDATE deliveries d SET state = v.next_state, updated_at = $1,
         attempts = d.attempts + v.attempt,
         run_attempts = greatest(d.run_attempts + v.attempt - v.refund, 0),
         on_wire = CASE WHEN v.attempt = 1 THEN 0 ELSE d.on_wire END,
         claimed_by = CASE WHEN v.attempt = 1 THEN $2 ELSE d.claimed_by END,
         last_reply = coalesce(v.reply, d.last_reply),
         message_id = coalesce(v.message_id, d.message_id),
         next_attempt_at = coalesce(v.retry_at, d.next_attempt_at)
       FROM unnest($3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::int[])
         AS v(id, next_state, reply, message_id, retry_at, refund, attempt)
       WHERE d.id = v.id AND d.state = $10 AND ($11::text IS NULL OR d.claimed_by = $11)`,
      [
        iso(now),
        who.claimingAs ?? null,
        rows.map((r) => r.id),
        rows.map((r) => r.to),
        rows.map((r) => r.reply ?? null),
        rows.map((r) => r.messageId ?? null),
        rows.map((r) => (r.retryAt ? iso(r.retryAt) : null)),
        rows.map((r) => (r.refund ? 1 : 0)),
        rows.map((r) => (r.attempt ? 1 : 0)),
        from,
        who.onlyClaimedBy ?? null,
      ],
      c,
    );
    if (res.rowCount !== rows.length) {
      const whose = who.onlyClaimedBy ? ` by ${who.onlyClaimedBy}` : '';
      throw new Error(`of deliveries ${rows.map((r) => r.id).join(', ')}, ${rows.length - (res.rowCount ?? 0)} were not ${from}${whose} when moving them on`);
    }
  }

  /**
   * The `sending` rows of a send whose sender is gone (no lease), with that on-the-wire mark:
   * what a run that ended without recording them left.
   */
  private async moveAll(c: PoolClient, sendId: number, to: DeliveryState, now: Date, reply: string, onWire: 0 | 1, retryAt?: Date): Promise<number> {
    if (!canTransition('sending', to)) throw new Error(`sending → ${to} is not an allowed move`);
    const res = await this.db.query(
      `UPDATE deliveries SET state = $1, updated_at = $2, last_reply = $3, next_attempt_at = coalesce($4, next_attempt_at)
       WHERE send_id = $5 AND state = 'sending' AND on_wire = $6
         AND (claimed_by IS NULL OR claimed_by NOT IN (SELECT owner FROM send_leases WHERE send_id = $5))`,
      [to, iso(now), reply, retryAt ? iso(retryAt) : null, sendId, onWire],
      c,
    );
    return res.rowCount ?? 0;
  }

  /**
   * Throws LeaseLost unless `owner` holds a lease on the send. The lease row is locked for the
   * transaction, so a sender taking an expired lease over waits until this commit is done.
   */
  private async assertOwner(c: PoolClient, sendId: number, owner: string): Promise<void> {
    const row = await this.db.one('SELECT 1 AS ok FROM send_leases WHERE send_id = $1 AND owner = $2 FOR SHARE', [sendId, owner], c);
    if (!row) throw new LeaseLost();
  }

  async findSend(slug: string): Promise<SendRecord | undefined> {
    const row = await this.db.one<SendRow>(`SELECT ${SEND_COLUMNS} FROM sends WHERE slug = $1`, [slug]);
    return row && toSend(row);
  }

  async beginSend(input: { slug: string; edition: EditionContent; now: Date }): Promise<{ send: SendRecord; created: boolean; edition: Edition }> {
    const { send, created, editionId } = await this.db.tx(async (c) => {
      const now = iso(input.now);
      // Two senders starting the same issue at once: the second waits on the slug's unique index
      // until the first commits, then finds its send.
      const inserted = await this.db.query(
        `INSERT INTO sends (slug, content_hash, subject, state, created_at, started_at) VALUES ($1, $2, $3, 'sending', $4, $4)
         ON CONFLICT (slug) DO NOTHING`,
        [input.slug, input.edition.contentHash, input.edition.subject, now],
        c,
      );
      const row = (await this.db.one<SendRow>(`SELECT ${SEND_COLUMNS} FROM sends WHERE slug = $1`, [input.slug], c))!;
      if (inserted.rowCount !== 1) {
        const current = await this.db.one<{ id: number }>('SELECT id FROM editions WHERE send_id = $1 ORDER BY number DESC LIMIT 1', [row.id], c);
        // A send recorded before editions were (a copied store): this rendering becomes its first edition.
        const id = current?.id ?? (await insertPgEdition(c, row.id, input.edition, input.now));
        if (!current) await this.db.query("UPDATE deliveries SET edition_id = $1 WHERE send_id = $2 AND state = 'pending' AND edition_id IS NULL", [id, row.id], c);
        return { send: toSend(row), created: false, editionId: id };
      }
      const editionId = await insertPgEdition(c, row.id, input.edition, input.now);
      // The audience is frozen here: active subscribers minus suppressions, one row each.
      await this.db.query(
        `INSERT INTO deliveries (send_id, subscriber_id, address, state, attempts, next_attempt_at, created_at, updated_at, edition_id)
         SELECT $1, s.id, s.email, 'pending', 0, $2, $2, $2, $3
         FROM subscribers s
         WHERE s.status = 'active' AND NOT EXISTS (SELECT 1 FROM suppressions p WHERE p.address = s.email_key)
         ORDER BY s.id`,
        [row.id, now, editionId],
        c,
      );
      return { send: toSend(row), created: true, editionId };
    });
    return { send, created, edition: (await this.editions.byId(editionId))! };
  }

  async correct(sendId: number, edition: EditionContent, now: Date): Promise<{ edition: Edition; moved: number }> {
    const { editionId, moved } = await this.db.tx(async (c) => {
      const editionId = await insertPgEdition(c, sendId, edition, now);
      // Only deliveries not yet handed over: a row `sending` is on the wire with the old bytes.
      const res = await this.db.query("UPDATE deliveries SET edition_id = $1, updated_at = $2 WHERE send_id = $3 AND state = 'pending'", [editionId, iso(now), sendId], c);
      return { editionId, moved: res.rowCount ?? 0 };
    });
    return { edition: (await this.editions.byId(editionId))!, moved };
  }

  async transitionSend(sendId: number, from: SendState, to: SendState, now: Date, on?: PoolClient): Promise<void> {
    if (!canSendTransition(from, to)) throw new Error(`send ${sendId}: ${from} → ${to} is not an allowed move`);
    const res = await this.db.query(
      `UPDATE sends SET state = $1, finished_at = CASE WHEN $1 = 'finished' THEN $2 ELSE NULL END WHERE id = $3 AND state = $4`,
      [to, iso(now), sendId, from],
      on,
    );
    if (res.rowCount !== 1) throw new Error(`send ${sendId} was not ${from} when moving it to ${to}`);
  }

  /** Always granted: a live sender's lease stays, and this one joins it. Leases that ran out are dropped first. */
  async acquireLease(sendId: number, owner: string, until: Date, now: Date): Promise<boolean> {
    await this.db.tx(async (c) => {
      // Ordered against endRun (which locks the row for update): a sender joining while the last
      // one ends either is seen by it, or starts after it settled the send (and resumes it).
      await this.db.query('SELECT 1 FROM sends WHERE id = $1 FOR SHARE', [sendId], c);
      await this.db.query('DELETE FROM send_leases WHERE send_id = $1 AND expires_at <= $2 AND owner <> $3', [sendId, iso(now), owner], c);
      await this.db.query(
        `INSERT INTO send_leases (send_id, owner, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT (send_id, owner) DO UPDATE SET expires_at = excluded.expires_at`,
        [sendId, owner, iso(until)],
        c,
      );
    });
    return true;
  }

  async renewLease(sendId: number, owner: string, until: Date): Promise<void> {
    await this.db.query('UPDATE send_leases SET expires_at = $1 WHERE send_id = $2 AND owner = $3', [iso(until), sendId, owner]);
  }

  async releaseLease(sendId: number, owner: string): Promise<void> {
    await this.db.query('DELETE FROM send_leases WHERE send_id = $1 AND owner = $2', [sendId, owner]);
  }

  async leaseHolder(sendId: number): Promise<{ owner: string; until: Date } | undefined> {
    return (await this.leaseHolders(sendId))[0];
  }

  async leaseHolders(sendId: number): Promise<{ owner: string; until: Date }[]> {
    const rows = await this.db.rows<{ owner: string; expires_at: string }>('SELECT owner, expires_at FROM send_leases WHERE send_id = $1 ORDER BY expires_at DESC, owner', [sendId]);
    return rows.map((r) => ({ owner: r.owner, until: new Date(r.expires_at) }));
  }

  async endRun(sendId: number, owner: string, decide: (counts: DeliveryCounts) => SendState, now: Date): Promise<RunEnd> {
    return this.db.tx(async (c) => {
      // The send's row lock orders the senders that end at once: the last one sees no others.
      const row = await this.db.one<{ state: SendState }>('SELECT state FROM sends WHERE id = $1 FOR UPDATE', [sendId], c);
      if (!row) throw new Error(`send ${sendId} is not in the store`);
      await this.db.query('DELETE FROM send_leases WHERE send_id = $1 AND owner = $2', [sendId, owner], c);
      // Every other lease, lapsed ones too: a sender whose renewal is late may still be sending
      // (its lease holds until another run takes it over), and a dead one's is reaped by the next run.
      const others = await this.db.one<{ n: number }>('SELECT count(*)::int AS n FROM send_leases WHERE send_id = $1', [sendId], c);
      const counts = await this.countsOn(sendId, c);
      if (others!.n > 0) return { state: row.state, counts, othersRunning: others!.n };
      const next = decide(counts);
      if (row.state !== next) await this.transitionSend(sendId, row.state, next, now, c);
      return { state: next, counts, othersRunning: 0 };
    });
  }

  async beginRun(sendId: number, now: Date): Promise<{ unknown: number; requeued: number }> {
    return this.db.tx(async (c) => {
      const unknown = await this.moveAll(c, sendId, 'unknown', now, 'interrupted: the sending process stopped after handing this message to the server', 1);
      const requeued = await this.moveAll(c, sendId, 'pending', now, 'interrupted before the message reached the server: queued again', 0, now);
      // Attempts per run start again, unless other senders (a live lease beside this run's) are in
      // the middle of this send and counting them.
      await this.db.query(
        `UPDATE deliveries SET run_attempts = 0 WHERE send_id = $1 AND state = 'pending' AND run_attempts <> 0
           AND (SELECT count(*) FROM send_leases WHERE send_id = $1 AND expires_at > $2) <= 1`,
        [sendId, iso(now)],
        c,
      );
      // Slots older than the longest cap window count for nothing any more.
      await this.db.query("DELETE FROM send_slots WHERE at < now() - interval '1 day 1 hour'", [], c);
      return { unknown, requeued };
    });
  }

  async requeueUnknown(sendId: number, now: Date): Promise<number> {
    if (!canTransition('unknown', 'pending')) throw new Error('unknown → pending is not an allowed move');
    return this.db.tx(async (c) => {
      const res = await this.db.query(
        `UPDATE deliveries SET state = 'pending', updated_at = $1, last_reply = 'queued again by --resend-unknown', next_attempt_at = $1
         WHERE send_id = $2 AND state = 'unknown'`,
        [iso(now), sendId],
        c,
      );
      await this.currentEditionForOrphans(c, sendId);
      return res.rowCount ?? 0;
    });
  }

  async requeueFailed(sendId: number, now: Date): Promise<number> {
    if (!canTransition('failed', 'pending')) throw new Error('failed → pending is not an allowed move');
    return this.db.tx(async (c) => {
      const res = await this.db.query(
        `UPDATE deliveries SET state = 'pending', updated_at = $1, next_attempt_at = $1, run_attempts = 0,
           last_reply = 'queued again by --retry-failed (was: ' || coalesce(last_reply, '') || ')'
         WHERE send_id = $2 AND state = 'failed'
           AND NOT EXISTS (SELECT 1 FROM subscribers s JOIN suppressions p ON p.address = s.email_key WHERE s.id = deliveries.subscriber_id)
           AND NOT EXISTS (SELECT 1 FROM suppressions p WHERE p.address = lower(deliveries.address))`,
        [iso(now), sendId],
        c,
      );
      await this.currentEditionForOrphans(c, sendId);
      return res.rowCount ?? 0;
    });
  }

  /** Deliveries queued again that date from before editions were recorded get the send's current edition. */
  private async currentEditionForOrphans(c: PoolClient, sendId: number): Promise<void> {
    await this.db.query(
      `UPDATE deliveries SET edition_id = (SELECT id FROM editions WHERE send_id = $1 ORDER BY number DESC LIMIT 1)
       WHERE send_id = $1 AND state = 'pending' AND edition_id IS NULL`,
      [sendId],
      c,
    );
  }

  async handoverTimes(since: Date): Promise<Date[]> {
    const rows = await this.db.rows<{ at: string }>('SELECT handed_over_at AS at FROM deliveries WHERE handed_over_at > $1 ORDER BY handed_over_at', [iso(since)]);
    return rows.map((r) => new Date(r.at));
  }

  /**
   * A claim commits without waiting for the server's disk: a message goes on the wire only after
   * its hand-over mark's commit, which is synced and makes every earlier commit durable too. A
   * claim lost to a server crash leaves its row `pending`, and that row's message never left.
   */
  async claim(sendId: number, limit: number, now: Date, owner?: string): Promise<ClaimedDelivery[]> {
    type Candidate = { id: number; edition_id: number | null; subscriber_id: number | null; address: string; attempts: number; name: string | null; status: string | null; suppressed: string | null };
    return this.db.tx(async (c) => {
      if (owner !== undefined) await this.assertOwner(c, sendId, owner);
      // SKIP LOCKED: rows another sender is claiming right now are left to it, without waiting.
      const candidates = await this.db.rows<Candidate>(
        // The row's columns are read in the locking step: a row locked after a concurrent
        // correction committed is read as it is now (its new edition), not as the statement's
        // snapshot had it.
        `WITH picked AS (
           SELECT id, edition_id, subscriber_id, address, run_attempts, next_attempt_at FROM deliveries
           WHERE send_id = $1 AND state = 'pending' AND next_attempt_at <= $2
           ORDER BY next_attempt_at, id
           LIMIT $3
           FOR UPDATE SKIP LOCKED
         )
         SELECT d.id, d.edition_id, d.subscriber_id, d.address, d.run_attempts AS attempts, s.name, s.status, p.reason AS suppressed
         FROM picked d
         LEFT JOIN subscribers s ON s.id = d.subscriber_id
         LEFT JOIN suppressions p ON p.address = s.email_key
         ORDER BY d.next_attempt_at, d.id`,
        [sendId, iso(now), limit],
        c,
      );
      const moves: Move[] = [];
      const claimed: ClaimedDelivery[] = [];
      for (const cand of candidates) {
        // Suppressed or removed after the audience was frozen: still skipped.
        if (cand.subscriber_id === null || cand.status !== 'active' || cand.suppressed) {
          const why = cand.subscriber_id === null ? 'removed from the list' : cand.suppressed ? `suppressed (${cand.suppressed})` : 'unsubscribed';
          moves.push({ id: cand.id, to: 'skipped', reply: `skipped: ${why} during the send` });
          continue;
        }
        if (cand.edition_id === null) throw new Error(`delivery ${cand.id} has no edition to be sent from`);
        claimed.push({ id: cand.id, editionId: cand.edition_id, subscriberId: cand.subscriber_id, address: cand.address, name: cand.name, attempts: cand.attempts + 1 });
        moves.push({ id: cand.id, to: 'sending', attempt: true });
      }
      await this.moveRows(c, 'pending', now, moves, { claimingAs: owner ?? '' });
      return claimed;
    }, { unsynced: true });
  }

  /**
   * Outcomes and hand-over marks in one transaction: the marks are durable when this returns (a
   * synced commit). Outcomes alone commit without waiting for the disk: one lost to a server crash
   * leaves its row `sending` and on the wire, which the next run marks unknown, never resent.
   */
  async commit(batch: CommitBatch): Promise<void> {
    // A bounce suppresses an address: a write to the list, which takes turns with the others.
    const bounces = batch.outcomes.some((o) => o.outcome.to === 'failed' && o.outcome.bounce);
    await this.db.tx(async (c) => {
      await this.assertOwner(c, batch.sendId, batch.owner);
      // Only rows this sender claimed: a claim lost to a server crash may have been claimed again
      // by another sender since, and that one's message is its own.
      await this.recordAll(c, batch.outcomes, batch.now, batch.owner);
      if (batch.handedOver.length > 0) {
        const res = await this.db.query(
          "UPDATE deliveries SET on_wire = 1, handed_over_at = $1 WHERE id = ANY($2::bigint[]) AND state = 'sending' AND claimed_by = $3",
          [iso(batch.now), batch.handedOver, batch.owner],
          c,
        );
        if (res.rowCount !== batch.handedOver.length) throw new Error(`of deliveries ${batch.handedOver.join(', ')}, some were not sending when handing their message over`);
      }
    }, { unsynced: batch.handedOver.length === 0, lock: bounces });
  }

  /** For tests and tools: outcomes without a lease (the runner uses commit). */
  async record(results: readonly { id: number; outcome: Outcome }[], now: Date): Promise<void> {
    await this.db.tx((c) => this.recordAll(c, results, now), { lock: true });
  }

  private async recordAll(c: PoolClient, results: readonly { id: number; outcome: Outcome }[], now: Date, claimedBy?: string): Promise<void> {
    const moves: Move[] = [];
    const bounced: { id: number; reply: string }[] = [];
    for (const { id, outcome } of results) {
      switch (outcome.to) {
        case 'sent':
          moves.push({ id, to: 'sent', reply: outcome.reply, messageId: outcome.messageId });
          break;
        case 'failed':
          moves.push({ id, to: 'failed', reply: outcome.reply });
          if (outcome.bounce) bounced.push({ id, reply: outcome.reply });
          break;
        case 'pending':
          moves.push({ id, to: 'pending', reply: outcome.reply, retryAt: outcome.retryAt, refund: outcome.refund });
          break;
        case 'unknown':
          moves.push({ id, to: 'unknown', reply: outcome.reply });
          break;
      }
    }
    await this.moveRows(c, 'sending', now, moves, { onlyClaimedBy: claimedBy });
    for (const b of bounced) await this.suppressBounce(c, b.id, now, b.reply);
  }

  /** A hard bounce: never mail the address again (the same suppression an unsubscribe makes). */
  private async suppressBounce(c: PoolClient, deliveryId: number, now: Date, reply: string): Promise<void> {
    const row = await this.db.one<{ email_key: string | null; address: string }>(
      'SELECT s.email_key, d.address FROM deliveries d LEFT JOIN subscribers s ON s.id = d.subscriber_id WHERE d.id = $1',
      [deliveryId],
      c,
    );
    if (!row) return;
    const key = row.email_key ?? row.address.toLowerCase();
    await this.db.query(`INSERT INTO suppressions (address, reason, at, detail) VALUES ($1, 'bounced', $2, $3) ON CONFLICT (address) DO NOTHING`, [key, iso(now), reply], c);
    await this.db.query(`UPDATE subscribers SET status = 'unsubscribed', updated_at = $1 WHERE email_key = $2 AND status <> 'unsubscribed'`, [iso(now), key], c);
  }

  async counts(sendId: number): Promise<DeliveryCounts> {
    return this.countsOn(sendId);
  }

  private async countsOn(sendId: number, on?: PoolClient): Promise<DeliveryCounts> {
    const counts = Object.fromEntries(DELIVERY_STATES.map((s) => [s, 0])) as DeliveryCounts;
    for (const r of await this.db.rows<{ state: DeliveryState; n: number }>('SELECT state, count(*)::int AS n FROM deliveries WHERE send_id = $1 GROUP BY state', [sendId], on)) {
      counts[r.state] = r.n;
    }
    return counts;
  }

  async nextRetryAt(sendId: number): Promise<Date | undefined> {
    const row = await this.db.one<{ at: string | null }>("SELECT min(next_attempt_at) AS at FROM deliveries WHERE send_id = $1 AND state = 'pending'", [sendId]);
    return row?.at ? new Date(row.at) : undefined;
  }

  async topFailures(sendId: number, limit: number): Promise<{ reply: string; count: number }[]> {
    return this.db.rows<{ reply: string; count: number }>(
      `SELECT coalesce(last_reply, '(no reply)') AS reply, count(*)::int AS count FROM deliveries
       WHERE send_id = $1 AND state IN ('failed', 'unknown') GROUP BY 1 ORDER BY count DESC, coalesce(last_reply, '(no reply)') COLLATE "C" LIMIT $2`,
      [sendId, limit],
    );
  }

  async listSends(): Promise<(SendRecord & { counts: DeliveryCounts })[]> {
    const rows = (await this.db.rows<SendRow>(`SELECT ${SEND_COLUMNS} FROM sends ORDER BY slug DESC`)).filter((r) => !isDraftSlug(r.slug));
    return Promise.all(rows.map(async (r) => ({ ...toSend(r), counts: await this.counts(r.id) })));
  }

  async listDeliveries(sendId: number, states: readonly DeliveryState[], limit: number): Promise<DeliveryListing[]> {
    const rows = await this.db.rows<{ address: string; state: DeliveryState; attempts: number; last_reply: string | null; updated_at: string }>(
      'SELECT address, state, attempts, last_reply, updated_at FROM deliveries WHERE send_id = $1 AND state = ANY($2::text[]) ORDER BY id LIMIT $3',
      [sendId, [...states], limit],
    );
    return rows.map((r) => ({ address: r.address, state: r.state, attempts: r.attempts, lastReply: r.last_reply, updatedAt: r.updated_at }));
  }
}

/**
 * The rate and the caps as one budget in the database (one row, `send_pace`, locked for the
 * moment of a reservation): each message's start slot is at least one interval after the previous
 * slot of any sender, and every slot is recorded (`send_slots`) so the caps count the messages of
 * all senders. Times are the database server's clock, so hosts with skewed clocks still agree;
 * the wait is returned as a duration. Reservations commit without waiting for the disk (the
 * connections it is given say synchronous_commit=off): a server crash loses at most the last
 * fraction of a second of slots, and every message that went has its durable hand-over mark.
 */
export class PgPace implements SharedPace {
  constructor(private readonly db: PgDb) {}

  async reserve(intervalMs: number, caps: Caps): Promise<{ ok: true; waitMs: number; slot: number } | Exclude<CapCheck, { ok: true }>> {
    if (!caps.perHour && !caps.perDay) {
      // One statement (one round trip) holds the row lock only for itself.
      const row = await this.db.one<{ id: number; wait_ms: number }>(
        `WITH t AS (
           SELECT greatest(next_at, clock_timestamp()) AS at, clock_timestamp() AS now FROM send_pace WHERE id = 1 FOR UPDATE
         ), u AS (
           UPDATE send_pace SET next_at = (SELECT at FROM t) + $1 * interval '1 millisecond' WHERE id = 1
         ), i AS (
           INSERT INTO send_slots (at) SELECT at FROM t RETURNING id, at
         )
         SELECT i.id, extract(epoch FROM i.at - t.now)::float8 * 1000 AS wait_ms FROM i, t`,
        [intervalMs],
      );
      return { ok: true, waitMs: Math.max(0, row!.wait_ms), slot: row!.id };
    }
    return this.db.tx(async (c) => {
      const pace = (await this.db.one<{ at: Date; now: Date }>('SELECT greatest(next_at, clock_timestamp()) AS at, clock_timestamp() AS now FROM send_pace WHERE id = 1 FOR UPDATE', [], c))!;
      let blocked: Exclude<CapCheck, { ok: true }> | undefined;
      for (const [cap, limit, window] of [
        ['max_per_hour', caps.perHour, '1 hour'],
        ['max_per_day', caps.perDay, '1 day'],
      ] as const) {
        if (!limit) continue;
        // Full when `limit` slots lie in the window; one more fits once the oldest of those leaves it.
        const row = await this.db.one<{ resume: Date }>(
          `SELECT at + $2::interval AS resume FROM send_slots WHERE at > $1::timestamptz - $2::interval ORDER BY at DESC OFFSET $3 LIMIT 1`,
          [pace.now, window, limit - 1],
          c,
        );
        if (row && (!blocked || row.resume.getTime() > blocked.resumeAt)) blocked = { ok: false, cap, limit, resumeAt: row.resume.getTime() };
      }
      if (blocked) return blocked;
      await this.db.query("UPDATE send_pace SET next_at = $1::timestamptz + $2 * interval '1 millisecond' WHERE id = 1", [pace.at, intervalMs], c);
      const slot = await this.db.one<{ id: number }>('INSERT INTO send_slots (at) VALUES ($1) RETURNING id', [pace.at], c);
      return { ok: true as const, waitMs: Math.max(0, pace.at.getTime() - pace.now.getTime()), slot: slot!.id };
    });
  }

  async refund(slot: number): Promise<void> {
    await this.db.query('DELETE FROM send_slots WHERE id = $1', [slot]);
  }
}
