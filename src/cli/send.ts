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
import { envelopeSender, personalise, prepareIssue } from '../send/message';
import { createTransport } from '../send/prepare';
import { draftSlug, markDraft } from '../publish/draft';
import { openStore, type Store } from '../store';
import { checkAddress } from '../subscribers/address';
import { secretProblems } from '../unsubscribe/secret';
import { TEST_TOKEN, unsubscribeUrl } from '../unsubscribe/token';
import { loadDkim, type DkimKey } from '../send/dkim';
import { estimateMs } from '../send/pace';
import { sendWarnings } from '../send/prepare';
import { escapeControl } from '../util/control-chars';
import { DeliveryStopped, UserError } from '../util/errors';
import { formatProblem, type Problem } from '../util/problems';
import { config, println, type CliContext } from './context';
import { issueFileArgument } from './issue-arg';
import { sendDue } from './send-due';
import { summary } from './status';
import { engineOption } from './options';

export interface SendOptions {
  to?: string;
  dryRun?: boolean;
  yes?: boolean;
  engine?: 'react' | 'mjml';
  resendUnknown?: boolean;
  retryFailed?: boolean;
  list?: boolean;
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
    .option('--dry-run', 'show what would be sent, where, how long it takes, and to whom (the first 20); send nothing')
    .option('--list', 'with --dry-run: list every recipient')
    .option('-y, --yes', 'do not ask for confirmation (required without a terminal)')
    .option('--correction', 'the issue file changed since its send started: the remaining subscribers get the new version (after a finished send: publish the corrected web version and calendars, mailing nobody)')
    .option('--keep-edition', 'the issue file changed since its send started: finish the send with the version it started with')
    .option('--resend-unknown', 'also resend deliveries whose outcome is unknown (may mail those people twice)')
    .option('--retry-failed', 'also try failed deliveries again (not bounced addresses: they stay suppressed)')
    .addOption(engineOption())
    .action(async (file: string | undefined, opts: SendOptions) => {
      if (opts.due) {
        if (file !== undefined) throw new UserError(`give either an issue (${file}) or --due, not both`, 2);
        if (opts.to !== undefined || opts.resendUnknown || opts.retryFailed || opts.correction || opts.keepEdition) {
          throw new UserError('--due cannot be combined with --to, --resend-unknown, --retry-failed, --correction or --keep-edition; send that issue by name instead', 2);
        }
        const cfg = config(ctx);
        return sendDue(ctx, cfg, opts, (issueFile, log) => sendIssue(ctx, cfg, issueFile, opts, log));
      }
      if (opts.list && !opts.dryRun) throw new UserError('--list goes with --dry-run (it lists who would get the issue)', 2);
      if (file === undefined) throw new UserError('name the issue to send (e.g. newsletter send issues/2021-03-22.yaml), or use --due to send the issues whose send_at has come', 2);
      return sendIssue(ctx, config(ctx), issueFileArgument(ctx, file), opts);
    });
}

