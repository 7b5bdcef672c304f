import { Headers, Splitter } from '@zone-eu/mailsplit';
import addressparser from 'nodemailer/lib/addressparser';

/**
 * One incoming message, read as what it is: a delivery status notification (RFC 3464,
 * `multipart/report; report-type=delivery-status`), an abuse report (RFC 5965 ARF,
 * `report-type=feedback-report`), an automatic reply (RFC 3834 and the headers vacation
 * responders use), or anything else (a person's reply: left alone).
 *
 * The MIME structure is read by mailsplit (nodemailer's and mailparser's splitter); the
 * machine-readable parts are header blocks (RFC 3464 §2.1, RFC 5965 §3.1), read with its Headers.
 */

/** A report bigger than this is skipped: a DSN returns at most the original message. */
export const MAX_REPORT_BYTES = 10 * 1024 * 1024;

export interface DsnRecipient {
  finalRecipient?: string;
  originalRecipient?: string;
  action?: string;
  status?: string;
  diagnostic?: string;
}

export type ReportKind = 'dsn' | 'arf' | 'auto-reply' | 'other';

export interface ParsedReport {
  kind: ReportKind;
  /** The report's own Message-ID, when it has one. */
  messageId?: string;
  subject?: string;
  /** Per-recipient DSN fields (kind `dsn`). */
  recipients: DsnRecipient[];
  /** ARF fields (kind `arf`). */
  feedback?: { type: string; originalRcptTo?: string; originalMailFrom?: string };
  /** From the returned original message (message/rfc822 or text/rfc822-headers). */
  original: { messageId?: string; returnPath?: string; to?: string };
  /** Where the report was delivered: Delivered-To, X-Original-To, Envelope-To, To. */
  deliveredTo: string[];
}

export class ReportError extends Error {}

interface Node {
  contentType: string;
  parentType: string | undefined;
  headers: Headers;
  body: Buffer[];
  decoder?: NodeJS.ReadWriteStream;
}

/** Splits a raw message into its MIME nodes with their decoded bodies. */
async function nodes(raw: Buffer): Promise<Node[]> {
  const out: Node[] = [];
  const splitter = new Splitter({ ignoreEmbedded: false } as ConstructorParameters<typeof Splitter>[0]);
  let current: Node | undefined;
  await new Promise<void>((resolve, reject) => {
    splitter.on('data', (data) => {
      const chunk = data as unknown as { type: string; value?: Buffer; contentType?: string | false; parentNode?: { contentType?: string | false } | false; headers?: Headers };
      if (chunk.type === 'node') {
        current = {
          contentType: String(chunk.contentType || 'text/plain').toLowerCase(),
          parentType: chunk.parentNode && chunk.parentNode.contentType ? String(chunk.parentNode.contentType).toLowerCase() : undefined,
          headers: chunk.headers as Headers,
          body: [],
        };
        out.push(current);
      } else if (chunk.type === 'body' && current && chunk.value) {
        current.body.push(Buffer.isBuffer(chunk.value) ? chunk.value : Buffer.from(chunk.value));
      }
    });
    const events = splitter as unknown as NodeJS.EventEmitter;
    events.on('end', resolve);
    events.on('error', reject);
    splitter.end(raw);
  });
  return out;
}

/** Decodes a part's transfer encoding (base64 and quoted-printable happen, even for DSN parts). */
function bodyText(node: Node): string {
  const raw = Buffer.concat(node.body).toString('latin1');
  const encoding = (node.headers.getFirst('content-transfer-encoding') || '').trim().toLowerCase();
  if (encoding === 'base64') return Buffer.from(raw.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    return Buffer.from(
      raw.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
      'latin1',
    ).toString('utf8');
  }
  return Buffer.from(raw, 'latin1').toString('utf8');
}

