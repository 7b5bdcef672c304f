/**
 * How fast a send goes: the configured rate over all connections together, slowed down by the
 * server's throttling replies (421/454) and sped up again as it accepts; and the hourly and daily
 * caps. Pure decisions on numbers (milliseconds), table-tested in tests/send/pace.test.ts; the
 * runner applies them.
 */

/** Never slower than one message per this many milliseconds, however often the server throttles. */
export const MAX_INTERVAL_MS = 60_000;
/** Each throttling reply halves the rate … */
export const SLOWDOWN = 2;
/** … and after this many accepted messages in a row the rate goes a step back up. */
export const RECOVER_AFTER = 20;
export const SPEEDUP = 1.25;

export interface PaceState {
  /** The configured interval between two messages (1000 / rate_per_second). */
  baseMs: number;
  /** The interval now: baseMs, or more after throttling. */
  intervalMs: number;
  /** When the next message may start. */
  nextAt: number;
  /** Accepted messages since the last throttling reply. */
  okStreak: number;
  /** When the rate was last lowered: throttling replies of messages sent before that do not lower it again. */
  slowedAt: number;
}

export function initialPace(ratePerSecond: number, now: number): PaceState {
  const baseMs = 1000 / ratePerSecond;
  return { baseMs, intervalMs: baseMs, nextAt: now, okStreak: 0, slowedAt: -Infinity };
}

/**
 * The start time of the next message, and the state after it: messages are spaced exactly by the
 * interval (from their planned times, so a late timer does not slow the send down); a send that
 * fell behind (every connection was busy) starts the next one now, with no burst to catch up.
 */
export function nextSlot(state: PaceState, now: number): { at: number; state: PaceState } {
  const at = Math.max(state.nextAt, now);
  return { at, state: { ...state, nextAt: at + state.intervalMs } };
}

/**
 * After a message's outcome. A throttling reply (421/454) to a message that started after the last
 * slowdown halves the rate (a storm of replies to messages already in flight counts once) and
 * pushes the next start one new interval away; `RECOVER_AFTER` accepted messages in a row raise
 * it a step, never above the configured rate.
 */
export function afterOutcome(state: PaceState, event: { throttled: boolean; startedAt: number }, now: number): PaceState {
  if (event.throttled) {
    if (event.startedAt < state.slowedAt) return { ...state, okStreak: 0 };
    const intervalMs = Math.min(state.intervalMs * SLOWDOWN, Math.max(MAX_INTERVAL_MS, state.baseMs));
    return { ...state, intervalMs, okStreak: 0, slowedAt: now, nextAt: Math.max(state.nextAt, now + intervalMs) };
  }
  const okStreak = state.okStreak + 1;
  if (okStreak < RECOVER_AFTER || state.intervalMs <= state.baseMs) return { ...state, okStreak };
  return { ...state, okStreak: 0, intervalMs: Math.max(state.baseMs, state.intervalMs / SPEEDUP) };
}

export interface Caps {
  perHour?: number | undefined;
  perDay?: number | undefined;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export type CapCheck = { ok: true } | { ok: false; cap: 'max_per_hour' | 'max_per_day'; limit: number; resumeAt: number };

/**
 * Whether one more message may go now, given when earlier ones went (any send, oldest first).
 * The windows are rolling, as providers count them. When a cap is reached, `resumeAt` is when
 * enough of the counted messages leave its window for one more (the later of the two caps).
 */
export function checkCaps(times: readonly number[], now: number, caps: Caps): CapCheck {
  let blocked: CapCheck = { ok: true };
  for (const [cap, limit, window] of [
    ['max_per_hour', caps.perHour, HOUR_MS],
    ['max_per_day', caps.perDay, DAY_MS],
  ] as const) {
    if (!limit) continue;
    const inWindow = times.filter((t) => t > now - window && t <= now);
    if (inWindow.length < limit) continue;
    const resumeAt = inWindow[inWindow.length - limit]! + window;
    if (blocked.ok || resumeAt > blocked.resumeAt) blocked = { ok: false, cap, limit, resumeAt };
  }
  return blocked;
}

/**
 * Counts a message against the caps: the times a cap can still see (the last day, the longest
 * window), oldest first, and none at all without a cap. Keeping every message's time made a send
 * hold 8 bytes per message for its whole run, and made each check scan all of them.
 */
export function countAgainstCaps(times: number[], at: number, caps: Caps): void {
  if (!caps.perHour && !caps.perDay) return;
  times.push(at);
  let old = 0;
  while (old < times.length && times[old]! <= at - DAY_MS) old++;
  if (old > 0) times.splice(0, old);
}

/** How long `count` messages take at `ratePerSecond` within the caps, for the estimate before sending. */
export function estimateMs(count: number, ratePerSecond: number, caps: Caps): { ms: number; capped?: 'max_per_hour' | 'max_per_day' } {
  const atRate = (count / ratePerSecond) * 1000;
  if (caps.perDay && count > caps.perDay) return { ms: Math.max(atRate, Math.floor((count - 1) / caps.perDay) * DAY_MS), capped: 'max_per_day' };
  if (caps.perHour && count > caps.perHour) return { ms: Math.max(atRate, Math.floor((count - 1) / caps.perHour) * HOUR_MS), capped: 'max_per_hour' };
  return { ms: atRate };
}
