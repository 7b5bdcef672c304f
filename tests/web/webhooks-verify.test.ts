import crypto from 'node:crypto';
import { readEnv } from '../../src/config/env';

/** The bounce settings as the one .env schema reads them. */
const readBounceEnv = (env: Record<string, string>) => readEnv('/project', env, { POSTMARK_WEBHOOK_AUTH: { file: '.env', line: 7 }, BOUNCE_ADDRESS: { file: '.env', line: 3 } }).bounces;
import { enabledWebhooks } from '../../src/web/server/webhooks';
import { isAmazonSnsCertificateUrl, isAmazonSnsUrl, snsStringToSign, verifyBasicAuth, verifyMailgun, verifySendGrid, type SnsMessage } from '../../src/web/server/webhooks-verify';

describe('where an SNS message may send us', () => {
  it.each([
    ['https://sns.us-east-1.amazonaws.com/SimpleNotificationService-9c6465fa7f48f5cacd23014631ec1136.pem', true, true],
    ['https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-0123abcd.pem', true, true],
    ['https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=x&Token=y', true, false],
    ['https://sns.us-east-1.amazonaws.com/../../etc/passwd.pem', true, false],
    ['http://sns.us-east-1.amazonaws.com/SimpleNotificationService-0a.pem', false, false],
    ['https://sns.us-east-1.amazonaws.com.attacker.example/SimpleNotificationService-0a.pem', false, false],
    ['https://attacker.example/sns.us-east-1.amazonaws.com/SimpleNotificationService-0a.pem', false, false],
    ['https://user@sns.us-east-1.amazonaws.com/SimpleNotificationService-0a.pem', false, false],
    ['https://sns.us-east-1.amazonaws.com:8443/SimpleNotificationService-0a.pem', false, false],
    ['https://127.0.0.1/SimpleNotificationService-0a.pem', false, false],
    ['not a url', false, false],
  ])('%s: Amazon %s, certificate %s', (url, amazon, certificate) => {
    expect(isAmazonSnsUrl(url)).toBe(amazon);
    expect(isAmazonSnsCertificateUrl(url)).toBe(certificate);
  });
});

describe('the text SNS signs', () => {
  const base = { MessageId: 'm', TopicArn: 't', Message: 'hello', Timestamp: '2021-03-22T14:00:00.000Z', Signature: '', SignatureVersion: '1', SigningCertURL: '' };
  it('a notification: Message, MessageId, Subject (only when present), Timestamp, TopicArn, Type', () => {
    expect(snsStringToSign({ ...base, Type: 'Notification' } as SnsMessage)).toBe('Message\nhello\nMessageId\nm\nTimestamp\n2021-03-22T14:00:00.000Z\nTopicArn\nt\nType\nNotification\n');
    expect(snsStringToSign({ ...base, Type: 'Notification', Subject: 's' } as SnsMessage)).toBe('Message\nhello\nMessageId\nm\nSubject\ns\nTimestamp\n2021-03-22T14:00:00.000Z\nTopicArn\nt\nType\nNotification\n');
  });
  it('a subscription confirmation also signs SubscribeURL and Token, and needs them', () => {
    const m = { ...base, Type: 'SubscriptionConfirmation', SubscribeURL: 'u', Token: 'k' } as SnsMessage;
    expect(snsStringToSign(m)).toBe('Message\nhello\nMessageId\nm\nSubscribeURL\nu\nTimestamp\n2021-03-22T14:00:00.000Z\nToken\nk\nTopicArn\nt\nType\nSubscriptionConfirmation\n');
    expect(snsStringToSign({ ...m, Token: undefined } as SnsMessage)).toBeUndefined();
    expect(snsStringToSign({ ...base, Type: 'Other' } as SnsMessage)).toBeUndefined();
  });
});

