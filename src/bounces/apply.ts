import crypto from 'node:crypto';
import addressparser from 'nodemailer/lib/addressparser';
import type { SigningKey } from '../unsubscribe/token';
import { classifyReport, type RecipientFeedback } from './classify';
import type { SoftBouncePolicy } from './feedback';
import { parseReport, ReportError, type ParsedReport } from './report';
import type { DeliveryRef, FeedbackItem, FeedbackStore } from './store';
import { oneLine } from './text';
import { readVerp } from './verp';

/**
 * Reads one incoming message and applies what it reports. Matching, in order:
 *  1. the VERP return path it was delivered to (or that the returned message carries): the
 *     delivery it names, if its signature holds;
 *  2. the original Message-ID in the returned headers;
 *  3. the Final-Recipient (ARF: Original-Rcpt-To) among deliveries of the last RECENT_DAYS.
 * With BOUNCE_ADDRESS set only 1 is trusted: anyone can mail a made-up report, and Message-IDs
 * and addresses can be guessed; a signature cannot. A report that matches nothing is reported
 * as unmatched, never guessed.
 */

/** How far back the Final-Recipient fallback looks: a weekly list's bounces arrive within days. */
export const RECENT_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface BounceContext {
  store: FeedbackStore;
  /** BOUNCE_ADDRESS and the keys its return paths are signed with. */
  verp?: { address: string; keys: readonly SigningKey[] };
  policy: SoftBouncePolicy;
  now: Date;
  /** Envelope recipient given by the MTA (`--recipient` on a pipe), tried first for VERP. */
  envelopeRecipient?: string;
}

export type ReportResult =
  | { status: 'applied'; lines: string[]; changed: number }
  | { status: 'duplicate'; lines: string[] }
  | { status: 'unmatched'; why: string }
  | { status: 'ignored'; why: string }
  | { status: 'not-a-report'; kind: 'auto-reply' | 'other' }
  | { status: 'skipped'; why: string };

export async function processMessage(raw: Buffer, ctx: BounceContext): Promise<ReportResult> {
  const result = await readAndApply(raw, ctx);
  if ('why' in result) return { ...result, why: oneLine(result.why, 500) };
  if ('lines' in result) return { ...result, lines: result.lines.map((l) => oneLine(l, 1000)) };
  return result;
}

async function readAndApply(raw: Buffer, ctx: BounceContext): Promise<ReportResult> {
  let report: ParsedReport;
  try {
    report = await parseReport(raw);
  } catch (err) {
    if (err instanceof ReportError) return { status: 'skipped', why: err.message };
    return { status: 'skipped', why: `unreadable: ${(err as Error).message}` };
  }
  if (report.kind === 'auto-reply' || report.kind === 'other') return { status: 'not-a-report', kind: report.kind };
  const feedback = classifyReport(report).filter((f) => f.kind !== 'ignored');
  if (feedback.length === 0) {
    const why = classifyReport(report)[0]?.reason ?? 'a report with no failed recipient';
    return { status: 'ignored', why };
  }
  const identity = report.messageId ?? crypto.createHash('sha256').update(raw).digest('hex');
  return applyFeedback(report, feedback, identity, ctx);
}

async function applyFeedback(report: ParsedReport, feedback: RecipientFeedback[], identity: string, ctx: BounceContext): Promise<ReportResult> {
  const matched = await match(report, feedback, ctx);
  if ('why' in matched) return { status: 'unmatched', why: matched.why };
  const items: FeedbackItem[] = feedback.map((f, i) => ({
    key: crypto.createHash('sha256').update(`mail\n${identity}\n${i}\n${f.recipient ?? ''}`).digest('base64url'),
    source: 'mail',
    kind: f.kind as FeedbackItem['kind'],
    deliveryId: matched.deliveries[i]!.id,
    ...(f.status ? { status: f.status } : {}),
    detail: oneLine(f.reason),
  }));
  return applyItems(ctx.store, items, ctx.policy, ctx.now, matched.deliveries, matched.how);
}

/** Shared by mail reports and webhooks. */
export async function applyItems(store: FeedbackStore, items: FeedbackItem[], policy: SoftBouncePolicy, now: Date, deliveries: DeliveryRef[], how: string): Promise<ReportResult> {
  const outcomes = await store.apply(items, policy, now);
  const lines: string[] = [];
  let changed = 0;
  outcomes.forEach((o, i) => {
    const d = deliveries[i]!;
    if (o.applied) {
      changed++;
      lines.push(`${d.address} (${d.slug}, by ${how}): ${items[i]!.detail} — ${o.note}`);
    } else {
      lines.push(`${d.address} (${d.slug}): already applied`);
    }
  });
  return changed > 0 ? { status: 'applied', lines, changed } : { status: 'duplicate', lines };
}

type Match = { deliveries: DeliveryRef[]; how: string } | { why: string };

async function match(report: ParsedReport, feedback: RecipientFeedback[], ctx: BounceContext): Promise<Match> {
  if (ctx.verp) {
    // Every return path of ours in the report must carry a valid signature, and all must name the
    // same delivery: one forged or conflicting token makes the whole report untrusted.
    const candidates = [ctx.envelopeRecipient, ...report.deliveredTo, report.original.returnPath].filter((a): a is string => Boolean(a));
    const ids = new Set<number>();
    for (const address of candidates) {
      const v = readVerp(address, ctx.verp.address, ctx.verp.keys);
      if (!v) continue;
      if ('forged' in v) return { why: `return path ${v.forged} has no valid signature (forged or damaged): not applied` };
      ids.add(v.deliveryId);
    }
    if (ids.size > 1) return { why: `return paths name different deliveries (${[...ids].join(', ')}): not applied` };
    const [id] = ids;
    if (id === undefined) return { why: `not sent to a signed return path (BOUNCE_ADDRESS is set, so only signed reports are trusted)${describe(report, feedback)}` };
    const delivery = await ctx.store.delivery(id);
    if (!delivery) return { why: `return path names delivery ${id}, which is not in the store` };
    return { deliveries: feedback.map(() => delivery), how: 'return path' };
  }
  if (report.original.messageId) {
    const delivery = await ctx.store.deliveryByMessageId(report.original.messageId);
    if (delivery) return { deliveries: feedback.map(() => delivery), how: 'Message-ID' };
  }
  const since = new Date(ctx.now.getTime() - RECENT_DAYS * DAY_MS);
  const deliveries: DeliveryRef[] = [];
  for (const f of feedback) {
    const recipient = f.recipient ?? firstAddress(report.original.to);
    const delivery = recipient ? await ctx.store.recentDelivery(recipient, since) : undefined;
    if (!delivery) return { why: `no delivery matches${describe(report, feedback)}` };
    deliveries.push(delivery);
  }
  return { deliveries, how: 'recipient' };
}

function firstAddress(value: string | undefined): string | undefined {
  if (!value) return undefined;
  return addressparser(value, { flatten: true })[0]?.address || undefined;
}

function describe(report: ParsedReport, feedback: RecipientFeedback[]): string {
  const who = feedback.map((f) => f.recipient).filter(Boolean).join(', ');
  const parts = [who && `recipient ${who}`, report.original.messageId && `Message-ID ${report.original.messageId}`].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')})` : ' (the report names no recipient or message)';
}
