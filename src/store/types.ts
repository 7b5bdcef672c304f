import type { FeedbackStore } from '../bounces/store';
import type { Ledger } from '../send/ledger';
import type { Address } from '../subscribers/address';

/**
 * What the rest of the program needs from the store. Commands depend on these interfaces only;
 * `openStore` picks the implementation (SQLite today). Methods return promises so that a store
 * behind a network connection (PostgreSQL) can implement them without touching the callers.
 */

export type SubscriberStatus = 'active' | 'unsubscribed';
export const SUBSCRIBER_STATUSES: readonly SubscriberStatus[] = ['active', 'unsubscribed'];

export type SuppressionReason = 'unsubscribed' | 'bounced' | 'complained' | 'manual';
export const SUPPRESSION_REASONS: readonly SuppressionReason[] = ['unsubscribed', 'bounced', 'complained', 'manual'];

export interface Subscriber {
  id: number;
  /** As it was first given (case kept); compared case-insensitively. */
  email: string;
  name: string | null;
  status: SubscriberStatus;
  /** ISO 8601, UTC. */
  addedAt: string;
  updatedAt: string;
}

/** An address that is never mailed again, whether or not it is (still) a subscriber. */
export interface Suppression {
  /** The lower-cased address key. */
  address: string;
  reason: SuppressionReason;
  at: string;
  detail: string | null;
}

export interface SubscriberCounts {
  active: number;
  unsubscribed: number;
  /** Suppressed addresses, including ones that were never subscribers. */
  suppressed: number;
  /** Of those, suppressed because they bounced (hard, or soft too often) or complained of spam. */
  bounced: number;
  complained: number;
}

/** What one imported row did: each row is counted exactly once. */
export type ImportOutcome = 'added' | 'updated' | 'unchanged' | 'suppressed' | 'duplicate';

/**
 * One import, all or nothing: rows are applied as they are read (memory does not grow with the
 * file) inside one transaction that `commit` ends. A process killed before `commit` leaves the
 * store exactly as it was.
 */
export interface SubscriberImport {
  /**
   * An active row. New address: added. Known address: its name is updated when the row has a
   * different, non-empty one (an empty name never erases a name). Suppressed address: never
   * re-subscribed. An address seen earlier in the same import is merged: it only fills a missing name.
   */
  subscribe(address: Address, name: string | null): Promise<ImportOutcome>;
  /** A row that says the person unsubscribed (or bounced, complained): a suppression. */
  suppress(address: Address, reason: SuppressionReason, detail: string): Promise<ImportOutcome>;
  commit(): Promise<void>;
  /** Safe to call after a failed commit or twice. */
  rollback(): Promise<void>;
}

export interface SuppressResult {
  /** False when the address was already suppressed (the first suppression is kept). */
  added: boolean;
  suppression: Suppression;
  /** True when a subscriber with that address was marked unsubscribed. */
  subscriberUnsubscribed: boolean;
}

/** Where a subscription event came from. */
export type EventSource = 'cli' | 'form' | 'unsubscribe page';

/** One line of an address's history: added by hand, consent given on the form, resubscribed. */
export interface SubscriptionEvent {
  address: string;
  kind: 'added' | 'consent' | 'resubscribed';
  source: EventSource;
  note: string | null;
  at: string;
}

/**
 * The address an unsubscribe token's id names. Ids belong to mailboxes, not to subscriber rows:
 * they survive `subscribers remove` and a re-import gets the same id back.
 */
export interface Mailbox {
  id: number;
  /** The address key (lower-cased, normalised). */
  address: string;
  /** Its subscriber, when there is one now. */
  subscriber?: Subscriber;
}

export type AddResult =
  | { outcome: 'added'; subscriber: Subscriber }
  | { outcome: 'exists'; subscriber: Subscriber }
  /** Suppressed (or unsubscribed): an add never undoes that; `resubscribe` does. */
  | { outcome: 'suppressed'; suppression?: Suppression; subscriber?: Subscriber };

export type ResubscribeResult =
  | { outcome: 'resubscribed'; lifted?: Suppression; subscriber: Subscriber }
  | { outcome: 'already-active'; subscriber: Subscriber }
  /** Bounced or complained, or suppressed by hand from the unsubscribe page: not lifted without force. */
  | { outcome: 'refused'; suppression: Suppression };

export interface ResubscribeOptions {
  source: EventSource;
  note?: string | null;
  /** Lift any reason: bounced and complained included. */
  force?: boolean;
  /** Only these reasons are lifted without force; default unsubscribed and manual. */
  liftable?: readonly SuppressionReason[];
  /** For a person who has no subscriber row (removed, or suppressed before joining). */
  name?: string | null;
}

export interface Signup {
  id: number;
  address: string;
  email: string;
  name: string | null;
  requestedAt: string;
  confirmedAt: string | null;
}

export interface SubscriberStore {
  get(address: Address): Promise<Subscriber | undefined>;
  /** By the id an unsubscribe token carries; undefined when there is none (e.g. removed). */
  findById(id: number): Promise<Subscriber | undefined>;
  /** The mailbox an unsubscribe token's id names, with its subscriber if any; undefined for an id never issued. */
  findMailbox(id: number): Promise<Mailbox | undefined>;
  /** One person, by hand: refused (not changed) when the address is suppressed or unsubscribed. */
  add(address: Address, name: string | null, event: { source: EventSource; note?: string | null }): Promise<AddResult>;
  /** Lifts the suppression (by its reason's rules) and makes the subscriber active, recording who and why. */
  resubscribe(address: Address, opts: ResubscribeOptions): Promise<ResubscribeResult>;
  /** The address's history, oldest first. */
  events(address: Address): Promise<SubscriptionEvent[]>;
  /** Records a signup waiting for confirmation; `recent` counts this address's signups since `since` (this one included). */
  requestSignup(address: Address, name: string | null, since: Date): Promise<{ signup: Signup; recent: number }>;
  findSignup(id: number): Promise<Signup | undefined>;
  /**
   * The person confirmed (double opt-in): active, any suppression lifted (they proved they want
   * it), consent recorded. Confirming twice is fine.
   */
  confirmSignup(id: number): Promise<{ subscriber: Subscriber; resubscribed: boolean } | undefined>;
  /** In address order, streamed: the list is never held in memory. */
  list(filter?: { status?: SubscriberStatus; suppression?: SuppressionReason }): AsyncIterable<Subscriber>;
  counts(): Promise<SubscriberCounts>;
  /** Deletes the subscriber (not a suppression of the address); false when there was none. */
  remove(address: Address): Promise<boolean>;
  /** Suppresses the address, known or not, and marks its subscriber (if any) unsubscribed. */
  suppress(address: Address, reason: SuppressionReason, detail?: string | null): Promise<SuppressResult>;
  suppression(address: Address): Promise<Suppression | undefined>;
  /** Starts an all-or-nothing import; only one at a time per store. */
  beginImport(): Promise<SubscriberImport>;
}

/** The whole store; the send ledger joins `subscribers` here. */
export interface Store {
  readonly subscribers: SubscriberStore;
  /** Sends and deliveries, as the campaign runner needs them. */
  readonly ledger: Ledger;
  /** Bounces and complaints: what happened to deliveries after they were sent. */
  readonly feedback: FeedbackStore;
  /** How many subscribers a send started now would go to: active, minus suppressions. */
  audienceSize(): Promise<number>;
  /** Where the data lives, for messages (a file path for SQLite). */
  readonly location: string;
  close(): Promise<void>;
}
