import { matchHeader, readRow } from '../../src/subscribers/csv-import';
import { detectFormat, parseStatusMap, resolveStatus } from '../../src/subscribers/formats';
import { editDistance, likelyTypo } from '../../src/subscribers/typos';
import { UserError } from '../../src/util/errors';

/** The decisions of an import, without a file or a store: header → format, row → what it becomes. */

const AN = ['first_name', 'last_name', 'email', 'zip_code', 'can2_subscription_status', 'can2_sms_status'];
const MC_SUBSCRIBED = ['Email Address', 'First Name', 'Last Name', 'MEMBER_RATING', 'OPTIN_TIME', 'LEID', 'EUID', 'NOTES'];
const MC_UNSUBSCRIBED = [...MC_SUBSCRIBED, 'UNSUB_TIME', 'UNSUB_CAMPAIGN_TITLE', 'UNSUB_REASON'];
const MC_CLEANED = [...MC_SUBSCRIBED, 'CLEAN_TIME', 'CLEAN_CAMPAIGN_TITLE'];
const NB = ['nationbuilder_id', 'first_name', 'last_name', 'email', 'email_opt_in', 'email1_is_bad', 'do_not_contact'];
const GENERIC = ['email', 'name', 'status'];

describe('detectFormat', () => {
  test.each([
    [AN, 'action-network'],
    [MC_SUBSCRIBED, 'mailchimp'],
    [MC_UNSUBSCRIBED, 'mailchimp'],
    [MC_CLEANED, 'mailchimp'],
    [NB, 'nationbuilder'],
    [GENERIC, 'generic'],
    [['Email Address', 'First Name'], 'generic'],
    [['Email', 'CAN2_Subscription_Status'], 'action-network'],
  ])('%j is %s', (header, id) => {
    expect(detectFormat(header).id).toBe(id);
  });
});

describe('readRow', () => {
  const row = (header: string[], cells: Record<string, string>, map: Record<string, string> = {}) => {
    const { columns, report } = matchHeader(header, 'f.csv', ',');
    const record = header.map((h) => cells[h] ?? '');
    return readRow(record, columns, report.format, parseStatusMap(Object.entries(map).map(([k, v]) => `${k}=${v}`)));
  };

  test.each([
    // Action Network: the column the chapter's export actually has.
    [AN, { email: 'a@x.org', can2_subscription_status: 'subscribed', first_name: 'Ana' }, { kind: 'active', address: 'a@x.org', name: 'Ana' }],
    [AN, { email: 'a@x.org', can2_subscription_status: 'unsubscribed' }, { kind: 'suppress', address: 'a@x.org', reason: 'unsubscribed' }],
    [AN, { email: 'a@x.org', can2_subscription_status: 'bouncing' }, { kind: 'suppress', address: 'a@x.org', reason: 'bounced' }],
    [AN, { email: 'a@x.org', can2_subscription_status: 'Spam  Complaint' }, { kind: 'suppress', address: 'a@x.org', reason: 'complained' }],
    [AN, { email: 'a@x.org', can2_subscription_status: '' }, { kind: 'unknown', label: '(empty)' }],
    [AN, { email: 'a@x.org', can2_subscription_status: 'pending' }, { kind: 'unknown', label: 'pending' }],
    // Mailchimp: which file a row came from is in its columns.
    [MC_SUBSCRIBED, { 'Email Address': 'a@x.org', 'First Name': 'Ana', 'Last Name': 'Pérez' }, { kind: 'active', address: 'a@x.org', name: 'Ana Pérez' }],
    [MC_UNSUBSCRIBED, { 'Email Address': 'a@x.org', UNSUB_TIME: '2021-03-10 14:02:11' }, { kind: 'suppress', address: 'a@x.org', reason: 'unsubscribed' }],
    [MC_CLEANED, { 'Email Address': 'a@x.org', CLEAN_TIME: '2021-03-12 00:00:00' }, { kind: 'suppress', address: 'a@x.org', reason: 'bounced' }],
    // NationBuilder: a bad address bounces; not opted in is not on the list.
    [NB, { email: 'a@x.org', email_opt_in: 'true', email1_is_bad: 'false' }, { kind: 'active', address: 'a@x.org', name: null }],
    [NB, { email: 'a@x.org', email_opt_in: 'false', email1_is_bad: 'false' }, { kind: 'suppress', address: 'a@x.org', reason: 'unsubscribed' }],
    [NB, { email: 'a@x.org', email_opt_in: 'true', email1_is_bad: 'true' }, { kind: 'suppress', address: 'a@x.org', reason: 'bounced' }],
    [NB, { email: 'a@x.org', email_opt_in: '' }, { kind: 'unknown', label: 'email_opt_in=(empty)' }],
    // regression: "do not contact" was ignored when the person was still opted in.
    [NB, { email: 'a@x.org', email_opt_in: 'true', email1_is_bad: 'false', do_not_contact: 'true' }, { kind: 'suppress', address: 'a@x.org', reason: 'unsubscribed' }],
    [NB, { email: 'a@x.org', email_opt_in: 'true', email1_is_bad: 'false', do_not_contact: 'false' }, { kind: 'active', address: 'a@x.org', name: null }],
    // regression: a CRM's opt-out flag in an otherwise generic list.
    [['Email', 'Email Opt Out', 'Status'], { Email: 'a@x.org', 'Email Opt Out': '1', Status: 'active' }, { kind: 'suppress', address: 'a@x.org', reason: 'unsubscribed' }],
    [['Email', 'Email Opt Out', 'Status'], { Email: 'a@x.org', 'Email Opt Out': '0', Status: 'bounced' }, { kind: 'suppress', address: 'a@x.org', reason: 'bounced' }],
    [['Email', 'Email Opt Out'], { Email: 'a@x.org', 'Email Opt Out': 'FALSE' }, { kind: 'active', address: 'a@x.org', name: null }],
    [['Email', 'Do Not Email'], { Email: 'a@x.org', 'Do Not Email': 'sometimes' }, { kind: 'unknown', label: 'do not email=sometimes' }],
    [['Email', 'Unsubscribe Date'], { Email: 'a@x.org', 'Unsubscribe Date': '2021-03-01' }, { kind: 'suppress', address: 'a@x.org', reason: 'unsubscribed' }],
    [['E-mail 1 - Value'], { 'E-mail 1 - Value': 'a@x.org ::: b@y.org' }, { kind: 'active', address: 'a@x.org', name: null }],
    // Generic, and listmonk's words.
    [GENERIC, { email: 'a@x.org', status: '' }, { kind: 'active', address: 'a@x.org', name: null }],
    [GENERIC, { email: 'a@x.org', status: 'Enabled' }, { kind: 'active', address: 'a@x.org', name: null }],
    [GENERIC, { email: 'a@x.org', status: 'blocklisted' }, { kind: 'suppress', address: 'a@x.org', reason: 'manual' }],
    [GENERIC, { email: 'a@x.org', status: 'cleaned' }, { kind: 'suppress', address: 'a@x.org', reason: 'bounced' }],
    [GENERIC, { email: 'a@x.org', status: 'disabled' }, { kind: 'unknown', label: 'disabled' }],
    // A display name in the email cell; the name column wins over it.
    [GENERIC, { email: 'Jane Doe <jane@x.org>' }, { kind: 'active', address: 'jane@x.org', name: 'Jane Doe' }],
    [GENERIC, { email: '"Doe, Jane" <jane@x.org>', name: 'J. Doe' }, { kind: 'active', address: 'jane@x.org', name: 'J. Doe' }],
    [GENERIC, { email: 'not an address', status: 'unsubscribed' }, { kind: 'rejected', reason: 'contains a space' }],
  ])('%j %j → %j', (header, cells, expected) => {
    expect(row(header, cells)).toEqual(expected);
  });

  test('--status-map gives unknown values a meaning, and can override a known one', () => {
    expect(row(AN, { email: 'a@x.org', can2_subscription_status: 'pending' }, { pending: 'skip' })).toEqual({ kind: 'skip', address: 'a@x.org' });
    expect(row(AN, { email: 'a@x.org', can2_subscription_status: '' }, { '(empty)': 'unsubscribed' })).toEqual({ kind: 'suppress', address: 'a@x.org', reason: 'unsubscribed' });
    expect(row(GENERIC, { email: 'a@x.org', status: 'Disabled' }, { disabled: 'manual' })).toEqual({ kind: 'suppress', address: 'a@x.org', reason: 'manual' });
    expect(row(GENERIC, { email: 'a@x.org', status: 'subscribed' }, { subscribed: 'skip' })).toEqual({ kind: 'skip', address: 'a@x.org' });
  });
});

