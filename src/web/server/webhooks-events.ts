import type { FeedbackKind } from '../../bounces/classify';
import { classifyStatus } from '../../mail/status-codes';

/**
 * What each relay's (already verified) webhook payload says, as one event per recipient. The
 * provider's own label is used only when the event carries no SMTP status: an RFC 3463 code,
 * when there is one, decides (src/mail/status-codes.ts), so a "hard bounce" that was really
 * "550 5.7.1 relaying denied" suppresses no one, and SES's 5.4.4 is soft.
 */
export interface RelayEvent {
  /** The provider's event id: the same event delivered twice is applied once. */
  id: string;
  recipient: string;
  /** The Message-ID of the message the event is about, when the provider reports it. */
  messageId?: string;
  kind: Exclude<FeedbackKind, 'ignored'>;
  status?: string;
  detail: string;
}

export type Parsed = { events: RelayEvent[]; ignored: number } | { error: string };

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' ? String(v) : undefined);

/** RFC 4954's authentication replies: a refusal of the sender whatever the relay calls it. */
const AUTH_REPLIES = new Set([530, 534, 535, 538]);

/**
 * By the event's RFC 3463 code when it names a reason (anything but X.0.0, "other or undefined"),
 * else by what the provider calls it: the relay saw the whole exchange, a bare 5.0.0 says less.
 */
function byStatus(fallback: RelayEvent['kind'], status: string | undefined, diagnostic: string | undefined): { kind: RelayEvent['kind']; status?: string; reason?: string } {
  const text = diagnostic?.replace(/^\s*[\w-]+\s*;\s*/, '');
  const m = classifyStatus({ status, text, stage: 'rcpt' });
  if (!m.status || /^\d\.0\.0$/.test(m.status)) {
    // Still, a reply that refuses the sender or a policy ("530", "Relaying denied") never suppresses.
    if (m.verdict === 'refused' && (m.quirk || (m.reply !== undefined && AUTH_REPLIES.has(m.reply)))) return { kind: 'refused', ...(m.status ? { status: m.status } : {}), reason: m.reason };
    return { kind: fallback, ...(m.status ? { status: m.status } : {}) };
  }
  const kind = m.verdict === 'hard' ? 'hard' : m.verdict === 'refused' ? 'refused' : m.verdict === 'delivered' ? fallback : 'soft';
  return { kind, status: m.status, reason: m.reason };
}

function event(id: string, recipient: string, messageId: string | undefined, k: { kind: RelayEvent['kind']; status?: string; reason?: string }, detail: string): RelayEvent {
  return {
    id,
    recipient,
    ...(messageId ? { messageId } : {}),
    kind: k.kind,
    ...(k.status ? { status: k.status } : {}),
    detail: [k.reason, detail].filter(Boolean).join(': ').slice(0, 300),
  };
}

/** An SES notification (the SNS Message, parsed): Bounce and Complaint; Delivery and others are ignored. */
export function sesEvents(message: unknown): Parsed {
  const m = obj(message);
  if (!m) return { error: 'the SNS Message is not an SES notification' };
  const type = str(m.notificationType) ?? str(m.eventType);
  const mail = obj(m.mail);
  const messageId = str(obj(mail?.commonHeaders)?.messageId);
  if (type === 'Bounce') {
    const b = obj(m.bounce);
    const list = Array.isArray(b?.bouncedRecipients) ? b!.bouncedRecipients : [];
    const bounceType = str(b?.bounceType);
    const fallback = bounceType === 'Permanent' ? 'hard' : 'soft';
    const events = list.flatMap((r) => {
      const rec = obj(r);
      const email = str(rec?.emailAddress);
      if (!email) return [];
      const diag = str(rec?.diagnosticCode);
      const k = byStatus(fallback, str(rec?.status), diag);
      return [event(`ses:${str(b?.feedbackId) ?? str(mail?.messageId)}:${email}`, email, messageId, k, diag ?? `SES ${bounceType ?? ''} bounce (${str(b?.bounceSubType) ?? 'no subtype'})`.trim())];
    });
    return { events, ignored: 0 };
  }
  if (type === 'Complaint') {
    const c = obj(m.complaint);
    const list = Array.isArray(c?.complainedRecipients) ? c!.complainedRecipients : [];
    const feedbackType = str(c?.complaintFeedbackType);
    if (feedbackType === 'not-spam') return { events: [], ignored: list.length };
    const events = list.flatMap((r) => {
      const email = str(obj(r)?.emailAddress);
      return email ? [event(`ses:${str(c?.feedbackId) ?? str(mail?.messageId)}:${email}`, email, messageId, { kind: 'complaint' }, `SES complaint (${feedbackType ?? 'no feedback type'})`)] : [];
    });
    return { events, ignored: 0 };
  }
  return { events: [], ignored: 1 };
}

