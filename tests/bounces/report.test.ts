import { classifyReport, type FeedbackKind } from '../../src/bounces/classify';
import { MAX_REPORT_BYTES, parseReport, ReportError, type ReportKind } from '../../src/bounces/report';
import { fixture } from './fixtures';

const values = { to: 'bounces+12-0123456789abcdef@example.org', rcpt: 'member@example.net', msgid: '<2021-03-22.abc@example.org>' };

/** Each fixture is written the way its MTA or provider writes reports (see tests/fixtures/bounces). */
const table: Array<[string, ReportKind, FeedbackKind[], string | undefined]> = [
  // fixture, kind, what it says per recipient, decisive status
  ['postfix-user-unknown.eml', 'dsn', ['hard'], '5.1.1'],
  ['postfix-delayed.eml', 'dsn', ['delayed'], '4.2.2'],
  ['postfix-relay-denied.eml', 'dsn', ['refused'], '5.7.1'],
  ['exim-dsn.eml', 'dsn', ['hard'], '5.0.0'],
  ['exim-legacy.eml', 'dsn', ['soft'], undefined],
  ['exchange-ndr.eml', 'dsn', ['hard'], '5.1.10'],
  ['gmail-over-quota.eml', 'dsn', ['soft'], '5.2.2'],
  ['yahoo-arf-abuse.eml', 'arf', ['complaint'], undefined],
  ['arf-auth-failure.eml', 'arf', ['ignored'], undefined],
  ['gmail-vacation.eml', 'auto-reply', [], undefined],
  ['outlook-automatic-reply.eml', 'auto-reply', [], undefined],
  ['human-reply.eml', 'other', [], undefined],
];

describe('reading reports by the standards (RFC 3464 DSN, RFC 5965 ARF, RFC 3834)', () => {
  it.each(table)('%s is a %s saying %j', async (name, kind, kinds, status) => {
    const report = await parseReport(fixture(name, values));
    expect(report.kind).toBe(kind);
    const feedback = classifyReport(report);
    expect(feedback.map((f) => f.kind)).toEqual(kinds);
    if (kinds.length) expect(feedback[0]!.status).toBe(status);
    if (kinds.length && kind === 'dsn') expect(feedback[0]!.recipient).toBe(values.rcpt);
  });

  it.each(['postfix-user-unknown.eml', 'exim-dsn.eml', 'exchange-ndr.eml', 'gmail-over-quota.eml', 'yahoo-arf-abuse.eml'])(
    '%s: the returned headers give the original Message-ID and return path; the report says where it was delivered',
    async (name) => {
      const report = await parseReport(fixture(name, { ...values, returnPath: 'bounces+12-0123456789abcdef@example.org' }));
      expect(report.original.messageId).toBe(values.msgid);
      expect(report.original.returnPath).toBe('bounces+12-0123456789abcdef@example.org');
      expect(report.deliveredTo).toContain(values.to);
    },
  );

  it('reads the ARF recipient and feedback type', async () => {
    const report = await parseReport(fixture('yahoo-arf-abuse.eml', values));
    expect(report.feedback).toEqual({ type: 'abuse', originalRcptTo: values.rcpt, originalMailFrom: values.to });
  });

  it('takes the failed addresses from X-Failed-Recipients when the delivery-status part is empty (Google Groups)', async () => {
    const raw = fixture('gmail-over-quota.eml', values).toString('latin1');
    const emptied = raw.replace(/Final-Recipient:[\s\S]*?Last-Attempt-Date: [^\r]*\r\n/, '');
    const report = await parseReport(Buffer.from(emptied, 'latin1'));
    expect(classifyReport(report).map((f) => [f.kind, f.recipient])).toEqual([['soft', values.rcpt]]);
  });

  it('decodes a base64 delivery-status part', async () => {
    const raw = fixture('postfix-user-unknown.eml', values).toString('latin1');
    const status = /Reporting-MTA:[\s\S]*?\r\n\r\n--4XyZ/.exec(raw)![0].replace(/\r\n\r\n--4XyZ$/, '');
    const encoded = raw.replace(status, Buffer.from(status).toString('base64')).replace('Content-Type: message/delivery-status', 'Content-Type: message/delivery-status\r\nContent-Transfer-Encoding: base64');
    const report = await parseReport(Buffer.from(encoded, 'latin1'));
    expect(classifyReport(report).map((f) => [f.kind, f.status])).toEqual([['hard', '5.1.1']]);
  });

  it.each([
    ['binary noise', Buffer.from([0, 1, 2, 0xff, 0xfe, 0x20, 0x41])],
    ['an empty message', Buffer.alloc(0)],
    ['text without a header', Buffer.from('hello there\nthis is not mail\n')],
  ])('refuses %s with a reason', async (_what, raw) => {
    await expect(parseReport(raw)).rejects.toThrow(ReportError);
  });

  it('refuses a report bigger than the limit without reading it', async () => {
    await expect(parseReport(Buffer.alloc(MAX_REPORT_BYTES + 1, 0x61))).rejects.toThrow(/larger than 10 MB/);
  });
});
