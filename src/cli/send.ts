import path from 'node:path';
import readline from 'node:readline/promises';
import cliProgress from 'cli-progress';
import { Command } from 'commander';
import { DateTime } from 'luxon';
import type { Config } from '../config';
import { buildIssue } from '../render/build';
import { runCampaign, type CampaignReport } from '../send/campaign';
import type { DeliveryCounts } from '../send/ledger';
import { envelopeSender, personalise } from '../send/message';
import { createTransport, prepareSend } from '../send/prepare';
import { openStore } from '../store';
import { checkAddress } from '../subscribers/address';
import { secretProblems } from '../unsubscribe/secret';
import { TEST_TOKEN, unsubscribeUrl } from '../unsubscribe/token';
import { DeliveryStopped, UserError } from '../util/errors';
import { config, println, type CliContext } from './context';
import { sendDue } from './send-due';
import { engineOption } from './options';

export interface SendOptions {
  to?: string;
  dryRun?: boolean;
  yes?: boolean;
  engine?: 'react' | 'mjml';
  resendUnknown?: boolean;
  due?: boolean;
}

export function sendCommand(ctx: CliContext): Command {
  return new Command('send')
    .description('send an issue to the subscribers (or test-send it with --to); --due sends what is scheduled')
    .argument('[issue]', 'the issue file, e.g. issues/2021-03-22.yaml (or --due instead)')
    .option('--due', 'send every issue whose send_at has come and that is not sent yet (for cron and timers; needs --yes)')
    .option('--to <addresses>', 'test send to these comma-separated addresses only ([TEST] subject, no ledger)')
    .option('--dry-run', 'show who would get it; send nothing')
    .option('-y, --yes', 'do not ask for confirmation (required without a terminal)')
    .option('--resend-unknown', 'also resend deliveries whose outcome is unknown (may mail those people twice)')
    .addOption(engineOption())
    .action(async (file: string | undefined, opts: SendOptions) => {
      if (opts.due) {
        if (file !== undefined) throw new UserError(`give either an issue (${file}) or --due, not both`, 2);
        if (opts.to !== undefined || opts.resendUnknown) throw new UserError('--due cannot be combined with --to or --resend-unknown; send that issue by name instead', 2);
        const cfg = config(ctx);
        return sendDue(ctx, cfg, opts, (issueFile) => sendIssue(ctx, cfg, issueFile, opts));
      }
      if (file === undefined) throw new UserError('name the issue to send (e.g. newsletter send issues/2021-03-22.yaml), or use --due to send the issues whose send_at has come', 2);
      return sendIssue(ctx, config(ctx), file, opts);
    });
}

