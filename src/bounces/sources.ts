import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../util/errors';
import { MAX_REPORT_BYTES } from './report';

/** One message from a source: its bytes, or why it could not be read whole. */
export interface IncomingMessage {
  /** Which message, for the one line about it: "bounces.mbox message 3 (line 120)". */
  label: string;
  raw?: Buffer;
  /** Set instead of raw when the message was not read (too big). */
  problem?: string;
}

/** Standard input: one message, as an MTA pipes it (Postfix `pipe`, an /etc/aliases `|command`). */
export async function readStdin(stream: NodeJS.ReadableStream): Promise<IncomingMessage> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooBig = false;
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, 'latin1');
    size += b.length;
    // Keep reading (an MTA's pipe must be drained) but stop keeping.
    if (size > MAX_REPORT_BYTES) tooBig = true;
    else chunks.push(b);
  }
  if (tooBig) return { label: 'standard input', problem: `larger than ${MAX_REPORT_BYTES / 1024 / 1024} MB` };
  return { label: 'standard input', raw: Buffer.concat(chunks) };
}

/**
 * An mbox file (RFC 4155): messages start at lines beginning "From " at the start of the file or
 * after an empty line; ">From " lines are unquoted one level (mboxrd, which also reads mboxo
 * correctly for every line that was quoted). Streamed: a big file is never held whole.
 */
export async function* readMbox(file: string, display = file): AsyncGenerator<IncomingMessage> {
  let stream: fs.ReadStream;
  try {
    await fs.promises.access(file, fs.constants.R_OK);
    stream = fs.createReadStream(file);
  } catch (err) {
    throw new UserError(`${display}: cannot read the mbox file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let lines: Buffer[] = [];
  let size = 0;
  let tooBig = false;
  let number = 0;
  let startLine = 0;
  let lineNo = 0;
  let previousBlank = true;
  let pending: Buffer = Buffer.alloc(0);
  let started = false;

  const finish = (): IncomingMessage | undefined => {
    if (!started) return undefined;
    const label = `${display} message ${number} (line ${startLine})`;
    // The blank line before the next "From " belongs to the separator, not the message.
    const lastLine = lines[lines.length - 2];
    if (lastLine && (lastLine.length === 0 || (lastLine.length === 1 && lastLine[0] === 0x0d))) lines.splice(-2);
    const msg: IncomingMessage = tooBig ? { label, problem: `larger than ${MAX_REPORT_BYTES / 1024 / 1024} MB` } : { label, raw: Buffer.concat(lines) };
    lines = [];
    size = 0;
    tooBig = false;
    return msg;
  };

  const take = function* (line: Buffer): Generator<IncomingMessage> {
    lineNo++;
    const isSeparator = previousBlank && line.subarray(0, 5).toString('latin1') === 'From ';
    previousBlank = line.length === 0 || (line.length === 1 && line[0] === 0x0d) || line.toString('latin1') === '\r';
    if (isSeparator) {
      const done = finish();
      if (done) yield done;
      started = true;
      number++;
      startLine = lineNo;
      return;
    }
    if (!started) {
      if (line.length > 0 && line.toString('latin1').trim() !== '') {
        throw new UserError(`${display}:${lineNo}: not an mbox file (it must start with a "From " line); for a single message use --stdin`);
      }
      return;
    }
    const unquoted = /^>+From /.test(line.subarray(0, 64).toString('latin1')) ? line.subarray(1) : line;
    size += unquoted.length + 1;
    if (size > MAX_REPORT_BYTES) tooBig = true;
    if (!tooBig) lines.push(unquoted, NEWLINE);
  };

  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      let start = 0;
      let nl: number;
      while ((nl = pending.indexOf(0x0a, start)) !== -1) {
        yield* take(pending.subarray(start, nl));
        start = nl + 1;
      }
      pending = pending.subarray(start);
      // A line longer than a whole report is cut: the message is already too big.
      if (pending.length > MAX_REPORT_BYTES) {
        tooBig = true;
        pending = Buffer.alloc(0);
      }
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`${display}: cannot read the mbox file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (pending.length) yield* take(pending);
  const last = finish();
  if (last) yield last;
}

const NEWLINE = Buffer.from('\n');

/**
 * A Maildir: the messages in new/ and cur/, oldest name first. Read only: files are never
 * moved or deleted (running again is harmless: applied reports are recognised).
 */
export async function* readMaildir(dir: string, display = dir): AsyncGenerator<IncomingMessage> {
  const folders = ['new', 'cur'].map((f) => path.join(dir, f));
  const present = folders.filter((f) => fs.existsSync(f) && fs.statSync(f).isDirectory());
  if (present.length === 0) throw new UserError(`${display}: not a Maildir (no new/ or cur/ folder in it)`);
  for (const folder of present) {
    let names: string[];
    try {
      names = (await fs.promises.readdir(folder)).filter((n) => !n.startsWith('.')).sort();
    } catch (err) {
      throw new UserError(`${display}: cannot read ${path.basename(folder)}/: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    for (const name of names) {
      const file = path.join(folder, name);
      const label = `${path.join(display, path.basename(folder), name)}`;
      try {
        const stat = await fs.promises.stat(file);
        if (!stat.isFile()) continue;
        if (stat.size > MAX_REPORT_BYTES) {
          yield { label, problem: `larger than ${MAX_REPORT_BYTES / 1024 / 1024} MB` };
          continue;
        }
        yield { label, raw: await fs.promises.readFile(file) };
      } catch (err) {
        yield { label, problem: `cannot read it: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
      }
    }
  }
}
