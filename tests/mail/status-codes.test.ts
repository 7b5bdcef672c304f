import { classifySmtpReply, classifyStatus, parseReply, type SmtpStage, type StatusClass, type Verdict } from '../../src/mail/status-codes';

/** Replies as the servers write them (nodemailer joins a multi-line reply with spaces). */
const replies: Array<[string, SmtpStage | undefined, Verdict, StatusClass, string | undefined]> = [
  // reply, stage, verdict, class, quirk
  ['250 2.0.0 Ok: queued as 4F1Xk', 'data', 'delivered', 'success', undefined],
  // The recipient does not exist: a hard bounce.
  ['550-5.1.1 The email account that you tried to reach does not exist. Please try 550-5.1.1 double-checking the recipient\'s email address for typos or 550 5.1.1 unnecessary spaces. https://support.google.com/mail/?p=NoSuchUser', 'rcpt', 'hard', 'permanent', undefined],
  ['550 5.1.1 <gone@example.net>: Recipient address rejected: User unknown in local recipient table', 'rcpt', 'hard', 'permanent', undefined],
  ['550 5.1.2 <a@nonexistent.example>: Recipient address rejected: Domain not found', 'rcpt', 'hard', 'permanent', undefined],
  ['550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup', 'rcpt', 'hard', 'permanent', 'Exchange 5.1.10'],
  ['550 5.2.1 The email account that you tried to reach is disabled.', 'rcpt', 'hard', 'permanent', 'disabled account'],
  ['550 5.7.13 User account disabled', 'rcpt', 'hard', 'permanent', undefined],
  ['550 User unknown', 'rcpt', 'hard', 'permanent', undefined],
  ['551 User not local; please try <x@elsewhere.example>', 'rcpt', 'hard', 'permanent', undefined],
  ['553 sorry, that mailbox name is not allowed', 'rcpt', 'hard', 'permanent', undefined],
  ['556 Domain does not accept mail', 'rcpt', 'hard', 'permanent', undefined],
  // It may work later: soft.
  ['452-4.2.2 The email account that you tried to reach is over quota. 452 4.2.2 https://support.google.com/mail/?p=OverQuotaTemp', 'rcpt', 'soft', 'transient', undefined],
  ['552 5.2.2 Mailbox full', 'rcpt', 'soft', 'permanent', 'mailbox full'],
  ['552 Requested mail action aborted: exceeded storage allocation', 'rcpt', 'soft', 'permanent', undefined],
  ['554 5.4.4 SMTP; Unable to route to domain example.invalid', 'rcpt', 'soft', 'permanent', 'SES 5.4.4'],
  ['550 5.1.0 Address rejected', 'rcpt', 'soft', 'permanent', undefined],
  ['450 4.2.1 The user you are trying to contact is receiving mail at a rate that prevents additional messages', 'rcpt', 'soft', 'transient', undefined],
  ['421 Service not available, closing transmission channel', 'rcpt', 'soft', 'transient', undefined],
  // The sender, the relay or a policy was refused: never a bounce.
  ['554 5.7.1 <member@example.net>: Relay access denied', 'rcpt', 'refused', 'permanent', undefined],
  ['550 5.7.1 Relaying denied', 'rcpt', 'refused', 'permanent', undefined],
  ['550 Relaying denied', 'rcpt', 'refused', 'permanent', 'relaying denied'],
  ['553 sorry, that domain isn\'t in my list of allowed rcpthosts; unable to relay', 'rcpt', 'refused', 'permanent', 'relaying denied'],
  ['550 5.1.0 <news@example.org>: Sender address rejected: User unknown in local recipient table', 'rcpt', 'refused', 'permanent', 'sender address rejected'],
  ['553 5.1.8 <news@example.org>: Sender address rejected: Domain not found', 'rcpt', 'refused', 'permanent', undefined],
  ['550 5.1.1 <news@example.org>: Sender address rejected: undeliverable address', 'rcpt', 'refused', 'permanent', 'sender address rejected'],
  ['550 5.1.1 <news@example.org>... User unknown', 'mail', 'refused', 'permanent', undefined],
  ['530 5.7.0 Authentication required', 'rcpt', 'refused', 'permanent', undefined],
  ['530 Authentication required', 'mail', 'refused', 'permanent', undefined],
  ['535 5.7.8 Error: authentication failed: authentication failure', 'auth', 'refused', 'permanent', undefined],
  ['535 Authentication failed', undefined, 'refused', 'permanent', undefined],
  ['550 5.7.26 This mail is unauthenticated, which poses a security risk to the sender and Gmail users', 'data', 'refused', 'permanent', undefined],
  ['554 5.7.9 Message not accepted for policy reasons.', 'data', 'refused', 'permanent', undefined],
  ['451 4.7.1 Greylisted, please try again later', 'rcpt', 'refused', 'transient', undefined],
  ['552 5.3.4 Message size exceeds fixed limit', 'data', 'refused', 'permanent', undefined],
  ['554 5.6.0 Message contains invalid header', 'data', 'refused', 'permanent', undefined],
  ['500 5.5.2 Error: bad syntax', 'rcpt', 'refused', 'permanent', undefined],
  ['554 Transaction failed', 'rcpt', 'refused', 'permanent', undefined],
  ['550 Message rejected as spam by Content Filtering.', 'data', 'refused', 'permanent', undefined],
  ['550 5.1.1 <gone@example.net>: user unknown', 'data', 'hard', 'permanent', undefined],
  // An IP address in the text is not an enhanced code.
  ['554 Your address 5.1.1.7 is listed at a blocklist', 'rcpt', 'refused', 'permanent', undefined],
];