/** One issue: a test send (--to), a dry run, or the send to the subscribers (begun or resumed). */
async function sendIssue(ctx: CliContext, cfg: Config, file: string, opts: SendOptions): Promise<void> {
  const { slug, prepared } = await prepareSend(cfg, path.resolve(ctx.cwd, file), file, opts.engine, DateTime.fromJSDate(ctx.now()));
  if (opts.to !== undefined) return testSend(ctx, cfg, slug, prepared, opts.to);

  if (cfg.env.smtpUrl && cfg.env.unsubscribeKeyIsDevelopment) {
    throw new UserError('UNSUBSCRIBE_SECRET is not set (.env): real sends need it to sign unsubscribe links; see .env.example');
  }
  // A guessable secret lets anyone forge the links this send puts in every inbox.
  const weak = cfg.env.unsubscribeKeyIsDevelopment ? [] : secretProblems(cfg.env.unsubscribeKeys);
  if (weak.length) throw new UserError(weak.join('\n'));
  const store = await openStore(cfg, { now: ctx.now });
  try {
    const ledger = store.ledger;
    const existing = await ledger.findSend(slug);
    const counts = existing ? await ledger.counts(existing.id) : undefined;
    const audience = counts ? counts.pending + counts.sending + (opts.resendUnknown ? counts.unknown : 0) : await store.audienceSize();

    if (opts.dryRun) {
      println(ctx.stdout, `dry run: "${prepared.rendered.subject}" would go to ${audience} subscriber${audience === 1 ? '' : 's'}${existing ? ' (the rest of a send already started)' : ''}; nothing sent`);
      return;
    }
    if (existing && counts && audience === 0) {
      println(ctx.stdout, `${slug} was already sent: ${summary(counts)}. Nothing to do.`);
      if (counts.unknown > 0) println(ctx.stdout, `${counts.unknown} unknown: run with --resend-unknown to try them again (they may get it twice).`);
      return;
    }
    if (audience === 0) throw new UserError('there are no active subscribers to send to: import some with `newsletter subscribers import <csv>`');
    await confirm(ctx, opts, `Send "${prepared.rendered.subject}" to ${audience.toLocaleString('en-US')} subscriber${audience === 1 ? '' : 's'}${existing ? ' (resuming)' : ''}?`);

    // Publish what is being sent: the web version and .ics files that the email links to, served
    // by `newsletter serve` from dist/<issue>/.
    await buildIssue({ config: cfg, file: path.resolve(ctx.cwd, file), display: file, engine: opts.engine, now: DateTime.fromJSDate(ctx.now()) });

    const transport = createTransport(cfg, slug);
    const progress = progressReporter(ctx);
    const controller = new AbortController();
    const stopSignals = onInterrupt(ctx, controller);
    let report: CampaignReport;
    try {
      report = await runCampaign({
        config: cfg,
        ledger,
        transport,
        slug,
        prepared,
        signal: controller.signal,
        resendUnknown: opts.resendUnknown,
        now: ctx.now,
        onStart: ({ counts: c, interrupted, requeued, contentChanged }) => {
          if (contentChanged) println(ctx.stderr, 'note: the issue changed since this send started; the subscribers still pending get the new version.');
          if (interrupted) println(ctx.stderr, `${interrupted} deliver${interrupted === 1 ? 'y was' : 'ies were'} in flight when an earlier run stopped: marked unknown (not resent).`);
          if (requeued) println(ctx.stdout, `${requeued} unknown deliver${requeued === 1 ? 'y' : 'ies'} queued again (--resend-unknown).`);
          progress.start(total(c), c, transport.description);
        },
        onProgress: (c) => progress.update(c),
      });
    } finally {
      stopSignals();
      progress.stop();
      await transport.close();
    }
    printReport(ctx, slug, report, transport.description);
    if (report.result.status === 'stopped') throw new DeliveryStopped(`delivery stopped: ${report.result.reason}. Nothing is lost: run the same command again to resume.`);
    if (report.result.status === 'interrupted') throw new DeliveryStopped('stopped by Ctrl-C; in-flight messages were recorded. Run the same command again to resume.');
  } finally {
    await store.close();
  }
}

async function testSend(ctx: CliContext, cfg: Config, slug: string, prepared: Awaited<ReturnType<typeof prepareSend>>['prepared'], list: string): Promise<void> {
  const addresses = list.split(',').map((a) => a.trim()).filter(Boolean);
  if (addresses.length === 0) throw new UserError('--to needs at least one address, e.g. --to editor@example.org', 2);
  const checked = addresses.map((a) => ({ raw: a, check: checkAddress(a) }));
  const bad = checked.filter((c) => !c.check.ok);
  if (bad.length) throw new UserError(bad.map((b) => `--to ${b.raw}: ${(b.check as { reason: string }).reason}`).join('\n'), 2);

  const transport = createTransport(cfg, `${slug}-test`);
  let failed = 0;
  try {
    for (const [i, { raw }] of checked.entries()) {
      const { raw: message } = await personalise(prepared, { id: 0, address: raw }, {
        publication: cfg.publication,
        slug: `${slug}-test-${Date.now()}`,
        unsubscribeUrl: unsubscribeUrl(cfg.publication.site_url, TEST_TOKEN),
        subjectPrefix: '[TEST] ',
        dkim: cfg.env.dkim,
      });
      const result = await transport.send({ from: envelopeSender(cfg.publication), to: raw, raw: message, sequence: i + 1 });
      if (result.ok) println(ctx.stdout, `test sent to ${raw}: ${result.reply}`);
      else {
        failed++;
        println(ctx.stderr, `test send to ${raw} failed: ${result.failure.reply}`);
      }
    }
  } finally {
    await transport.close();
  }
  if (failed) throw new DeliveryStopped(`${failed} of ${checked.length} test messages failed`);
  println(ctx.stdout, `test send of ${slug} via ${transport.description}: ${checked.length} sent (the subscribers' send is untouched)`);
}

