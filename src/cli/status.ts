import path from 'node:path';
import { Command } from 'commander';
import { DateTime } from 'luxon';
import type { FeedbackCounts, FeedbackStore } from '../bounces/store';
import type { Config } from '../config';
import { checkIssueFile, issueSlug } from '../issue/load';
import type { DeliveryCounts, DeliveryState, Ledger } from '../send/ledger';
import { planDueRun } from '../schedule/due';
import { readSchedule, relativeTime, type ScheduledIssue } from '../schedule/schedule';
import { openStore } from '../store';
import { escapeControl } from '../util/control-chars';
import { UserError } from '../util/errors';
import { hasErrors } from '../util/problems';
import { config, println, type CliContext } from './context';

/**
 * A time from the store (UTC), as the editor reads every other time: in the publication's zone,
 * like send_at. `Mon 2021-03-22 07:01 PDT`.
 */
export function localTime(stamp: string, zone: string): string {
  const dt = DateTime.fromISO(stamp, { zone: 'utc' });
  return dt.isValid ? dt.setZone(zone).toFormat('ccc yyyy-MM-dd HH:mm ZZZZ') : stamp;
}

/** One line of a send's counts (status, and send's own summary). */
export function summary(c: DeliveryCounts): string {
  return `${c.sent} sent, ${c.failed} failed, ${c.unknown} unknown, ${c.skipped} skipped, ${c.pending + c.sending} pending`;
}

const total = (c: DeliveryCounts) => c.pending + c.sending + c.sent + c.failed + c.unknown + c.skipped;

/** How many failed/unknown addresses `status <issue>` lists before saying how many more. */
const LISTED_PROBLEMS = 50;

export function statusCommand(ctx: CliContext): Command {
  return new Command('status')
    .description('what sends did: sent, pending, failed, unknown, with reasons')
    .argument('[issue]', 'an issue file or its name (e.g. 2021-03-22); default: every send')
    .action(async (issue: string | undefined) => {
      const cfg = config(ctx);
      const store = await openStore(cfg, { now: ctx.now });
      try {
        const ledger = store.ledger;
        const zone = cfg.publication.timezone;
        if (!issue) {
          const sends = await ledger.listSends();
          if (sends.length === 0) println(ctx.stdout, 'no sends yet');
          for (const s of sends) {
            const state = s.state === 'finished' ? `finished ${localTime(s.finishedAt ?? '', zone)}` : s.state === 'stopped' ? 'stopped (run send again to resume)' : 'in progress or stopped (run send again to resume)';
            println(ctx.stdout, `${s.slug}  "${s.subject}"  ${summary(s.counts)}  — ${state}`);
          }
          await printSchedule(ctx, cfg, ledger);
          return;
        }
        const slug = issueSlug(path.basename(issue));
        const send = await ledger.findSend(slug);
        if (!send) throw new UserError(`${slug} has not been sent (no send recorded in ${store.location})`);
        const counts = await ledger.counts(send.id);
        println(ctx.stdout, `${slug}  "${send.subject}"`);
        println(ctx.stdout, `  started ${localTime(send.createdAt, zone)}${send.finishedAt ? `, finished ${localTime(send.finishedAt, zone)}` : ', not finished'}`);
        println(ctx.stdout, `  ${summary(counts)}`);
        const editions = await store.editions.history(slug);
        const feedback = await store.feedback.countsByEdition(send.id);
        if (editions.length) {
          println(ctx.stdout, '  editions (who got which):');
          let accounted = 0;
          for (const { edition: e, counts: c } of editions) {
            accounted += total(c);
            const subject = e.subject === send.subject ? '' : `  "${e.subject}"`;
            println(ctx.stdout, `    ${e.number}  ${localTime(e.createdAt, zone)}${e.number > 1 ? '  correction' : ''}${subject}  ${summary(c)}${afterSending(feedback.get(e.id))}`);
          }
          const older = total(counts) - accounted;
          if (older > 0) println(ctx.stdout, `    -  ${older} deliver${older === 1 ? 'y' : 'ies'} from before editions were recorded`);
        } else println(ctx.stdout, '  no edition stored (sent by an older version): `newsletter send <issue> --correction` publishes one');
        const problems: DeliveryState[] = ['failed', 'unknown', 'pending'];
        const rows = await ledger.listDeliveries(send.id, problems, LISTED_PROBLEMS);
        for (const r of rows) println(ctx.stdout, `  ${r.state.padEnd(8)} ${r.address}  (${r.attempts} attempt${r.attempts === 1 ? '' : 's'}) ${escapeControl(r.lastReply ?? '')}`.trimEnd());
        const more = counts.failed + counts.unknown + counts.pending - rows.length;
        if (more > 0) println(ctx.stdout, `  … and ${more} more`);
        await printFeedback(ctx, store.feedback, send.id);
      } finally {
        await store.close();
      }
    });
}