/** The field groups of a message/delivery-status or message/feedback-report body. */
function fieldGroups(text: string): Headers[] {
  return text
    .replace(/\r\n/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((block) => block.replace(/^\n+/, ''))
    .filter((block) => /^[!-9;-~]+:/.test(block))
    .map((block) => new Headers(Buffer.from(block.replace(/\n/g, '\r\n') + '\r\n\r\n')));
}

function first(h: Headers, key: string): string | undefined {
  const v = h.getFirst(key);
  return v ? v.replace(/\s+/g, ' ').trim() : undefined;
}

/** `rfc822; a@example.org` → `a@example.org` (RFC 3464 §2.3.1 address-type; value). */
function typedAddress(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const m = /^\s*([^;]*);\s*(.*)$/.exec(value);
  const address = (m ? m[2]! : value).trim().replace(/^<|>$/g, '');
  return address || undefined;
}

function bareAddresses(value: string): string[] {
  return addressparser(value, { flatten: true })
    .map((a) => a.address?.trim())
    .filter((a): a is string => Boolean(a));
}

/** RFC 3834 §5 and the headers vacation responders set instead (Exchange, Yahoo, older tools). */
function isAutoReply(h: Headers): boolean {
  const autoSubmitted = (first(h, 'auto-submitted') ?? 'no').toLowerCase();
  if (autoSubmitted !== 'no' && autoSubmitted !== '') return true;
  if (h.hasHeader('x-autoreply') || h.hasHeader('x-autorespond') || h.hasHeader('x-auto-response')) return true;
  const precedence = (first(h, 'precedence') ?? '').toLowerCase();
  if (precedence === 'auto_reply') return true;
  const suppress = (first(h, 'x-auto-response-suppress') ?? '').toLowerCase();
  return /\b(oof|all)\b/.test(suppress) && /^(automatic reply|auto-reply|out of office)/i.test(first(h, 'subject') ?? '');
}

export async function parseReport(raw: Buffer): Promise<ParsedReport> {
  if (raw.length > MAX_REPORT_BYTES) throw new ReportError(`larger than ${MAX_REPORT_BYTES / 1024 / 1024} MB`);
  if (!/\r?\n\r?\n/.test(raw.subarray(0, 256 * 1024).toString('latin1')) && !/^[!-9;-~]+:/.test(raw.subarray(0, 100).toString('latin1'))) {
    throw new ReportError('not an email message (no header block)');
  }
  let parts: Node[];
  try {
    parts = await nodes(raw);
  } catch (err) {
    throw new ReportError(`unreadable MIME: ${(err as Error).message}`);
  }
  const root = parts[0];
  if (!root || !root.headers.hasHeader('from') && !root.headers.hasHeader('content-type') && !root.headers.hasHeader('subject')) {
    throw new ReportError('not an email message (no From, Subject or Content-Type header)');
  }
  const h = root.headers;
  const deliveredTo: string[] = [];
  for (const key of ['delivered-to', 'x-original-to', 'envelope-to', 'x-envelope-to', 'to']) {
    for (const line of h.getDecoded(key)) deliveredTo.push(...bareAddresses(line.value));
  }
  const report: ParsedReport = {
    kind: 'other',
    ...(first(h, 'message-id') ? { messageId: first(h, 'message-id')! } : {}),
    ...(first(h, 'subject') ? { subject: first(h, 'subject')! } : {}),
    recipients: [],
    original: {},
    deliveredTo,
  };

  const dsn = parts.find((p) => p.contentType === 'message/delivery-status' || p.contentType === 'message/global-delivery-status');
  const arf = parts.find((p) => p.contentType === 'message/feedback-report');
  // The returned message: headers of the node inside message/rfc822, or the body of a
  // text/rfc822-headers (or unparsed message/rfc822) part.
  const inner = parts.find((p) => p.parentType === 'message/rfc822' || p.parentType === 'message/global');
  const returned = inner?.headers ?? headersOfBody(parts.find((p) => ['text/rfc822-headers', 'message/rfc822', 'message/global', 'message/global-headers'].includes(p.contentType) && p.body.length > 0));
  if (returned) {
    report.original = {
      ...(first(returned, 'message-id') ? { messageId: first(returned, 'message-id')! } : {}),
      ...(first(returned, 'return-path') ? { returnPath: first(returned, 'return-path')!.replace(/^<|>$/g, '') } : {}),
      ...(first(returned, 'to') ? { to: first(returned, 'to')! } : {}),
    };
  }

  if (dsn) {
    report.kind = 'dsn';
    const groups = fieldGroups(bodyText(dsn));
    // The first group is per-message (Reporting-MTA, ...); the rest are per recipient.
    for (const g of groups) {
      if (!g.hasHeader('final-recipient') && !g.hasHeader('action') && !g.hasHeader('status')) continue;
      const r: DsnRecipient = {};
      const fr = typedAddress(first(g, 'final-recipient'));
      const or = typedAddress(first(g, 'original-recipient'));
      if (fr) r.finalRecipient = fr;
      if (or) r.originalRecipient = or;
      const action = first(g, 'action');
      if (action) r.action = action.toLowerCase().replace(/\s*\(.*\)$/, '');
      const status = first(g, 'status');
      if (status) r.status = status.split(/\s/)[0]!;
      const diagnostic = first(g, 'diagnostic-code');
      if (diagnostic) r.diagnostic = diagnostic;
      report.recipients.push(r);
    }
    // Some DSNs (Google Groups' among them) leave the delivery-status part empty but name the
    // failed addresses in X-Failed-Recipients, as Exim does.
    if (report.recipients.length === 0) report.recipients = failedRecipients(h).map((a) => ({ finalRecipient: a, action: 'failed' }));
    return report;
  }
  if (arf) {
    report.kind = 'arf';
    const [g] = fieldGroups(bodyText(arf));
    const type = (g && first(g, 'feedback-type')) ?? 'abuse';
    const rcpt = g && first(g, 'original-rcpt-to');
    const from = g && first(g, 'original-mail-from');
    report.feedback = {
      type: type.toLowerCase(),
      ...(rcpt ? { originalRcptTo: rcpt.replace(/^<|>$/g, '') } : {}),
      ...(from ? { originalMailFrom: from.replace(/^<|>$/g, '') } : {}),
    };
    return report;
  }
  // Exim's older failure notices are text/plain with the failed addresses in X-Failed-Recipients.
  const failed = failedRecipients(h);
  if (failed.length > 0) {
    report.kind = 'dsn';
    report.recipients = failed.map((a) => ({ finalRecipient: a, action: 'failed' }));
    return report;
  }
  if (isAutoReply(h)) report.kind = 'auto-reply';
  return report;
}

function failedRecipients(h: Headers): string[] {
  return h.getDecoded('x-failed-recipients').flatMap((l) => bareAddresses(l.value));
}

function headersOfBody(node: Node | undefined): Headers | undefined {
  if (!node) return undefined;
  const text = bodyText(node).replace(/\r\n/g, '\n');
  const end = text.search(/\n[ \t]*\n/);
  const block = (end >= 0 ? text.slice(0, end) : text).replace(/^\n+/, '');
  if (!/^[!-9;-~]+:/.test(block)) return undefined;
  return new Headers(Buffer.from(block.replace(/\n/g, '\r\n') + '\r\n\r\n'));
}
