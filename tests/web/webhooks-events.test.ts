import { mailgunEvents, postmarkEvents, sendgridEvents, sesEvents } from '../../src/web/server/webhooks-events';

/** Payloads as the providers document them (trimmed to the fields that matter), and what they mean. */

/** [recipient, kind, status, Message-ID] per event; a parse error throws. */
const kinds = (p: ReturnType<typeof sesEvents>): (string | null)[][] => {
  if ('error' in p) throw new Error(p.error);
  return p.events.map((e) => [e.recipient, e.kind, e.status ?? null, e.messageId ?? null]);
};

describe('Amazon SES notifications', () => {
  const mail = { messageId: '000001378603177f-7a5433e7', commonHeaders: { messageId: '<2021-03-22.abc@example.org>' } };
  it.each([
    ['Permanent, 5.0.0 with "550 user unknown" (the documented sample)', { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: 'jane@example.com', status: '5.0.0', action: 'failed', diagnosticCode: 'smtp; 550 user unknown' }] }, 'hard', '5.0.0'],
    ['Permanent without a status (suppression list)', { bounceType: 'Permanent', bounceSubType: 'Suppressed', bouncedRecipients: [{ emailAddress: 'jane@example.com' }] }, 'hard', null],
    ['Transient, mailbox full', { bounceType: 'Transient', bounceSubType: 'MailboxFull', bouncedRecipients: [{ emailAddress: 'jane@example.com', status: '4.2.2', diagnosticCode: 'smtp; 452 4.2.2 Mailbox full' }] }, 'soft', '4.2.2'],
    ['Permanent 5.4.4 (the SES quirk)', { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: 'jane@example.com', status: '5.4.4', diagnosticCode: 'smtp; 550 5.4.4 Invalid domain' }] }, 'soft', '5.4.4'],
    ['Permanent 5.7.1 policy', { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: 'jane@example.com', status: '5.7.1', diagnosticCode: 'smtp; 554 5.7.1 Message rejected due to local policy' }] }, 'refused', '5.7.1'],
  ])('%s → %s', (_what, bounce, kind, status) => {
    expect(kinds(sesEvents({ notificationType: 'Bounce', bounce: { feedbackId: 'f1', ...bounce }, mail }))).toEqual([['jane@example.com', kind, status, '<2021-03-22.abc@example.org>']]);
  });

  it('a complaint, and the configuration-set event form (eventType)', () => {
    const complaint = { complainedRecipients: [{ emailAddress: 'richard@example.com' }], feedbackId: 'f2', complaintFeedbackType: 'abuse' };
    expect(kinds(sesEvents({ notificationType: 'Complaint', complaint, mail }))).toEqual([['richard@example.com', 'complaint', null, '<2021-03-22.abc@example.org>']]);
    expect(kinds(sesEvents({ eventType: 'Complaint', complaint, mail }))).toEqual([['richard@example.com', 'complaint', null, '<2021-03-22.abc@example.org>']]);
    expect(kinds(sesEvents({ notificationType: 'Complaint', complaint: { ...complaint, complaintFeedbackType: 'not-spam' }, mail }))).toEqual([]);
    expect(kinds(sesEvents({ notificationType: 'Delivery', delivery: {}, mail }))).toEqual([]);
  });
});

describe('Postmark', () => {
  it.each([
    [{ RecordType: 'Bounce', ID: 4323372036854775807, Type: 'HardBounce', TypeCode: 1, Email: 'john@example.com', Details: 'Test bounce details' }, 'hard'],
    [{ RecordType: 'Bounce', ID: 1, Type: 'HardBounce', Email: 'john@example.com', Details: 'smtp;550 5.7.1 Relaying denied' }, 'refused'],
    [{ RecordType: 'Bounce', ID: 2, Type: 'SoftBounce', Email: 'john@example.com', Details: 'smtp;452 4.2.2 mailbox full' }, 'soft'],
    [{ RecordType: 'Bounce', ID: 3, Type: 'HardBounce', Email: 'john@example.com', Details: 'smtp;530 Authentication required' }, 'refused'],
    [{ RecordType: 'SpamComplaint', ID: 4, Type: 'SpamComplaint', TypeCode: 512, Email: 'john@example.com' }, 'complaint'],
  ])('%j → %s', (payload, kind) => {
    expect(kinds(postmarkEvents(payload)).map((e) => e[1])).toEqual([kind]);
  });
  it.each([[{ RecordType: 'Bounce', ID: 5, Type: 'AutoResponder', Email: 'john@example.com' }], [{ RecordType: 'Delivery', ID: 6, Email: 'john@example.com' }]])('%j is not a failure', (payload) => {
    expect(kinds(postmarkEvents(payload))).toEqual([]);
  });
});