describe('Postmark basic auth', () => {
  const header = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;
  it.each([
    [header('pm:secret'), true],
    [header('pm:secret2'), false],
    [header('pm2:secret'), false],
    [header('pm:'), false],
    [header('pmsecret'), false],
    ['Bearer abc', false],
    [undefined, false],
  ])('%s → %s', (h, ok) => {
    expect(verifyBasicAuth(h, { user: 'pm', password: 'secret' })).toBe(ok);
  });
});

describe('Mailgun signatures', () => {
  const now = new Date('2021-03-22T14:00:00Z');
  const ts = String(now.getTime() / 1000);
  const sign = (timestamp: string, token: string, key = 'k') => crypto.createHmac('sha256', key).update(timestamp + token).digest('hex');
  it.each([
    ['valid', { timestamp: ts, token: 't', signature: sign(ts, 't') }, true],
    ['another token', { timestamp: ts, token: 'u', signature: sign(ts, 't') }, false],
    ['another key', { timestamp: ts, token: 't', signature: sign(ts, 't', 'other') }, false],
    ['20 minutes old', { timestamp: String(Number(ts) - 1200), token: 't', signature: sign(String(Number(ts) - 1200), 't') }, false],
    ['a timestamp that is not a number', { timestamp: '1e9', token: 't', signature: sign('1e9', 't') }, false],
    ['fields missing', { timestamp: ts }, false],
  ])('%s → %s', (_what, sig, ok) => {
    expect(verifyMailgun(sig, 'k', now)).toBe(ok);
  });
});

describe('SendGrid signatures', () => {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const der = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const body = Buffer.from('[{"event":"bounce"}]');
  const sig = crypto.sign('sha256', Buffer.concat([Buffer.from('1616421792'), body]), privateKey).toString('base64');
  it('verifies with the base64 key SendGrid shows, or a PEM', () => {
    expect(verifySendGrid(body, sig, '1616421792', der)).toBe(true);
    expect(verifySendGrid(body, sig, '1616421792', pem)).toBe(true);
  });
  it.each([
    ['another body', Buffer.from('[{"event":"spamreport"}]'), sig, '1616421792', der],
    ['another timestamp', body, sig, '1616421793', der],
    ['no signature', body, undefined, '1616421792', der],
    ['garbage signature', body, 'not-base64!', '1616421792', der],
    ['garbage key', body, sig, '1616421792', 'AAAA'],
  ])('refuses %s', (_what, b, s, t, k) => {
    expect(verifySendGrid(b, s, t, k)).toBe(false);
  });
});

describe('which relay endpoints exist', () => {
  it('only those whose key is set in .env, in a fixed order', () => {
    expect(enabledWebhooks(readBounceEnv({}))).toEqual([]);
    expect(enabledWebhooks(readBounceEnv({ MAILGUN_WEBHOOK_SIGNING_KEY: 'k', SES_SNS_TOPIC_ARN: 'arn:aws:sns:us-east-1:1:t', POSTMARK_WEBHOOK_AUTH: ' ' }))).toEqual(['ses', 'mailgun']);
  });
  it.each([
    [{ POSTMARK_WEBHOOK_AUTH: 'no-colon' }, '.env:7:1  error  POSTMARK_WEBHOOK_AUTH: must be user:password (the credentials in the webhook URL you give Postmark)'],
    [{ BOUNCE_ADDRESS: 'bounces+x@example.org' }, '.env:3:1  error  BOUNCE_ADDRESS: must be one bare address without "+", like bounces@example.org'],
    [{ BOUNCE_ADDRESS: 'Bounces <bounces@example.org>' }, '.env:3:1  error  BOUNCE_ADDRESS: must be one bare address without "+", like bounces@example.org'],
    [{ BOUNCE_IMAP_URL: 'imap.example.org' }, 'BOUNCE_IMAP_URL: must look like imaps://user:password@imap.example.org/INBOX'],
  ])('%j is refused with one line: the .env schema\'s file:line  key: message', (env, message) => {
    expect(() => readBounceEnv(env)).toThrow(message);
  });
});
