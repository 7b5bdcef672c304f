import type { DeliveryFeedback } from '../bounces/feedback';
import type { DeliveryRef, FeedbackCounts } from '../bounces/store';
import type { SendRecord, SendState } from '../send/ledger';
import type { Edition } from './types';

/**
 * The rows both stores read, and how each becomes what the interfaces return: the SQLite and
 * PostgreSQL stores share one schema (src/store/migrations.ts and pg-migrations.ts mirror each
 * other), so they share these too, and a change of one reaches both.
 */

export const iso = (d: Date) => d.toISOString();

export interface SendRow {
  id: number;
  slug: string;
  subject: string;
  content_hash: string;
  state: SendState;
  created_at: string;
  finished_at: string | null;
}

export function toSend(row: SendRow): SendRecord {
  return { id: row.id, slug: row.slug, subject: row.subject, contentHash: row.content_hash, state: row.state, createdAt: row.created_at, finishedAt: row.finished_at };
}

/** An edition with its send's slug; its asset paths are read by each store its own way. */
export interface EditionRow {
  id: number;
  send_id: number;
  slug: string;
  number: number;
  subject: string;
  preheader: string | null;
  title: string;
  html: string;
  text: string;
  engine: string;
  content_hash: string;
  view_at: string;
  created_at: string;
}

export function toEdition(row: EditionRow, assetPaths: string[]): Edition {
  return {
    id: row.id,
    sendId: row.send_id,
    slug: row.slug,
    number: row.number,
    subject: row.subject,
    preheader: row.preheader,
    title: row.title,
    html: row.html,
    text: row.text,
    engine: row.engine,
    contentHash: row.content_hash,
    viewAt: row.view_at,
    createdAt: row.created_at,
    assetPaths,
  };
}

/** A delivery as bounce processing sees it (DELIVERY_REF_SELECT reads these columns). */
export interface DeliveryRefRow {
  id: number;
  send_id: number;
  slug: string;
  address: string;
  state: string;
  feedback: DeliveryFeedback | null;
  created_at: string;
}

export const DELIVERY_REF_SELECT = `SELECT d.id, d.send_id, s.slug, d.address, d.state, d.feedback, d.created_at FROM deliveries d JOIN sends s ON s.id = d.send_id`;

export function toDeliveryRef(row: DeliveryRefRow): DeliveryRef {
  return { id: row.id, sendId: row.send_id, slug: row.slug, address: row.address, state: row.state, feedback: row.feedback, createdAt: row.created_at };
}

/** A send's feedback counted by kind (and by edition), from `(edition_id,) feedback, n` rows. */
export interface FeedbackCountRow {
  edition_id?: number | null;
  feedback: DeliveryFeedback;
  n: number;
}

export function feedbackCounts(rows: readonly FeedbackCountRow[]): FeedbackCounts {
  return feedbackCountsByEdition(rows).get(null) ?? { bounced: 0, softBounced: 0, complained: 0 };
}

export function feedbackCountsByEdition(rows: readonly FeedbackCountRow[]): Map<number | null, FeedbackCounts> {
  const out = new Map<number | null, FeedbackCounts>();
  for (const r of rows) {
    const key = r.edition_id ?? null;
    const c = out.get(key) ?? { bounced: 0, softBounced: 0, complained: 0 };
    if (r.feedback === 'bounced') c.bounced += r.n;
    else if (r.feedback === 'soft_bounced') c.softBounced += r.n;
    else c.complained += r.n;
    out.set(key, c);
  }
  return out;
}
