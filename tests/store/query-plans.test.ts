import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { fillYearStore } from '../../scripts/bench/year-store';
import { migrate } from '../../src/store/migrations';
import { QUERIES, type QueryName } from '../../src/store/sqlite-queries';

/**
 * The query plans of what `status`, `subscribers count`/`list` and the public server run, on a real
 * SQLite file shaped like a year of weekly sends (the bench's generator, small): each reaches the
 * rows it needs through an index, never by reading every delivery or subscriber. On a store of
 * 5.2 million deliveries a full scan is seconds; see README "Performance".
 *
 * One row per query in src/store/sqlite-queries.ts, the strings the store runs: the plan lines it
 * must contain (a SEARCH … USING … INDEX where one is expected).
 */
const PLANS: Record<QueryName, string[]> = {
  listSends: ['SCAN sends USING INDEX sqlite_autoindex_sends_1'],
  sendBySlug: ['SEARCH sends USING INDEX sqlite_autoindex_sends_1 (slug=?)'],
  deliveryCounts: ['SEARCH deliveries USING COVERING INDEX deliveries_by_state (send_id=?)'],
  problemDeliveries: ['SEARCH deliveries USING INDEX deliveries_by_state (send_id=? AND state=?)'],
  editionHistory: ['SEARCH s USING COVERING INDEX sqlite_autoindex_sends_1 (slug=?)', 'SEARCH e USING INDEX sqlite_autoindex_editions_1 (send_id=?)', 'SEARCH a USING PRIMARY KEY (edition_id=?)'],
  editionCounts: ['SEARCH deliveries USING COVERING INDEX deliveries_by_edition (edition_id=?)'],
  feedbackCounts: ['SEARCH deliveries USING COVERING INDEX deliveries_by_feedback (send_id=? AND feedback>?)'],
  feedbackCountsByEdition: ['SEARCH deliveries USING COVERING INDEX deliveries_by_feedback (send_id=? AND feedback>?)'],
  feedbackList: ['SEARCH d USING COVERING INDEX deliveries_by_feedback (send_id=? AND feedback>?)', 'SEARCH r USING INDEX feedback_reports_by_delivery (delivery_id=?)'],
  subscriberCounts: [
    'SEARCH subscribers USING COVERING INDEX subscribers_by_status (status=?)',
    // count(*) of every suppression reads the smallest index, not the table
    'SCAN suppressions USING COVERING INDEX suppressions_by_reason',
    'SEARCH suppressions USING COVERING INDEX suppressions_by_reason (reason=?)',
  ],
  subscriberPage: ['SEARCH subscribers USING INDEX sqlite_autoindex_subscribers_1 (email_key>?)'],
  subscriberPageByStatus: ['SEARCH subscribers USING INDEX subscribers_by_status (status=? AND email_key>?)'],
  subscriberPageBySuppression: ['SEARCH suppressions USING COVERING INDEX suppressions_by_reason (reason=?)', 'SEARCH subscribers USING INDEX sqlite_autoindex_subscribers_1 (email_key=?)'],
  mailboxById: ['SEARCH mailboxes USING INTEGER PRIMARY KEY (rowid=?)'],
  subscriberByKey: ['SEARCH subscribers USING INDEX sqlite_autoindex_subscribers_1 (email_key=?)'],
  suppressionByAddress: ['SEARCH suppressions USING PRIMARY KEY (address=?)'],
  // An INSERT has no plan of its own; its conflict check is the primary key's.
  insertSuppression: [],
  unsubscribeByKey: ['SEARCH subscribers USING INDEX sqlite_autoindex_subscribers_1 (email_key=?)'],
  // Editions are one or two a week: reading them all is the archive.
  publishedEditions: ['SEARCH editions USING COVERING INDEX sqlite_autoindex_editions_1 (send_id=?)', 'SEARCH s USING INTEGER PRIMARY KEY (rowid=?)', 'SEARCH a USING PRIMARY KEY (edition_id=?)'],
  currentEdition: ['SEARCH s USING COVERING INDEX sqlite_autoindex_sends_1 (slug=?)', 'SEARCH e USING INDEX sqlite_autoindex_editions_1 (send_id=?)'],
  editionAsset: ['SEARCH edition_assets USING PRIMARY KEY (edition_id=? AND path=?)'],
};

/** A plan line that reads a whole big table (deliveries, subscribers, mailboxes) or suppressions row by row. */
const FULL_SCAN = /^SCAN (deliveries|d|subscribers|mailboxes|suppressions)$|^SCAN (deliveries|d|subscribers|mailboxes) /;

/** Parameters for EXPLAIN: the same values whatever the query (the plan does not depend on them). */
function sampleParams(sql: string): unknown[] {
  if (/@\w+/.test(sql)) return [{ after: '', status: 'active', suppression: 'bounced', limit: 500 }];
  return Array.from({ length: (sql.match(/\?/g) ?? []).length }, () => 1);
}

describe('query plans on a store shaped like a year of weekly sends', () => {
  let dir: string;
  let db: Database.Database;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'newsletter-plans-'));
    db = new Database(path.join(dir, 'year.db'));
    db.pragma('journal_mode = WAL');
    migrate(db);
    // Big enough that the planner's statistics (ANALYZE) look like the real thing.
    fillYearStore(db, { members: 3000, sends: 3 });
  });
  afterAll(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...sampleParams(sql)) as { detail: string }[]).map((r) => r.detail);

  test.each(Object.keys(QUERIES) as QueryName[])('%s', (name) => {
    expect(PLANS).toHaveProperty(name);
    const lines = plan(QUERIES[name]);
    for (const expected of PLANS[name]) expect(lines).toContain(expected);
    expect(lines.filter((l) => FULL_SCAN.test(l))).toEqual([]);
  });

  test('every plan row names a query the store runs (none is left over)', () => {
    expect(Object.keys(PLANS).sort()).toEqual(Object.keys(QUERIES).sort());
  });

  test('the full-scan rule catches a scan', () => {
    expect(plan("SELECT count(*) FROM deliveries WHERE last_reply = 'x'").filter((l) => FULL_SCAN.test(l))).toEqual(['SCAN deliveries']);
    expect(plan("SELECT * FROM suppressions WHERE detail = 'x'").filter((l) => FULL_SCAN.test(l))).toEqual(['SCAN suppressions']);
  });
});