/** An edition's bounces and complaints, after its delivery counts; nothing when none came back. */
function afterSending(c: FeedbackCounts | undefined): string {
  if (!c) return '';
  return `; then ${c.bounced} bounced, ${c.softBounced} soft-bounced, ${c.complained} complained`;
}

/** Bounces and complaints that came back after the send (`newsletter bounces`, the relay webhooks). */
async function printFeedback(ctx: CliContext, feedback: FeedbackStore, sendId: number): Promise<void> {
  const c = await feedback.counts(sendId);
  println(ctx.stdout, `  after sending: ${c.bounced} bounced, ${c.softBounced} soft-bounced, ${c.complained} complained`);
  const rows = await feedback.list(sendId, LISTED_PROBLEMS);
  for (const r of rows) println(ctx.stdout, `  ${r.feedback.padEnd(12)} ${r.address}  ${r.detail ?? ''}`.trimEnd());
  const more = c.bounced + c.softBounced + c.complained - rows.length;
  if (more > 0) println(ctx.stdout, `  … and ${more} more`);
}

/** Issues with a send_at, oldest first: when each goes out (local time) and where it stands. */
async function printSchedule(ctx: CliContext, cfg: Config, ledger: Ledger): Promise<void> {
  const now = ctx.now();
  const { issues, unreadable, skipped } = await readSchedule(cfg, ledger, now);
  for (const k of skipped) println(ctx.stderr, `warning: ${k.file} skipped: ${k.reason}`);
  if (issues.length === 0 && unreadable.length === 0) return;
  const zone = cfg.publication.timezone;
  println(ctx.stdout);
  println(ctx.stdout, `scheduled issues (send_at in ${zone}):`);
  const width = Math.max(...issues.map((i) => i.file.length), ...unreadable.map((u) => u.file.length));
  for (const item of issues) {
    println(ctx.stdout, `  ${item.file.padEnd(width)}  ${item.sendAt.toFormat('ccc yyyy-MM-dd HH:mm')}  ${describeState(item, cfg, now)}`);
  }
  for (const u of unreadable) println(ctx.stdout, `  ${u.file.padEnd(width)}  send_at "${u.value}" cannot be used: run \`newsletter check ${u.file}\``);
}

function describeState(item: ScheduledIssue, cfg: Config, now: Date): string {
  const relative = relativeTime(item.sendAt, now);
  switch (item.state) {
    case 'scheduled':
      return `scheduled (${relative})`;
    case 'due': {
      // An issue with errors is never sent; say so before the timer finds out.
      const errors = hasErrors(checkIssueFile(item.absolutePath, cfg.publication.timezone, item.file, { sending: true, siteUrl: cfg.publication.site_url }).problems);
      return `due (${relative}; the next \`send --due\` sends it)${errors ? ` — has errors, will not be sent: run \`newsletter check ${item.file}\`` : ''}`;
    }
    case 'stale':
      return `stale (${relative}, more than stale_after_hours ${cfg.publication.send.stale_after_hours} late; not sent automatically: \`newsletter send ${item.file}\` sends it by hand)`;
    case 'sending':
      return `sending (${summary(item.send!.counts)})`;
    case 'stopped': {
      const resumedOnSchedule = planDueRun([item], now).some((a) => a.kind === 'resume');
      const next = resumedOnSchedule ? 'the next `send --due` resumes it' : `\`newsletter send ${item.file}\` resumes it`;
      return `stopped (${summary(item.send!.counts)}; ${next})`;
    }
    case 'sent':
      return item.send!.record.finishedAt ? `sent ${localTime(item.send!.record.finishedAt, cfg.publication.timezone)}` : 'sent';
  }
}
