import type { PoolClient } from 'pg';
import { decide, REPORTABLE_STATES, type DeliveryFeedback, type SoftBouncePolicy } from '../bounces/feedback';
import type { DeliveryRef, FeedbackCounts, FeedbackItem, FeedbackStore, ItemOutcome } from '../bounces/store';
import type { PgDb } from './pg-db';
import { DELIVERY_REF_SELECT, feedbackCounts, feedbackCountsByEdition, iso, toDeliveryRef, type DeliveryRefRow } from './rows';

const DAY_MS = 24 * 60 * 60 * 1000;

const SELECT = DELIVERY_REF_SELECT;
const reportable = REPORTABLE_STATES.map((s) => `'${s}'`).join(', ');

/**
 * Bounces and complaints in PostgreSQL, as SqliteFeedbackStore. Addresses are matched as SQLite's
 * COLLATE NOCASE does: lower() under COLLATE "C" folds ASCII letters only.
 */
export class PgFeedbackStore implements FeedbackStore {
  constructor(private readonly db: PgDb) {}

  async delivery(id: number): Promise<DeliveryRef | undefined> {
    if (!Number.isSafeInteger(id)) return undefined;
    const row = await this.db.one<DeliveryRefRow>(`${SELECT} WHERE d.id = $1`, [id]);
    return row && toDeliveryRef(row);
  }

  async deliveryByMessageId(messageId: string): Promise<DeliveryRef | undefined> {
    const bare = messageId.trim().replace(/^<|>$/g, '');
    if (!bare) return undefined;
    const row = await this.db.one<DeliveryRefRow>(`${SELECT} WHERE d.message_id = $1 ORDER BY d.id DESC LIMIT 1`, [`<${bare}>`]);
    return row && toDeliveryRef(row);
  }

  async recentDelivery(address: string, since: Date): Promise<DeliveryRef | undefined> {
    const row = await this.db.one<DeliveryRefRow>(
      `${SELECT} WHERE lower(d.address) = lower($1 COLLATE "C") AND d.created_at >= $2 AND d.state IN (${reportable}) ORDER BY d.created_at DESC, d.id DESC LIMIT 1`,
      [address.trim(), iso(since)],
    );
    return row && toDeliveryRef(row);
  }

  async apply(items: readonly FeedbackItem[], policy: SoftBouncePolicy, now: Date): Promise<ItemOutcome[]> {
    return this.db.tx(async (client) => {
      const out: ItemOutcome[] = [];
      for (const item of items) out.push(await this.applyOne(client, item, policy, now));
      return out;
    }, { lock: true });
  }

  private async applyOne(client: PoolClient, item: FeedbackItem, policy: SoftBouncePolicy, now: Date): Promise<ItemOutcome> {
    const row = await this.db.one<DeliveryRefRow>(`${SELECT} WHERE d.id = $1`, [item.deliveryId], client);
    if (!row) throw new Error(`delivery ${item.deliveryId} does not exist`);
    const inserted = await this.db.query(
      `INSERT INTO feedback_reports (key, source, kind, delivery_id, status, detail, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (key) DO NOTHING`,
      [item.key, item.source, item.kind, item.deliveryId, item.status ?? null, item.detail, iso(now)],
      client,
    );
    if (inserted.rowCount === 0) return { applied: false, duplicate: true, address: row.address };
    if (!REPORTABLE_STATES.includes(row.state)) {
      return { applied: true, note: `delivery was ${row.state}, not sent: recorded only`, suppressed: false, address: row.address };
    }
    const since = new Date(now.getTime() - policy.windowDays * DAY_MS);
    const soft = (await this.db.one<{ n: number }>(
      `SELECT count(*) AS n FROM deliveries WHERE lower(address) = lower($1 COLLATE "C") AND feedback = 'soft_bounced' AND created_at >= $2 AND id <> $3`,
      [row.address, iso(since), row.id],
      client,
    ))!.n;
    const decision = decide(item.kind, row.feedback, soft, policy);
    if (decision.feedback) {
      const moved = await this.db.query(`UPDATE deliveries SET feedback = $1, feedback_at = $2 WHERE id = $3 AND feedback IS NOT DISTINCT FROM $4`, [decision.feedback, iso(now), row.id, row.feedback], client);
      if (moved.rowCount !== 1) throw new Error(`delivery ${row.id} changed while its report was applied`);
    }
    let suppressed = false;
    if (decision.suppress) suppressed = await this.suppress(client, row.address, decision.suppress, now, `${item.source}: ${item.detail}`.slice(0, 500));
    return { applied: true, note: decision.note, suppressed, address: row.address };
  }

  /** The same suppression an unsubscribe makes (pgSuppressKey), in this transaction, with SQLite's complaint-over-bounce rule. */
  private async suppress(client: PoolClient, address: string, reason: 'bounced' | 'complained', now: Date, detail: string): Promise<boolean> {
    const key =
      (await this.db.one<{ email_key: string }>('SELECT email_key FROM subscribers WHERE email_key = lower($1 COLLATE "C")', [address], client))?.email_key ?? address.toLowerCase();
    const added = (await this.db.query('INSERT INTO suppressions (address, reason, at, detail) VALUES ($1, $2, $3, $4) ON CONFLICT (address) DO NOTHING', [key, reason, iso(now), detail], client)).rowCount === 1;
    // A complaint outranks an earlier bounce: the member said they do not want it.
    if (!added && reason === 'complained') {
      await this.db.query("UPDATE suppressions SET reason = 'complained', at = $1, detail = $2 WHERE address = $3 AND reason = 'bounced'", [iso(now), detail, key], client);
    }
    await this.db.query("UPDATE subscribers SET status = 'unsubscribed', updated_at = $1 WHERE email_key = $2 AND status <> 'unsubscribed'", [iso(now), key], client);
    return added;
  }

  async counts(sendId: number): Promise<FeedbackCounts> {
    return feedbackCounts(await this.db.rows<{ feedback: DeliveryFeedback; n: number }>('SELECT feedback, count(*) AS n FROM deliveries WHERE send_id = $1 AND feedback IS NOT NULL GROUP BY feedback', [sendId]));
  }

  async countsByEdition(sendId: number): Promise<Map<number | null, FeedbackCounts>> {
    return feedbackCountsByEdition(await this.db.rows<{ edition_id: number | null; feedback: DeliveryFeedback; n: number }>(
      'SELECT edition_id, feedback, count(*) AS n FROM deliveries WHERE send_id = $1 AND feedback IS NOT NULL GROUP BY edition_id, feedback',
      [sendId],
    ));
  }

  async list(sendId: number, limit: number): Promise<{ address: string; feedback: DeliveryFeedback; detail: string | null }[]> {
    return this.db.rows<{ address: string; feedback: DeliveryFeedback; detail: string | null }>(
      `SELECT d.address, d.feedback,
         (SELECT r.detail FROM feedback_reports r WHERE r.delivery_id = d.id ORDER BY r.received_at DESC LIMIT 1) AS detail
       FROM deliveries d WHERE d.send_id = $1 AND d.feedback IS NOT NULL ORDER BY d.feedback, d.address LIMIT $2`,
      [sendId, limit],
    );
  }
}
