/**
 * The reads (and the unsubscribe's writes) that must stay fast on a big store: what `status`,
 * `subscribers count` and `subscribers list` run, and what the public server runs for an
 * unsubscribe link (the token's mailbox, the one-click POST) and for the archive, feed and web
 * versions. A store of a year of weekly sends to 100,000 members holds 5.2 million deliveries.
 *
 * The SQLite store runs these very strings, and tests/store/query-plans.test.ts runs
 * `EXPLAIN QUERY PLAN` on each of them (one row per name, which the test requires), so a query
 * changed here is a query whose plan is checked again.
 */

/** The columns of a send the ledger reads. */
export const SEND_COLUMNS = 'id, slug, subject, content_hash, state, created_at, finished_at';

/** Every edition column, its send's slug, and its asset paths (one string, split by toEdition). */
export const EDITION_SELECT = `
  SELECT e.id, e.send_id, s.slug, e.number, e.subject, e.preheader, e.title, e.html, e.text, e.engine,
         e.content_hash, e.view_at, e.created_at,
         (SELECT group_concat(a.path, char(10)) FROM edition_assets a WHERE a.edition_id = e.id) AS asset_paths
  FROM editions e JOIN sends s ON s.id = e.send_id`;

/** The newest edition of each send: the one its issue's web version and calendars show. */
const CURRENT = 'e.number = (SELECT max(number) FROM editions WHERE send_id = e.send_id)';

export const SUBSCRIBER_COLUMNS = 'id, email, name, status, added_at, updated_at';

/** One page of `subscribers list`, after an address key, with its filters. */
export function subscriberPageSql(filter: { status?: boolean; suppression?: boolean }): string {
  const where = [filter.status ? 'AND status = @status' : '', filter.suppression ? 'AND email_key IN (SELECT address FROM suppressions WHERE reason = @suppression)' : ''].join(' ');
  return `SELECT ${SUBSCRIBER_COLUMNS}, email_key FROM subscribers WHERE email_key > @after ${where} ORDER BY email_key LIMIT @limit`;
}

/** A send's deliveries in `states` (as many `?` as states), oldest first. */
export function deliveriesInStatesSql(states: number): string {
  const marks = Array.from({ length: states }, () => '?').join(', ');
  return `SELECT address, state, attempts, last_reply, updated_at FROM deliveries WHERE send_id = ? AND state IN (${marks}) ORDER BY id LIMIT ?`;
}

export const QUERIES = {
  // ── status ──
  /** Every send, newest issue first. */
  listSends: `SELECT ${SEND_COLUMNS} FROM sends ORDER BY slug DESC`,
  sendBySlug: `SELECT ${SEND_COLUMNS} FROM sends WHERE slug = ?`,
  /** A send's deliveries by state. */
  deliveryCounts: 'SELECT state, count(*) AS n FROM deliveries WHERE send_id = ? GROUP BY state',
  /** What `status <issue>` lists: failed, unknown and pending deliveries. */
  problemDeliveries: deliveriesInStatesSql(3),
  editionHistory: `${EDITION_SELECT} WHERE s.slug = ? ORDER BY e.number`,
  /** An edition's deliveries by state. */
  editionCounts: 'SELECT state, count(*) AS n FROM deliveries WHERE edition_id = ? GROUP BY state',
  feedbackCounts: 'SELECT feedback, count(*) AS n FROM deliveries WHERE send_id = ? AND feedback IS NOT NULL GROUP BY feedback',
  feedbackCountsByEdition: 'SELECT edition_id, feedback, count(*) AS n FROM deliveries WHERE send_id = ? AND feedback IS NOT NULL GROUP BY edition_id, feedback',
  feedbackList: `SELECT d.address, d.feedback,
         (SELECT r.detail FROM feedback_reports r WHERE r.delivery_id = d.id ORDER BY r.received_at DESC LIMIT 1) AS detail
       FROM deliveries d WHERE d.send_id = ? AND d.feedback IS NOT NULL ORDER BY d.feedback, d.address LIMIT ?`,

  // ── subscribers count, list ──
  subscriberCounts: `SELECT (SELECT count(*) FROM subscribers WHERE status = 'active') AS active,
                  (SELECT count(*) FROM subscribers WHERE status = 'unsubscribed') AS unsubscribed,
                  (SELECT count(*) FROM suppressions) AS suppressed,
                  (SELECT count(*) FROM suppressions WHERE reason = 'bounced') AS bounced,
                  (SELECT count(*) FROM suppressions WHERE reason = 'complained') AS complained`,
  subscriberPage: subscriberPageSql({}),
  subscriberPageByStatus: subscriberPageSql({ status: true }),
  subscriberPageBySuppression: subscriberPageSql({ suppression: true }),

  // ── the unsubscribe link: its mailbox, its page, the one-click POST ──
  mailboxById: 'SELECT id, address FROM mailboxes WHERE id = ?',
  subscriberByKey: `SELECT ${SUBSCRIBER_COLUMNS} FROM subscribers WHERE email_key = ?`,
  suppressionByAddress: 'SELECT address, reason, at, detail FROM suppressions WHERE address = ?',
  insertSuppression: 'INSERT OR IGNORE INTO suppressions (address, reason, at, detail) VALUES (?, ?, ?, ?)',
  unsubscribeByKey: "UPDATE subscribers SET status = 'unsubscribed', updated_at = ? WHERE email_key = ? AND status <> 'unsubscribed'",

  // ── archive, feed, calendar and web versions ──
  publishedEditions: `${EDITION_SELECT.replace('SELECT e.id', 'SELECT s.created_at AS sent_at, e.id')} WHERE ${CURRENT} AND s.slug NOT LIKE ? ORDER BY s.created_at DESC, s.slug DESC LIMIT ?`,
  currentEdition: `${EDITION_SELECT} WHERE s.slug = ? ORDER BY e.number DESC LIMIT 1`,
  editionAsset: 'SELECT path, content_type, body FROM edition_assets WHERE edition_id = ? AND path = ?',
} as const;

export type QueryName = keyof typeof QUERIES;
