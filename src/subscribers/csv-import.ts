import fs from 'node:fs';
import { PassThrough, Transform, type TransformCallback } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import type { SubscriberStore, SuppressionReason } from '../store/types';
import { UserError } from '../util/errors';
import { checkAddress, splitNamedAddress, type Address } from './address';
import { detectFormat, HEADER_ALIASES, normaliseHeader, resolveStatus, STATUS_TARGETS, type Format, type StatusTarget } from './formats';
import { cleanName } from './name';
import { likelyTypo } from './typos';

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
  /** Rows whose status maps to `skip` (e.g. `--status-map pending=skip`). */
  skipped: number;
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

/** A row imported as it is, with something the editor should check (a likely typo). */
export interface RowWarning {
  line: number;
  address: string;
  message: string;
}

/** Which columns an import read, and which it did not. */
export interface ColumnReport {
  format: Format;
  /** "email ← "Email Address"", in the order of the roles. */
  used: { role: 'email' | 'name' | 'first name' | 'last name' | 'status'; column: string }[];
  ignored: string[];
  /** How the bytes were read, when not as UTF-8: Excel's "Unicode text" is UTF-16, its older CSVs Windows-1252. */
  encoding?: 'UTF-16' | 'Windows-1252';
}

/** Up to SAMPLE_SIZE addresses per outcome, for `--dry-run`. */
export type ImportSamples = Record<'added' | 'updated' | 'suppressed' | 'rejected' | 'skipped', string[]>;
export const SAMPLE_SIZE = 5;

export interface ImportResult {
  counts: ImportCounts;
  columns: ColumnReport;
  samples: ImportSamples;
  /** True when nothing was written (`dryRun`). */
  dryRun: boolean;
}

export interface ImportOptions {
  file: string;
  /** The file's name in messages (relative to where the user ran the command). */
  display: string;
  store: SubscriberStore;
  /** Default: detected from the header line. */
  delimiter?: Delimiter;
  /** `--status-map`: the user's meaning of status values, before the format's own. */
  statusMap?: Record<string, StatusTarget>;
  /** Everything is done in the transaction and rolled back at the end: the counts are real. */
  dryRun?: boolean;
  /** Called once the header is accepted and the import has begun. */
  onStart?: (columns: ColumnReport) => void;
  onProgress?: (rows: number) => void;
  onRejected?: (row: RejectedRow) => void;
  onWarning?: (warning: RowWarning) => void;
}

type Columns = { email: number; name?: number; first?: number; last?: number; cell: (record: string[], column: string) => string | undefined };

/** Unknown status labels, counted, with the first line of each: reported together at the end. */
interface Unknown {
  count: number;
  firstLine: number;
}

/** How many distinct unknown values the refusal lists; more are summed up. */
const MAX_UNKNOWN_LISTED = 10;

/**
 * Imports a CSV of subscribers into the store in one transaction: the file is streamed (memory
 * does not depend on its size), each row is checked, and either every accepted row is written or,
 * on any failure, kill or unknown status value, none is. Rejected rows are reported, not fatal.
 */
