import path from 'node:path';
import readline from 'node:readline/promises';
import cliProgress from 'cli-progress';
import { Command } from 'commander';
import { DateTime } from 'luxon';
import type { Config, Engine } from '../config';
import { loadIssueFile, issueSlug } from '../issue/load';
import { describeChanges, draftEdition } from '../publish/edition';
import { runCampaign, type CampaignReport } from '../send/campaign';
import type { DeliveryCounts, SendRecord } from '../send/ledger';
import { envelopeSender, personalise } from '../send/message';
import { createTransport, prepareSend } from '../send/prepare';
import { openStore, type Store } from '../store';
import { checkAddress } from '../subscribers/address';
import { secretProblems } from '../unsubscribe/secret';
import { TEST_TOKEN, unsubscribeUrl } from '../unsubscribe/token';
import { DeliveryStopped, UserError } from '../util/errors';
import { config, println, type CliContext } from './context';
import { issueFileArgument } from './issue-arg';
import { sendDue } from './send-due';
import { engineOption } from './options';

export interface SendOptions {
  to?: string;
  dryRun?: boolean;
  yes?: boolean;
  engine?: 'react' | 'mjml';
  resendUnknown?: boolean;
  due?: boolean;
  correction?: boolean;
  keepEdition?: boolean;
}

export function sendCommand(ctx: CliContext): Command {
  return new Command('send')
    .description('send an issue to the subscribers (or test-send it with --to); --due sends what is scheduled')
    .argument('[issue]', 'the issue file or its name, e.g. issues/2021-03-22.yaml or 2021-03-22 (or --due instead)')
    .option('--due', 'send every issue whose send_at has come and that is not sent yet (for cron and timers; needs --yes)')
    .option('--to <addresses>', 'test send to these comma-separated addresses only ([TEST] subject, no ledger)')
    .option('--dry-run', 'show who would get it; send nothing')
    .option('-y, --yes', 'do not ask for confirmation (required without a terminal)')
    .option('--correction', 'the issue file changed since its send started: the remaining subscribers get the new version (after a finished send: publish the corrected web version and calendars, mailing nobody)')
    .option('--keep-edition', 'the issue file changed since its send started: finish the send with the version it started with')
    .option('--resend-unknown', 'also resend deliveries whose outcome is unknown (may mail those people twice)')
    .addOption(engineOption())
    .action(async (file: string | undefined, opts: SendOptions) => {
      if (opts.due) {
        if (file !== undefined) throw new UserError(`give either an issue (${file}) or --due, not both`, 2);
        if (opts.to !== undefined || opts.resendUnknown || opts.correction || opts.keepEdition) {
          throw new UserError('--due cannot be combined with --to, --resend-unknown, --correction or --keep-edition; send that issue by name instead', 2);
        }
        const cfg = config(ctx);
        return sendDue(ctx, cfg, opts, (issueFile) => sendIssue(ctx, cfg, issueFile, opts));
      }
      if (file === undefined) throw new UserError('name the issue to send (e.g. newsletter send issues/2021-03-22.yaml), or use --due to send the issues whose send_at has come', 2);
      return sendIssue(ctx, config(ctx), issueFileArgument(ctx, file), opts);
    });
}

