import type { Database, Statement } from 'better-sqlite3';
import { DRAFT_LIKE, isDraftSlug } from '../publish/draft';
import { DELIVERY_STATES, type DeliveryCounts, type DeliveryState } from '../send/ledger';
import { isAssetPath, type Edition, type EditionAsset, type EditionContent, type EditionHistoryEntry, type EditionStore, type PublishedIssue } from './types';
import { EDITION_SELECT, QUERIES } from './sqlite-queries';
import { prepared } from './sqlite-statements';
import { toEdition, type EditionRow } from './rows';

/** An edition row; its asset paths come as one newline-joined string (group_concat). */
type Row = EditionRow & { asset_paths: string | null };
const edition = (row: Row) => toEdition(row, row.asset_paths ? row.asset_paths.split('\n').sort() : []);

/**
 * Editions in SQLite. Reads are here; an edition is added by the ledger, inside the transaction
 * that starts a send or records a correction (insertEdition), so deliveries and the edition they
 * point at are always written together.
 */
export class SqliteEditionStore implements EditionStore {
  constructor(private readonly db: Database) {}

  private stmt<P extends unknown[] = unknown[], R = unknown>(sql: string): Statement<P, R> {
    return prepared<P, R>(this, this.db, sql);
  }

  async byId(id: number): Promise<Edition | undefined> {
    const row = this.stmt<[number], Row>(`${EDITION_SELECT} WHERE e.id = ?`).get(id);
    return row && edition(row);
  }

  async current(slug: string): Promise<Edition | undefined> {
    const row = this.stmt<[string], Row>(QUERIES.currentEdition).get(slug);
    return row && edition(row);
  }

  async history(slug: string): Promise<EditionHistoryEntry[]> {
    const rows = this.stmt<[string], Row>(QUERIES.editionHistory).all(slug);
    const counts = this.stmt<[number], { state: DeliveryState; n: number }>(QUERIES.editionCounts);
    return rows.map((row) => {
      const c = Object.fromEntries(DELIVERY_STATES.map((s) => [s, 0])) as DeliveryCounts;
      for (const r of counts.all(row.id)) c[r.state] = r.n;
      return { edition: edition(row), counts: c };
    });
  }

  async asset(editionId: number, path: string): Promise<EditionAsset | undefined> {
    if (!isAssetPath(path)) return undefined;
    const row = this.stmt<[number, string], { path: string; content_type: string; body: Buffer }>(QUERIES.editionAsset).get(editionId, path);
    return row && { path: row.path, contentType: row.content_type, body: row.body };
  }

  async published(opts: { limit?: number } = {}): Promise<PublishedIssue[]> {
    // Drafts are left out by the query, before the limit (the feed's newest entries are issues, not a test send's draft).
    const rows = this.stmt<[string, number], Row & { sent_at: string }>(QUERIES.publishedEditions).all(DRAFT_LIKE, opts.limit ?? -1);
    return rows.filter((row) => !isDraftSlug(row.slug)).map((row) => ({ slug: row.slug, sentAt: row.sent_at, edition: edition(row) }));
  }

  async saveDraft(slug: string, content: EditionContent, now: Date): Promise<Edition> {
    if (!isDraftSlug(slug)) throw new Error(`${slug} is not a draft's name`);
    const id = this.db
      .transaction(() => {
        // A send row with no deliveries, finished at once: it only holds the draft edition.
        const at = now.toISOString();
        const sendId = Number(
          this.db
            .prepare(`INSERT INTO sends (slug, content_hash, subject, state, created_at, started_at, finished_at) VALUES (?, ?, ?, 'finished', ?, ?, ?)`)
            .run(slug, content.contentHash, content.subject, at, at, at).lastInsertRowid,
        );
        return insertEdition(this.db, sendId, content, now);
      })
      .immediate();
    return (await this.byId(id))!;
  }
}

/** Stores an edition as the send's next one; the caller holds the transaction. */
export function insertEdition(db: Database, sendId: number, content: EditionContent, now: Date): number {
  const paths = new Set<string>();
  for (const a of content.assets) {
    if (!isAssetPath(a.path)) throw new Error(`edition asset path ${JSON.stringify(a.path)} is not a plain relative path`);
    if (paths.has(a.path)) throw new Error(`edition asset ${a.path} is given twice`);
    paths.add(a.path);
  }
  const number = (db.prepare<[number], { n: number | null }>('SELECT max(number) AS n FROM editions WHERE send_id = ?').get(sendId)?.n ?? 0) + 1;
  const id = Number(
    db
      .prepare(
        `INSERT INTO editions (send_id, number, subject, preheader, title, html, text, engine, content_hash, view_at, created_at)
         VALUES (@sendId, @number, @subject, @preheader, @title, @html, @text, @engine, @contentHash, @viewAt, @now)`,
      )
      .run({ sendId, number, subject: content.subject, preheader: content.preheader, title: content.title, html: content.html, text: content.text, engine: content.engine, contentHash: content.contentHash, viewAt: content.viewAt, now: now.toISOString() })
      .lastInsertRowid,
  );
  const insertAsset = db.prepare('INSERT INTO edition_assets (edition_id, path, content_type, body) VALUES (?, ?, ?, ?)');
  for (const a of content.assets) insertAsset.run(id, a.path, a.contentType, a.body);
  return id;
}