export async function importSubscribers(opts: ImportOptions): Promise<ImportResult> {
  const { file, display, store } = opts;
  const sniffed = sniff(file, display);
  const delimiter = opts.delimiter ?? sniffed.delimiter;
  const counts: ImportCounts = { added: 0, updated: 0, unchanged: 0, suppressed: 0, duplicate: 0, rejected: 0, skipped: 0, rows: 0 };
  const samples: ImportSamples = { added: [], updated: [], suppressed: [], rejected: [], skipped: [] };
  const sample = (kind: keyof ImportSamples, value: string) => {
    if (samples[kind].length < SAMPLE_SIZE) samples[kind].push(value);
  };
  const unknown = new Map<string, Unknown>();

  const parser = fs
    .createReadStream(file)
    .pipe(sniffed.encoding === 'utf-8' ? new PassThrough() : new Recode(sniffed.encoding))
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
  let report: ColumnReport | undefined;
  /** Where the last complete record ended: an unclosed quote opens on a line after it. */
  let lastEnd = 0;
  let session: Awaited<ReturnType<SubscriberStore['beginImport']>> | undefined;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      lastEnd = info.lines;
      if (!columns) {
        ({ columns, report } = matchHeader(record, display, delimiter));
        if (sniffed.encoding === 'windows-1252') report.encoding = 'Windows-1252';
        else if (sniffed.encoding !== 'utf-8') report.encoding = 'UTF-16';
        session = await store.beginImport();
        opts.onStart?.(report);
        continue;
      }
      // A row of empty cells (`,,,`: what spreadsheets write for a blank row) is a blank line.
      if (record.every((c) => !c.trim())) continue;
      counts.rows++;
      const line = startLine(record, info.lines);
      const row = readRow(record, columns, report!.format, opts.statusMap ?? {});
      if (row.kind === 'unknown') {
        const u = unknown.get(row.label);
        if (u) u.count++;
        else unknown.set(row.label, { count: 1, firstLine: line });
      } else if (row.kind === 'rejected') {
        counts.rejected++;
        sample('rejected', `${record[columns.email] ?? ''} (line ${line}: ${row.reason})`);
        opts.onRejected?.({ line, value: record[columns.email] ?? '', reason: row.reason });
      } else if (row.kind === 'skip') {
        counts.skipped++;
        sample('skipped', row.address);
      } else if (unknown.size === 0) {
        // Once a status is unknown the import will be refused: the rest is only read for the report.
        const typo = likelyTypo(row.address.slice(row.address.lastIndexOf('@') + 1));
        if (typo) opts.onWarning?.({ line, address: row.address, message: `the domain may be a typo of ${typo}; imported as it is, check it with the person` });
        const outcome =
          row.kind === 'active' ? await session!.subscribe(row.address, row.name) : await session!.suppress(row.address, row.reason, `imported from ${display}:${line}`);
        counts[outcome]++;
        if (outcome === 'added' || outcome === 'updated') sample(outcome, row.address);
        if (outcome === 'suppressed') sample('suppressed', row.kind === 'suppress' ? `${row.address} (${row.reason})` : `${row.address} (already suppressed)`);
      }
      if (counts.rows % PROGRESS_EVERY === 0) opts.onProgress?.(counts.rows);
    }
    if (!columns) throw new UserError(`${display}: the file is empty; expected a header line such as "email,name"`);
    if (counts.rows === 0) throw new UserError(`${display}: has a header line but no subscriber rows; nothing to import`);
    if (unknown.size) throw unknownStatuses(display, report!, unknown);
    if (opts.dryRun) await session!.rollback();
    else await session!.commit();
    return { counts, columns: report!, samples, dryRun: opts.dryRun ?? false };
  } catch (err) {
    await session?.rollback();
    throw csvError(err, display, delimiter, lastEnd + 1);
  } finally {
    parser.destroy();
  }
}

type Row =
  | { kind: 'active'; address: Address; name: string | null }
  | { kind: 'suppress'; address: Address; reason: SuppressionReason }
  | { kind: 'skip'; address: string }
  | { kind: 'unknown'; label: string }
  | { kind: 'rejected'; reason: string };

/** One row's meaning, decided without the store: pure, so it is tested by tables. */
export function readRow(record: string[], columns: Columns, format: Format, statusMap: Record<string, StatusTarget>): Row {
  const cell = (i: number | undefined) => (i === undefined ? undefined : record[i]);
  const label = format.label((c) => columns.cell(record, c));
  const target = resolveStatus(format, statusMap, label);
  if (target === undefined) return { kind: 'unknown', label };
  const email = cell(columns.email);
  if (email === undefined || !email.trim()) return { kind: 'rejected', reason: 'no email address' };
  // Google Contacts writes a contact's several addresses in one cell: `a@x.org ::: b@y.org`; the first is theirs.
  const named = splitNamedAddress(email.split(' ::: ')[0]!);
  const checked = checkAddress(named.address);
  if (!checked.ok) return { kind: 'rejected', reason: checked.reason };
  if (target === 'skip') return { kind: 'skip', address: checked.address };
  if (target !== 'active') return { kind: 'suppress', address: checked.address, reason: target };
  const name = cleanName(cell(columns.name) || named.name, cell(columns.first), cell(columns.last));
  if (!name.ok) return { kind: 'rejected', reason: name.reason };
  return { kind: 'active', address: checked.address, name: name.name };
}

