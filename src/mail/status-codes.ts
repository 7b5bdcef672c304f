/**
 * What an SMTP reply or a delivery status notification says about a recipient, decided by the
 * standards rather than by keywords:
 *
 * - RFC 3463 enhanced status codes `class.subject.detail` (class 2 success, 4 persistent
 *   transient, 5 permanent; the subject says *what* failed: 1 addressing, 2 mailbox, 3 mail
 *   system, 4 network/routing, 5 protocol, 6 content, 7 security/policy), with the later codes
 *   of the IANA registry (RFC 5248: 5.1.10 null MX, 5.7.13 account disabled, 5.7.17/18 owner
 *   changed, ...);
 * - the RFC 5321 basic reply code when no enhanced code is given (RFC 7504 for 521/556);
 * - a small table of provider quirks (QUIRKS below), each with its reason.
 *
 * The answer has two independent parts:
 * - `class` (from the server): whether trying again later may work — `transient` replies are
 *   retried at send time whatever the verdict;
 * - `verdict` (for the recipient):
 *   - `hard`: the recipient's address is permanently unreachable (5.1.1 unknown user, 5.1.2 no
 *     such domain, 5.2.1 disabled, ...): a bounce, the address is suppressed;
 *   - `soft`: it may work later (4.x.x, a full mailbox, an ambiguous permanent failure): counted
 *     per address, suppressed only after repeated failures;
 *   - `refused`: the *sender*, the message or a policy was refused (5.7.x, relaying denied,
 *     sender address rejected, authentication required 530/535, protocol and content errors):
 *     says nothing about the recipient, never a bounce, never suppresses anyone;
 *   - `delivered`: 2.x.x.
 *
 * Text is read only to *lower* a verdict (hard → refused) for servers that answer a sender or
 * relay refusal without a telling enhanced code; a keyword can never make an address bounce.
 */

export type StatusClass = 'success' | 'transient' | 'permanent';
export type Verdict = 'delivered' | 'hard' | 'soft' | 'refused';

/** Which SMTP command the reply answered, when known (a DSN's per-recipient status is `rcpt`). */
export type SmtpStage = 'connect' | 'helo' | 'auth' | 'mail' | 'rcpt' | 'data';

export interface StatusInput {
  /** An RFC 3463 enhanced status code (`5.1.1`), e.g. a DSN's `Status:` field. */
  status?: string | undefined;
  /** The basic reply code (550), e.g. from a DSN's `Diagnostic-Code: smtp; 550 ...`. */
  reply?: number | undefined;
  /** The server's text (a reply line or a DSN's diagnostic), read only to lower a verdict. */
  text?: string | undefined;
  stage?: SmtpStage | undefined;
}

export interface StatusMeaning {
  verdict: Verdict;
  class: StatusClass;
  /** The enhanced code that decided, normalised (`5.1.1`), when there was one. */
  status?: string;
  reply?: number;
  /** One line for the editor: the code and what it means. */
  reason: string;
  /** The name of the QUIRKS (or TEXT_REFUSALS) row that changed the standard's answer. */
  quirk?: string;
}

interface CodeRow {
  verdict: Exclude<Verdict, 'delivered'>;
  meaning: string;
}

/**
 * RFC 3463 §3 (and the IANA registry) subject.detail → what a *permanent* (class 5) failure means
 * for the recipient. A class 4 code is always `soft` (or `refused` for a policy subject): the
 * server itself says it may work later.
 */
