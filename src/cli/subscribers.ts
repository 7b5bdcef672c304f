import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Command, Option } from 'commander';
import { stringify } from 'csv-stringify';
import { openStore, SUBSCRIBER_STATUSES, SUPPRESSION_REASONS, type Store, type Subscriber, type SubscriberStatus, type SuppressionReason } from '../store';
import { parseAddress, splitNamedAddress } from '../subscribers/address';
import { importSubscribers, type ColumnReport, type Delimiter, type ImportCounts } from '../subscribers/csv-import';
import { parseStatusMap, STATUS_TARGETS } from '../subscribers/formats';
import { cleanName, nameForSpreadsheet } from '../subscribers/name';
import { UserError } from '../util/errors';
import { config, println, type CliContext } from './context';

/** Widest email and name columns in `list`; longer values are cut with an ellipsis. */
const MAX_EMAIL_COLUMN = 48;
const MAX_NAME_COLUMN = 32;
/** Why lifting these suppressions can hurt every other subscriber's mail. */
const RISK: Partial<Record<SuppressionReason, string>> = {
  bounced: 'Mailing an address that bounces again counts against the sender: providers slow down or block all of our mail when the bounce rate rises. Check the address with the person first.',
  complained: 'A spam complaint is the strongest signal providers have; Gmail and Yahoo block senders above 0.3% complaints. Only resubscribe someone who asked for it themselves.',
};
/** Suppression reasons `list --status` also takes: the ones bounce processing sets. */
const LISTED_SUPPRESSIONS = ['bounced', 'complained'] as const;
type ListedSuppression = (typeof LISTED_SUPPRESSIONS)[number];
const isListedSuppression = (s: string | undefined): s is ListedSuppression => (LISTED_SUPPRESSIONS as readonly (string | undefined)[]).includes(s);

/** The export's header; `subscribers import` reads the same file back. */
const CSV_COLUMNS = ['email', 'name', 'status'];

