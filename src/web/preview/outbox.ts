import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { OUTBOX_DIR } from './project';

/**
 * The local outbox (outbox/<issue>/<n>.eml, written by sends without SMTP_URL), read-only.
 * Folder and file names from a request are only ever compared against these listings.
 */

/** Enough to see what went out; a list of thousands helps nobody in a sidebar. */
export const OUTBOX_LIST_LIMIT = 200;

export interface OutboxListing {
  slug: string;
  /** Message file names, in send order (1.eml, 2.eml, … 10.eml). */
  files: string[];
  total: number;
}

export interface OutboxMessage {
  slug: string;
  name: string;
  from: string;
  to: string;
  subject: string;
  date?: string;
  html?: string;
  text?: string;
}

/**
 * The issues that have an outbox folder. Symbolic links are never followed, in outbox/ or as
 * outbox/ itself: the preview shows what sends wrote, not whatever a link points at.
 */
export function outboxSlugs(root: string): string[] {
  try {
    if (!fs.lstatSync(path.join(root, OUTBOX_DIR)).isDirectory()) return [];
    return fs.readdirSync(path.join(root, OUTBOX_DIR), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return [];
  }
}

export function listOutbox(root: string, slug: string): OutboxListing | undefined {
  if (!outboxSlugs(root).includes(slug)) return undefined;
  let files: string[];
  try {
    files = fs.readdirSync(path.join(root, OUTBOX_DIR, slug), { withFileTypes: true })
      .filter((d) => d.isFile() && d.name.toLowerCase().endsWith('.eml'))
      .map((d) => d.name)
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  } catch {
    return undefined;
  }
  return { slug, files: files.slice(0, OUTBOX_LIST_LIMIT), total: files.length };
}

/** One message, parsed by mailparser; undefined unless both names are in the listings. */
export async function readOutboxMessage(root: string, slug: string, name: string): Promise<OutboxMessage | undefined> {
  if (!outboxSlugs(root).includes(slug)) return undefined;
  let names: string[];
  try {
    names = fs.readdirSync(path.join(root, OUTBOX_DIR, slug));
  } catch {
    return undefined;
  }
  const listed = names.find((n) => n === name && n.toLowerCase().endsWith('.eml'));
  if (!listed) return undefined;
  let raw: Buffer;
  let fd: number | undefined;
  try {
    // O_NOFOLLOW: a symbolic link named 1.eml (even one swapped in after the listing) is not read.
    fd = fs.openSync(path.join(root, OUTBOX_DIR, slug, listed), fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
    if (!fs.fstatSync(fd).isFile()) return undefined;
    raw = fs.readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  const mail = await simpleParser(raw);
  const addresses = (a: typeof mail.to): string => (a === undefined ? '' : Array.isArray(a) ? a.map((x) => x.text).join(', ') : a.text);
  return {
    slug,
    name: listed,
    from: addresses(mail.from),
    to: addresses(mail.to),
    subject: mail.subject ?? '',
    date: mail.date?.toUTCString(),
    html: typeof mail.html === 'string' ? mail.html : undefined,
    text: mail.text,
  };
}
