import fs from 'node:fs';
import path from 'node:path';
import { CalendarError } from './errors';

/**
 * Reads a calendar source: an .ics file (relative to the project folder) or an http(s) URL of an
 * iCalendar feed (`webcal://`, what "subscribe" buttons use, is fetched as https). Fetching is
 * careful: only http and https (every redirect too), at most MAX_REDIRECTS of them, a timeout for
 * the whole exchange, a size limit enforced while reading, and one clear line for each failure.
 * What comes back is text to parse, never a path, a command or markup.
 */

export const FETCH_LIMITS = { timeoutMs: 20_000, maxBytes: 10 * 1024 * 1024, maxRedirects: 5 };

export interface FetchOptions {
  /** The project folder: file sources are relative to it. */
  root: string;
  timeoutMs?: number;
  maxBytes?: number;
  maxRedirects?: number;
}

export interface SourceText {
  source: string;
  text: string;
}

export function isUrlSource(source: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(source);
}

export async function readSource(source: string, opts: FetchOptions): Promise<SourceText> {
  const text = isUrlSource(source) ? await fetchCalendar(source, opts) : readCalendarFile(source, opts);
  checkIsCalendar(source, text);
  return { source, text };
}

function readCalendarFile(source: string, opts: FetchOptions): string {
  const maxBytes = opts.maxBytes ?? FETCH_LIMITS.maxBytes;
  const file = path.resolve(opts.root, source);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CalendarError(`${source}: no such file (give an .ics file or an https:// address of a calendar feed)`);
    throw new CalendarError(`${source}: cannot read it (${code ?? String(err)})`);
  }
  if (stat.isDirectory()) throw new CalendarError(`${source} is a folder; give an .ics file`);
  if (stat.size > maxBytes) throw new CalendarError(`${source}: the file is ${mb(stat.size)}, more than the ${mb(maxBytes)} a calendar may be`);
  return decodeCalendar(fs.readFileSync(file), 'utf-8');
}

async function fetchCalendar(source: string, opts: FetchOptions): Promise<string> {
  const timeoutMs = opts.timeoutMs ?? FETCH_LIMITS.timeoutMs;
  const maxBytes = opts.maxBytes ?? FETCH_LIMITS.maxBytes;
  const maxRedirects = opts.maxRedirects ?? FETCH_LIMITS.maxRedirects;
  let url = parseUrl(source, source);
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    for (let redirects = 0; ; redirects++) {
      const res = await fetch(url, {
        redirect: 'manual',
        signal,
        headers: { accept: 'text/calendar, application/ics;q=0.9, */*;q=0.1', 'user-agent': 'newsletter (calendar import)' },
      });
      if (res.status >= 300 && res.status < 400 && res.headers.has('location')) {
        await res.body?.cancel();
        if (redirects >= maxRedirects) throw new CalendarError(`${source}: more than ${maxRedirects} redirects; open it in a browser and use the address it ends at`);
        url = parseUrl(new URL(res.headers.get('location')!, url).href, source, 'redirects to');
        continue;
      }
      if (!res.ok) {
        await res.body?.cancel();
        throw new CalendarError(`${source}: ${httpProblem(res.status, res.statusText)}`);
      }
      const type = (res.headers.get('content-type') ?? '').toLowerCase();
      if (/^(image|video|audio)\//.test(type)) {
        await res.body?.cancel();
        throw new CalendarError(`${source}: the server sent ${type.split(';')[0]}, not a calendar`);
      }
      const length = Number(res.headers.get('content-length') ?? 0);
      if (length > maxBytes) {
        await res.body?.cancel();
        throw new CalendarError(`${source}: the calendar is ${mb(length)}, more than the ${mb(maxBytes)} allowed`);
      }
      const text = await readLimited(res, maxBytes, source, charsetOf(type));
      // Some servers label a calendar text/html; the body decides. A web page gets its own message.
      if (/^(text\/html|application\/xhtml)/.test(type) && !isCalendarText(text)) {
        throw new CalendarError(`${source}: the server sent a web page (${type.split(';')[0]}), not a calendar (is this the calendar's page rather than its iCalendar/.ics address?)`);
      }
      return text;
    }
  } catch (err) {
    if (err instanceof CalendarError) throw err;
    throw new CalendarError(`${source}: ${networkProblem(err, timeoutMs)}`);
  }
}

