/**
 * What an SMTP failure means for a delivery. The ledger, not the SMTP pool, decides retries:
 *
 * - permanent: a 5xx reply; the delivery fails and is not retried (550/551/553 to RCPT TO is a
 *   bounce: the address is also suppressed);
 * - transient: a 4xx reply (421 included), a timeout, or a connection lost before the message was
 *   handed over; the delivery goes back to pending with backoff;
 * - ambiguous: the connection was lost after the message was handed over (after DATA); the server
 *   may have accepted it, so it is `unknown` and never resent unless the editor asks;
 * - fatal: nothing can be delivered (authentication refused, server closed); the send stops and
 *   the delivery goes back to pending for the next run.
 */
export type Failure =
  | { kind: 'permanent'; reply: string; bounce: boolean }
  | { kind: 'transient'; reply: string }
  | { kind: 'ambiguous'; reply: string }
  | { kind: 'fatal'; reply: string; reason: 'auth' | 'unreachable' };

/** RCPT TO replies that mean the mailbox does not exist (RFC 5321 §4.2.3). */
const BOUNCE_CODES = new Set([550, 551, 553]);
const AUTH_REPLY_CODES = new Set([530, 534, 535, 538]);
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

interface SmtpErrorLike {
  code?: string;
  errno?: string | number;
  responseCode?: number;
  response?: string;
  command?: string;
  message?: string;
}

export function classifySmtpError(error: unknown, handedOver: boolean): Failure {
  const err = (error ?? {}) as SmtpErrorLike;
  const code = err.responseCode;
  const reply = describe(err);
  if (err.code === 'EAUTH' || (code !== undefined && AUTH_REPLY_CODES.has(code) && /AUTH/i.test(err.command ?? ''))) {
    return { kind: 'fatal', reply, reason: 'auth' };
  }
  const sysCode = typeof err.errno === 'string' ? err.errno : undefined;
  if ((err.code && UNREACHABLE_CODES.has(err.code)) || (sysCode && UNREACHABLE_CODES.has(sysCode)) || /ECONNREFUSED/.test(err.message ?? '')) {
    return { kind: 'fatal', reply, reason: 'unreachable' };
  }
  if (code !== undefined && code >= 500) {
    return { kind: 'permanent', reply, bounce: /^RCPT/i.test(err.command ?? '') && BOUNCE_CODES.has(code) };
  }
  if (code !== undefined && code >= 400) return { kind: 'transient', reply };
  // No reply from the server: the connection broke or timed out.
  return handedOver ? { kind: 'ambiguous', reply } : { kind: 'transient', reply };
}

function describe(err: SmtpErrorLike): string {
  const response = err.response?.replace(/\s+/g, ' ').trim();
  if (response && /^\d{3}/.test(response)) return response.slice(0, 300);
  const what = err.message?.replace(/\s+/g, ' ').trim() || 'unknown error';
  return `${err.code ? `${err.code}: ` : ''}${what}`.slice(0, 300);
}
