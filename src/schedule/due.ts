import type { ScheduledIssue } from './schedule';

/**
 * What `send --due` does with each issue whose send_at has come. The rules, as an editor expects:
 *
 * - never started and at most stale_after_hours late: send it;
 * - never started and later than that: refuse (a restored backup or a machine that was off must
 *   not mail last week's events); the editor can still send it by hand;
 * - started on time (its send began before it went stale) and not finished: resume it, however
 *   late, since part of the list already has it and the rest are owed the same email; the lease
 *   keeps a second run from sending it while the first still is;
 * - started by hand after it went stale and not finished: the editor chose to send it late, so
 *   finishing it is theirs too (`newsletter send <issue>` resumes it);
 * - sent, not yet due, or more than SCHEDULE_WINDOW_DAYS past: nothing to do.
 */
export type DueAction =
  | { kind: 'send'; item: ScheduledIssue }
  | { kind: 'resume'; item: ScheduledIssue }
  | { kind: 'stale'; item: ScheduledIssue }
  | { kind: 'started-late'; item: ScheduledIssue }
  /** Started late by hand, and that send is running now. */
  | { kind: 'busy'; item: ScheduledIssue };

/** The actions for one run, oldest send_at first (the schedule comes sorted). */
export function planDueRun(issues: readonly ScheduledIssue[], now: Date): DueAction[] {
  const t = now.getTime();
  const actions: DueAction[] = [];
  for (const item of issues) {
    if (item.state === 'sent' || item.state === 'scheduled') continue;
    if (t < item.sendAt.toMillis() || t > item.windowEndsAt.toMillis()) continue;
    if (!item.send) {
      actions.push({ kind: item.state === 'due' ? 'send' : 'stale', item });
      continue;
    }
    const startedOnTime = Date.parse(item.send.record.createdAt) <= item.staleAt.toMillis();
    if (startedOnTime) actions.push({ kind: 'resume', item });
    else actions.push({ kind: item.send.leaseLive ? 'busy' : 'started-late', item });
  }
  return actions;
}
