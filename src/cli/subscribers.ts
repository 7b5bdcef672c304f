import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Command, Option } from 'commander';
import { stringify } from 'csv-stringify';
import { openStore, SUBSCRIBER_STATUSES, SUPPRESSION_REASONS, type Store, type Subscriber, type SubscriberStatus, type SuppressionReason } from '../store';
import { parseAddress } from '../subscribers/address';
import { importSubscribers, type Delimiter, type ImportCounts } from '../subscribers/csv-import';
import { nameForSpreadsheet } from '../subscribers/name';
import { UserError } from '../util/errors';
import { config, println, type CliContext } from './context';

/** Widest email and name columns in `list`; longer values are cut with an ellipsis. */
const MAX_EMAIL_COLUMN = 48;
const MAX_NAME_COLUMN = 32;
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
    .description('the subscriber list: import, list, count, export, remove, suppress')
    .addCommand(
      sub('import')
        .description('add and update subscribers from a CSV file (header line with an email column), all or nothing')
        .argument('<csv>', 'the CSV file, e.g. examples/subscribers.csv')
        .option('--delimiter <char>', 'field delimiter: "," ";" or "tab" (default: detected from the header line)')
        .action(async (file: string, opts: { delimiter?: string }) => {
          const delimiter = opts.delimiter === undefined ? undefined : parseDelimiter(opts.delimiter);
          await withStore(ctx, async (store) => {
            const counts = await importSubscribers({
              file: path.resolve(ctx.cwd, file),
              display: file,
              store: store.subscribers,
              delimiter,
              onStart: () => println(ctx.stderr, `importing ${file}…`),
              onProgress: (rows) => println(ctx.stderr, `importing ${file}: ${rows.toLocaleString('en-US')} rows…`),
              onRejected: (r) => println(ctx.stderr, `${file}:${r.line}: rejected ${JSON.stringify(shorten(r.value, 80))}: ${r.reason}`),
            });
            println(ctx.stdout, `${file}: ${summary(counts)}`);
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
  return `${c.added} added, ${c.updated} updated, ${c.unchanged} unchanged, ${c.rejected} rejected, ${c.suppressed} suppressed (${c.rows} row${c.rows === 1 ? '' : 's'}${merged})`;
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
