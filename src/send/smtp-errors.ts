import { classifySmtpReply, type SmtpStage } from '../mail/status-codes';
import { escapeControl } from '../util/control-chars';

/**
 * What an SMTP failure means for a delivery, and for the send. The ledger, not the SMTP transport,
 * decides retries:
 *
 * - bounce: the *recipient's* address is permanently unreachable (5.1.1 unknown user, 5.1.2 no such
 *   domain, 5.2.1 disabled, …; decided by src/mail/status-codes.ts): the delivery fails and the
 *   address is suppressed;
 * - permanent: a permanent failure that says nothing certain about the address (5.2.2 mailbox
 *   full, an unexplained 5xx): the delivery fails, nobody is suppressed;
 * - transient: a 4xx reply, a timeout, or a connection lost before the message was handed over;
 *   the delivery goes back to pending. `throttle` (421, 454, "rate"/"too many"): the server asks
 *   us to slow down; the attempt is not counted and the whole send slows down;
 * - ambiguous: the connection was lost after the message was handed over (after DATA); the server
 *   may have accepted it, so it is `unknown` and never resent unless the editor asks;
 * - fatal: a fault on the *sending* side, the same for every recipient: the login refused, the
 *   server unreachable, TLS mismatched, a server that does not speak SMTP, or a refusal of the
 *   sender or the message (5.7.x policy, relaying denied, sender address rejected, 530
 *   authentication required, content refused). The send stops (exit 3) and the delivery goes back
 *   to pending: nobody is failed or suppressed for it.
 */
export type Failure =
  | { kind: 'bounce'; reply: string }
  | { kind: 'permanent'; reply: string }
  /** `connection`: no reply at all (the connection closed or timed out before the message was handed over). */
  | { kind: 'transient'; reply: string; throttle: boolean; connection?: boolean }
  | { kind: 'ambiguous'; reply: string }
  | { kind: 'fatal'; reply: string; reason: FatalReason };

export type FatalReason = 'auth' | 'unreachable' | 'tls' | 'protocol' | 'refused';

/** What a permanent reply means, by where it came and its codes: the table in the README. */
export type ReplyMeaning = 'recipient' | 'uncertain' | 'sender';

interface SmtpErrorLike {
  code?: string;
  errno?: string | number;
  responseCode?: number;
  response?: string;
  command?: string;
  message?: string;
}

const THROTTLE_TEXT = /\brate\b|\bthrottl|\btoo many (?:messages|connections|emails|recipients)\b|\bquota\b|\bslow down\b/i;

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EDNS']);
const TLS_TEXT = /\bSSL\b|\bTLS\b|wrong version number|packet length too long|certificate|handshake/i;

/** The enhanced code right after the reply code (RFC 2034 §4): `550 5.1.1 …` → 5.1.1. */
export function enhancedCode(reply: string): string | undefined {
  return /^\s*[245]\d\d[ -]+([245]\.\d{1,3}\.\d{1,3})(?![\d.])/.exec(reply)?.[1];
}

/**
 * For a permanent reply: whose fault it is, decided by src/mail/status-codes.ts (RFC 3463 enhanced
 * codes, the basic reply code, provider quirks): `recipient` (hard: the address is unreachable for
 * good), `uncertain` (soft: a full mailbox, an unexplained 5xx) or `sender` (refused: the sender,
 * the relay, the login or the message). Pure; table-tested.
 */
export function permanentMeaning(reply: string, stage?: SmtpStage): ReplyMeaning {
  const verdict = classifySmtpReply(reply, stage).verdict;
  return verdict === 'hard' ? 'recipient' : verdict === 'refused' ? 'sender' : 'uncertain';
}

/** nodemailer's `command` → the SMTP stage the reply answered. */
export function stageOf(command: string | undefined): SmtpStage | undefined {
  const c = (command ?? '').toUpperCase();
  if (c === 'CONN' || c === 'GREETING') return 'connect';
  if (/^(EHLO|HELO|LHLO|STARTTLS)/.test(c)) return 'helo';
  if (c.startsWith('AUTH')) return 'auth';
  if (c.startsWith('MAIL')) return 'mail';
  if (c.startsWith('RCPT')) return 'rcpt';
  if (c.startsWith('DATA') || c === 'MESSAGE') return 'data';
  return undefined;
}

