/**
 * When a running send counts its rows again for the progress it shows.
 *
 * A count reads every row of the send: about 30 ms at 100,000 subscribers and a quarter of a
 * second at 1,000,000 on SQLite (where it also holds up the sending thread). Counting on a fixed
 * clock made a large send quadratic: at a million, a count every quarter second took 28 % of the
 * send. So a count is spaced by its own cost: the next one starts only after COUNT_SPACING times
 * the last one's duration has passed, which keeps counting under 1 / (COUNT_SPACING + 1) of the
 * send at any size. Small sends still count several times a second; a million-row send about
 * every five seconds.
 */

/** Wait this many times the last count's duration before the next: counting ≤ 1/20 of a send. */
export const COUNT_SPACING = 19;

export interface LastCount {
  /** When the last count started and how long it took (ms on one clock). */
  startedMs: number;
  tookMs: number;
}

/**
 * Whether a progress count may start now. Never while one is running (with PostgreSQL a count is
 * a query that may outlast the interval it was asked at, and they must not pile up). The count
 * at the end of a run is always due, so the last figures shown are the final ones.
 */
export function progressCountDue(nowMs: number, last: LastCount | undefined, counting: boolean, final: boolean): boolean {
  if (counting) return false;
  if (final || !last) return true;
  return nowMs >= last.startedMs + last.tookMs * (COUNT_SPACING + 1);
}

/**
 * Wraps `count` (the store's count of a send's rows) so that `report(final)` counts only when
 * due and hands the figures to `show`. A final report that finds a count running counts once
 * more after it. A count that fails stops the progress, not the send.
 */
export function spacedProgress<T>(count: () => Promise<T>, show: (counts: T) => void, clock: () => number = () => performance.now()): (final: boolean) => void {
  let last: LastCount | undefined;
  let counting = false;
  let finalWaiting = false;
  let failed = false;
  const report = (final: boolean): void => {
    if (failed) return;
    if (final && counting) finalWaiting = true;
    if (!progressCountDue(clock(), last, counting, final)) return;
    counting = true;
    const startedMs = clock();
    count().then(
      (counts) => {
        counting = false;
        last = { startedMs, tookMs: clock() - startedMs };
        show(counts);
        if (finalWaiting) {
          finalWaiting = false;
          report(true);
        }
      },
      () => {
        counting = false;
        failed = true;
      },
    );
  };
  return report;
}
