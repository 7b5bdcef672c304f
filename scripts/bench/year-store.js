'use strict';
/**
 * A store holding a year of weekly sends: `members` subscribers (2 % unsubscribed, some bounced
 * and complained), `sends` finished sends of one edition each, and a delivery row per send and
 * member (`members × sends` rows: 5.2 million for 100,000 × 52), a few failed or unknown, a few
 * with bounces and complaints after sending. Written with set-based SQL (recursive CTEs), not
 * through the runner, so 5 million rows take a minute rather than an hour.
 *
 * Used by the bench (scripts/bench.js, part `store`) and by the query-plan test
 * (tests/store/query-plans.test.ts), on a database whose schema is already migrated.
 *
 *   node scripts/bench/year-store.js <file> [members] [sends]   (migrates with lib/, then fills)
 */

/** The first issue's Monday; the others follow weekly. */
const FIRST_ISSUE = Date.UTC(2025, 0, 6, 15, 0, 0);
const WEEK_MS = 7 * 24 * 3600 * 1000;

const slugOf = (n) => new Date(FIRST_ISSUE + n * WEEK_MS).toISOString().slice(0, 10);

/**
 * Fills `db` (a better-sqlite3 Database with the current schema and no rows) with the year.
 * Returns the slugs of the sends, oldest first.
 */
function fillYearStore(db, { members, sends }) {
  const at = new Date(FIRST_ISSUE - WEEK_MS).toISOString();
  // Generation only: no journal to write, and a cache big enough for the index builds.
  const saved = { cache: db.pragma('cache_size', { simple: true }), sync: db.pragma('synchronous', { simple: true }) };
  db.pragma('cache_size = -200000');
  db.pragma('synchronous = OFF');
  const slugs = [];
  // The deliveries' indexes are dropped and made again after the rows are in: building an index
  // from sorted keys once is several times faster than growing it 5 million times.
  const indexes = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'deliveries' AND sql IS NOT NULL").all();
  db.transaction(() => {
    for (const { name } of indexes) db.exec(`DROP INDEX ${name}`);
    const range = (n) => `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${Number(n)})`;
    db.prepare(`${range(members)} INSERT INTO mailboxes (id, address, created_at) SELECT i, 'member' || i || '@example.org', ? FROM n`).run(at);
    db.prepare(`INSERT INTO sqlite_sequence (name, seq) VALUES ('mailboxes', ?)`).run(members);
    // Every 50th member unsubscribed; every 200th bounced and every 1000th complained (also off the list).
    db.prepare(
      `INSERT INTO subscribers (id, email, email_key, name, status, added_at, updated_at)
       SELECT id, address, address, 'Member ' || id,
              CASE WHEN id % 50 = 0 OR id % 200 = 0 OR id % 1000 = 0 THEN 'unsubscribed' ELSE 'active' END, ?, ?
       FROM mailboxes`,
    ).run(at, at);
    db.prepare(
      `INSERT INTO suppressions (address, reason, at, detail)
       SELECT email_key, CASE WHEN id % 1000 = 0 THEN 'complained' WHEN id % 200 = 0 THEN 'bounced' ELSE 'unsubscribed' END, ?, 'generated'
       FROM subscribers WHERE status = 'unsubscribed'`,
    ).run(at);
    const insertSend = db.prepare(
      `INSERT INTO sends (slug, content_hash, subject, state, created_at, started_at, finished_at) VALUES (?, ?, ?, 'finished', ?, ?, ?)`,
    );
    const insertEdition = db.prepare(
      `INSERT INTO editions (send_id, number, subject, preheader, title, html, text, engine, content_hash, view_at, created_at)
       VALUES (?, 1, ?, NULL, ?, ?, ?, 'react', ?, ?, ?)`,
    );
    const insertAsset = db.prepare('INSERT INTO edition_assets (edition_id, path, content_type, body) VALUES (?, ?, ?, ?)');
    const insertDeliveries = db.prepare(
      `INSERT INTO deliveries (send_id, subscriber_id, address, state, attempts, last_reply, message_id, created_at, updated_at,
                               edition_id, feedback, feedback_at, on_wire, handed_over_at, run_attempts)
       SELECT @send, id, email,
              CASE WHEN (id + @send) % 500 = 0 THEN 'failed' WHEN (id + @send) % 2000 = 1 THEN 'unknown' ELSE 'sent' END,
              1,
              CASE WHEN (id + @send) % 500 = 0 THEN '550 5.1.1 mailbox unavailable' WHEN (id + @send) % 2000 = 1 THEN NULL ELSE '250 2.0.0 Ok' END,
              '<' || @send || '.' || id || '@example.org>', @at, @at, @edition,
              CASE WHEN (id + @send) % 500 = 7 THEN 'bounced' WHEN (id + @send) % 700 = 3 THEN 'soft_bounced' WHEN (id + @send) % 5000 = 11 THEN 'complained' END,
              CASE WHEN (id + @send) % 500 = 7 OR (id + @send) % 700 = 3 OR (id + @send) % 5000 = 11 THEN @at END,
              1, @at, 1
       FROM subscribers WHERE status = 'active' OR id % 50 = 0`,
    );
    for (let s = 0; s < sends; s++) {
      const slug = slugOf(s);
      const sent = new Date(FIRST_ISSUE + s * WEEK_MS).toISOString();
      const subject = `This week: issue ${s + 1}`;
      const sendId = Number(insertSend.run(slug, `hash-${s}`, subject, sent, sent, sent).lastInsertRowid);
      const html = `<!doctype html><html><body><h1>${subject}</h1><p>Hello {{name}}</p><a href="{{unsubscribe_url}}">Unsubscribe</a></body></html>`;
      const editionId = Number(insertEdition.run(sendId, subject, subject, html, `${subject}\n\nHello {{name}}\n`, `hash-${s}`, sent, sent).lastInsertRowid);
      insertAsset.run(editionId, 'web.html', 'text/html; charset=utf-8', Buffer.from(html.replace(/\{\{\w+\}\}/g, '')));
      insertAsset.run(editionId, 'events.ics', 'text/calendar; charset=utf-8', Buffer.from('BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nEND:VCALENDAR\r\n'));
      insertDeliveries.run({ send: sendId, edition: editionId, at: sent });
      slugs.push(slug);
    }
    for (const { sql } of indexes) db.exec(sql);
  })();
  db.pragma(`cache_size = ${saved.cache}`);
  db.pragma(`synchronous = ${saved.sync}`);
  // Statistics for the query planner, as a long-lived store gets them from `PRAGMA optimize`.
  db.exec('ANALYZE');
  return slugs;
}

module.exports = { fillYearStore, slugOf };

if (require.main === module) {
  const path = require('node:path');
  const fs = require('node:fs');
  const Database = require('better-sqlite3');
  const { migrate } = require(path.join(__dirname, '..', '..', 'lib', 'src', 'store', 'migrations.js'));
  const [file, members = '100000', sends = '52'] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node scripts/bench/year-store.js <file> [members] [sends]');
    process.exit(2);
  }
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  migrate(db);
  const started = Date.now();
  const slugs = fillYearStore(db, { members: Number(members), sends: Number(sends) });
  const rows = db.prepare('SELECT count(*) AS n FROM deliveries').get().n;
  db.close();
  process.stdout.write(JSON.stringify({ file, members: Number(members), sends: slugs.length, deliveries: rows, ms: Date.now() - started }) + '\n');
}