async function confirm(ctx: CliContext, opts: SendOptions, question: string): Promise<void> {
  if (opts.yes) return;
  if (!ctx.stdin.isTTY || !ctx.stdout.isTTY) {
    throw new UserError(`${question.replace(/\?$/, '')}: refusing without a terminal to confirm; add --yes to send from a script`);
  }
  const rl = readline.createInterface({ input: ctx.stdin, output: ctx.stdout });
  try {
    const answer = (await rl.question(`${question} [y/N] `)).trim().toLowerCase();
    if (answer !== 'y' && answer !== 'yes') throw new UserError('not sent', 1);
  } finally {
    rl.close();
  }
}

/** First Ctrl-C: finish in-flight messages and stop. Second: quit at once (rows left `sending` become unknown). */
function onInterrupt(ctx: CliContext, controller: AbortController): () => void {
  const handler = () => {
    if (!controller.signal.aborted) {
      println(ctx.stderr, '\nstopping: finishing the messages in flight and recording them (Ctrl-C again to quit at once)');
      controller.abort();
    } else {
      println(ctx.stderr, 'quitting now; deliveries in flight will show as unknown');
      process.exit(130);
    }
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

const total = (c: DeliveryCounts) => c.pending + c.sending + c.sent + c.failed + c.unknown + c.skipped;
const done = (c: DeliveryCounts) => c.sent + c.failed + c.unknown + c.skipped;

export function summary(c: DeliveryCounts): string {
  return `${c.sent} sent, ${c.failed} failed, ${c.unknown} unknown, ${c.skipped} skipped, ${c.pending + c.sending} pending`;
}

/** A progress bar on a terminal; otherwise one timestamped line per committed batch (cron logs). */
function progressReporter(ctx: CliContext) {
  const tty = Boolean(ctx.stderr.isTTY);
  let bar: cliProgress.SingleBar | undefined;
  let lastLine = 0;
  return {
    start(totalCount: number, c: DeliveryCounts, where: string) {
      if (tty) {
        bar = new cliProgress.SingleBar(
          { stream: ctx.stderr as NodeJS.WriteStream, format: 'sending |{bar}| {value}/{total} {sent} sent, {failed} failed, {unknown} unknown | {eta_formatted} left', hideCursor: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(totalCount, done(c), { sent: c.sent, failed: c.failed, unknown: c.unknown });
      } else println(ctx.stdout, `${new Date().toISOString()} sending via ${where}: ${summary(c)}`);
    },
    update(c: DeliveryCounts) {
      if (bar) return bar.update(done(c), { sent: c.sent, failed: c.failed, unknown: c.unknown });
      // Cron logs: at most one line a second.
      if (Date.now() - lastLine < 1000 && c.pending + c.sending > 0) return;
      lastLine = Date.now();
      println(ctx.stdout, `${new Date().toISOString()} ${summary(c)}`);
    },
    stop() {
      bar?.stop();
    },
  };
}

function printReport(ctx: CliContext, slug: string, r: CampaignReport, where: string): void {
  println(ctx.stdout, `${slug}: ${summary(r.counts)} (via ${where})`);
  for (const f of r.topFailures) println(ctx.stdout, `  ${f.count} × ${f.reply}`);
  if (r.counts.unknown) println(ctx.stdout, `  ${r.counts.unknown} unknown: the server may have received them; not resent (see \`newsletter status ${slug}\`)`);
}
