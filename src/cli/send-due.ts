import type { Config } from '../config';
import { planDueRun, type DueAction } from '../schedule/due';
import { readSchedule, relativeTime, type ScheduledIssue } from '../schedule/schedule';
import { openStore } from '../store';
import { DeliveryStopped, IssueError, SendInProgress, UserError } from '../util/errors';
import { println, type CliContext } from './context';
import type { SendOptions } from './send';

/**
 * `newsletter send --due`: run by cron or a systemd timer every few minutes. Sends each issue whose
 * send_at has come and that is not sent yet, oldest first, resuming one that was interrupted; the
 * rules are in src/schedule/due.ts. Every line it writes starts with a timestamp, for the log.
 *
 * Exit code: 0 when everything due went out (or nothing was due, or another run is sending it);
 * 1 when an issue was refused (stale, errors, unreadable send_at), so cron and systemd report it;
 * 3 when a delivery stopped (the next run resumes it). Other due issues still go out after a 1.
 */
export async function sendDue(ctx: CliContext, cfg: Config, opts: SendOptions, sendIssue: (file: string, log: (line: string) => void) => Promise<void>): Promise<void> {
  if (!opts.yes && !opts.dryRun) {
    throw new UserError('send --due never asks for confirmation: add --yes (newsletter send --due --yes) to send the issues whose send_at has come');
  }
  const stamp = () => ctx.now().toISOString();
  const log = (line: string) => println(ctx.stdout, `${stamp()} ${line}`);
  const warn = (line: string) => println(ctx.stderr, `${stamp()} ${line}`);
  const now = ctx.now();
  const store = await openStore(cfg, { now: ctx.now });
  let schedule: Awaited<ReturnType<typeof readSchedule>>;
  try {
    schedule = await readSchedule(cfg, store.ledger, now);
  } finally {
    await store.close();
  }

  const zone = cfg.publication.timezone;
  let code = 0;
  const fail = (c: number) => (code = Math.max(code, c));
  for (const k of schedule.skipped) warn(`warning: ${k.file} skipped: ${k.reason}`);
  for (const u of schedule.unreadable) {
    warn(`${u.file}: send_at "${u.value}" is not a local time in ${zone} that can be used, so it will not be sent on schedule; run \`newsletter check ${u.file}\``);
    fail(1);
  }

  const actions = planDueRun(schedule.issues, now);
  if (actions.length === 0) log('nothing due');
  for (const action of actions) {
    const { item } = action;
    const when = describeSendAt(item, zone, now);
    if (action.kind === 'stale') {
      warn(
        `${item.file} is stale: ${when}, more than stale_after_hours (${cfg.publication.send.stale_after_hours}) late, so it is not sent automatically. ` +
          `Run \`newsletter send ${item.file}\` by hand if it should still go out.`,
      );
      fail(1);
      continue;
    }
    if (action.kind === 'started-late') {
      warn(`${item.file}: its send was started after the issue went stale and is not finished; --due leaves it to whoever started it: run \`newsletter send ${item.file}\` to finish it.`);
      fail(1);
      continue;
    }
    if (action.kind === 'busy') {
      log(`${item.file} is already being sent by another run; skipping`);
      continue;
    }
    log(`${item.file} is due (${when}): ${describeStart(action, Boolean(opts.dryRun))}`);
    try {
      await sendIssue(item.file, log);
    } catch (err) {
      if (err instanceof SendInProgress) {
        log(`${item.file} is already being sent by another run; skipping`);
        continue;
      }
      if (err instanceof IssueError) {
        warn(`${item.file} has errors, so it is not sent (fix them; the next run sends it if it is not stale by then):`);
        for (const line of err.message.split('\n')) warn(line);
        fail(1);
        continue;
      }
      if (err instanceof DeliveryStopped) {
        warn(err.message);
        // The server or the connection is the usual cause: the next issue would stop the same way.
        warn('stopping this run here; the next run resumes');
        fail(3);
        break;
      }
      if (err instanceof UserError) {
        warn(`${item.file}: ${err.message}`);
        fail(err.exitCode);
        continue;
      }
      const e = err as Error;
      warn(`${item.file}: unexpected error: ${e?.message ?? String(err)}`);
      if (ctx.debug && e?.stack) warn(e.stack);
      fail(1);
    }
  }
  if (code !== 0) throw new UserError(`${stamp()} send --due: not everything due went out (see the lines above)`, code);
}

function describeSendAt(item: ScheduledIssue, zone: string, now: Date): string {
  const ago = relativeTime(item.sendAt, now);
  return `send_at ${item.sendAt.toFormat('yyyy-MM-dd HH:mm')} ${zone}, ${ago}`;
}

function describeStart(action: DueAction, dryRun: boolean): string {
  if (dryRun) return action.kind === 'resume' ? 'would resume its send' : 'would send it';
  return action.kind === 'resume' ? 'resuming its send' : 'sending';
}