/** One issue: a test send (--to), a dry run, or the send to the subscribers (begun, resumed or corrected). */
async function sendIssue(ctx: CliContext, cfg: Config, file: string, opts: SendOptions): Promise<void> {
  if (opts.correction && opts.keepEdition) throw new UserError('give either --correction or --keep-edition, not both', 2);
  if (opts.to !== undefined && (opts.correction || opts.keepEdition)) throw new UserError('--to test-sends the file as it is: it cannot be combined with --correction or --keep-edition', 2);
  const absolute = path.resolve(ctx.cwd, file);
  const now = DateTime.fromJSDate(ctx.now());
  if (opts.to !== undefined) {
    const { slug, prepared } = await prepareSend(cfg, absolute, file, opts.engine, now);
    return testSend(ctx, cfg, slug, prepared, opts.to);
  }
  // Errors in the file stop here, before the store is opened; so do the skeleton's stand-in texts
  // and example links, which a send to the members must never carry (lint's send-time rule).
  loadIssueFile(absolute, cfg.publication.timezone, file, { sending: true, siteUrl: cfg.publication.site_url });

  if (cfg.env.smtpUrl && cfg.env.unsubscribeKeyIsDevelopment) {
    throw new UserError('UNSUBSCRIBE_SECRET is not set (.env): real sends need it to sign unsubscribe links; see .env.example');
  }
  // A guessable secret lets anyone forge the links this send puts in every inbox.
  const weak = cfg.env.unsubscribeKeyIsDevelopment ? [] : secretProblems(cfg.env.unsubscribeKeys);
  if (weak.length) throw new UserError(weak.join('\n'));
  const store = await openStore(cfg, { now: ctx.now });
  try {
    const ledger = store.ledger;
    const slug = issueSlug(path.basename(absolute));
    const existing = await ledger.findSend(slug);
    const current = existing ? await store.editions.current(slug) : undefined;
    // Rendered once, as the send started (same moment for "TODAY", same engine), so that an
    // unchanged file gives the same bytes and a changed one is told apart.
    const draft = await draftEdition({
      config: cfg,
      file: absolute,
      display: file,
      engine: opts.engine ?? (current?.engine as Engine | undefined),
      viewAt: current ? DateTime.fromISO(current.viewAt, { zone: 'utc' }) : now,
      stampAt: now,
    });
    const changed = current !== undefined && current.contentHash !== draft.content.contentHash;
    const changes = changed ? describeChanges(current, { ...draft.content, assetPaths: draft.content.assets.map((a) => a.path) }) : [];
    const counts = existing ? await ledger.counts(existing.id) : undefined;
    const remaining = counts ? counts.pending + counts.sending + (opts.resendUnknown ? counts.unknown : 0) : await store.audienceSize();
    const editionName = (n: number) => `edition ${n}`;

    if (opts.dryRun) {
      println(ctx.stdout, `dry run: "${draft.content.subject}" would go to ${remaining} subscriber${remaining === 1 ? '' : 's'}${existing ? ' (the rest of a send already started)' : ''}; nothing sent`);
      if (current && changed) {
        println(ctx.stdout, `${file} changed since ${editionName(current.number)} of this send:`);
        for (const line of changes) println(ctx.stdout, `  ${line}`);
      }
      return;
    }

    if (!existing) {
      if (remaining === 0) throw new UserError('there are no active subscribers to send to: import some with `newsletter subscribers import <csv>`');
      if (opts.correction) println(ctx.stderr, `note: ${slug} has not been sent yet, so there is nothing to correct: this starts its send.`);
      await confirm(ctx, opts, `Send "${draft.content.subject}" to ${remaining.toLocaleString('en-US')} subscriber${remaining === 1 ? '' : 's'}?`);
      const begun = await ledger.beginSend({ slug, edition: draft.content, now: ctx.now() });
      println(ctx.stdout, `${logStamp(ctx)}${editionName(begun.edition.number)} of ${slug} stored; its web version and calendars are published at ${draft.view.urls.web}`);
      return await deliver(ctx, cfg, store, begun.send, opts);
    }

    if (remaining === 0) {
      // The send is over: nobody is left to mail. A changed file can only be published.
      if (!current || changed) {
        if (!opts.correction) {
          const why = current
            ? `${file} changed after ${slug} was sent (${editionName(current.number)}, ${current.createdAt}):\n${changes.map((l) => `  ${l}`).join('\n')}\n`
            : `${slug} was sent before this program kept editions, so its web version and calendars are not in the store.\n`;
          throw new UserError(
            `${why}` +
              `Members already have what was sent; nobody is mailed again. To publish the corrected web version and calendars ` +
              `(a new edition; subscribed calendars update), run: newsletter send ${file} --correction\n` +
              `To tell members about the correction, write a short correction notice as a new issue file and send that.`,
          );
        }
        const corrected = await ledger.correct(existing.id, draft.content, ctx.now());
        println(ctx.stdout, `${editionName(corrected.edition.number)} of ${slug} published at ${draft.view.urls.web} (web version and calendars); nobody was mailed.`);
        return;
      }
      println(ctx.stdout, `${slug} was already sent: ${summary(counts!)}. Nothing to do.`);
      if (counts!.unknown > 0) println(ctx.stdout, `${counts!.unknown} unknown: run with --resend-unknown to try them again (they may get it twice).`);
      return;
    }

    // A send with recipients left.
    let question = `Send "${current?.subject ?? draft.content.subject}" to ${remaining.toLocaleString('en-US')} subscriber${remaining === 1 ? '' : 's'} (resuming)?`;
    let correct = !current;
    if (current && changed) {
      const listed = changes.map((l) => `  ${l}`).join('\n');
      if (opts.correction) {
        question = `Send the correction (${editionName(current.number + 1)}, "${draft.content.subject}") to the ${remaining.toLocaleString('en-US')} subscriber${remaining === 1 ? '' : 's'} who have not got ${editionName(current.number)} yet?`;
        println(ctx.stdout, `${file} changed since ${editionName(current.number)}:\n${listed}`);
        correct = true;
      } else if (opts.keepEdition || opts.due) {
        // --due never asks and never mixes versions: it finishes what was started, and says so.
        println(ctx.stderr, `note: ${file} changed since ${editionName(current.number)} of this send; the remaining subscribers get ${editionName(current.number)} as it was started. Changes not sent:\n${listed}`);
        if (opts.due) println(ctx.stderr, `note: to send the changes to the remaining subscribers instead, run: newsletter send ${file} --correction`);
      } else {
        throw new UserError(
          `${file} changed since this send started (${editionName(current.number)}, ${counts!.sent} already sent):\n${listed}\n` +
            `Nothing was sent. Choose one:\n` +
            `  newsletter send ${file} --correction     the ${remaining} remaining get the new version (a new edition; status shows who got which)\n` +
            `  newsletter send ${file} --keep-edition   finish with ${editionName(current.number)} as it was started`,
        );
      }
    } else if (opts.correction && current) {
      println(ctx.stderr, `note: ${file} is the same as ${editionName(current.number)}: there is no correction to make; resuming.`);
    }
    await confirm(ctx, opts, question);
    if (correct) {
      const corrected = await ledger.correct(existing.id, draft.content, ctx.now());
      println(ctx.stdout, `${logStamp(ctx)}${editionName(corrected.edition.number)} of ${slug} stored and published at ${draft.view.urls.web}; the ${corrected.moved} remaining subscriber${corrected.moved === 1 ? '' : 's'} get it.`);
    }
    return await deliver(ctx, cfg, store, existing, opts);
  } finally {
    await store.close();
  }
}

