import type { Edition, EditionContent } from '../store/types';
import type { CapCheck, Caps } from './pace';

/**
 * What the campaign runner needs from a store: the sends and their deliveries. Declared here, by
 * the code that uses it; the SQLite store implements it (src/store/sqlite-ledger.ts), and a
 * PostgreSQL store could (claiming with FOR UPDATE SKIP LOCKED).
 *
 * Every delivery moves  pending → sending → sent | failed | unknown  (or pending → skipped when the
 * address was suppressed after the audience was frozen), and back to pending for a retry.
 *
 * A `sending` row is *on the wire* once its hand-over mark is durable: the mark is committed (and
 * the WAL synced) before the first byte of the message goes to the server, after the server
 * accepted DATA. A run that dies leaves its `sending` rows; the next run makes those on the wire
 * `unknown` (the server may have the message) and the others `pending` again (it cannot have it).
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
  // failed → pending only when the editor asks (--retry-failed); never for a bounced address.
  failed: ['pending'],
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
  /** Attempts in this run, this one included (a new run starts again from 0). */
  attempts: number;
}

export type Outcome =
  | { to: 'sent'; reply: string; messageId: string }
  | { to: 'failed'; reply: string; bounce: boolean }
  /** `refund`: this attempt does not count (never reached the server, or throttled: 421/454). */
  | { to: 'pending'; reply: string; retryAt: Date; refund?: boolean }
  | { to: 'unknown'; reply: string };

/** One commit of the runner: outcomes of finished deliveries and hand-over marks of starting ones. */
export interface CommitBatch {
  sendId: number;
  /** The lease owner: nothing is written for a process that lost its lease. */
  owner: string;
  outcomes: readonly { id: number; outcome: Outcome }[];
  /** Deliveries whose message is about to go on the wire: durable before this resolves. */
  handedOver: readonly number[];
  now: Date;
}

/** Another process took the send's lease (this one was stopped or hung for longer than the lease). */
export class LeaseLost extends Error {
  constructor() {
    super('another process took over this send (this one was stopped or unresponsive for longer than its lease)');
    this.name = 'LeaseLost';
  }
}

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
  /** Every sender holding a lease on the send (at most one unless `sharedSends`). */
  leaseHolders(sendId: number): Promise<{ owner: string; until: Date }[]>;
  /**
   * Whether several processes may run one send together (PostgreSQL): `acquireLease` then lets a
   * second sender join a running send, claims never hand one delivery to two of them, and
   * `beginRun` only touches rows of senders whose lease is gone. SQLite keeps one sender per send.
   */
  readonly sharedSends: boolean;
  /**
   * The end of `owner`'s run, in one step: its lease is given up and, when no other sender holds
   * one, the send moves to the state `decide` picks from its counts (a sender that ends while
   * others still run leaves the send to the last of them).
   */
  endRun(sendId: number, owner: string, decide: (counts: DeliveryCounts) => SendState, now: Date): Promise<RunEnd>;
  /** A rate and cap budget shared by every sender of every send (PostgreSQL); without it each process paces itself. */
  readonly sharedPace?: SharedPace;
  /**
   * The start of a run (under the lease): rows an earlier run left `sending` become `unknown` when
   * their message was on the wire, `pending` otherwise; every pending row's per-run attempts start
   * again from 0.
   */
  beginRun(sendId: number, now: Date): Promise<{ unknown: number; requeued: number }>;
  /** `--resend-unknown`: the editor accepts a possible duplicate for these. */
  requeueUnknown(sendId: number, now: Date): Promise<number>;
  /** `--retry-failed`: failed rows go back to pending, except addresses suppressed since (bounces). */
  requeueFailed(sendId: number, now: Date): Promise<number>;
  /**
   * Moves up to `limit` due pending deliveries to `sending` and returns them; pending rows whose
   * address was suppressed since the audience was frozen become `skipped` instead. With `owner`
   * (the runner always gives it) only while that owner holds the lease (LeaseLost otherwise).
   */
  claim(sendId: number, limit: number, now: Date, owner?: string): Promise<ClaimedDelivery[]>;
  /**
   * One transaction: outcomes and hand-over marks, only while `owner` holds the lease (LeaseLost
   * otherwise). With hand-over marks it returns once they are on disk (the WAL synced).
   */
  commit(batch: CommitBatch): Promise<void>;
  /** When messages were handed over to a server since `since`, oldest first, over every send (for the caps). */
  handoverTimes(since: Date): Promise<Date[]>;
  counts(sendId: number): Promise<DeliveryCounts>;
  /** The earliest retry time of a pending delivery, if any is waiting. */
  nextRetryAt(sendId: number): Promise<Date | undefined>;
  topFailures(sendId: number, limit: number): Promise<{ reply: string; count: number }[]>;
  listSends(): Promise<(SendRecord & { counts: DeliveryCounts })[]>;
  /** For `status`: deliveries of a send in the given states, with their last reply. */
  listDeliveries(sendId: number, states: readonly DeliveryState[], limit: number): Promise<DeliveryListing[]>;
}

export interface RunEnd {
  /** The send's state after the run. */
  state: SendState;
  counts: DeliveryCounts;
  /** Other senders still running it (their leases live): the send's state was left to them. */
  othersRunning: number;
}

/**
 * The pace of several senders together: each message's start is a slot reserved in the store, so
 * `rate_per_second`, `max_per_hour` and `max_per_day` hold over all processes on all hosts.
 */
export interface SharedPace {
  /**
   * The next start slot at least `intervalMs` after the previous one of any sender, counted against
   * the caps from this moment; `waitMs` is how long to wait for it, by the store's clock.
   */
  reserve(intervalMs: number, caps: Caps): Promise<({ ok: true; waitMs: number; slot: number }) | Exclude<CapCheck, { ok: true }>>;
  /** A reserved slot whose message did not go (the run stopped first): it no longer counts against the caps. */
  refund(slot: number): Promise<void>;
}

/** The send's state after a run: finished only when the run got to its end and nothing is left pending or on the wire. */
export function sendStateAfterRun(runDone: boolean, counts: DeliveryCounts): SendState {
  return runDone && counts.pending === 0 && counts.sending === 0 ? 'finished' : 'stopped';
}

export interface DeliveryListing {
  address: string;
  state: DeliveryState;
  attempts: number;
  lastReply: string | null;
  updatedAt: string;
}