function parseUrl(value: string, source: string, what = 'is'): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CalendarError(`${source}: not a valid address`);
  }
  if (url.protocol === 'webcal:' || url.protocol === 'webcals:') url = new URL(`https:${url.href.slice(url.protocol.length)}`);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new CalendarError(`${source}: ${what} a ${url.protocol.replace(/:$/, '')}: address; calendars are read only over https: or http:`);
  }
  if (url.username || url.password) throw new CalendarError(`${source}: an address with a user name or password is not accepted (it would be written into the issue file)`);
  return url;
}

/** The charset a server names (iCalendar's default is UTF-8); one TextDecoder does not know is UTF-8. */
function charsetOf(type: string): string {
  const name = /;\s*charset="?([\w-]+)"?/i.exec(type)?.[1] ?? 'utf-8';
  try {
    return new TextDecoder(name).encoding;
  } catch {
    return 'utf-8';
  }
}

async function readLimited(res: Response, maxBytes: number, source: string, charset = 'utf-8'): Promise<string> {
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new CalendarError(`${source}: the calendar is more than the ${mb(maxBytes)} allowed`);
    }
    chunks.push(value);
  }
  return decodeCalendar(Buffer.concat(chunks), charset);
}

/**
 * The calendar's bytes as text. RFC 5545 folds lines at 75 octets and says a fold must not split
 * a multi-byte UTF-8 character, but exporters that count octets do ("日" as E6 | CRLF SP | 97 A5),
 * and decoding that gives replacement characters. Such a fold (CRLF or a bare LF, then a space or
 * a tab, inside a character) is removed from the bytes, which the parser would unfold anyway;
 * every other byte is left as served.
 */
export function decodeCalendar(bytes: Buffer, charset = 'utf-8'): string {
  if (charset !== 'utf-8') return new TextDecoder(charset).decode(bytes);
  const out = Buffer.allocUnsafe(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    const fold = b === 0x0d && bytes[i + 1] === 0x0a ? 2 : b === 0x0a ? 1 : 0;
    if (fold && (bytes[i + fold] === 0x20 || bytes[i + fold] === 0x09) && insideCharacter(out, n) && (bytes[i + fold + 1]! & 0xc0) === 0x80) {
      i += fold;
      continue;
    }
    out[n++] = b;
  }
  return new TextDecoder('utf-8').decode(out.subarray(0, n));
}

/** Whether the bytes written so far end in the middle of a UTF-8 character. */
function insideCharacter(bytes: Buffer, length: number): boolean {
  for (let back = 1; back <= 3 && back <= length; back++) {
    const b = bytes[length - back]!;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: look further back for the lead
    const size = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return size > back;
  }
  return false;
}

function isCalendarText(text: string): boolean {
  return /^BEGIN:VCALENDAR/i.test(text.replace(/^\uFEFF/, '').trimStart());
}

function checkIsCalendar(source: string, text: string): void {
  const head = text.replace(/^\uFEFF/, '').trimStart().slice(0, 200);
  if (isCalendarText(text)) return;
  if (/^<(!doctype|html|\?xml|rss|feed)/i.test(head)) {
    throw new CalendarError(`${source}: this is a web page or a news feed, not a calendar (look for the iCalendar/.ics export address)`);
  }
  throw new CalendarError(`${source}: not an iCalendar feed (it does not start with BEGIN:VCALENDAR)`);
}

function httpProblem(status: number, text: string): string {
  if (status === 404 || status === 410) return `not found (HTTP ${status}): check the address; the calendar may have been made private or deleted`;
  if (status === 401 || status === 403) return `refused (HTTP ${status}): the calendar is not public; use its public or secret iCalendar address`;
  return `the server answered HTTP ${status}${text ? ` ${text}` : ''}`;
}

function networkProblem(err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no complete answer within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`}`;
  const code = e?.cause?.code;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'cannot find that server (check the address, and that this machine is online)';
  if (code === 'ECONNREFUSED') return 'the server refused the connection';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'the connection was cut off';
  if (code && /CERT|SSL|TLS/.test(code)) return `the server's certificate is not valid (${code})`;
  return `cannot fetch it (${e?.cause?.message ?? e?.message ?? String(err)})`;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