/** Without a terminal (cron logs) every line but the final report starts with the time. */
const logStamp = (ctx: CliContext) => (ctx.stdout.isTTY ? '' : `${ctx.now().toISOString()} `);

/** Delivers a begun send from its stored editions, with progress, and reports. */
async function deliver(ctx: CliContext, cfg: Config, store: Store, send: SendRecord, opts: SendOptions): Promise<void> {
  const transport = createTransport(cfg, send.slug);
  const progress = progressReporter(ctx);
  const controller = new AbortController();
  const stopSignals = onInterrupt(ctx, controller);
  let report: CampaignReport;
  try {
    report = await runCampaign({
      config: cfg,
      ledger: store.ledger,
      editions: store.editions,
      transport,
      send,
      signal: controller.signal,
      resendUnknown: opts.resendUnknown,
      now: ctx.now,
      onStart: ({ counts: c, interrupted, requeued }) => {
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
  printReport(ctx, send.slug, report, transport.description);
  if (report.result.status === 'stopped') throw new DeliveryStopped(`delivery stopped: ${report.result.reason}. Nothing is lost: run the same command again to resume.`);
  if (report.result.status === 'interrupted') throw new DeliveryStopped('stopped by Ctrl-C; in-flight messages were recorded. Run the same command again to resume.');
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