const SUBJECT_DETAIL: Record<string, CodeRow> = {
  '1.0': { verdict: 'soft', meaning: 'other address status (Postfix uses it for sender and recipient restrictions alike)' },
  '1.1': { verdict: 'hard', meaning: 'bad destination mailbox address' },
  '1.2': { verdict: 'hard', meaning: 'bad destination system address' },
  '1.3': { verdict: 'hard', meaning: 'bad destination mailbox address syntax' },
  '1.4': { verdict: 'hard', meaning: 'destination mailbox address ambiguous' },
  '1.6': { verdict: 'hard', meaning: 'destination mailbox has moved, no forwarding address' },
  '1.7': { verdict: 'refused', meaning: "bad sender's mailbox address syntax" },
  '1.8': { verdict: 'refused', meaning: "bad sender's system address" },
  '1.9': { verdict: 'refused', meaning: 'message relayed to non-compliant mailer' },
  '1.10': { verdict: 'hard', meaning: 'recipient not found (Exchange) or null MX (RFC 7505)' },
  '2.0': { verdict: 'soft', meaning: 'other or undefined mailbox status' },
  '2.1': { verdict: 'hard', meaning: 'mailbox disabled, not accepting messages' },
  '2.2': { verdict: 'hard', meaning: 'mailbox full' },
  '2.3': { verdict: 'refused', meaning: 'message length exceeds administrative limit' },
  '2.4': { verdict: 'soft', meaning: 'mailing list expansion problem' },
  '3.0': { verdict: 'soft', meaning: 'other or undefined mail system status' },
  '3.1': { verdict: 'soft', meaning: 'mail system full' },
  '3.2': { verdict: 'soft', meaning: 'system not accepting network messages' },
  '3.3': { verdict: 'refused', meaning: 'system not capable of selected features' },
  '3.4': { verdict: 'refused', meaning: 'message too big for system' },
  '3.5': { verdict: 'soft', meaning: 'system incorrectly configured' },
  '4.0': { verdict: 'soft', meaning: 'other or undefined network or routing status' },
  '4.1': { verdict: 'soft', meaning: 'no answer from host' },
  '4.2': { verdict: 'soft', meaning: 'bad connection' },
  '4.3': { verdict: 'soft', meaning: 'directory server failure' },
  '4.4': { verdict: 'hard', meaning: 'unable to route' },
  '4.5': { verdict: 'soft', meaning: 'mail system congestion' },
  '4.6': { verdict: 'soft', meaning: 'routing loop detected' },
  '4.7': { verdict: 'soft', meaning: 'delivery time expired' },
  '7.13': { verdict: 'hard', meaning: 'user account disabled' },
  '7.17': { verdict: 'hard', meaning: 'mailbox owner has changed (RFC 7293)' },
  '7.18': { verdict: 'hard', meaning: 'domain owner has changed (RFC 7293)' },
};

/** Subjects whose every detail is about the message, the protocol or a policy, not the recipient. */
const SUBJECT_DEFAULT: Record<string, CodeRow> = {
  '0': { verdict: 'soft', meaning: 'other or undefined status' },
  '1': { verdict: 'soft', meaning: 'addressing status' },
  '2': { verdict: 'soft', meaning: 'mailbox status' },
  '3': { verdict: 'soft', meaning: 'mail system status' },
  '4': { verdict: 'soft', meaning: 'network or routing status' },
  '5': { verdict: 'refused', meaning: 'mail delivery protocol status' },
  '6': { verdict: 'refused', meaning: 'message content or media status' },
  '7': { verdict: 'refused', meaning: 'security or policy status' },
};

/**
 * Where providers use a code differently from (or more narrowly than) RFC 3463. Keyed by
 * subject.detail; applies to class 5 only. Documented in the README ("Bounces and complaints").
 */
export const QUIRKS: Record<string, { verdict: Exclude<Verdict, 'delivered'>; name: string; why: string }> = {
  '2.2': {
    verdict: 'soft',
    name: 'mailbox full',
    why: 'RFC 3463 lets 5.2.2 be permanent, but a full mailbox is usually emptied; an abandoned one keeps failing and reaches the soft-bounce threshold',
  },
  '4.4': {
    verdict: 'soft',
    name: 'SES 5.4.4',
    why: 'Amazon SES reports a failed DNS lookup of the recipient domain as a Permanent bounce with 5.4.4; RFC 3463 says 4.4 "is useful for both permanent and persistent transient errors"',
  },
  '1.10': {
    verdict: 'hard',
    name: 'Exchange 5.1.10',
    why: 'Exchange Online answers "550 5.1.10 RESOLVER.ADR.RecipientNotFound" for an unknown recipient (the registry gives 5.1.10 to null MX, RFC 7505: also no mailbox)',
  },
  '2.1': {
    verdict: 'hard',
    name: 'disabled account',
    why: 'RFC 3463 says 5.2.1 may be temporary, but Gmail and Yahoo use it for accounts that are disabled for good',
  },
};

