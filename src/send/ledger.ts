import type { Edition, EditionContent } from '../store/types';

/**
 * What the campaign runner needs from a store: the sends and their deliveries. Declared here, by
 * the code that uses it; the SQLite store implements it (src/store/sqlite-ledger.ts), and a
 * PostgreSQL store could (claiming with FOR UPDATE SKIP LOCKED).
 *
 * Every delivery moves  pending → sending → sent | failed | unknown  (or pending → skipped when the
 * address was suppressed after the audience was frozen), and back to pending for a retry.
 */

export type DeliveryState = 'pending' | 'sending' | 'sent' | 'failed' | 'unknown' | 'skipped';
export const DELIVERY_STATES: readonly DeliveryState[] = ['pending', 'sending', 'sent', 'failed', 'unknown', 'skipped'];

/** The only moves a delivery may make; the store's single transition function enforces it. */
export const ALLOWED_TRANSITIONS: Readonly<Record<DeliveryState, readonly DeliveryState[]>> = {
  pending: ['sending', 'skipped'],
  // sending → pending: a retry after a 4xx or a connection that failed before the message was handed over.
  sending: ['sent', 'failed', 'unknown', 'pending'],
  // unknown → pending only when the editor asks (--resend-unknown).
  unknown: ['pending'],
  sent: [],
  failed: [],
  skipped: [],
};

export function canTransition(from: DeliveryState, to: DeliveryState): boolean {
  return ALLOWED_TRANSITIONS[from].includes(to);
}

/**
 * The send of an issue, as a whole:
 *
 *   sending ──▶ finished     nothing left pending or in flight
 *      │  ▲         │
 *      ▼  │         └──▶ sending   --resend-unknown queued unknown deliveries again
 *    stopped                 a run ended with deliveries left (server down, Ctrl-C, max_errors)
 *
 * A process that dies leaves `sending` with a lease that runs out: `sending` and no live lease
 * reads as stopped (src/schedule/schedule.ts), and the next run takes it over without a move.
 */
export type SendState = 'sending' | 'stopped' | 'finished';
export const SEND_STATES: readonly SendState[] = ['sending', 'stopped', 'finished'];

/** The only moves a send may make; the store's single send-transition function enforces it. */
export const SEND_TRANSITIONS: Readonly<Record<SendState, readonly SendState[]>> = {
  sending: ['stopped', 'finished'],
  stopped: ['sending'],
  // Only when the editor asks for the unknown deliveries again (--resend-unknown).
  finished: ['sending'],
};

export function canSendTransition(from: SendState, to: SendState): boolean {
  return SEND_TRANSITIONS[from].includes(to);
}

export interface SendRecord {
  id: number;
  slug: string;
  /** The subject of its first edition. */
  subject: string;
  /** The content hash of its first edition. */
  contentHash: string;
  state: SendState;
  createdAt: string;
  finishedAt: string | null;
}

export interface ClaimedDelivery {
  id: number;
  /** The edition this delivery's message is built from. */
  editionId: number;
  subscriberId: number;
  address: string;
  name: string | null;
  attempts: number;
}

export type Outcome =
  | { to: 'sent'; reply: string; messageId: string }
  | { to: 'failed'; reply: string; bounce: boolean }
  | { to: 'pending'; reply: string; retryAt: Date }
  | { to: 'unknown'; reply: string };

export type DeliveryCounts = Record<DeliveryState, number>;

/** Asynchronous, like the rest of the store, so a store behind a network connection fits too. */
export interface Ledger {
  /** The send of this issue, if one was started. */
  findSend(slug: string): Promise<SendRecord | undefined>;
  /**
   * Starts the send of an issue and freezes its audience (active subscribers minus suppressions)
   * as pending deliveries, in one transaction. Returns the existing send if there is one.
   */
  beginSend(input: { slug: string; edition: EditionContent; now: Date }): Promise<{ send: SendRecord; created: boolean; edition: Edition }>;
  /**
   * A correction: stores `edition` as the send's next edition and, in the same transaction, points
   * every delivery not yet handed to the server (pending) at it. After a finished send it only
   * publishes (nobody is mailed). Also gives an edition to a send recorded before editions were.
   */
  correct(sendId: number, edition: EditionContent, now: Date): Promise<{ edition: Edition; moved: number }>;
  /** The one place a send's state changes: checked against SEND_TRANSITIONS and the state read. */
  transitionSend(sendId: number, from: SendState, to: SendState, now: Date): Promise<void>;
  /** Takes the send's lease for `owner` until `until`, if no live owner holds it; false otherwise. */
  acquireLease(sendId: number, owner: string, until: Date, now: Date): Promise<boolean>;
  renewLease(sendId: number, owner: string, until: Date): Promise<void>;
  releaseLease(sendId: number, owner: string): Promise<void>;
  /** Who holds the lease now, for the refusal message. */
  leaseHolder(sendId: number): Promise<{ owner: string; until: Date } | undefined>;
  /** After a crash: rows left in `sending` become `unknown` (they may have been delivered). */
  markInterruptedUnknown(sendId: number, now: Date): Promise<number>;
  /** `--resend-unknown`: the editor accepts a possible duplicate for these. */
  requeueUnknown(sendId: number, now: Date): Promise<number>;
  /**
   * Durably moves up to `limit` due pending deliveries to `sending` and returns them; pending rows
   * whose address was suppressed since the audience was frozen become `skipped` instead.
   */
  claim(sendId: number, limit: number, now: Date): Promise<ClaimedDelivery[]>;
  /** Records outcomes of claimed deliveries, in one transaction. */
  record(results: readonly { id: number; outcome: Outcome }[], now: Date): Promise<void>;
  counts(sendId: number): Promise<DeliveryCounts>;
  /** The earliest retry time of a pending delivery, if any is waiting. */
  nextRetryAt(sendId: number): Promise<Date | undefined>;
  topFailures(sendId: number, limit: number): Promise<{ reply: string; count: number }[]>;
  listSends(): Promise<(SendRecord & { counts: DeliveryCounts })[]>;
  /** For `status`: deliveries of a send in the given states, with their last reply. */
  listDeliveries(sendId: number, states: readonly DeliveryState[], limit: number): Promise<DeliveryListing[]>;
}

export interface DeliveryListing {
  address: string;
  state: DeliveryState;
  attempts: number;
  lastReply: string | null;
  updatedAt: string;
}
