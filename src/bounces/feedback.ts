import type { FeedbackKind } from './classify';

/**
 * What a delivery became after it was sent: the delivery row's `feedback`, moved only by
 * `nextFeedback` (the same idea as the send ledger's ALLOWED_TRANSITIONS):
 *
 *   sent/unknown ──▶ soft_bounced ──▶ bounced ──▶ complained
 *        │                 └─────────────────────▶ complained
 *        ├──────────────────────────▶ bounced
 *        └──────────────────────────────────────▶ complained
 *
 * Only a delivery that went on the wire (`sent`, or `unknown`: the server may have taken it)
 * can bounce or be complained about. A move to a weaker or equal state changes nothing, so the
 * same report applied twice, or a late soft bounce after a hard one, is a no-op.
 */
export type DeliveryFeedback = 'soft_bounced' | 'bounced' | 'complained';

export const FEEDBACK_TRANSITIONS: Readonly<Record<DeliveryFeedback | 'none', readonly DeliveryFeedback[]>> = {
  none: ['soft_bounced', 'bounced', 'complained'],
  soft_bounced: ['bounced', 'complained'],
  bounced: ['complained'],
  complained: [],
};

/** Delivery states whose message reached a server, so that a report can be about it. */
export const REPORTABLE_STATES: readonly string[] = ['sent', 'unknown'];

export function canRecordFeedback(from: DeliveryFeedback | null, to: DeliveryFeedback): boolean {
  return FEEDBACK_TRANSITIONS[from ?? 'none'].includes(to);
}

export interface SoftBouncePolicy {
  /** Suppress after this many soft-bounced deliveries of one address ... */
  limit: number;
  /** ... among the deliveries sent in the last this many days. */
  windowDays: number;
}

export const DEFAULT_SOFT_BOUNCE_POLICY: SoftBouncePolicy = { limit: 3, windowDays: 30 };

export interface Decision {
  /** The delivery's new feedback, when it changes. */
  feedback?: DeliveryFeedback;
  /** Suppress the address, with this reason. */
  suppress?: 'bounced' | 'complained';
  /** For the summary line. */
  note: string;
}

/**
 * What one classified report does to its delivery and address. `softBounces` counts the
 * address's soft-bounced deliveries in the policy's window *before* this one.
 */
export function decide(kind: FeedbackKind, current: DeliveryFeedback | null, softBounces: number, policy: SoftBouncePolicy): Decision {
  const move = (to: DeliveryFeedback) => (canRecordFeedback(current, to) ? { feedback: to } : {});
  switch (kind) {
    case 'hard':
      return { ...move('bounced'), suppress: 'bounced', note: 'hard bounce: suppressed' };
    case 'complaint':
      return { ...move('complained'), suppress: 'complained', note: 'complaint: suppressed' };
    case 'soft': {
      const moved = move('soft_bounced');
      const count = softBounces + (moved.feedback || current === 'soft_bounced' ? 1 : 0);
      if (count >= policy.limit) {
        return { ...moved, suppress: 'bounced', note: `soft bounce ${count} of ${policy.limit} in ${policy.windowDays} days: suppressed` };
      }
      return { ...moved, note: `soft bounce ${count} of ${policy.limit} in ${policy.windowDays} days` };
    }
    case 'refused':
      return { note: 'refused for the sender or a policy: the recipient is not suppressed' };
    case 'delayed':
      return { note: 'delayed: only a warning' };
    case 'ignored':
      return { note: 'ignored' };
  }
}
