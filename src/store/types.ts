import type { FeedbackStore } from '../bounces/store';
import type { DeliveryCounts, Ledger } from '../send/ledger';
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
  /** `used`: the signup was confirmed before and the person has left the list since; nothing changed. */
  confirmSignup(id: number): Promise<{ subscriber: Subscriber; resubscribed: boolean } | 'used' | undefined>;
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

/**
 * One file an edition publishes under /issues/<slug>/, by its path there: `web.html`,
 * `events.ics`, `events/<id>.ics`, or anything a later version adds (images, pages). Adding a
 * kind of file is adding assets; the store's schema does not change.
 */
export interface EditionAsset {
  /** Relative, `/`-separated, no `..`: see isAssetPath. */
  path: string;
  /** The Content-Type it is served with, e.g. `text/calendar; charset=utf-8`. */
  contentType: string;
  body: Buffer;
}

/**
 * What an edition holds: the issue rendered once, as it is mailed (html and text with their
 * per-recipient placeholders) and published (the assets).
 */
export interface EditionContent {
  subject: string;
  preheader: string | null;
  /** The issue's title (the archive and the feed show it beside the subject). */
  title: string;
  html: string;
  text: string;
  engine: string;
  /** sha256 of subject, html and text: tells whether a rendering of the file is this edition. */
  contentHash: string;
  /**
   * The moment the issue's view was computed for (its "TODAY" labels when the issue has no
   * send_at): a later rendering for comparison uses the same moment.
   */
  viewAt: string;
  assets: EditionAsset[];
}

/** A stored edition: immutable; a correction is a new edition with the next number. */
export interface Edition extends Omit<EditionContent, 'assets'> {
  id: number;
  sendId: number;
  slug: string;
  /** 1 for the edition a send started with, 2 for its first correction, … */
  number: number;
  /** ISO 8601, UTC: when it was stored. */
  createdAt: string;
  /** Paths of its assets (the bodies are read with `asset`). */
  assetPaths: string[];
}

/** `status <issue>`: an edition and what its deliveries did. */
export interface EditionHistoryEntry {
  edition: Edition;
  /** Deliveries pointing at this edition, by state. */
  counts: DeliveryCounts;
}

/** What the public pages list: the current (newest) edition of each issue whose send started. */
export interface PublishedIssue {
  slug: string;
  /** When the send started (the issue's date in the archive and the feed). */
  sentAt: string;
  edition: Edition;
}

/** Reading and adding editions. Adding happens inside the ledger's transactions (beginSend, correct). */
export interface EditionStore {
  byId(id: number): Promise<Edition | undefined>;
  /** The newest edition of the issue's send: what the web version and calendars show. */
  current(slug: string): Promise<Edition | undefined>;
  /** Every edition of the issue, oldest first, with the deliveries of each. */
  history(slug: string): Promise<EditionHistoryEntry[]>;
  /** One file of an edition; undefined when it has none by that path. */
  asset(editionId: number, path: string): Promise<EditionAsset | undefined>;
  /** The current edition of every issue whose send started, newest send first. */
  published(opts?: { limit?: number }): Promise<PublishedIssue[]>;
  /** A test send's draft (src/publish/draft.ts): served at its own unguessable slug, never listed. */
  saveDraft(slug: string, content: EditionContent, now: Date): Promise<Edition>;
}

/** The whole store; the send ledger joins `subscribers` here. */
export interface Store {
  readonly subscribers: SubscriberStore;
  /** Sends and deliveries, as the campaign runner needs them. */
  readonly ledger: Ledger;
  /** What each send mailed and published. */
  readonly editions: EditionStore;
  /** Bounces and complaints: what happened to deliveries after they were sent. */
  readonly feedback: FeedbackStore;
  /** How many subscribers a send started now would go to: active, minus suppressions. */
  audienceSize(): Promise<number>;
  /** The first `limit` addresses a send started now would go to, in the order it would mail them. */
  audience(limit: number): Promise<string[]>;
  /** Where the data lives, for messages (a file path for SQLite). */
  readonly location: string;
  close(): Promise<void>;
}

/** A path an edition may publish a file at: plain segments of letters, digits, `.`, `_`, `-`. */
export function isAssetPath(path: string): boolean {
  return path.length > 0 && path.length <= 200 && path.split('/').every((seg) => /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(seg) && !seg.includes('..'));
}