describe('Mailgun', () => {
  const base = { id: 'G9Bn5sl1TC6nu79C8C0bwg', recipient: 'alice@example.com', message: { headers: { 'message-id': '20130503182626.18666.16540@example.org' } } };
  it.each([
    ['permanent, 550 5.1.1', { event: 'failed', severity: 'permanent', 'delivery-status': { code: 550, message: '5.1.1 The email account that you tried to reach does not exist.', 'enhanced-code': '5.1.1' } }, 'hard'],
    ['permanent, previously bounced (code 605, not SMTP)', { event: 'failed', severity: 'permanent', reason: 'suppress-bounce', 'delivery-status': { code: 605, message: '', description: 'Not delivering to previously bounced address' } }, 'hard'],
    ['temporary, 452', { event: 'failed', severity: 'temporary', 'delivery-status': { code: 452, message: '4.2.2 The email account that you tried to reach is over quota.' } }, 'soft'],
    ['permanent, 5.7.1 blocked', { event: 'failed', severity: 'permanent', 'delivery-status': { code: 550, message: '5.7.1 Our system has detected an unusual rate of unsolicited mail' } }, 'refused'],
    ['complained', { event: 'complained' }, 'complaint'],
  ])('%s → %s', (_what, event, kind) => {
    expect(kinds(mailgunEvents({ ...base, ...event })).map((e) => [e[0], e[1], e[3]])).toEqual([['alice@example.com', kind, '<20130503182626.18666.16540@example.org>']]);
  });
});

describe('SendGrid', () => {
  it('reads a batch: bounces by status or classification, blocks as refusals, spam reports; others ignored', () => {
    const parsed = sendgridEvents([
      { email: 'example@test.com', timestamp: 1513299569, 'smtp-id': '<14c5d75ce93.dfd.64b469@ismtpd-555>', event: 'bounce', reason: '500 unknown recipient', status: '5.0.0', type: 'bounce', bounce_classification: 'Invalid Address', sg_event_id: 'a1' },
      { email: 'b@test.com', event: 'bounce', reason: '550 5.1.1 No such user', status: '5.1.1', type: 'bounce', sg_event_id: 'a2' },
      { email: 'c@test.com', event: 'bounce', reason: '554 5.7.1 blocked using Spamhaus', status: '5.7.1', type: 'blocked', bounce_classification: 'Reputation', sg_event_id: 'a3' },
      { email: 'd@test.com', event: 'bounce', status: '5.0.0', type: 'bounce', bounce_classification: 'Technical', sg_event_id: 'a4' },
      { email: 'e@test.com', event: 'spamreport', sg_event_id: 'a5' },
      { email: 'f@test.com', event: 'deferred', sg_event_id: 'a6' },
      { email: 'g@test.com', event: 'dropped', reason: 'Bounced Address', sg_event_id: 'a7' },
    ]);
    expect(kinds(parsed).map((e) => [e[0], e[1]])).toEqual([
      ['example@test.com', 'hard'],
      ['b@test.com', 'hard'],
      ['c@test.com', 'refused'],
      ['d@test.com', 'soft'],
      ['e@test.com', 'complaint'],
    ]);
    expect(parsed).toMatchObject({ ignored: 2 });
    expect(sendgridEvents({ not: 'an array' })).toEqual({ error: 'not a SendGrid event webhook (a JSON array is expected)' });
  });
});
