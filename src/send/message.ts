import crypto from 'node:crypto';
import * as base64 from 'nodemailer/lib/base64';
import MailComposer from 'nodemailer/lib/mail-composer';
import { foldLines } from 'nodemailer/lib/mime-funcs';
import type MimeNode from 'nodemailer/lib/mime-node';
import * as qp from 'nodemailer/lib/qp';
import type { Publication } from '../config';
import type { Rendered } from '../render';
import { compileTemplate, PLACEHOLDERS, type PlaceholderValues } from '../render/placeholders';
import { signDkim, type DkimKey } from './dkim';
import { stuffOnce } from './smtp-transparency';

/**
 * One message per recipient, from the issue rendered once: only the placeholders and the
 * per-recipient headers change. One recipient per message, so no address ever sees another.
 */

export interface Recipient {
  /** The subscriber's id in the store; 0 for test sends. */
  id: number;
  address: string;
  name?: string | null;
}

export interface MessageOptions {
  publication: Publication;
  slug: string;
  /** The https unsubscribe URL for this recipient. */
  unsubscribeUrl: string;
  /** Optional `mailto:` address for List-Unsubscribe (UNSUBSCRIBE_MAILTO). */
  unsubscribeMailto?: string;
  subjectPrefix?: string;
  date?: Date;
  /** A key checked by loadDkim (src/send/dkim.ts) before the first message. */
  dkim?: DkimKey;
}

export interface PreparedIssue {
  rendered: Rendered;
  html: (values: PlaceholderValues) => string;
  text: (values: PlaceholderValues) => string;
}

export function prepareIssue(rendered: Rendered): PreparedIssue {
  return { rendered, html: compileTemplate(rendered.html), text: compileTemplate(rendered.text) };
}

/** The domain of the From address, used for Message-IDs and List-Id. */
export function senderDomain(pub: Publication): string {
  const m = /@([^>\s]+)>?\s*$/.exec(pub.from);
  return (m?.[1] ?? 'localhost').toLowerCase();
}

/** Stable across retries and runs: the same issue and recipient always give the same Message-ID. */
export function messageIdFor(pub: Publication, slug: string, recipient: Recipient): string {
  const hash = crypto.createHash('sha256').update(`${slug}\n${recipient.id}\n${recipient.address.toLowerCase()}`).digest('base64url').slice(0, 22);
  return `<${slug}.${hash}@${senderDomain(pub)}>`;
}

