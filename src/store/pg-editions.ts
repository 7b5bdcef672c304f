import type { PoolClient } from 'pg';
import { DRAFT_LIKE, isDraftSlug } from '../publish/draft';
import { DELIVERY_STATES, type DeliveryCounts, type DeliveryState } from '../send/ledger';
import type { PgDb, Queryable } from './pg-db';
import { isAssetPath, type Edition, type EditionAsset, type EditionContent, type EditionHistoryEntry, type EditionStore, type PublishedIssue } from './types';
import { toEdition, type EditionRow } from './rows';

/** Every edition column, its send's slug, and its asset paths. */
/** An edition row; its asset paths come as an array (array_agg). */
type Row = EditionRow & { asset_paths: string[] | null };
const edition = (row: Row) => toEdition(row, row.asset_paths ?? []);

const EDITION_SELECT = `
  SELECT e.id, e.send_id, s.slug, e.number, e.subject, e.preheader, e.title, e.html, e.text, e.engine,
         e.content_hash, e.view_at, e.created_at,
         (SELECT array_agg(a.path ORDER BY a.path) FROM edition_assets a WHERE a.edition_id = e.id) AS asset_paths
  FROM editions e JOIN sends s ON s.id = e.send_id`;

/** The newest edition of each send: the one its issue's web version and calendars show. */
const CURRENT = 'e.number = (SELECT max(number) FROM editions WHERE send_id = e.send_id)';

/**
 * Editions in PostgreSQL, as SqliteEditionStore. Reads are here; an edition is added by the
 * ledger inside the transaction that starts a send or records a correction (insertPgEdition).
 */
export class PgEditionStore implements EditionStore {
  constructor(private readonly db: PgDb) {}

  async byId(id: number, on?: Queryable): Promise<Edition | undefined> {
    if (!Number.isSafeInteger(id)) return undefined;
    const row = await this.db.one<Row>(`${EDITION_SELECT} WHERE e.id = $1`, [id], on);
    return row && edition(row);
  }

  async current(slug: string): Promise<Edition | undefined> {
    const row = await this.db.one<Row>(`${EDITION_SELECT} WHERE s.slug = $1 ORDER BY e.number DESC LIMIT 1`, [slug]);
    return row && edition(row);
  }

  async history(slug: string): Promise<EditionHistoryEntry[]> {
    const rows = await this.db.rows<Row>(`${EDITION_SELECT} WHERE s.slug = $1 ORDER BY e.number`, [slug]);
    const out: EditionHistoryEntry[] = [];
    for (const row of rows) {
      const c = Object.fromEntries(DELIVERY_STATES.map((s) => [s, 0])) as DeliveryCounts;
      for (const r of await this.db.rows<{ state: DeliveryState; n: number }>('SELECT state, count(*) AS n FROM deliveries WHERE edition_id = $1 GROUP BY state', [row.id])) {
        c[r.state] = r.n;
      }
      out.push({ edition: edition(row), counts: c });
    }
    return out;
  }

  async asset(editionId: number, path: string): Promise<EditionAsset | undefined> {
    if (!isAssetPath(path) || !Number.isSafeInteger(editionId)) return undefined;
    const row = await this.db.one<{ path: string; content_type: string; body: Buffer }>(
      'SELECT path, content_type, body FROM edition_assets WHERE edition_id = $1 AND path = $2',
      [editionId, path],
    );
    return row && { path: row.path, contentType: row.content_type, body: row.body };
  }

  async published(opts: { limit?: number } = {}): Promise<PublishedIssue[]> {
    const rows = await this.db.rows<Row & { sent_at: string }>(
      `${EDITION_SELECT.replace('SELECT e.id', 'SELECT s.created_at AS sent_at, e.id')} WHERE ${CURRENT} AND s.slug NOT LIKE $1 ORDER BY s.created_at DESC, s.slug DESC LIMIT $2`,
      [DRAFT_LIKE, opts.limit ?? null],
    );
    return rows.filter((row) => !isDraftSlug(row.slug)).map((row) => ({ slug: row.slug, sentAt: row.sent_at, edition: edition(row) }));
  }

  async saveDraft(slug: string, content: EditionContent, now: Date): Promise<Edition> {
    if (!isDraftSlug(slug)) throw new Error(`${slug} is not a draft's name`);
    const id = await this.db.tx(async (client) => {
      // A send row with no deliveries, finished at once: it only holds the draft edition.
      const at = now.toISOString();
      const send = await client.query<{ id: number }>(
        `INSERT INTO sends (slug, content_hash, subject, state, created_at, started_at, finished_at) VALUES ($1, $2, $3, 'finished', $4, $4, $4) RETURNING id`,
        [slug, content.contentHash, content.subject, at],
      );
      return insertPgEdition(client, send.rows[0]!.id, content, now);
    });
    return (await this.byId(id))!;
  }
}

/** Stores an edition as the send's next one; the caller holds the transaction. */
export async function insertPgEdition(client: PoolClient, sendId: number, content: EditionContent, now: Date): Promise<number> {
  const paths = new Set<string>();
  for (const a of content.assets) {
    if (!isAssetPath(a.path)) throw new Error(`edition asset path ${JSON.stringify(a.path)} is not a plain relative path`);
    if (paths.has(a.path)) throw new Error(`edition asset ${a.path} is given twice`);
    paths.add(a.path);
  }
  const number = ((await client.query<{ n: number | null }>('SELECT max(number) AS n FROM editions WHERE send_id = $1', [sendId])).rows[0]?.n ?? 0) + 1;
  const inserted = await client.query<{ id: number }>(
    `INSERT INTO editions (send_id, number, subject, preheader, title, html, text, engine, content_hash, view_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
    [sendId, number, content.subject, content.preheader, content.title, content.html, content.text, content.engine, content.contentHash, content.viewAt, now.toISOString()],
  );
  const id = inserted.rows[0]!.id;
  for (const a of content.assets) {
    await client.query('INSERT INTO edition_assets (edition_id, path, content_type, body) VALUES ($1, $2, $3, $4)', [id, a.path, a.contentType, a.body]);
  }
  return id;
}
