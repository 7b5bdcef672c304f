import type { Database, Statement } from 'better-sqlite3';
import { decide, REPORTABLE_STATES, type DeliveryFeedback, type SoftBouncePolicy } from '../bounces/feedback';
import type { DeliveryRef, FeedbackCounts, FeedbackItem, FeedbackStore, ItemOutcome } from '../bounces/store';
import { QUERIES } from './sqlite-queries';
import { prepared } from './sqlite-statements';
import { DELIVERY_REF_SELECT, feedbackCounts, feedbackCountsByEdition, iso, toDeliveryRef, type DeliveryRefRow } from './rows';

const DAY_MS = 24 * 60 * 60 * 1000;

const SELECT = DELIVERY_REF_SELECT;
const reportable = REPORTABLE_STATES.map((s) => `'${s}'`).join(', ');

/**
 * Bounces and complaints in SQLite. A delivery's `feedback` changes only in `apply`, through
 * decide() and FEEDBACK_TRANSITIONS, with a compare-and-set on the value it was read with.
 */
export class SqliteFeedbackStore implements FeedbackStore {
  constructor(private readonly db: Database) {}

  private stmt<P extends unknown[] | object = unknown[], R = unknown>(sql: string): Statement<P, R> {
    return prepared<P, R>(this, this.db, sql);
  }

  async delivery(id: number): Promise<DeliveryRef | undefined> {
    const row = this.stmt<[number], DeliveryRefRow>(`${SELECT} WHERE d.id = ?`).get(id);
    return row && toDeliveryRef(row);
  }

  async deliveryByMessageId(messageId: string): Promise<DeliveryRef | undefined> {
    const bare = messageId.trim().replace(/^<|>$/g, '');
    if (!bare) return undefined;
    const row = this.stmt<[string], DeliveryRefRow>(`${SELECT} WHERE d.message_id = ? ORDER BY d.id DESC LIMIT 1`).get(`<${bare}>`);
    return row && toDeliveryRef(row);
  }

  async recentDelivery(address: string, since: Date): Promise<DeliveryRef | undefined> {
    const row = this.stmt<[string, string], DeliveryRefRow>(
      `${SELECT} WHERE d.address = ? COLLATE NOCASE AND d.created_at >= ? AND d.state IN (${reportable}) ORDER BY d.created_at DESC, d.id DESC LIMIT 1`,
    ).get(address.trim(), iso(since));
    return row && toDeliveryRef(row);
  }

  async apply(items: readonly FeedbackItem[], policy: SoftBouncePolicy, now: Date): Promise<ItemOutcome[]> {
    return this.db.transaction(() => items.map((item) => this.applyOne(item, policy, now))).immediate();
  }

  private applyOne(item: FeedbackItem, policy: SoftBouncePolicy, now: Date): ItemOutcome {
    const row = this.stmt<[number], DeliveryRefRow>(`${SELECT} WHERE d.id = ?`).get(item.deliveryId);
    if (!row) throw new Error(`delivery ${item.deliveryId} does not exist`);
    const inserted = this.stmt(
      `INSERT INTO feedback_reports (key, source, kind, delivery_id, status, detail, received_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`,
    ).run(item.key, item.source, item.kind, item.deliveryId, item.status ?? null, item.detail, iso(now));
    if (inserted.changes === 0) return { applied: false, duplicate: true, address: row.address };
    if (!REPORTABLE_STATES.includes(row.state)) {
      return { applied: true, note: `delivery was ${row.state}, not sent: recorded only`, suppressed: false, address: row.address };
    }
    const since = new Date(now.getTime() - policy.windowDays * DAY_MS);
    const soft = this.stmt<[string, string, number], { n: number }>(
      `SELECT count(*) AS n FROM deliveries WHERE address = ? COLLATE NOCASE AND feedback = 'soft_bounced' AND created_at >= ? AND id <> ?`,
    ).get(row.address, iso(since), row.id)!.n;
    const decision = decide(item.kind, row.feedback, soft, policy);
    if (decision.feedback) {
      const moved = this.stmt(`UPDATE deliveries SET feedback = ?, feedback_at = ? WHERE id = ? AND feedback IS ?`).run(decision.feedback, iso(now), row.id, row.feedback);
      if (moved.changes !== 1) throw new Error(`delivery ${row.id} changed while its report was applied`);
    }
    let suppressed = false;
    if (decision.suppress) suppressed = this.suppress(row.address, decision.suppress, now, `${item.source}: ${item.detail}`.slice(0, 500));
    return { applied: true, note: decision.note, suppressed, address: row.address };
  }

  /** The same suppression an unsubscribe makes (SqliteSubscriberStore.suppressKey), in this transaction. */
  private suppress(address: string, reason: 'bounced' | 'complained', now: Date, detail: string): boolean {
    const key = this.stmt<[string], { email_key: string }>('SELECT email_key FROM subscribers WHERE email_key = lower(?)').get(address)?.email_key ?? address.toLowerCase();
    const added = this.stmt('INSERT INTO suppressions (address, reason, at, detail) VALUES (?, ?, ?, ?) ON CONFLICT (address) DO NOTHING').run(key, reason, iso(now), detail).changes === 1;
    // A complaint outranks an earlier bounce: the member said they do not want it.
    if (!added && reason === 'complained') this.stmt("UPDATE suppressions SET reason = 'complained', at = ?, detail = ? WHERE address = ? AND reason = 'bounced'").run(iso(now), detail, key);
    this.stmt("UPDATE subscribers SET status = 'unsubscribed', updated_at = ? WHERE email_key = ? AND status <> 'unsubscribed'").run(iso(now), key);
    return added;
  }

  async counts(sendId: number): Promise<FeedbackCounts> {
    return feedbackCounts(this.stmt<[number], { feedback: DeliveryFeedback; n: number }>(QUERIES.feedbackCounts).all(sendId));
  }

  async countsByEdition(sendId: number): Promise<Map<number | null, FeedbackCounts>> {
    return feedbackCountsByEdition(this.stmt<[number], { edition_id: number | null; feedback: DeliveryFeedback; n: number }>(QUERIES.feedbackCountsByEdition).all(sendId));
  }

  async list(sendId: number, limit: number): Promise<{ address: string; feedback: DeliveryFeedback; detail: string | null }[]> {
    return this.stmt<[number, number], { address: string; feedback: DeliveryFeedback; detail: string | null }>(QUERIES.feedbackList).all(sendId, limit);
  }
}
