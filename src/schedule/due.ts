import type { ScheduledIssue } from './schedule';

/**
 * What `send --due` does with each issue whose send_at has come. The rules, as an editor expects:
 *
 * - never started and at most stale_after_hours late: send it;
 * - never started and later than that: refuse (a restored backup or a machine that was off must
 *   not mail last week's events); the editor can still send it by hand;
 * - started on time (its send began before it went stale) and not finished: resume it, however
 *   late (within SCHEDULE_WINDOW_DAYS), since part of the list already has it and the rest are owed
 *   the same email;
 * - started by hand after it went stale and not finished: the editor chose to send it late, so
 *   finishing it is theirs too (`newsletter send <issue>` resumes it);
 * - started and a live process holds its lease: another run is sending it; skip it (the lease, taken
 *   again when a send resumes, also settles two runs that both found the issue due at once);
 * - sent, not yet due, or more than SCHEDULE_WINDOW_DAYS past: nothing to do.
 */
export type DueAction =
  | { kind: 'send'; item: ScheduledIssue }
  | { kind: 'resume'; item: ScheduledIssue }
  | { kind: 'stale'; item: ScheduledIssue }
  | { kind: 'started-late'; item: ScheduledIssue }
  /** Another process is sending it now. */
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
    if (item.send.leaseLive) {
      actions.push({ kind: 'busy', item });
      continue;
    }
    const startedOnTime = Date.parse(item.send.record.createdAt) <= item.staleAt.toMillis();
    actions.push({ kind: startedOnTime ? 'resume' : 'started-late', item });
  }
  return actions;
}
