import fs from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import type { ImportOutcome, SubscriberStore, SuppressionReason } from '../store/types';
import { UserError } from '../util/errors';
import { checkAddress } from './address';
import { cleanName } from './name';

/** Enough of the file to recognise its type and read the header line. */
const SNIFF_BYTES = 64 * 1024;
/** One row of a subscriber list is far smaller; an unclosed quote would otherwise swallow the file. */
const MAX_RECORD_BYTES = 64 * 1024;
/** Progress is reported every this many rows: often enough to see it move, rarely enough not to flood logs. */
export const PROGRESS_EVERY = 10_000;

export type Delimiter = ',' | ';' | '\t';
export const DELIMITERS: readonly Delimiter[] = [',', ';', '\t'];

export interface ImportCounts {
  added: number;
  updated: number;
  unchanged: number;
  suppressed: number;
  /** Rows for an address already seen earlier in the file, merged into it. */
  duplicate: number;
  rejected: number;
  /** Data rows read (header and blank lines not counted). */
  rows: number;
}

export interface RejectedRow {
  /** 1-based line of the file where the row starts. */
  line: number;
  /** The email cell as it was in the file. */
  value: string;
  reason: string;
}

export interface ImportOptions {
  file: string;
  /** The file's name in messages (relative to where the user ran the command). */
  display: string;
  store: SubscriberStore;
  /** Default: detected from the header line. */
  delimiter?: Delimiter;
  /** Called once the header is accepted and the import has begun. */
  onStart?: () => void;
  onProgress?: (rows: number) => void;
  onRejected?: (row: RejectedRow) => void;
}

/** Loose header matching: lower-cased, with everything but letters and digits removed. */
const HEADER_ALIASES: Record<'email' | 'name' | 'first' | 'last' | 'status', string[]> = {
  email: ['email', 'emailaddress', 'mail', 'mailaddress'],
  name: ['name', 'fullname', 'displayname'],
  first: ['firstname', 'first', 'givenname', 'fname', 'forename'],
  last: ['lastname', 'last', 'surname', 'familyname', 'lname'],
  status: ['status', 'subscriptionstatus', 'subscriberstatus'],
};

type Columns = { email: number; name?: number; first?: number; last?: number; status?: number };

/** Values of the status column; empty means active. */
const STATUS_VALUES: Record<string, 'active' | SuppressionReason> = {
  '': 'active',
  active: 'active',
  subscribed: 'active',
  unsubscribed: 'unsubscribed',
  bounced: 'bounced',
  complained: 'complained',
};

/**
 * Imports a CSV of subscribers into the store in one transaction: the file is streamed (memory
 * does not depend on its size), each row is checked, and either every accepted row is written or,
 * on any failure or kill, none is. Rejected rows are reported, not fatal.
 */
export async function importSubscribers(opts: ImportOptions): Promise<ImportCounts> {
  const { file, display, store } = opts;
  const sniffed = sniff(file, display);
  const delimiter = opts.delimiter ?? sniffed.delimiter;
  const counts: ImportCounts = { added: 0, updated: 0, unchanged: 0, suppressed: 0, duplicate: 0, rejected: 0, rows: 0 };

  const parser = fs
    .createReadStream(file)
    .pipe(new CrLfToLf())
    .pipe(
      parse({
        bom: true,
        delimiter,
        info: true,
        relax_column_count: true,
        skip_empty_lines: true,
        max_record_size: MAX_RECORD_BYTES,
      }),
    );

  let columns: Columns | undefined;
  /** Where the last complete record ended: an unclosed quote opens on a line after it. */
  let lastEnd = 0;
  let session: Awaited<ReturnType<SubscriberStore['beginImport']>> | undefined;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      lastEnd = info.lines;
      if (!columns) {
        columns = matchHeader(record, display, delimiter);
        session = await store.beginImport();
        opts.onStart?.();
        continue;
      }
      counts.rows++;
      const line = startLine(record, info.lines);
      const outcome = await importRow(record, columns, session!, `${display}:${line}`);
      if (typeof outcome === 'string') counts[outcome]++;
      else {
        counts.rejected++;
        opts.onRejected?.({ line, value: record[columns.email] ?? '', reason: outcome.reason });
      }
      if (counts.rows % PROGRESS_EVERY === 0) opts.onProgress?.(counts.rows);
    }
    if (!columns) throw new UserError(`${display}: the file is empty; expected a header line such as "email,name"`);
    if (counts.rows === 0) throw new UserError(`${display}: has a header line but no subscriber rows; nothing to import`);
    await session!.commit();
    return counts;
  } catch (err) {
    await session?.rollback();
    throw csvError(err, display, delimiter, lastEnd + 1);
  } finally {
    parser.destroy();
  }
}

async function importRow(record: string[], columns: Columns, session: Awaited<ReturnType<SubscriberStore['beginImport']>>, where: string): Promise<ImportOutcome | { reason: string }> {
  const cell = (i: number | undefined) => (i === undefined ? undefined : record[i]);
  const email = cell(columns.email);
  if (email === undefined || !email.trim()) return { reason: 'no email address' };
  const checked = checkAddress(email);
  if (!checked.ok) return { reason: checked.reason };
  const status = STATUS_VALUES[(cell(columns.status) ?? '').trim().toLowerCase()];
  if (!status) {
    return { reason: `status ${JSON.stringify(cell(columns.status))} is not one of ${Object.keys(STATUS_VALUES).filter(Boolean).join(', ')} (or empty)` };
  }
  if (status !== 'active') return session.suppress(checked.address, status, `imported from ${where}`);
  const name = cleanName(cell(columns.name), cell(columns.first), cell(columns.last));
  if (!name.ok) return { reason: name.reason };
  return session.subscribe(checked.address, name.name);
}