/** Postmark bounce types (https://postmarkapp.com/developer/api/bounce-api#bounce-types) that say something about the recipient. */
const POSTMARK_TYPES: Record<string, RelayEvent['kind']> = {
  HardBounce: 'hard',
  BadEmailAddress: 'hard',
  SoftBounce: 'soft',
  Transient: 'soft',
  DnsError: 'soft',
  SpamComplaint: 'complaint',
  Blocked: 'refused',
  DMARCPolicy: 'refused',
  SMTPApiError: 'refused',
  SpamNotification: 'refused',
  VirusNotification: 'refused',
};

export function postmarkEvents(payload: unknown): Parsed {
  const p = obj(payload);
  if (!p) return { error: 'not a Postmark webhook (a JSON object is expected)' };
  const record = str(p.RecordType);
  const type = str(p.Type);
  const email = str(p.Email);
  const id = str(p.ID);
  if ((record !== 'Bounce' && record !== 'SpamComplaint') || !type || !email || !id) return { events: [], ignored: 1 };
  const fallback = POSTMARK_TYPES[type];
  if (!fallback) return { events: [], ignored: 1 };
  const details = str(p.Details);
  const k = fallback === 'complaint' ? { kind: fallback } : byStatus(fallback, undefined, details);
  return { events: [event(`postmark:${id}`, email, undefined, k, `Postmark ${type}${details ? `: ${details}` : ''}`)], ignored: 0 };
}

export function mailgunEvents(eventData: unknown): Parsed {
  const e = obj(eventData);
  if (!e) return { error: 'not a Mailgun webhook (no event-data)' };
  const name = str(e.event);
  const email = str(e.recipient);
  const id = str(e.id);
  if (!email || !id) return { events: [], ignored: 1 };
  const headerId = str(obj(obj(e.message)?.headers)?.['message-id']);
  const messageId = headerId ? `<${headerId.replace(/^<|>$/g, '')}>` : undefined;
  if (name === 'complained') return { events: [event(`mailgun:${id}`, email, messageId, { kind: 'complaint' }, 'Mailgun complaint')], ignored: 0 };
  if (name !== 'failed') return { events: [], ignored: 1 };
  const ds = obj(e['delivery-status']);
  const code = str(ds?.code);
  const message = str(ds?.message) ?? str(ds?.description) ?? '';
  const fallback = str(e.severity) === 'permanent' ? 'hard' : 'soft';
  const enhanced = str(ds?.['enhanced-code']);
  const diagnostic = code && /^\d{3}$/.test(code) ? `${code} ${enhanced && !message.includes(enhanced) ? `${enhanced} ` : ''}${message}` : undefined;
  const k = byStatus(fallback, enhanced, diagnostic);
  return { events: [event(`mailgun:${id}`, email, messageId, k, `Mailgun ${str(e.severity) ?? ''} failure${str(e.reason) ? ` (${str(e.reason)})` : ''}`)], ignored: 0 };
}

/** SendGrid's bounce_classification (https://www.twilio.com/docs/sendgrid/ui/analytics-and-reporting/bounce-and-block-classifications). */
const SENDGRID_CLASSIFICATIONS: Record<string, RelayEvent['kind']> = {
  'Invalid Address': 'hard',
  'Mailbox Unavailable': 'hard',
  Technical: 'soft',
  Unclassified: 'soft',
  Content: 'refused',
  Reputation: 'refused',
  'Frequency or Volume Too High': 'refused',
};

export function sendgridEvents(payload: unknown): Parsed {
  if (!Array.isArray(payload)) return { error: 'not a SendGrid event webhook (a JSON array is expected)' };
  const events: RelayEvent[] = [];
  let ignored = 0;
  for (const item of payload) {
    const e = obj(item);
    const name = str(e?.event);
    const email = str(e?.email);
    const id = str(e?.sg_event_id);
    if (!e || !email || !id) {
      ignored++;
      continue;
    }
    const smtpId = str(e['smtp-id']);
    const messageId = smtpId ? `<${smtpId.replace(/^<|>$/g, '')}>` : undefined;
    if (name === 'spamreport') {
      events.push(event(`sendgrid:${id}`, email, messageId, { kind: 'complaint' }, 'SendGrid spam report'));
    } else if (name === 'bounce') {
      // type "blocked" is SendGrid's word for a refusal of the sending server, not the address.
      const blocked = str(e.type) === 'blocked';
      const fallback = blocked ? 'refused' : (SENDGRID_CLASSIFICATIONS[str(e.bounce_classification) ?? ''] ?? 'hard');
      const k = byStatus(fallback, str(e.status), str(e.reason));
      events.push(event(`sendgrid:${id}`, email, messageId, blocked && k.kind === 'hard' ? { ...k, kind: 'refused' } : k, `SendGrid ${str(e.type) ?? 'bounce'}${str(e.reason) ? `: ${str(e.reason)}` : ''}`));
    } else {
      ignored++;
    }
  }
  return { events, ignored };
}
