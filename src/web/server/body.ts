import type http from 'node:http';
import { Readable } from 'node:stream';
import busboy from 'busboy';

/**
 * Request bodies of the unsubscribe POST: RFC 8058's `List-Unsubscribe=One-Click`, sent by mail
 * providers as application/x-www-form-urlencoded or multipart/form-data, and the confirm form
 * of the unsubscribe page (the same field). Nothing else is ever posted here, so bodies are tiny
 * and read whole, up to a hard limit.
 */

/** RFC 8058's body is 26 bytes; a multipart wrapping of it a few hundred. */
export const MAX_BODY_BYTES = 8 * 1024;
/** Form fields read at most: the one that matters and a little room. */
const MAX_FIELDS = 8;

export type BodyResult =
  | { ok: true; fields: Map<string, string> }
  | { ok: false; status: 400 | 413 | 415; reason: string }
  /** The client went away (or timed out) before the body was complete: there is no one to answer. */
  | { ok: false; status: 'aborted'; reason: string };

/** Too large by its own Content-Length: refused before any of it is read. */
export function declaredTooLarge(req: http.IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return length !== undefined && (!/^\d+$/.test(length) || Number(length) > MAX_BODY_BYTES);
}

export async function readForm(req: http.IncomingMessage): Promise<BodyResult> {
  const raw = await readLimited(req);
  if (raw === 'aborted') return { ok: false, status: 'aborted', reason: 'client went away' };
  if (!raw) return { ok: false, status: 413, reason: 'body too large' };
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded' || (type === '' && raw.length === 0)) {
    return { ok: true, fields: new Map(new URLSearchParams(raw.toString('utf8')).entries()) };
  }
  if (type === 'multipart/form-data') return parseMultipart(req.headers, raw);
  return { ok: false, status: 415, reason: 'unsupported content type' };
}

/** The whole body, or undefined as soon as it passes MAX_BODY_BYTES (the rest is not read). */
function readLimited(req: http.IncomingMessage): Promise<Buffer | undefined | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        cleanup();
        req.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onGone = () => {
      cleanup();
      resolve('aborted');
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onGone);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onGone);
    req.on('close', onGone);
  });
}

function parseMultipart(headers: http.IncomingHttpHeaders, raw: Buffer): Promise<BodyResult> {
  return new Promise((resolve) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers, limits: { fields: MAX_FIELDS, files: 0, parts: MAX_FIELDS, fieldSize: MAX_BODY_BYTES } });
    } catch {
      // No boundary, or a malformed Content-Type.
      resolve({ ok: false, status: 400, reason: 'malformed multipart body' });
      return;
    }
    const fields = new Map<string, string>();
    parser.on('field', (name, value) => {
      if (!fields.has(name)) fields.set(name, value);
    });
    parser.on('file', (_name, stream) => stream.resume());
    parser.on('error', () => resolve({ ok: false, status: 400, reason: 'malformed multipart body' }));
    parser.on('close', () => resolve({ ok: true, fields }));
    Readable.from([raw]).pipe(parser);
  });
}