/**
 * The line a record starts on. csv-parse reports the line where it ends; line breaks inside
 * quoted cells (a multi-line name) are the only ones within a record.
 */
function startLine(record: string[], endLine: number): number {
  let breaks = 0;
  for (const field of record) breaks += field.match(/[\r\n]/g)?.length ?? 0;
  return endLine - breaks;
}

export function normaliseHeader(h: string): string {
  return h.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function matchHeader(header: string[], display: string, delimiter: Delimiter): Columns {
  const find = (aliases: string[]) => {
    const i = header.findIndex((h) => aliases.includes(normaliseHeader(h)));
    return i < 0 ? undefined : i;
  };
  const email = find(HEADER_ALIASES.email);
  if (email === undefined) {
    const found = header.map((h) => JSON.stringify(h.trim())).join(', ');
    throw new UserError(
      `${display}:1: no email column; the header has ${found || 'nothing'} (read with delimiter ${JSON.stringify(delimiter)}). ` +
        'The first line must name the columns, one of them "email" (or "E-mail Address", "email_address"); nothing was imported',
    );
  }
  return { email, name: find(HEADER_ALIASES.name), first: find(HEADER_ALIASES.first), last: find(HEADER_ALIASES.last), status: find(HEADER_ALIASES.status) };
}

/**
 * Refuses files that are not CSV text before anything is written, with a reason a person can
 * act on, and detects the delimiter from the header line: the most frequent of , ; and tab.
 */
export function sniff(file: string, display: string): { delimiter: Delimiter } {
  let head: Buffer;
  let size: number;
  try {
    size = fs.statSync(file).size;
    const fd = fs.openSync(file, 'r');
    try {
      head = Buffer.alloc(Math.min(SNIFF_BYTES, size));
      fs.readSync(fd, head, 0, head.length, 0);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${display}: no such file`);
    if (code === 'EISDIR') throw new UserError(`${display}: is a folder, not a CSV file`);
    throw new UserError(`${display}: cannot be read (${(err as Error).message})`);
  }
  const notCsv = (what: string) => new UserError(`${display}: is not a CSV file (${what}); export the list as CSV with a header line such as "email,name"; nothing was imported`);
  if (head[0] === 0xff && head[1] === 0xfe) throw notCsv('it is UTF-16 text; save it as "CSV UTF-8"');
  if (head[0] === 0xfe && head[1] === 0xff) throw notCsv('it is UTF-16 text; save it as "CSV UTF-8"');
  if (head.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1'))) throw notCsv('it looks like a spreadsheet or zip archive, such as .xlsx');
  if (head.includes(0)) throw notCsv('it contains binary data');
  let text: string;
  try {
    // stream: a multi-byte character cut at the end of the sniffed bytes is not an error.
    text = new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
  } catch {
    throw notCsv('it is not UTF-8 text; save it as "CSV UTF-8"');
  }
  text = text.replace(/^\ufeff/, '');
  const start = text.trimStart();
  if (!start) throw new UserError(`${display}: the file is empty; expected a header line such as "email,name"`);
  if (start.startsWith('<')) throw notCsv('it looks like HTML or XML');
  if (start.startsWith('{') || start.startsWith('[')) throw notCsv('it looks like JSON');
  const firstLine = start.split(/\r\n|\n|\r/, 1)[0]!;
  if (firstLine.length === start.length && size > head.length) throw notCsv(`its first line is longer than ${SNIFF_BYTES / 1024} KiB`);
  let best: Delimiter = ',';
  let bestCount = 0;
  for (const d of DELIMITERS) {
    const n = firstLine.split(d).length - 1;
    if (n > bestCount) [best, bestCount] = [d, n];
  }
  return { delimiter: best };
}

/** csv-parse's errors, as one line naming where the problem is; nothing was written. */
function csvError(err: unknown, display: string, delimiter: Delimiter, nextRecordLine: number): unknown {
  if (!(err instanceof CsvError)) return err;
  const e = err as CsvError & { lines?: number };
  const d = JSON.stringify(delimiter);
  // csv-parse reports these at the end of the file (or of the size limit), far from the cause.
  if (e.code === 'CSV_QUOTE_NOT_CLOSED' || e.code === 'CSV_MAX_RECORD_SIZE') {
    return new UserError(`${display}:${nextRecordLine}: not valid CSV (delimiter ${d}): a quoted field that starts on or after this line is never closed; nothing was imported`);
  }
  const line = typeof e.lines === 'number' ? `:${e.lines}` : '';
  return new UserError(`${display}${line}: not valid CSV (delimiter ${d}): ${e.message}; nothing was imported`);
}

/**
 * csv-parse counts a CR LF inside a quoted cell as two lines, which would shift every later line
 * number. CR LF becomes LF before parsing (byte-wise: neither byte occurs inside a UTF-8 sequence).
 */
class CrLfToLf extends Transform {
  private pendingCr = false;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let s = chunk.toString('latin1');
    if (this.pendingCr) s = '\r' + s;
    this.pendingCr = s.endsWith('\r');
    if (this.pendingCr) s = s.slice(0, -1);
    done(null, Buffer.from(s.replace(/\r\n/g, '\n'), 'latin1'));
  }

  override _flush(done: TransformCallback): void {
    done(null, this.pendingCr ? Buffer.from('\r', 'latin1') : undefined);
  }
}