/** One issue: a test send (--to), a dry run, or the send to the subscribers (begun, resumed or corrected). */
async function sendIssue(ctx: CliContext, cfg: Config, file: string, opts: SendOptions, log?: (line: string) => void): Promise<void> {
  if (opts.correction && opts.keepEdition) throw new UserError('give either --correction or --keep-edition, not both', 2);
  if (opts.to !== undefined && (opts.correction || opts.keepEdition)) throw new UserError('--to test-sends the file as it is: it cannot be combined with --correction or --keep-edition', 2);
  const absolute = path.resolve(ctx.cwd, file);
  const now = DateTime.fromJSDate(ctx.now());
  if (opts.to !== undefined) return testSend(ctx, cfg, absolute, file, opts, now);
  // Errors in the file stop here, before the store is opened; so do the skeleton's stand-in texts
  // and example links, which a send to the members must never carry (lint's send-time rule).
  loadIssueFile(absolute, cfg.publication.timezone, file, { sending: true, siteUrl: cfg.publication.site_url });

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
    const remaining = counts
      ? counts.pending + counts.sending + (opts.resendUnknown ? counts.unknown : 0) + (opts.retryFailed ? counts.failed : 0)
      : await store.audienceSize();
    const editionName = (n: number) => `edition ${n}`;
    const facts = sendFacts(cfg, {
      subject: current?.subject ?? draft.content.subject,
      audience: remaining,
      resuming: Boolean(existing),
      destination: describeDestination(cfg, slug),
      warnings: sendWarnings(draft.loaded, draft.rendered, file),
    });
    const say = log ?? ((line: string) => println(ctx.stdout, line));

    if (opts.dryRun) {
      for (const line of facts) say(line);
      const limit = opts.list ? Number.MAX_SAFE_INTEGER : DRY_RUN_LISTED;
      const who = existing ? (await ledger.listDeliveries(existing.id, ['pending', 'sending'], limit)).map((d) => d.address) : await store.audience(limit);
      if (who.length > 0) say(`recipients${remaining > who.length ? ` (the first ${who.length}; --list shows all)` : ''}:`);
      for (const a of who) say(`  ${a}`);
      say(`dry run: "${draft.content.subject}" would go to ${remaining} subscriber${remaining === 1 ? '' : 's'}${existing ? ' (the rest of a send already started)' : ''}; nothing sent`);
      if (current && changed) {
        say(`${file} changed since ${editionName(current.number)} of this send:`);
        for (const line of changes) say(`  ${line}`);
      }
      return;
    }

    if (cfg.env.smtpUrl && cfg.env.unsubscribeKeyIsDevelopment) {
      throw new UserError('UNSUBSCRIBE_SECRET is not set (.env): real sends need it to sign unsubscribe links; see .env.example');
    }
    // A guessable secret lets anyone forge the links this send puts in every inbox.
    const weak = cfg.env.unsubscribeKeyIsDevelopment ? [] : secretProblems(cfg.env.unsubscribeKeys);
    if (weak.length) throw new UserError(weak.join('\n'));
    // Before anyone is mailed: the DKIM key is read and proven to sign, and the facts are shown.
    const beforeSending = async (question: string): Promise<DkimKey | undefined> => {
      const dkim = await loadDkimOrStop(cfg);
      if (log || opts.yes) for (const line of facts) say(line);
      await confirm(ctx, opts, facts, question);
      return dkim;
    };

    if (!existing) {
      if (remaining === 0) throw new UserError('there are no active subscribers to send to: import some with `newsletter subscribers import <csv>`');
      if (opts.correction) println(ctx.stderr, `note: ${slug} has not been sent yet, so there is nothing to correct: this starts its send.`);
      const dkim = await beforeSending(`Send "${draft.content.subject}" to ${remaining.toLocaleString('en-US')} subscriber${remaining === 1 ? '' : 's'}?`);
      const begun = await ledger.beginSend({ slug, edition: draft.content, now: ctx.now() });
      println(ctx.stdout, `${logStamp(ctx)}${editionName(begun.edition.number)} of ${slug} stored; its web version and calendars are published at ${draft.view.urls.web}`);
      return await deliver(ctx, cfg, store, begun.send, opts, dkim);
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
      if (counts!.failed > 0) println(ctx.stdout, `${counts!.failed} failed: run with --retry-failed to try them again (bounced addresses stay suppressed).`);
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
        const stamp = logStamp(ctx);
        println(ctx.stderr, `${stamp}note: ${file} changed since ${editionName(current.number)} of this send; the remaining subscribers get ${editionName(current.number)} as it was started. Changes not sent:`);
        for (const line of changes) println(ctx.stderr, `${stamp}  ${line}`);
        if (opts.due) println(ctx.stderr, `${stamp}note: to send the changes to the remaining subscribers instead, run: newsletter send ${file} --correction`);
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
    const dkim = await beforeSending(question);
    if (correct) {
      const corrected = await ledger.correct(existing.id, draft.content, ctx.now());
      println(ctx.stdout, `${logStamp(ctx)}${editionName(corrected.edition.number)} of ${slug} stored and published at ${draft.view.urls.web}; the ${corrected.moved} remaining subscriber${corrected.moved === 1 ? '' : 's'} get it.`);
    }
    return await deliver(ctx, cfg, store, existing, opts, dkim);
  } finally {
    await store.close().catch(() => undefined);
  }
}

/** Without a terminal (cron logs) every line but the final report starts with the time. */
const logStamp = (ctx: CliContext) => (ctx.stdout.isTTY ? '' : `${ctx.now().toISOString()} `);