/** The refusal for status values nobody said the meaning of: each value, its count, the fix. */
function unknownStatuses(display: string, report: ColumnReport, unknown: Map<string, Unknown>): UserError {
  const sorted = [...unknown.entries()].sort((a, b) => b[1].count - a[1].count || a[1].firstLine - b[1].firstLine);
  const listed = sorted
    .slice(0, MAX_UNKNOWN_LISTED)
    .map(([label, u]) => `${JSON.stringify(label)} (${u.count} row${u.count === 1 ? '' : 's'}, first on line ${u.firstLine})`);
  if (sorted.length > MAX_UNKNOWN_LISTED) listed.push(`and ${sorted.length - MAX_UNKNOWN_LISTED} more`);
  const where = report.format.statusColumns.length ? ` in ${report.format.statusColumns.map((c) => JSON.stringify(c)).join(' / ')}` : '';
  const first = sorted[0]![0];
  const example = /[\s,=]/.test(first) ? `"${first}=skip"` : `${first}=skip`;
  return new UserError(
    `${display}:${sorted[0]![1].firstLine}: unknown status value${sorted.length === 1 ? '' : 's'}${where}: ${listed.join(', ')}; nothing was imported. ` +
      `Say what each means with --status-map, e.g. --status-map ${example} (one of ${STATUS_TARGETS.join(', ')})`,
  );
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

export function matchHeader(header: string[], display: string, delimiter: Delimiter): { columns: Columns; report: ColumnReport } {
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
  const format = detectFormat(header);
  const byName = new Map<string, number>();
  header.forEach((h, i) => {
    const key = normaliseHeader(h);
    if (!byName.has(key)) byName.set(key, i);
  });
  const name = find(HEADER_ALIASES.name);
  const first = name === undefined ? find(HEADER_ALIASES.first) : undefined;
  const last = name === undefined ? find(HEADER_ALIASES.last) : undefined;
  const columns: Columns = {
    email,
    name,
    first,
    last,
    cell: (record, column) => {
      const i = byName.get(normaliseHeader(column));
      return i === undefined ? undefined : record[i];
    },
  };
  const used: ColumnReport['used'] = [{ role: 'email', column: header[email]!.trim() }];
  if (name !== undefined) used.push({ role: 'name', column: header[name]!.trim() });
  if (first !== undefined) used.push({ role: 'first name', column: header[first]!.trim() });
  if (last !== undefined) used.push({ role: 'last name', column: header[last]!.trim() });
  const statusIdx = new Set(format.statusColumns.map((c) => byName.get(normaliseHeader(c))).filter((i): i is number => i !== undefined));
  for (const i of statusIdx) used.push({ role: 'status', column: header[i]!.trim() });
  const usedIdx = new Set([email, name, first, last, ...statusIdx].filter((i) => i !== undefined));
  // Unnamed columns (a trailing delimiter on the header line) are not worth listing.
  const ignored = header.map((h, i) => (usedIdx.has(i) ? undefined : h.trim())).filter((h): h is string => !!h);
  return { columns, report: { format, used, ignored } };
}

/**
 * Refuses files that are not CSV text before anything is written, with a reason a person can
 * act on, and detects the delimiter from the header line: the most frequent of , ; and tab.
 */
export type Encoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

export function sniff(file: string, display: string): { delimiter: Delimiter; encoding: Encoding } {
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
  // Excel's "Unicode text" (and some CRM exports) is UTF-16 with a byte-order mark: read as such.
  let encoding: Encoding = head[0] === 0xff && head[1] === 0xfe ? 'utf-16le' : head[0] === 0xfe && head[1] === 0xff ? 'utf-16be' : 'utf-8';
  if (head.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1'))) throw notCsv('it looks like a spreadsheet or zip archive, such as .xlsx');
  if (encoding === 'utf-8' && head.includes(0)) throw notCsv('it contains binary data');
  let text: string;
  try {
    // stream: a multi-byte character cut at the end of the sniffed bytes is not an error.
    text = new TextDecoder(encoding, { fatal: true }).decode(head, { stream: true });
  } catch {
    if (encoding !== 'utf-8') throw notCsv('it is not valid UTF-16 text; save it as "CSV UTF-8"');
    // Not UTF-8: Excel's "CSV" (not "CSV UTF-8") on Windows writes the Windows-1252 code page.
    encoding = 'windows-1252';
    text = new TextDecoder(encoding).decode(head);
  }
  if (encoding !== 'utf-8' && text.includes('\0')) throw notCsv('it contains binary data');
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
  return { delimiter: best, encoding };
}

/** Bytes in another encoding to UTF-8, for the CSV parser (a character split across chunks is kept whole). */
class Recode extends Transform {
  private readonly decoder: InstanceType<typeof TextDecoder>;

  constructor(encoding: Exclude<Encoding, 'utf-8'>) {
    super();
    this.decoder = new TextDecoder(encoding);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    done(null, Buffer.from(this.decoder.decode(chunk, { stream: true }), 'utf8'));
  }

  override _flush(done: TransformCallback): void {
    const rest = this.decoder.decode();
    done(null, rest ? Buffer.from(rest, 'utf8') : undefined);
  }
}

/** csv-parse's errors, as one line naming where the problem is; nothing was written. */
function csvError(err: unknown, display: string, delimiter: Delimiter, nextRecordLine: number): unknown {
  if (!(err instanceof CsvError)) return err;
  const e = err as CsvError & { lines?: number };
  const d = JSON.stringify(delimiter);
  // csv-parse reports these at the end of the file (or of the size limit), far from the cause.
  if (e.code === 'CSV_QUOTE_NOT_CLOSED') {
    return new UserError(`${display}:${nextRecordLine}: not valid CSV (delimiter ${d}): a quoted field that starts on or after this line is never closed; nothing was imported`);
  }
  // Past the size limit, the parser cannot tell a quote never closed from a closed field that is
  // merely huge: say both, rather than calling a closed quote "never closed".
  if (e.code === 'CSV_MAX_RECORD_SIZE') {
    return new UserError(
      `${display}:${nextRecordLine}: a row starting on or after this line is longer than ${MAX_RECORD_BYTES / 1024} KB, far more than a subscriber's: a field that long, or a quoted field that is never closed; nothing was imported`,
    );
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
