import crypto from 'node:crypto';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import DKIM from 'nodemailer/lib/dkim';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Publication } from '../config';
import type { Rendered } from '../render';
import { compileTemplate, type PlaceholderValues } from '../render/placeholders';

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
  dkim?: { domainName: string; keySelector: string; privateKeyPath: string };
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

export function mailOptions(prepared: PreparedIssue, recipient: Recipient, opts: MessageOptions) {
  const values: PlaceholderValues = { unsubscribeUrl: opts.unsubscribeUrl };
  const listUnsubscribe = [`<${opts.unsubscribeUrl}>`];
  if (opts.unsubscribeMailto) listUnsubscribe.push(`<mailto:${opts.unsubscribeMailto}?subject=unsubscribe>`);
  return {
    from: opts.publication.from,
    replyTo: opts.publication.reply_to,
    to: recipient.name ? { name: recipient.name, address: recipient.address } : recipient.address,
    subject: `${opts.subjectPrefix ?? ''}${prepared.rendered.subject}`,
    html: prepared.html(values),
    text: prepared.text(values),
    messageId: messageIdFor(opts.publication, opts.slug, recipient),
    date: opts.date ?? new Date(),
    // `prepared`: these values are ASCII we built and checked; nodemailer would otherwise turn the
    // quotes and angle brackets into encoded words that list-aware clients cannot read.
    headers: {
      'List-Id': { prepared: true, value: listIdFor(opts.publication) },
      'List-Unsubscribe': { prepared: true, value: listUnsubscribe.join(', ') },
      // RFC 8058: mailbox providers POST "List-Unsubscribe=One-Click" to the https URL.
      'List-Unsubscribe-Post': { prepared: true, value: 'List-Unsubscribe=One-Click' },
    },
  };
}

/** The whole message as RFC 5322 bytes (nodemailer's MIME composer does the encoding). */
export function composeMessage(prepared: PreparedIssue, recipient: Recipient, opts: MessageOptions): Promise<Buffer> {
  return new MailComposer(mailOptions(prepared, recipient, opts)).compile().build();
}

/** The bare From address, for the SMTP envelope (bounces go there). */
export function envelopeSender(pub: Publication): string {
  const m = /<([^>]+)>\s*$/.exec(pub.from);
  return (m?.[1] ?? pub.from).trim();
}

const dkimKeys = new Map<string, string>();

/**
 * The recipient's complete message, DKIM-signed when configured. Signing happens here, before the
 * transport, so the bytes handed to the SMTP server are final.
 */
export async function personalise(prepared: PreparedIssue, recipient: Recipient, opts: MessageOptions): Promise<{ raw: Buffer; messageId: string }> {
  let raw = await composeMessage(prepared, recipient, opts);
  if (opts.dkim) {
    let privateKey = dkimKeys.get(opts.dkim.privateKeyPath);
    if (privateKey === undefined) {
      privateKey = fs.readFileSync(opts.dkim.privateKeyPath, 'utf8');
      dkimKeys.set(opts.dkim.privateKeyPath, privateKey);
    }
    const signer = new DKIM({ domainName: opts.dkim.domainName, keySelector: opts.dkim.keySelector, privateKey });
    raw = await streamToBuffer(signer.sign(Readable.from([raw])));
  }
  return { raw, messageId: messageIdFor(opts.publication, opts.slug, recipient) };
}

async function streamToBuffer(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}