/** Delivers a begun send from its stored editions, with progress, and reports. */
async function deliver(ctx: CliContext, cfg: Config, store: Store, send: SendRecord, opts: SendOptions, dkim: DkimKey | undefined): Promise<void> {
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
      dkim,
      resendUnknown: opts.resendUnknown,
      retryFailed: opts.retryFailed,
      now: ctx.now,
      onStart: ({ counts: c, interrupted, returned, requeued, retried }) => {
        if (interrupted) println(ctx.stderr, `${interrupted} message${interrupted === 1 ? ' was' : 's were'} on the wire when an earlier run stopped: marked unknown (not resent).`);
        if (returned) println(ctx.stderr, `${returned} deliver${returned === 1 ? 'y was' : 'ies were'} claimed but never handed to the server when an earlier run stopped: sending ${returned === 1 ? 'it' : 'them'} now.`);
        if (requeued) println(ctx.stdout, `${requeued} unknown deliver${requeued === 1 ? 'y' : 'ies'} queued again (--resend-unknown).`);
        if (retried) println(ctx.stdout, `${retried} failed deliver${retried === 1 ? 'y' : 'ies'} queued again (--retry-failed).`);
        progress.start(total(c), c, transport.description);
      },
      onProgress: (c) => progress.update(c),
    });
  } finally {
    stopSignals.off();
    progress.stop();
    await transport.close();
  }
  printReport(ctx, send.slug, report, transport.description);
  const result = report.result;
  if (result.status === 'stopped') throw new DeliveryStopped(`delivery stopped: ${result.reason}. Nothing is lost: run the same command again to resume.`);
  if (result.status === 'paused') {
    throw new DeliveryStopped(
      `delivery paused: send.${result.cap} (${result.limit}) reached; resumes after ${formatLocal(result.resumeAt, cfg.publication.timezone, ctx.now())}. ` +
        'Run the same command again then (send --due resumes it by itself).',
    );
  }
  if (result.status === 'interrupted') throw new DeliveryStopped(`stopped by ${stopSignals.which() ?? 'a signal'}; in-flight messages were recorded. Run the same command again to resume.`);
}

/** How many recipients `--dry-run` lists without --list. */
const DRY_RUN_LISTED = 20;

/** Where the messages go, without credentials: `smtps://smtp.example.org:465` or `outbox/<issue>/`. */
function describeDestination(cfg: Config, slug: string): string {
  if (!cfg.env.smtpUrl) return `outbox/${slug}/ (no SMTP_URL in .env)`;
  try {
    const url = new URL(cfg.env.smtpUrl);
    return `${url.protocol}//${url.hostname}${url.port ? `:${url.port}` : ''}`;
  } catch {
    return 'SMTP_URL (not a valid URL)';
  }
}

/** What the prompt, --dry-run and --due's log say before a send. */
export function sendFacts(cfg: Config, f: { subject: string; audience: number; resuming: boolean; destination: string; warnings: readonly Problem[] }): string[] {
  const s = cfg.publication.send;
  const est = estimateMs(f.audience, s.rate_per_second, { perHour: s.max_per_hour, perDay: s.max_per_day });
  const capped = est.capped ? ` (send.${est.capped} ${est.capped === 'max_per_hour' ? s.max_per_hour : s.max_per_day}: it pauses and the next runs resume)` : '';
  const lines = [
    `subject:    ${f.subject}`,
    `recipients: ${f.audience.toLocaleString('en-US')}${f.resuming ? ' (the rest of a send already started)' : ''}`,
    `via:        ${f.destination}`,
    `duration:   about ${humanDuration(est.ms)} at ${formatRate(s.rate_per_second)}${capped}`,
  ];
  if (f.warnings.length === 0) lines.push('warnings:   none (newsletter check)');
  else {
    lines.push(`warnings:   ${f.warnings.length} from newsletter check:`);
    for (const w of f.warnings) lines.push(`  ${formatProblem(w)}`);
  }
  return lines;
}

export function formatRate(perSecond: number): string {
  if (perSecond >= 1) return `${Number(perSecond.toFixed(2))}/s`;
  return `${Number((perSecond * 60).toFixed(2))}/min`;
}