/**
 * Replies that refuse the *sender* or the relay, from servers that give no enhanced code or a
 * vague one (Postfix checks sender restrictions at RCPT TO: "550 5.1.0 <a@x>: Sender address
 * rejected"; sendmail: "550 5.7.1 Relaying denied"). Only ever lowers a verdict to `refused`.
 */
const TEXT_REFUSALS: Array<{ name: string; pattern: RegExp }> = [
  { name: 'sender address rejected', pattern: /\bsender address rejected\b/i },
  { name: 'relaying denied', pattern: /\brelay(?:ing)? (?:access )?(?:denied|not permitted|prohibited)\b|\bunable to relay\b|\bnot permitted to relay\b/i },
];

/** RFC 5321 §4.2 basic reply codes, used when no enhanced code (or only X.0.0) is given. */
function fromReplyCode(reply: number): CodeRow {
  if (reply === 530 || reply === 534 || reply === 535 || reply === 538) {
    return { verdict: 'refused', meaning: 'authentication required or refused (RFC 4954)' };
  }
  if (reply >= 500 && reply <= 504) return { verdict: 'refused', meaning: 'command or protocol error' };
  if (reply === 521 || reply === 556) return { verdict: 'hard', meaning: 'domain does not accept mail (RFC 7504)' };
  if (reply === 550) return { verdict: 'hard', meaning: 'mailbox unavailable' };
  if (reply === 551) return { verdict: 'hard', meaning: 'user not local' };
  if (reply === 553) return { verdict: 'hard', meaning: 'mailbox name not allowed' };
  if (reply === 552) return { verdict: 'soft', meaning: 'exceeded storage allocation' };
  if (reply === 554) return { verdict: 'refused', meaning: 'transaction failed (policy or content)' };
  return { verdict: 'soft', meaning: 'permanent failure without a reason' };
}

const ENHANCED = /^([245])\.(\d{1,3})\.(\d{1,3})$/;
const REPLY_PREFIX = /^\s*([245]\d\d)(?:[ -]+([245]\.\d{1,3}\.\d{1,3})(?![\d.]))?/;

/**
 * Splits an SMTP reply (`550-5.1.1 The email account ...`, or a DSN's diagnostic without its
 * `smtp;` type) into its basic and enhanced codes. The enhanced code is only taken right after
 * the reply code (RFC 2034 §4), so an IP address in the text is never read as one.
 */
export function parseReply(text: string): { reply?: number; status?: string; text: string } {
  const body = text.replace(/^\s*(?:smtp|x-postfix|x-local|x-unix)\s*;\s*/i, '');
  const m = REPLY_PREFIX.exec(body);
  if (!m) {
    // Some DSNs give the diagnostic as "5.1.1 <a@x>... User unknown" without a reply code.
    const lone = /^\s*([245]\.\d{1,3}\.\d{1,3})(?![\d.])/.exec(body);
    return lone ? { status: lone[1]!, text: body.trim() } : { text: body.trim() };
  }
  return { reply: Number(m[1]), ...(m[2] ? { status: m[2] } : {}), text: body.trim() };
}

function normaliseStatus(status: string | undefined): { klass: string; subject: string; detail: string } | undefined {
  if (!status) return undefined;
  const m = ENHANCED.exec(status.trim());
  if (!m) return undefined;
  return { klass: m[1]!, subject: String(Number(m[2])), detail: String(Number(m[3])) };
}