describe('classifySmtpReply: what a reply means for the recipient', () => {
  it.each(replies)('%s (at %s) → %s', (reply, stage, verdict, klass, quirk) => {
    const meaning = classifySmtpReply(reply, stage);
    expect({ verdict: meaning.verdict, class: meaning.class, quirk: meaning.quirk }).toEqual({ verdict, class: klass, quirk });
    expect(meaning.reason).toMatch(/^\S+ /);
  });

  it('says which code decided and why, in one line', () => {
    expect(classifySmtpReply('550 5.1.1 <gone@example.net>: User unknown', 'rcpt')).toEqual({
      verdict: 'hard',
      class: 'permanent',
      status: '5.1.1',
      reply: 550,
      reason: '5.1.1 bad destination mailbox address',
    });
  });
});

/** A DSN's per-recipient Status and Diagnostic-Code (RFC 3464 §2.3). */
const dsnFields: Array<[string | undefined, string | undefined, Verdict, string | undefined]> = [
  // status, diagnostic, verdict, decisive status
  ['5.1.1', 'smtp; 550 5.1.1 <gone@example.net>: Recipient address rejected: User unknown', 'hard', '5.1.1'],
  ['5.1.1', 'X-Postfix; unknown user: "gone"', 'hard', '5.1.1'],
  // Postfix synthesises 5.0.0 from a reply without an enhanced code: the reply code decides.
  ['5.0.0', 'smtp; 550 User unknown', 'hard', '5.0.0'],
  ['5.0.0', 'smtp; 554 delivery error: dd Not a valid recipient', 'refused', '5.0.0'],
  // ... and a more specific enhanced code in the diagnostic wins over 5.0.0.
  ['5.0.0', 'smtp; 550 5.2.2 mailbox full', 'soft', '5.2.2'],
  ['5.0.0', undefined, 'soft', '5.0.0'],
  ['4.4.7', 'smtp; 554 4.4.7 Message expired: unable to deliver in 840 minutes.<421 4.4.0 Unable to lookup DNS for example.net>', 'soft', '4.4.7'],
  ['5.4.4', 'smtp; 550 5.4.4 Invalid domain', 'soft', '5.4.4'],
  ['5.7.1', 'smtp; 550 5.7.1 Service unavailable, Client host blocked using Spamhaus', 'refused', '5.7.1'],
  ['5.7.17', undefined, 'hard', '5.7.17'],
  ['5.9.9', undefined, 'soft', '5.9.9'],
  ['5.05.001', undefined, 'refused', '5.5.1'],
  ['nonsense', 'smtp; 550 5.1.1 user unknown', 'hard', '5.1.1'],
  [undefined, undefined, 'soft', undefined],
];

describe('classifyStatus: a DSN Status with its diagnostic', () => {
  it.each(dsnFields)('Status %s, %s → %s', (status, text, verdict, decisive) => {
    const meaning = classifyStatus({ status, text, stage: 'rcpt' });
    expect(meaning.verdict).toBe(verdict);
    expect(meaning.status).toBe(decisive);
  });

  it('takes the reply code alone (an ESP event without a diagnostic)', () => {
    expect(classifyStatus({ reply: 550 }).verdict).toBe('hard');
    expect(classifyStatus({ reply: 535 }).verdict).toBe('refused');
    expect(classifyStatus({ reply: 451 }).class).toBe('transient');
  });
});

describe('parseReply', () => {
  it.each([
    ['550 5.1.1 user unknown', { reply: 550, status: '5.1.1', text: '550 5.1.1 user unknown' }],
    ['550-5.1.1 first line 550 5.1.1 second', { reply: 550, status: '5.1.1', text: '550-5.1.1 first line 550 5.1.1 second' }],
    ['smtp; 452 4.2.2 over quota', { reply: 452, status: '4.2.2', text: '452 4.2.2 over quota' }],
    ['550 user unknown', { reply: 550, text: '550 user unknown' }],
    ['5.1.1 <a@x>... User unknown', { status: '5.1.1', text: '5.1.1 <a@x>... User unknown' }],
    ['550 5.1.1.7 listed', { reply: 550, text: '550 5.1.1.7 listed' }],
    ['not a reply', { text: 'not a reply' }],
  ])('%s', (text, expected) => {
    expect(parseReply(text)).toEqual(expected);
  });
});