export function humanDuration(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `${Math.max(s, 1)} second${s === 1 ? '' : 's'}`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} minute${m === 1 ? '' : 's'}`;
  const h = Math.floor(m / 60);
  const rest = m % 60;
  if (h < 48) return `${h} hour${h === 1 ? '' : 's'}${rest ? ` ${rest} minute${rest === 1 ? '' : 's'}` : ''}`;
  const d = Math.round(h / 24);
  return `${d} days`;
}

function formatLocal(at: Date, zone: string, now: Date): string {
  const t = DateTime.fromJSDate(at).setZone(zone);
  const sameDay = t.hasSame(DateTime.fromJSDate(now).setZone(zone), 'day');
  return `${t.toFormat('HH:mm')}${sameDay ? '' : ` on ${t.toFormat('yyyy-MM-dd')}`} (${zone})`;
}

/** A bad DKIM key stops the send before anyone is mailed (exit 3): every row stays pending. */
async function loadDkimOrStop(cfg: Config): Promise<DkimKey | undefined> {
  if (!cfg.env.dkim) return undefined;
  try {
    return await loadDkim(cfg.env.dkim);
  } catch (err) {
    if (err instanceof UserError) throw new DeliveryStopped(`delivery stopped before the first message: ${err.message}. Nothing was sent; fix it and run the same command again.`);
    throw err;
  }
}


/**
 * `--to`: the issue as it is now, to these addresses only, with [TEST] in the subject. Its web
 * version and calendars are stored as a draft at an unguessable address that `serve` answers
 * (src/publish/draft.ts), so every link in the test message works; the unsubscribe link shows the
 * test-message page. The subscribers' send is untouched.
 */
async function testSend(ctx: CliContext, cfg: Config, absolute: string, file: string, opts: SendOptions, now: DateTime): Promise<void> {
  const addresses = opts.to!.split(',').map((a) => a.trim()).filter(Boolean);
  if (addresses.length === 0) throw new UserError('--to needs at least one address, e.g. --to editor@example.org', 2);
  const checked = addresses.map((a) => ({ raw: a, check: checkAddress(a) }));
  const bad = checked.filter((c) => !c.check.ok);
  if (bad.length) throw new UserError(bad.map((b) => `--to ${b.raw}: ${(b.check as { reason: string }).reason}`).join('\n'), 2);

  const slug = issueSlug(path.basename(absolute));
  const draft = await draftEdition({ config: cfg, file: absolute, display: file, engine: opts.engine, viewAt: now, stampAt: now, slug: draftSlug(slug) });
  const prepared = prepareIssue(draft.rendered);
  const store = await openStore(cfg, { now: ctx.now });
  try {
    await store.editions.saveDraft(draft.slug, markDraft(draft.content), ctx.now());
  } finally {
    await store.close();
  }
  println(ctx.stdout, `draft web version and calendars (for this test; not listed, not indexed): ${draft.view.urls.web}`);

  const dkim = await loadDkimOrStop(cfg);
  const transport = createTransport(cfg, `${slug}-test`);
  let failed = 0;
  try {
    for (const [i, { raw }] of checked.entries()) {
      const { raw: message } = await personalise(prepared, { id: 0, address: raw }, {
        publication: cfg.publication,
        slug: `${slug}-test-${Date.now()}`,
        unsubscribeUrl: unsubscribeUrl(cfg.publication.site_url, TEST_TOKEN),
        subjectPrefix: '[TEST] ',
        dkim,
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

async function confirm(ctx: CliContext, opts: SendOptions, facts: readonly string[], question: string): Promise<void> {
  if (opts.yes) return;
  if (!ctx.stdin.isTTY || !ctx.stdout.isTTY) {
    throw new UserError(`${question.replace(/\?$/, '')}: refusing without a terminal to confirm; add --yes to send from a script`);
  }
  for (const line of facts) println(ctx.stdout, line);
  const rl = readline.createInterface({ input: ctx.stdin, output: ctx.stdout });
  try {
    const answer = (await rl.question(`${question} [y/N] `)).trim().toLowerCase();
    if (answer !== 'y' && answer !== 'yes') throw new UserError('not sent', 1);
  } finally {
    rl.close();
  }
}

/** Signals that stop a send gracefully: Ctrl-C, `kill`/`systemctl stop`, and a closed terminal or SSH session. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * The first stop signal: finish the messages in flight, record them, and stop. A second Ctrl-C or
 * SIGTERM quits at once (the messages on the wire become unknown, the others stay pending); a
 * second SIGHUP is ignored (a closed terminal may send several). Writes to a closed terminal are
 * dropped by main(), so the send's own ending is never cut short.
 */
function onInterrupt(ctx: CliContext, controller: AbortController): { off: () => void; which: () => string | undefined } {
  let first: string | undefined;
  const handlers = STOP_SIGNALS.map((sig) => {
    const handler = () => {
      const name = sig === 'SIGINT' ? 'Ctrl-C (SIGINT)' : sig;
      if (!controller.signal.aborted) {
        first = name;
        println(ctx.stderr, `\nstopping on ${name}: finishing the messages in flight and recording them (Ctrl-C again to quit at once)`);
        controller.abort();
      } else if (sig !== 'SIGHUP') {
        println(ctx.stderr, `quitting now on a second ${name}; messages on the wire will show as unknown, the others stay pending`);
        process.exit(130);
      }
    };
    process.on(sig, handler);
    return [sig, handler] as const;
  });
  return {
    off: () => {
      for (const [sig, handler] of handlers) process.off(sig, handler);
    },
    which: () => first,
  };
}

const total = (c: DeliveryCounts) => c.pending + c.sending + c.sent + c.failed + c.unknown + c.skipped;
const done = (c: DeliveryCounts) => c.sent + c.failed + c.unknown + c.skipped;


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
  for (const f of r.topFailures) println(ctx.stdout, `  ${f.count} × ${escapeControl(f.reply)}`);
  if (r.counts.unknown) println(ctx.stdout, `  ${r.counts.unknown} unknown: the server may have received them; not resent (see \`newsletter status ${slug}\`)`);
  if (r.othersRunning > 0) println(ctx.stdout, `  ${r.othersRunning} other sender${r.othersRunning === 1 ? ' is' : 's are'} still running this send: it finishes with ${r.othersRunning === 1 ? 'it' : 'them'}.`);
}