export function subscribersCommand(ctx: CliContext): Command {
  const sub = (name: string) =>
    new Command(name).exitOverride().configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) });

  return new Command('subscribers')
    .description('the subscriber list: import, add, resubscribe, list, count, export, remove, suppress')
    .addCommand(
      sub('import')
        .description('add, update and suppress subscribers from a CSV export (Action Network, Mailchimp, NationBuilder or any list with an email column), all or nothing')
        .argument('<csv>', 'the CSV file, e.g. examples/subscribers.csv')
        .option('--delimiter <char>', 'field delimiter: "," ";" or "tab" (default: detected from the header line)')
        .option('--status-map <value=target...>', `what a status value means: ${STATUS_TARGETS.join(', ')} (e.g. pending=skip; repeatable, or comma-separated)`, collect, [])
        .option('--dry-run', 'show what would be added, updated, suppressed and rejected; write nothing')
        .action(async (file: string, opts: { delimiter?: string; statusMap: string[]; dryRun?: boolean }) => {
          const delimiter = opts.delimiter === undefined ? undefined : parseDelimiter(opts.delimiter);
          const statusMap = parseStatusMap(opts.statusMap);
          await withStore(ctx, async (store) => {
            const result = await importSubscribers({
              file: path.resolve(ctx.cwd, file),
              display: file,
              store: store.subscribers,
              delimiter,
              statusMap,
              dryRun: opts.dryRun,
              onStart: (columns) => {
                for (const line of describeColumns(file, columns)) println(ctx.stderr, line);
                println(ctx.stderr, `importing ${file}…`);
              },
              onProgress: (rows) => println(ctx.stderr, `importing ${file}: ${rows.toLocaleString('en-US')} rows…`),
              onRejected: (r) => println(ctx.stderr, `${file}:${r.line}: rejected ${JSON.stringify(shorten(r.value, 80))}: ${r.reason}`),
              onWarning: (w) => println(ctx.stderr, `${file}:${w.line}: warning: ${w.address}: ${w.message}`),
            });
            if (!result.dryRun) {
              println(ctx.stdout, `${file}: ${summary(result.counts)}`);
              return;
            }
            println(ctx.stdout, `dry run: ${file}: ${summary(result.counts).replace(/^(\d+) added, (\d+) updated/, '$1 would be added, $2 updated')}`);
            for (const kind of ['added', 'updated', 'suppressed', 'rejected', 'skipped'] as const) {
              const shown = result.samples[kind];
              if (!shown.length) continue;
              const total = kind === 'suppressed' ? result.counts.suppressed : result.counts[kind];
              const more = total > shown.length ? `, and ${total - shown.length} more` : '';
              println(ctx.stdout, `  ${kind}: ${shown.join(', ')}${more}`);
            }
            println(ctx.stdout, 'nothing was written (run it again without --dry-run to import)');
          });
        }),
    )
    .addCommand(
      sub('list')
        .description('list subscribers, in address order')
        .addOption(new Option('--status <status>', 'only subscribers with this status (bounced, complained: suppressed for that reason)').choices([...SUBSCRIBER_STATUSES, ...LISTED_SUPPRESSIONS]))
        .option('--plain', 'one address per line, nothing else (for scripts)')
        .action(async (opts: { status?: SubscriberStatus | ListedSuppression; plain?: boolean }) => {
          await withStore(ctx, async (store) => {
            const filter = isListedSuppression(opts.status) ? { suppression: opts.status } : { status: opts.status };
            const rows = () => store.subscribers.list(filter);
            if (opts.plain) {
              for await (const s of rows()) println(ctx.stdout, s.email);
              return;
            }
            await printTable(ctx, rows, opts.status, isListedSuppression(opts.status) ? opts.status : undefined);
          });
        }),
    )
    .addCommand(
      sub('count')
        .description('how many subscribers are active, unsubscribed, and how many addresses are suppressed')
        .action(async () => {
          await withStore(ctx, async (store) => {
            const c = await store.subscribers.counts();
            println(ctx.stdout, `active: ${c.active}`);
            println(ctx.stdout, `unsubscribed: ${c.unsubscribed}`);
            println(ctx.stdout, `suppressed: ${c.suppressed}`);
            println(ctx.stdout, `  bounced: ${c.bounced}`);
            println(ctx.stdout, `  complained: ${c.complained}`);
          });
        }),
    )
    .addCommand(
      sub('export')
        .description('write the subscribers as CSV (email,name,status) to standard output or a file')
        .option('--out <file>', 'write to this file instead of standard output')
        .addOption(new Option('--status <status>', 'only subscribers with this status').choices(SUBSCRIBER_STATUSES))
        .action(async (opts: { out?: string; status?: SubscriberStatus }) => {
          await withStore(ctx, async (store) => {
            const rows = store.subscribers.list({ status: opts.status });
            if (!opts.out) {
              await writeCsv(rows, ctx.stdout, false);
              return;
            }
            const n = await exportToFile(rows, path.resolve(ctx.cwd, opts.out));
            println(ctx.stdout, `exported ${n} subscriber${n === 1 ? '' : 's'} to ${opts.out}`);
          });
        }),
    )
    .addCommand(
      sub('add')
        .description('add one person (refused if the address is suppressed or unsubscribed: see resubscribe)')
        .argument('<email>', 'the address (or "Name <address>")')
        .option('--name <name>', 'their name')
        .option('--note <text>', 'why or how they joined, kept with the address (e.g. "signed up at the March 22 meeting")')
        .action(async (email: string, opts: { name?: string; note?: string }) => {
          const named = splitNamedAddress(email);
          const address = parseAddress(named.address);
          const name = cleanName(opts.name ?? named.name);
          if (!name.ok) throw new UserError(`--name: ${name.reason}`, 2);
          await withStore(ctx, async (store) => {
            const r = await store.subscribers.add(address, name.name, { source: 'cli', note: opts.note ?? null });
            if (r.outcome === 'added') return println(ctx.stdout, `added ${r.subscriber.email}${r.subscriber.name ? ` (${r.subscriber.name})` : ''}`);
            if (r.outcome === 'exists') return println(ctx.stdout, `${r.subscriber.email} is already subscribed (${r.subscriber.status}); nothing changed`);
            const why = r.suppression ? `suppressed (${r.suppression.reason}, since ${r.suppression.at.slice(0, 10)})` : 'unsubscribed';
            throw new UserError(
              `${address} is ${why}; nothing was added. If they asked to come back: newsletter subscribers resubscribe ${address} --note "asked by …"`,
            );
          });
        }),
    )
    .addCommand(
      sub('resubscribe')
        .description('lift an unsubscribed or manual suppression for someone who asked to come back, recording why')
        .argument('<email>', 'the address, in any capitalisation')
        .requiredOption('--note <text>', 'who asked and how, kept with the address (e.g. "asked by phone 2021-03-22")')
        .option('--name <name>', 'their name, if they are not on the list any more')
        .option('--force', 'also lift a bounced or complained suppression (see the warning it prints)')
        .action(async (email: string, opts: { note: string; name?: string; force?: boolean }) => {
          const address = parseAddress(email);
          const note = opts.note.trim();
          if (!note) throw new UserError('--note must say who asked and how (e.g. --note "asked by phone 2021-03-22")', 2);
          const name = cleanName(opts.name);
          if (!name.ok) throw new UserError(`--name: ${name.reason}`, 2);
          await withStore(ctx, async (store) => {
            const r = await store.subscribers.resubscribe(address, { source: 'cli', note, force: opts.force, name: name.name });
            if (r.outcome === 'already-active') return println(ctx.stdout, `${r.subscriber.email} is already subscribed; nothing changed`);
            if (r.outcome === 'refused') {
              throw new UserError(
                `${address} is suppressed because ${r.suppression.reason === 'bounced' ? 'mail to it bounced' : 'its owner reported our mail as spam'} (${r.suppression.at.slice(0, 10)}); ` +
                  `nothing changed. ${RISK[r.suppression.reason] ?? ''} If you are sure, run it again with --force`,
              );
            }
            const lifted = r.lifted ? ` (lifted the ${r.lifted.reason} suppression of ${r.lifted.at.slice(0, 10)})` : '';
            println(ctx.stdout, `resubscribed ${r.subscriber.email}${lifted}; note: ${note}`);
            if (r.lifted && (r.lifted.reason === 'bounced' || r.lifted.reason === 'complained')) {
              println(ctx.stderr, `warning: ${RISK[r.lifted.reason]}`);
            }
          });
        }),
    )
    .addCommand(
      sub('remove')
        .description('delete a subscriber (a suppression of the address, if any, stays)')
        .argument('<email>', 'the address, in any capitalisation')
        .action(async (email: string) => {
          const address = parseAddress(email);
          await withStore(ctx, async (store) => {
            const existing = await store.subscribers.get(address);
            if (!existing || !(await store.subscribers.remove(address))) {
              throw new UserError(`no subscriber has the address ${address}; nothing was removed (see \`newsletter subscribers list\`)`);
            }
            const suppressed = await store.subscribers.suppression(address);
            println(ctx.stdout, `removed ${existing.email}${suppressed ? ` (the address stays suppressed: ${suppressed.reason})` : ''}`);
          });
        }),
    )
    .addCommand(
      sub('suppress')
        .description('never mail this address again (also for addresses that are not subscribers)')
        .argument('<email>', 'the address, in any capitalisation')
        .addOption(new Option('--reason <reason>', 'why').choices(SUPPRESSION_REASONS).default('manual'))
        .action(async (email: string, opts: { reason: SuppressionReason }) => {
          const address = parseAddress(email);
          await withStore(ctx, async (store) => {
            const r = await store.subscribers.suppress(address, opts.reason, 'newsletter subscribers suppress');
            if (!r.added) {
              println(ctx.stdout, `${address} was already suppressed (${r.suppression.reason}, since ${r.suppression.at})`);
            } else {
              println(ctx.stdout, `suppressed ${address} (${r.suppression.reason})`);
            }
            if (r.subscriberUnsubscribed) println(ctx.stdout, `the subscriber ${address} is now unsubscribed`);
          });
        }),
    );
}

