import { classifyStatus } from '../mail/status-codes';
import type { ParsedReport } from './report';

/**
 * What a report says happened to one recipient, by the standards:
 * - DSN (RFC 3464): `Action: failed` is classified by its RFC 3463 `Status` with the
 *   Diagnostic-Code's reply code (src/mail/status-codes.ts); `Action: delayed` is only a warning;
 *   delivered, relayed and expanded are not failures;
 * - ARF (RFC 5965): `Feedback-Type: abuse` is a complaint; other types (auth-failure, fraud,
 *   virus, not-spam, opt-out) are not about the recipient's wish and are ignored.
 */
export type FeedbackKind = 'hard' | 'soft' | 'complaint' | 'refused' | 'delayed' | 'ignored';

export interface RecipientFeedback {
  /** The address the report names (Final-Recipient or Original-Rcpt-To), when it names one. */
  recipient?: string;
  kind: FeedbackKind;
  status?: string;
  /** One line: the code and its meaning, or why the report is ignored. */
  reason: string;
}

export function classifyReport(report: ParsedReport): RecipientFeedback[] {
  if (report.kind === 'arf') {
    const type = report.feedback?.type ?? 'abuse';
    const recipient = report.feedback?.originalRcptTo;
    const base = recipient ? { recipient } : {};
    return type === 'abuse'
      ? [{ ...base, kind: 'complaint', reason: 'abuse report (ARF Feedback-Type: abuse)' }]
      : [{ ...base, kind: 'ignored', reason: `ARF Feedback-Type: ${type} is not a complaint` }];
  }
  if (report.kind !== 'dsn') return [];
  return report.recipients.map((r) => {
    const recipient = r.finalRecipient ?? r.originalRecipient;
    const base = recipient ? { recipient } : {};
    const action = r.action ?? 'failed';
    if (action === 'delayed') return { ...base, kind: 'delayed', ...(r.status ? { status: r.status } : {}), reason: `delayed (${r.status ?? 'no status'}): only a warning` };
    if (action !== 'failed') return { ...base, kind: 'ignored', reason: `Action: ${action} is not a failure` };
    const diagnostic = r.diagnostic?.replace(/^\s*[\w-]+\s*;\s*/, '');
    const meaning = classifyStatus({ status: r.status, text: diagnostic, stage: 'rcpt' });
    const status = meaning.status ?? r.status;
    const reason = diagnostic ? `${meaning.reason}: ${diagnostic}`.slice(0, 300) : meaning.reason;
    switch (meaning.verdict) {
      case 'hard':
        return { ...base, kind: 'hard', ...(status ? { status } : {}), reason };
      case 'refused':
        return { ...base, kind: 'refused', ...(status ? { status } : {}), reason };
      case 'delivered':
        return { ...base, kind: 'ignored', reason: `${meaning.reason}: not a failure` };
      default:
        return { ...base, kind: 'soft', ...(status ? { status } : {}), reason };
    }
  });
}