/** A 4xx that asks the sender to slow down rather than says something about this message. */
export function isThrottle(code: number, reply: string): boolean {
  if (code === 421 || code === 454) return true;
  const enhanced = enhancedCode(reply);
  return enhanced === '4.4.5' || enhanced === '4.3.2' || THROTTLE_TEXT.test(reply.replace(/^\s*\d{3}[ -]+(\d\.\d+\.\d+)?/, ''));
}

/** nodemailer's error for one message → what it means. `handedOver`: the message's data had started. */
export function classifySmtpError(error: unknown, handedOver: boolean): Failure {
  const err = (error ?? {}) as SmtpErrorLike;
  const code = err.responseCode;
  const reply = describe(err);
  const command = (err.command ?? '').toUpperCase();
  if (err.code === 'EAUTH' || (code !== undefined && [530, 534, 535, 538].includes(code) && /AUTH/.test(command))) {
    return { kind: 'fatal', reply, reason: 'auth' };
  }
  const sysCode = typeof err.errno === 'string' ? err.errno : undefined;
  if ((err.code && UNREACHABLE_CODES.has(err.code)) || (sysCode && UNREACHABLE_CODES.has(sysCode)) || /ECONNREFUSED/.test(err.message ?? '')) {
    return { kind: 'fatal', reply, reason: 'unreachable' };
  }
  if (code === undefined) {
    if (err.code === 'ETLS' || (err.code === 'ESOCKET' && TLS_TEXT.test(err.message ?? ''))) return { kind: 'fatal', reply, reason: 'tls' };
    if (err.code === 'EPROTOCOL') return { kind: 'fatal', reply, reason: 'protocol' };
    // No reply from the server: the connection broke or timed out.
    return handedOver ? { kind: 'ambiguous', reply } : { kind: 'transient', reply, throttle: false, connection: true };
  }
  if (code >= 400 && code < 500) return { kind: 'transient', reply, throttle: isThrottle(code, err.response ?? reply) };
  if (code >= 500) {
    const stage = stageOf(command);
    // A refusal before the recipient was named (greeting, EHLO, MAIL FROM) is always the sender's.
    if (stage !== 'rcpt' && stage !== 'data') return { kind: 'fatal', reply, reason: code === 530 ? 'auth' : 'refused' };
    const response = err.response && /^\s*\d{3}/.test(err.response) ? err.response : `${code} ${err.response ?? reply}`;
    const meaning = permanentMeaning(response, stage);
    if (meaning === 'sender') return { kind: 'fatal', reply, reason: code === 530 ? 'auth' : 'refused' };
    return meaning === 'recipient' ? { kind: 'bounce', reply } : { kind: 'permanent', reply };
  }
  // A 2xx or 3xx where nodemailer expected another: the server does not follow the protocol.
  return { kind: 'fatal', reply, reason: 'protocol' };
}

/** The server's reply (or the error) on one line, control characters escaped, at most 300 characters. */
export function describe(err: SmtpErrorLike): string {
  const response = err.response?.replace(/\s+/g, ' ').trim();
  if (response && /^\d{3}/.test(response)) return escapeControl(response).slice(0, 300);
  const what = err.message?.replace(/\s+/g, ' ').trim() || 'unknown error';
  return escapeControl(`${err.code ? `${err.code}: ` : ''}${what}`).slice(0, 300);
}

/** What the editor should do about a fault on the sending side. */
export function fatalAdvice(reason: FatalReason, reply: string): string {
  switch (reason) {
    case 'auth':
      return `the SMTP server refused the login: ${reply}. Check the user and password in SMTP_URL (.env)`;
    case 'unreachable':
      return `the SMTP server cannot be reached: ${reply}. Check the host and port in SMTP_URL (.env) and the network`;
    case 'tls':
      return `TLS with the SMTP server failed: ${reply}. smtps:// is for implicit TLS (usually port 465), smtp:// for STARTTLS (587); check SMTP_URL (.env)`;
    case 'protocol':
      return `the server at SMTP_URL does not speak SMTP as expected: ${reply}. Check the host and port in SMTP_URL (.env)`;
    case 'refused':
      return `the SMTP server refuses the sender or the message (for every recipient, so nobody was failed or suppressed): ${reply}. Check the From address and the relay's settings for it`;
  }
}