/** RFC 2919 List-Id: "Name <label.domain>". */
export function listIdFor(pub: Publication): string {
  const label = pub.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'newsletter';
  const name = pub.name.replace(/[^\x20-\x7e]|["\\<>]/g, '');
  return `"${name}" <${label}.${senderDomain(pub)}>`;
}

/** The List-Unsubscribe value: the recipient's https URL, and the mailto address if there is one. */
function listUnsubscribe(opts: MessageOptions): string {
  const links = [`<${opts.unsubscribeUrl}>`];
  if (opts.unsubscribeMailto) links.push(`<mailto:${opts.unsubscribeMailto}?subject=unsubscribe>`);
  return links.join(', ');
}

function toAddress(recipient: Recipient): string | { name: string; address: string } {
  return recipient.name ? { name: recipient.name, address: recipient.address } : recipient.address;
}

/** The message as nodemailer's options; MailComposer composes it (see composeMessage). */
export function mailOptions(prepared: PreparedIssue, recipient: Recipient, opts: MessageOptions) {
  const values: PlaceholderValues = { unsubscribeUrl: opts.unsubscribeUrl };
  return {
    from: opts.publication.from,
    replyTo: opts.publication.reply_to,
    to: toAddress(recipient),
    subject: `${opts.subjectPrefix ?? ''}${prepared.rendered.subject}`,
    html: prepared.html(values),
    text: prepared.text(values),
    messageId: messageIdFor(opts.publication, opts.slug, recipient),
    date: opts.date ?? new Date(),
    // `prepared`: these values are ASCII we built and checked; nodemailer would otherwise turn the
    // quotes and angle brackets into encoded words that list-aware clients cannot read.
    headers: {
      'List-Id': { prepared: true, value: listIdFor(opts.publication) },
      'List-Unsubscribe': { prepared: true, value: listUnsubscribe(opts) },
      // RFC 8058: mailbox providers POST "List-Unsubscribe=One-Click" to the https URL.
      'List-Unsubscribe-Post': { prepared: true, value: 'List-Unsubscribe=One-Click' },
    },
  };
}

/** The whole message as RFC 5322 bytes: the issue's message skeleton, filled in for the recipient. */
export async function composeMessage(prepared: PreparedIssue, recipient: Recipient, opts: MessageOptions): Promise<Buffer> {
  return Buffer.concat(fillTemplate(await templateFor(prepared, recipient, opts), recipient, opts, messageIdFor(opts.publication, opts.slug, recipient)));
}

/*
 * Why a skeleton: composing each message with nodemailer's MailComposer costs over a millisecond
 * (streams, encoders, header parsing for 40 KB), which caps a send at a few hundred messages a
 * second per core. So, once per issue, MailComposer composes a skeleton with markers where the
 * per-recipient values go, and each message is the skeleton's bytes with those values filled in:
 * four header lines, encoded by nodemailer's own header encoder, and the two body parts.
 *
 * Placeholders cannot be replaced inside quoted-printable text, whose soft line breaks fall
 * anywhere. So each part is cut at its placeholders, the static pieces are encoded once, each
 * recipient's values are encoded on their own (nodemailer's QP encoder), and the pieces are joined
 * with soft line breaks, which decoders remove: the decoded part is exactly the text MailComposer
 * would have encoded. A base64 part (nodemailer picks base64 for text that is mostly not Latin)
 * cannot be cut like that and is encoded whole for each recipient.
 */

/** The headers whose values differ per recipient. */
type DynamicHeader = 'To' | 'Message-ID' | 'Date' | 'List-Unsubscribe';
type PartName = 'text' | 'html';
/** `key` is the header's name as nodemailer spelled it in the skeleton. */
type Slot = { kind: 'header'; header: DynamicHeader; key: string } | { kind: 'body'; part: PartName };

interface EncodedPart {
  encoding: 'quoted-printable' | 'base64';
  /** The rendered text cut at its placeholders: pieces[i], then the value of slots[i], … */
  pieces: string[];
  slots: (keyof typeof PLACEHOLDERS)[];
  /** Quoted-printable: each piece, encoded once. */
  encodedPieces: Buffer[];
}

interface MessageTemplate {
  /** The skeleton's bytes around the slots: statics[i] precedes slots[i]; the last one ends it. */
  statics: Buffer[];
  slots: Slot[];
  parts: Record<PartName, EncodedPart>;
  /** The skeleton's root node: encodes header values exactly as the skeleton's headers were. */
  encoder: MimeNode;
}

/** RFC 2045's longest quoted-printable line. */
const QP_LINE_LENGTH = 76;
/** A quoted-printable soft line break: decoders drop it. */
const SOFT_BREAK = Buffer.from('=\r\n', 'latin1');
const LF = 0x0a;

const templates = new WeakMap<PreparedIssue, Map<string, Promise<MessageTemplate>>>();

/** The skeleton for this issue and these sender settings, composed on first use. */
function templateFor(prepared: PreparedIssue, sample: Recipient, opts: MessageOptions): Promise<MessageTemplate> {
  let byHeaders = templates.get(prepared);
  if (!byHeaders) templates.set(prepared, (byHeaders = new Map()));
  // Everything in the skeleton that does not come from the issue itself.
  const key = JSON.stringify([opts.publication.from, opts.publication.reply_to ?? null, opts.publication.name, opts.subjectPrefix ?? '']);
  let template = byHeaders.get(key);
  if (!template) {
    template = composeTemplate(prepared, sample, opts);
    byHeaders.set(key, template);
    template.catch(() => byHeaders.delete(key));
  }
  return template;
}

async function composeTemplate(prepared: PreparedIssue, sample: Recipient, opts: MessageOptions): Promise<MessageTemplate> {
  const real = mailOptions(prepared, sample, opts);
  // nodemailer's choice of transfer encoding for each part, made on real content. 7bit becomes
  // quoted-printable (identical for such text): a recipient's value could make a line too long.
  const encodings = {} as Record<PartName, EncodedPart['encoding']>;
  for (const node of new MailComposer(real).compile().childNodes) {
    const part: PartName | undefined = /^text\/html/i.test(String(node.getHeader('Content-Type'))) ? 'html' : /^text\/plain/i.test(String(node.getHeader('Content-Type'))) ? 'text' : undefined;
    if (part) encodings[part] = node.getTransferEncoding() === 'base64' ? 'base64' : 'quoted-printable';
  }
  if (!encodings.text || !encodings.html) throw new Error('the message is not the expected text and HTML alternatives');

  // Markers: letters and digits only, so no header or body encoder changes them.
  const token = crypto.randomBytes(8).toString('hex');
  const marker = (name: string) => `nlslot${token}${name}`;
  const markers: [string, Slot][] = [
    [marker('to'), { kind: 'header', header: 'To', key: '' }],
    [marker('messageid'), { kind: 'header', header: 'Message-ID', key: '' }],
    [marker('date'), { kind: 'header', header: 'Date', key: '' }],
    [marker('listunsubscribe'), { kind: 'header', header: 'List-Unsubscribe', key: '' }],
    [marker('text'), { kind: 'body', part: 'text' }],
    [marker('html'), { kind: 'body', part: 'html' }],
  ];
  const root = new MailComposer({
    ...real,
    to: `${marker('to')}@example.invalid`,
    messageId: marker('messageid'),
    date: marker('date'),
    text: { content: marker('text'), contentTransferEncoding: encodings.text },
    html: { content: marker('html'), contentTransferEncoding: encodings.html },
    headers: { ...real.headers, 'List-Unsubscribe': { prepared: true, value: marker('listunsubscribe') } },
  }).compile();
  const skeleton = (await root.build()).toString('latin1');

  // Cut the skeleton at the markers: a header slot is its whole line, a body slot the marker as
  // the part's encoder wrote it (QP leaves letters and digits alone; base64 does not).
  const cuts = markers
    .map(([plain, slot]) => {
      const m = slot.kind === 'body' && encodings[slot.part] === 'base64' ? base64.encode(plain) : plain;
      const at = skeleton.indexOf(m);
      if (at < 0 || skeleton.indexOf(m, at + 1) >= 0) throw new Error(`message skeleton: ${plain} is not there exactly once`);
      if (slot.kind === 'body') return { start: at, end: at + m.length, slot };
      const start = skeleton.lastIndexOf('\r\n', at) + 2;
      const end = skeleton.indexOf('\r\n', at);
      const colon = skeleton.indexOf(':', start);
      if (colon < 0 || colon > at || /[ \t]/.test(skeleton[end + 2] ?? '')) throw new Error(`message skeleton: the ${slot.header} header is not one line`);
      return { start, end, slot: { ...slot, key: skeleton.slice(start, colon) } };
    })
    .sort((a, b) => a.start - b.start);
  // Every piece of the skeleton goes into every message: the long ones, which messages share
  // as they are (joinSmallParts), have their SMTP dot-stuffing done here, once.
  const statics: Buffer[] = [];
  let last = 0;
  for (const c of cuts) {
    statics.push(sharedPiece(Buffer.from(skeleton.slice(last, c.start), 'latin1')));
    last = c.end;
  }
  statics.push(sharedPiece(Buffer.from(skeleton.slice(last), 'latin1')));

  return {
    statics,
    slots: cuts.map((c) => c.slot),
    parts: { text: encodePart(prepared.rendered.text, encodings.text), html: encodePart(prepared.rendered.html, encodings.html) },
    encoder: root,
  };
}

function encodePart(rendered: string, encoding: EncodedPart['encoding']): EncodedPart {
  const { pieces, slots } = cutAtPlaceholders(rendered);
  // Quoted-printable keeps line breaks as they are; SMTP needs CRLF and nodemailer's connection
  // rewrites bare ones on the wire, copying the message. Writing CRLF here sends the same bytes
  // without that copy, and a DKIM signature covers exactly what goes on the wire.
  const encodedPieces = encoding === 'quoted-printable' ? pieces.map((p) => sharedPiece(Buffer.from(encodeQp(p.replace(BARE_LINE_BREAK, '\r\n')), 'latin1'))) : [];
  return { encoding, pieces, slots, encodedPieces };
}

const BARE_LINE_BREAK = /\r\n|\r|\n/g;

const PLACEHOLDER_NAMES = new Map<string, keyof typeof PLACEHOLDERS>(Object.entries(PLACEHOLDERS).map(([name, text]) => [text, name as keyof typeof PLACEHOLDERS]));
const ANY_PLACEHOLDER = new RegExp([...PLACEHOLDER_NAMES.keys()].map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');

function cutAtPlaceholders(rendered: string): { pieces: string[]; slots: (keyof typeof PLACEHOLDERS)[] } {
  const pieces: string[] = [];
  const slots: (keyof typeof PLACEHOLDERS)[] = [];
  let last = 0;
  for (const m of rendered.matchAll(ANY_PLACEHOLDER)) {
    pieces.push(rendered.slice(last, m.index));
    slots.push(PLACEHOLDER_NAMES.get(m[0])!);
    last = m.index + m[0].length;
  }
  pieces.push(rendered.slice(last));
  return { pieces, slots };
}

/** One less than the limit, so a soft break still fits after the last line of a piece. */
function encodeQp(text: string): string {
  return qp.wrap(qp.encode(text), QP_LINE_LENGTH - 1);
}

/**
 * The message as a list of pieces: the skeleton's static pieces are shared by every message (never
 * copied), only the recipient's values are new bytes. A send writes the pieces to the connection
 * one after another; joining them into one buffer per message cost a 39 KB copy each, which
 * V8 frees only with the next young-generation collection (up to 20 MB of such copies waiting).
 */
function fillTemplate(template: MessageTemplate, recipient: Recipient, opts: MessageOptions, messageId: string): Buffer[] {
  const values: PlaceholderValues = { unsubscribeUrl: opts.unsubscribeUrl };
  const out: Buffer[] = [];
  template.slots.forEach((slot, i) => {
    out.push(template.statics[i]!);
    if (slot.kind === 'body') return fillPart(template.parts[slot.part], values, out);
    let line: string;
    switch (slot.header) {
      case 'List-Unsubscribe':
        // A prepared header, as in mailOptions: written as is.
        line = `${slot.key}: ${listUnsubscribe(opts)}`;
        break;
      case 'To':
        line = foldLines(`${slot.key}: ${template.encoder.encodeHeaderValue('To', toAddress(recipient))}`, QP_LINE_LENGTH);
        break;
      case 'Message-ID':
        line = foldLines(`${slot.key}: ${template.encoder.encodeHeaderValue('Message-ID', messageId)}`, QP_LINE_LENGTH);
        break;
      case 'Date':
        line = foldLines(`${slot.key}: ${template.encoder.encodeHeaderValue('Date', opts.date ?? new Date())}`, QP_LINE_LENGTH);
        break;
    }
    out.push(Buffer.from(line, 'utf8'));
  });
  out.push(template.statics[template.slots.length]!);
  return out;
}

function fillPart(part: EncodedPart, values: PlaceholderValues, out: Buffer[]): void {
  if (part.encoding === 'base64') {
    let text = part.pieces[0]!;
    part.slots.forEach((slot, i) => (text += values[slot] + part.pieces[i + 1]!));
    out.push(Buffer.from(base64.wrap(base64.encode(text), QP_LINE_LENGTH), 'latin1'));
    return;
  }
  let lineOpen = false;
  const push = (chunk: Buffer) => {
    if (chunk.length === 0) return;
    if (lineOpen) out.push(SOFT_BREAK);
    out.push(chunk);
    lineOpen = chunk[chunk.length - 1] !== LF;
  };
  push(part.encodedPieces[0]!);
  part.slots.forEach((slot, i) => {
    push(Buffer.from(encodeQp(values[slot]), 'latin1'));
    push(part.encodedPieces[i + 1]!);
  });
}

/** The bare From address, for the SMTP envelope (bounces go there). */
export function envelopeSender(pub: Publication): string {
  const m = /<([^>]+)>\s*$/.exec(pub.from);
  return (m?.[1] ?? pub.from).trim();
}

/**
 * The recipient's complete message, DKIM-signed when configured. Signing happens here, before the
 * transport, so the bytes handed to the SMTP server are final. A message that should be signed and
 * is not throws: it is never sent unsigned.
 */
export async function personalise(prepared: PreparedIssue, recipient: Recipient, opts: MessageOptions): Promise<{ raw: Buffer; messageId: string }> {
  const { parts, messageId } = await personaliseParts(prepared, recipient, opts);
  return { raw: parts.length === 1 ? parts[0]! : Buffer.concat(parts), messageId };
}

/**
 * The same bytes as `personalise`, in pieces (see fillTemplate): what a send hands to the
 * transport. A DKIM signature covers the whole message, so a signed message is one piece.
 */
export async function personaliseParts(prepared: PreparedIssue, recipient: Recipient, opts: MessageOptions): Promise<{ parts: readonly Buffer[]; messageId: string }> {
  const messageId = messageIdFor(opts.publication, opts.slug, recipient);
  const parts = fillTemplate(await templateFor(prepared, recipient, opts), recipient, opts, messageId);
  if (opts.dkim) return { parts: [await signDkim(Buffer.concat(parts), opts.dkim)], messageId };
  return { parts: joinSmallParts(parts), messageId };
}

/** A piece at least this long is passed on as it is; shorter neighbours are joined. */
const SHARED_PIECE_BYTES = 2048;

/** A static piece of the skeleton: one long enough to go out as it is is dot-stuffed now, once. */
function sharedPiece(piece: Buffer): Buffer {
  return piece.length >= SHARED_PIECE_BYTES ? stuffOnce(piece) : piece;
}

/**
 * Each piece becomes one write to the socket: thirty small pieces a message cost more in writes
 * than the copy they save. The skeleton's long static pieces (the bulk of the bytes) stay shared;
 * the short ones around them (header lines, the recipient's values, soft breaks) are joined.
 */
function joinSmallParts(parts: Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  let small: Buffer[] = [];
  let smallBytes = 0;
  const flush = () => {
    if (small.length > 0) out.push(small.length === 1 ? small[0]! : Buffer.concat(small, smallBytes));
    small = [];
    smallBytes = 0;
  };
  for (const part of parts) {
    if (part.length >= SHARED_PIECE_BYTES) {
      flush();
      out.push(part);
    } else {
      small.push(part);
      smallBytes += part.length;
    }
  }
  flush();
  return out;
}