describe('parseStatusMap', () => {
  test('comma-separated and repeated, case and spaces ignored', () => {
    expect(parseStatusMap(['pending=skip,VIP = active', 'Spam Complaint=complained'])).toEqual({ pending: 'skip', vip: 'active', 'spam complaint': 'complained' });
  });
  test.each([['pending'], ['=active'], ['pending=maybe']])('%j is refused with the form to use', (value) => {
    expect(() => parseStatusMap([value])).toThrow(UserError);
  });
  test('the user map is read before the format', () => {
    const f = detectFormat(GENERIC);
    expect(resolveStatus(f, {}, 'active')).toBe('active');
    expect(resolveStatus(f, { active: 'skip' }, 'active')).toBe('skip');
    expect(resolveStatus(f, {}, 'whatever')).toBeUndefined();
  });
});

describe('likelyTypo', () => {
  test.each([
    ['gmail.con', 'gmail.com'],
    ['gmial.com', 'gmail.com'],
    ['gmai.com', 'gmail.com'],
    ['yaho.com', 'yahoo.com'],
    ['yahooo.com', 'yahoo.com'],
    ['hotmial.com', 'hotmail.com'],
    ['hotmail.co', 'hotmail.com'],
    ['outlok.com', 'outlook.com'],
    ['icloud.co', 'icloud.com'],
    ['GMAIL.CON', 'gmail.com'],
  ])('%s → %s', (domain, provider) => {
    expect(likelyTypo(domain)).toBe(provider);
  });
  test.each([['gmail.com'], ['mail.com'], ['gmx.com'], ['hotmail.fr'], ['yahoo.co.jp'.replace('jp', 'uk')], ['example.org'], ['riseup.net'], ['dsa-la.org'], ['me.com']])('%s is not flagged', (domain) => {
    expect(likelyTypo(domain)).toBeUndefined();
  });
  test('edit distance counts a swap of neighbours as one slip', () => {
    expect(editDistance('hotmial', 'hotmail')).toBe(1);
    expect(editDistance('abc', 'abc')).toBe(0);
    expect(editDistance('', 'abc')).toBe(3);
  });
});
