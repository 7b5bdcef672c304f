import path from 'node:path';
import { Command } from 'commander';
import { processMessage, type BounceContext, type ReportResult } from '../bounces/apply';
import { processImapMailbox } from '../bounces/imap';
import { readMaildir, readMbox, readStdin, type IncomingMessage } from '../bounces/sources';
import type { Config } from '../config';
import { openStore } from '../store';
import { UserError } from '../util/errors';
import { config, println, type CliContext } from './context';

interface BounceOptions {
  stdin?: boolean;
  mbox?: string;
  maildir?: string;
  recipient?: string;
}

/** sysexits.h: "temporary failure, the user is invited to retry"; Postfix and Exim defer the message. */
const EX_TEMPFAIL = 75;

/** How many unmatched reports are listed one per line before "… and N more". */
const LISTED_UNMATCHED = 50;

export function bouncesCommand(ctx: CliContext): Command {
  const command = new Command('bounces')
    .description('read bounces (DSN) and complaints (ARF) and apply them: hard bounces and complaints suppress the address')
    .option('--stdin', 'one message on standard input (for an MTA pipe: /etc/aliases or a Postfix pipe transport)')
    .option('--recipient <address>', 'with --stdin: the envelope recipient the MTA delivered it to (Postfix ${original_recipient})')
    .option('--mbox <file>', 'every message of an mbox file')
    .option('--maildir <dir>', 'every message of a Maildir (new/ and cur/); files are left as they are')
    .addHelpText('after', '\nWithout --stdin, --mbox or --maildir: the IMAP mailbox in BOUNCE_IMAP_URL (.env); reports are moved to BOUNCE_IMAP_PROCESSED_FOLDER (default Processed), anything else is left where it is.')
    .action(async (opts: BounceOptions) => {
      const given = [opts.stdin, opts.mbox, opts.maildir].filter(Boolean).length;
      if (given > 1) throw new UserError('give one of --stdin, --mbox FILE or --maildir DIR (or none, for BOUNCE_IMAP_URL)', 2);
      if (opts.recipient && !opts.stdin) throw new UserError('--recipient goes with --stdin', 2);
      if (opts.stdin) {
        // A failure here (no store, a lock held too long) must not lose the report: the MTA
        // keeps the message and tries again later when a pipe exits EX_TEMPFAIL (75).
        try {
          return await readAndApply(opts, given);
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          throw new UserError(`${message} (exit ${EX_TEMPFAIL}: the mail system keeps the report and tries again later)`, EX_TEMPFAIL);
        }
      }
      return readAndApply(opts, given);
    });

  return command;

  async function readAndApply(opts: BounceOptions, given: number): Promise<void> {
    const cfg = config(ctx);
    if (!given && !cfg.bounces.imapUrl) {
      throw new UserError('nothing to read: give --stdin, --mbox FILE or --maildir DIR, or set BOUNCE_IMAP_URL in .env (imaps://user:password@imap.example.org/INBOX)', 2);
    }
    const store = await openStore(cfg, { now: ctx.now });
    try {
      const tally = new Tally(ctx);
      const bctx = (): BounceContext => bounceContext(cfg, store.feedback, ctx.now(), opts.recipient);
      const one = async (msg: IncomingMessage): Promise<ReportResult> => {
        const result: ReportResult = msg.raw ? await processMessage(msg.raw, bctx()) : { status: 'skipped', why: msg.problem ?? 'unreadable' };
        tally.add(msg.label, result);
        return result;
      };
      if (opts.stdin) {
        await one(await readStdin(ctx.stdin));
      } else if (opts.mbox) {
        for await (const msg of readMbox(path.resolve(ctx.cwd, opts.mbox), opts.mbox)) await one(msg);
      } else if (opts.maildir) {
        for await (const msg of readMaildir(path.resolve(ctx.cwd, opts.maildir), opts.maildir)) await one(msg);
      } else {
        const { display, moved } = await processImapMailbox({ url: cfg.bounces.imapUrl!, processedFolder: cfg.bounces.imapProcessedFolder }, async (msg) => {
          const r = await one(msg);
          // Reports are moved once read; people's replies, auto-replies and unreadable messages stay.
          return r.status === 'not-a-report' || r.status === 'skipped' ? 'leave' : 'move';
        });
        println(ctx.stderr, `${display}: ${moved} report${moved === 1 ? '' : 's'} moved to ${cfg.bounces.imapProcessedFolder}`);
      }
      tally.finish();
    } finally {
      await store.close();
    }
  }
}

export function bounceContext(cfg: Config, store: BounceContext['store'], now: Date, envelopeRecipient?: string): BounceContext {
  return {
    store,
    ...(cfg.bounces.bounceAddress ? { verp: { address: cfg.bounces.bounceAddress, keys: cfg.env.unsubscribeKeys } } : {}),
    policy: { limit: cfg.publication.bounces.soft_bounce_limit, windowDays: cfg.publication.bounces.soft_bounce_days },
    now,
    ...(envelopeRecipient ? { envelopeRecipient } : {}),
  };
}

/** Counts every message once and prints one line for each that changed something or went wrong. */
class Tally {
  private readonly counts = { messages: 0, applied: 0, duplicate: 0, unmatched: 0, ignored: 0, autoReplies: 0, other: 0, skipped: 0 };
  private listed = 0;

  constructor(private readonly ctx: CliContext) {}

  add(label: string, r: ReportResult): void {
    this.counts.messages++;
    switch (r.status) {
      case 'applied':
        this.counts.applied++;
        for (const line of r.lines) println(this.ctx.stdout, `${label}: ${line}`);
        break;
      case 'duplicate':
        this.counts.duplicate++;
        break;
      case 'unmatched':
        this.counts.unmatched++;
        if (this.listed++ < LISTED_UNMATCHED) println(this.ctx.stdout, `${label}: unmatched: ${r.why}`);
        break;
      case 'ignored':
        this.counts.ignored++;
        break;
      case 'not-a-report':
        if (r.kind === 'auto-reply') this.counts.autoReplies++;
        else this.counts.other++;
        break;
      case 'skipped':
        this.counts.skipped++;
        println(this.ctx.stderr, `${label}: skipped: ${r.why}`);
        break;
    }
  }

  finish(): void {
    const c = this.counts;
    if (this.listed > LISTED_UNMATCHED) println(this.ctx.stdout, `… and ${this.listed - LISTED_UNMATCHED} more unmatched`);
    println(
      this.ctx.stdout,
      `${c.messages} message${c.messages === 1 ? '' : 's'}: ${c.applied} applied, ${c.duplicate} already applied, ${c.unmatched} unmatched, ${c.ignored} ignored (warnings, not failures), ${c.autoReplies} auto-replies, ${c.other} not reports (left alone), ${c.skipped} skipped`,
    );
  }
}