async function withStore<T>(ctx: CliContext, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(config(ctx), { now: ctx.now });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

function parseDelimiter(value: string): Delimiter {
  const d = value === 'tab' || value === '\\t' ? '\t' : value;
  if (d === ',' || d === ';' || d === '\t') return d;
  throw new UserError(`--delimiter must be "," ";" or "tab", not ${JSON.stringify(value)}`, 2);
}

function summary(c: ImportCounts): string {
  const merged = c.duplicate ? `; ${c.duplicate} duplicate${c.duplicate === 1 ? '' : 's'} merged` : '';
  const skipped = c.skipped ? `, ${c.skipped} skipped` : '';
  return `${c.added} added, ${c.updated} updated, ${c.unchanged} unchanged, ${c.rejected} rejected, ${c.suppressed} suppressed${skipped} (${c.rows} row${c.rows === 1 ? '' : 's'}${merged})`;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** What the import understood of the header: the format, the columns it reads, the ones it does not. */
function describeColumns(file: string, report: ColumnReport): string[] {
  const quote = (c: string) => (/^[A-Za-z0-9_]+$/.test(c) ? c : JSON.stringify(c));
  const used = report.used.map((u) => `${quote(u.column)} (${u.role})`).join(', ');
  const status = report.used.some((u) => u.role === 'status') ? '' : '; no status column: every row is active';
  const encoding = report.encoding ? ` (read as ${report.encoding} text${report.encoding === 'Windows-1252' ? ', not UTF-8' : ''})` : '';
  const lines = [`${file}: ${report.format.title}${encoding}; using ${used}${status}`];
  if (report.ignored.length) {
    const n = report.ignored.length;
    lines.push(`${file}: ignoring ${n} column${n === 1 ? '' : 's'}: ${report.ignored.map(quote).join(', ')}`);
  }
  return lines;
}

function shorten(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Two passes over the list (widths, then rows) so the table is aligned without holding it. */
async function printTable(ctx: CliContext, rows: () => AsyncIterable<Subscriber>, status?: string, shownStatus?: string): Promise<void> {
  let emailWidth = 'email'.length;
  let nameWidth = 'name'.length;
  let n = 0;
  for await (const s of rows()) {
    n++;
    emailWidth = Math.max(emailWidth, Math.min(s.email.length, MAX_EMAIL_COLUMN));
    nameWidth = Math.max(nameWidth, Math.min((s.name ?? '').length, MAX_NAME_COLUMN));
  }
  if (n === 0) {
    println(ctx.stdout, status ? `no ${status} subscribers` : 'no subscribers yet (add some with `newsletter subscribers import <csv>`)');
    return;
  }
  const line = (email: string, name: string, st: string, added: string) =>
    `${shorten(email, MAX_EMAIL_COLUMN).padEnd(emailWidth)}  ${shorten(name, MAX_NAME_COLUMN).padEnd(nameWidth)}  ${st.padEnd(12)}  ${added}`.trimEnd();
  println(ctx.stdout, line('email', 'name', 'status', 'added'));
  for await (const s of rows()) println(ctx.stdout, line(s.email, s.name ?? '', shownStatus ?? s.status, s.addedAt.slice(0, 10)));
  println(ctx.stdout, `${n} subscriber${n === 1 ? '' : 's'}`);
}

/** Streams CSV with backpressure: memory does not grow with the list. Returns the rows written. */
async function writeCsv(rows: AsyncIterable<Subscriber>, out: NodeJS.WritableStream, end: boolean): Promise<number> {
  const csv = stringify({ header: true, columns: CSV_COLUMNS });
  const finished = new Promise<void>((resolve, reject) => {
    csv.on('end', resolve);
    csv.on('error', reject);
  });
  csv.pipe(out, { end });
  let n = 0;
  for await (const s of rows) {
    n++;
    if (!csv.write([s.email, nameForSpreadsheet(s.name), s.status])) await once(csv, 'drain');
  }
  csv.end();
  await finished;
  return n;
}

/** Written beside the target and renamed into place, so a failed export never leaves half a file. */
async function exportToFile(rows: AsyncIterable<Subscriber>, file: string): Promise<number> {
  const tmp = `${file}.${process.pid}.tmp`;
  let n = 0;
  const records = Readable.from(
    (async function* () {
      for await (const s of rows) {
        n++;
        yield [s.email, nameForSpreadsheet(s.name), s.status];
      }
    })(),
  );
  try {
    await pipeline(records, stringify({ header: true, columns: CSV_COLUMNS }), fs.createWriteStream(tmp));
    fs.renameSync(tmp, file);
    return n;
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new UserError(`cannot write ${file}: its folder does not exist`);
    if (e.code === 'EACCES' || e.code === 'EISDIR' || e.code === 'ENOSPC') throw new UserError(`cannot write ${file}: ${e.message}`);
    throw err;
  }
}
