import type { FeedbackKind } from './classify';
import type { DeliveryFeedback, SoftBouncePolicy } from './feedback';

/** What bounce processing needs from the store; src/store/sqlite-feedback.ts implements it. */

export interface DeliveryRef {
  id: number;
  sendId: number;
  slug: string;
  address: string;
  state: string;
  feedback: DeliveryFeedback | null;
  createdAt: string;
}

/** One classified report about one recipient, ready to apply. */
export interface FeedbackItem {
  /** Identifies the report and recipient: the same report applied again is recognised by it. */
  key: string;
  /** `mail` (a DSN or ARF read by `newsletter bounces`), `ses`, `postmark`, `mailgun`, `sendgrid`. */
  source: string;
  kind: Exclude<FeedbackKind, 'ignored'>;
  deliveryId: number;
  status?: string;
  detail: string;
}

export type ItemOutcome =
  | { applied: true; note: string; suppressed: boolean; address: string }
  | { applied: false; duplicate: true; address: string };

export interface FeedbackCounts {
  bounced: number;
  softBounced: number;
  complained: number;
}

export interface FeedbackStore {
  delivery(id: number): Promise<DeliveryRef | undefined>;
  deliveryByMessageId(messageId: string): Promise<DeliveryRef | undefined>;
  /** The newest delivery to the address that reached a server, sent since `since`. */
  recentDelivery(address: string, since: Date): Promise<DeliveryRef | undefined>;
  /**
   * Applies the items of one report in one transaction: each is recorded once (by key), moves
   * its delivery's feedback through the checked transition, and suppresses when decided. A
   * failure leaves nothing of the report applied.
   */
  apply(items: readonly FeedbackItem[], policy: SoftBouncePolicy, now: Date): Promise<ItemOutcome[]>;
  /** Per send, for `status`. */
  counts(sendId: number): Promise<FeedbackCounts>;
  /** Per edition of a send (by edition id; deliveries from before editions are under null). */
  countsByEdition(sendId: number): Promise<Map<number | null, FeedbackCounts>>;
  /** The send's bounced and complained deliveries, with the last report's reason. */
  list(sendId: number, limit: number): Promise<{ address: string; feedback: DeliveryFeedback; detail: string | null }[]>;
}