function classOf(digit: string): StatusClass {
  return digit === '2' ? 'success' : digit === '4' ? 'transient' : 'permanent';
}

/** What a status means for the recipient. See the module comment. */
export function classifyStatus(input: StatusInput): StatusMeaning {
  const parsed = input.text ? parseReply(input.text) : undefined;
  const reply = input.reply ?? parsed?.reply;
  let code = normaliseStatus(input.status) ?? normaliseStatus(parsed?.status);
  // A DSN's Status is often synthesised as X.0.0 from a reply without an enhanced code, or the
  // reply carries a more specific code than the Status: the specific one says more.
  const fromText = normaliseStatus(parsed?.status);
  if (code && code.subject === '0' && code.detail === '0' && fromText && fromText.klass === code.klass) code = fromText;

  const base: Pick<StatusMeaning, 'reply'> = reply !== undefined ? { reply } : {};
  let klass: StatusClass;
  if (code) klass = classOf(code.klass);
  else if (reply !== undefined) klass = classOf(String(reply)[0]!);
  else return { verdict: 'soft', class: 'transient', reason: 'no status code', ...base };

  const status = code ? `${code.klass}.${code.subject}.${code.detail}` : undefined;
  const label = status ?? String(reply);
  const withStatus = status ? { status } : {};
  if (klass === 'success') return { verdict: 'delivered', class: klass, reason: `${label} success`, ...withStatus, ...base };

  // A refusal of MAIL FROM, of AUTH, of the greeting or HELO is about the sender, never the recipient.
  if (input.stage && input.stage !== 'rcpt' && input.stage !== 'data') {
    return { verdict: 'refused', class: klass, reason: `${label} refused at ${input.stage.toUpperCase()}: not about the recipient`, ...withStatus, ...base };
  }

  let row: CodeRow;
  let quirk: string | undefined;
  if (code && !(code.subject === '0' && code.detail === '0' && reply !== undefined)) {
    const key = `${code.subject}.${code.detail}`;
    row = SUBJECT_DETAIL[key] ?? SUBJECT_DEFAULT[code.subject] ?? { verdict: 'soft', meaning: 'unregistered status' };
    if (klass === 'permanent' && QUIRKS[key]) {
      const q = QUIRKS[key]!;
      quirk = q.name;
      row = { verdict: q.verdict, meaning: row.meaning };
    }
    if (klass === 'transient') row = { verdict: code.subject === '7' || code.subject === '5' || code.subject === '6' ? 'refused' : 'soft', meaning: row.meaning };
  } else if (input.stage === 'data') {
    // A bare 5xx to the message itself (spam filter, size, content) says nothing about the mailbox.
    row = { verdict: klass === 'transient' ? 'soft' : 'refused', meaning: 'message refused after DATA' };
  } else {
    row = fromReplyCode(reply!);
    if (klass === 'transient') row = { verdict: 'soft', meaning: `temporary failure (${reply})` };
  }

  if (row.verdict !== 'refused' && input.text) {
    const refusal = TEXT_REFUSALS.find((t) => t.pattern.test(input.text!));
    if (refusal) {
      return { verdict: 'refused', class: klass, reason: `${label} ${refusal.name}: not about the recipient`, quirk: refusal.name, ...withStatus, ...base };
    }
  }
  const note = quirk && QUIRKS[`${code?.subject}.${code?.detail}`]?.verdict !== SUBJECT_DETAIL[`${code?.subject}.${code?.detail}`]?.verdict ? ` (treated as ${row.verdict}: ${quirk})` : '';
  return { verdict: row.verdict, class: klass, reason: `${label} ${row.meaning}${note}`, ...(quirk ? { quirk } : {}), ...withStatus, ...base };
}

/** Convenience for a whole reply line, e.g. nodemailer's `err.response`. */
export function classifySmtpReply(reply: string, stage?: SmtpStage): StatusMeaning {
  return classifyStatus({ text: reply, stage });
}
