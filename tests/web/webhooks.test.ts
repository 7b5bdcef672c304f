import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { loadConfig } from '../../src/config';
import { startPublicServer, type PublicServer } from '../../src/web/server';
import { makeSendProject, send, type SendProject } from '../helpers/send-project';

/**
 * The relays' webhooks on the public server, each request signed as its provider documents it,
 * with keys made here (for SNS, a certificate served by a local server standing in for
 * sns.<region>.amazonaws.com).
 */

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:newsletter-bounces';
const POSTMARK = { user: 'postmark', password: 'pm-webhook-password-1' };
const MAILGUN_KEY = 'key-mailgun-webhook-signing-key-1';
const sendgridKeys = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const SENDGRID_PUBLIC = sendgridKeys.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

let project: SendProject;
let server: PublicServer;
let aws: http.Server;
let awsBase: string;
const awsHits: string[] = [];
let snsKey: crypto.KeyObject;
let members: { id: number; address: string; message_id: string }[];
const now = new Date();

beforeAll(async () => {
  // A self-signed certificate, as SNS publishes its signing certificates (openssl: a real X.509 file).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sns-cert-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=sns.us-east-1.amazonaws.com'], { stdio: 'ignore' });
  snsKey = crypto.createPrivateKey(fs.readFileSync(path.join(dir, 'key.pem')));
  const certificate = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8');
  aws = http.createServer((req, res) => {
    awsHits.push(req.url ?? '');
    if (req.url === '/SimpleNotificationService-test.pem') return res.end(certificate);
    if (req.url?.startsWith('/confirm?')) return res.end('<ConfirmSubscriptionResponse/>');
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((r) => aws.listen(0, '127.0.0.1', r));
  awsBase = `http://127.0.0.1:${(aws.address() as AddressInfo).port}`;

  project = await makeSendProject(12);
  const sent = await send(project);
  if (sent.code !== 0) throw new Error(sent.stderr);
  const db = new Database(project.env.DATABASE_PATH!, { readonly: true });
  members = db.prepare<[], { id: number; address: string; message_id: string }>('SELECT id, address, message_id FROM deliveries ORDER BY id').all();
  db.close();

  const config = loadConfig(project.dir, {
    ...project.env,
    SES_SNS_TOPIC_ARN: TOPIC,
    POSTMARK_WEBHOOK_AUTH: `${POSTMARK.user}:${POSTMARK.password}`,
    MAILGUN_WEBHOOK_SIGNING_KEY: MAILGUN_KEY,
    SENDGRID_WEBHOOK_PUBLIC_KEY: SENDGRID_PUBLIC,
  });
  server = await startPublicServer({ config, port: 0, now: () => now, snsUrlAllowed: (u) => u.startsWith(`${awsBase}/`) });
});

afterAll(async () => {
  await server?.close();
  await new Promise((r) => aws?.close(r));
});

async function post(provider: string, body: string | object, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}/webhooks/${provider}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

function suppression(address: string): string | undefined {
  const db = new Database(project.env.DATABASE_PATH!, { readonly: true });
  const row = db.prepare<[string], { reason: string }>('SELECT reason FROM suppressions WHERE address = ?').get(address.toLowerCase());
  db.close();
  return row?.reason;
}

function feedback(address: string): string | null {
  const db = new Database(project.env.DATABASE_PATH!, { readonly: true });
  const row = db.prepare<[string], { feedback: string | null }>('SELECT feedback FROM deliveries WHERE address = ?').get(address);
  db.close();
  return row?.feedback ?? null;
}

/** An SNS message signed as SNS signs (https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html). */
function sns(fields: Record<string, string>, version: '1' | '2' = '2'): Record<string, string> {
  const m: Record<string, string> = { MessageId: crypto.randomUUID(), TopicArn: TOPIC, Timestamp: now.toISOString(), SignatureVersion: version, SigningCertURL: `${awsBase}/SimpleNotificationService-test.pem`, ...fields };
  const keys = m.Type === 'Notification' ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'] : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  const text = keys.filter((k) => m[k] !== undefined).map((k) => `${k}\n${m[k]}\n`).join('');
  m.Signature = crypto.sign(version === '1' ? 'sha1' : 'sha256', Buffer.from(text), snsKey).toString('base64');
  return m;
}

const sesBounce = (member: { address: string; message_id: string }, recipient: Record<string, string>, bounceType = 'Permanent') =>
  JSON.stringify({
    notificationType: 'Bounce',
    bounce: { bounceType, bounceSubType: 'General', feedbackId: crypto.randomUUID(), timestamp: now.toISOString(), bouncedRecipients: [{ emailAddress: member.address, action: 'failed', ...recipient }] },
    mail: { messageId: crypto.randomUUID(), source: 'newsletter@example.org', destination: [member.address], commonHeaders: { messageId: member.message_id, subject: 'This week' } },
  });

describe('Amazon SES through SNS', () => {
  test('confirms the subscription once its signature holds', async () => {
    const r = await post('ses', sns({ Type: 'SubscriptionConfirmation', Message: 'You have chosen to subscribe…', Token: 'tok123', SubscribeURL: `${awsBase}/confirm?Action=ConfirmSubscription&Token=tok123` }));
    expect(r).toMatchObject({ status: 200, body: { subscribed: TOPIC } });
    expect(awsHits).toContain('/confirm?Action=ConfirmSubscription&Token=tok123');
  });

  test('a permanent bounce (5.1.1) suppresses; the same notification again changes nothing', async () => {
    const m = members[0]!;
    const message = sns({ Type: 'Notification', Message: sesBounce(m, { status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }) });
    expect(await post('ses', message)).toMatchObject({ status: 200, body: { applied: 1, duplicate: 0, unmatched: 0 } });
    expect(suppression(m.address)).toBe('bounced');
    expect(feedback(m.address)).toBe('bounced');
    expect(await post('ses', message)).toMatchObject({ status: 200, body: { applied: 0, duplicate: 1 } });
  });

  test("regression: SES's Permanent 5.4.4 is a soft bounce (SignatureVersion 1)", async () => {
    const m = members[1]!;
    const r = await post('ses', sns({ Type: 'Notification', Message: sesBounce(m, { status: '5.4.4', diagnosticCode: 'smtp; 550 5.4.4 Invalid domain' }) }, '1'));
    expect(r).toMatchObject({ status: 200, body: { applied: 1 } });
    expect(suppression(m.address)).toBeUndefined();
    expect(feedback(m.address)).toBe('soft_bounced');
  });

  test('a complaint suppresses as complained', async () => {
    const m = members[2]!;
    const message = JSON.stringify({
      notificationType: 'Complaint',
      complaint: { complainedRecipients: [{ emailAddress: m.address }], complaintFeedbackType: 'abuse', feedbackId: crypto.randomUUID(), timestamp: now.toISOString() },
      mail: { messageId: crypto.randomUUID(), commonHeaders: { messageId: m.message_id } },
    });
    expect(await post('ses', sns({ Type: 'Notification', Message: message }))).toMatchObject({ status: 200, body: { applied: 1 } });
    expect(suppression(m.address)).toBe('complained');
  });

  test.each([
    ['a message changed after signing', (m: Record<string, string>) => ({ ...m, Message: m.Message!.replace('5.1.1', '5.1.2') })],
    ['another topic', (m: Record<string, string>) => ({ ...m, TopicArn: 'arn:aws:sns:us-east-1:999999999999:attacker' })],
    ['a certificate from elsewhere', (m: Record<string, string>) => ({ ...m, SigningCertURL: 'https://attacker.example/cert.pem' })],
    ['no signature', (m: Record<string, string>) => ({ ...m, Signature: '' })],
    ['not SNS at all', () => ({ hello: 'world' })],
  ])('%s: 403, nothing changes, nothing fetched from elsewhere', async (_what, tamper) => {
    const m = members[3]!;
    const hits = awsHits.length;
    const r = await post('ses', tamper(sns({ Type: 'Notification', Message: sesBounce(m, { status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }) })));
    expect(r.status).toBe(403);
    expect(suppression(m.address)).toBeUndefined();
    expect(feedback(m.address)).toBeNull();
    expect(awsHits.slice(hits).every((h) => h === '/SimpleNotificationService-test.pem')).toBe(true);
  });
});

describe('Postmark', () => {
  const auth = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
  const bounce = (m: { address: string }, type: string, details: string) => ({ RecordType: 'Bounce', ID: crypto.randomInt(1e9), Type: type, TypeCode: 1, MessageID: crypto.randomUUID(), Email: m.address, Details: details, BouncedAt: now.toISOString() });

  test.each([
    ['no credentials', {}],
    ['a wrong password', auth(POSTMARK.user, 'wrong')],
    ['a wrong user', auth('someone', POSTMARK.password)],
  ])('%s: 401 with a Basic challenge, nothing changes', async (_what, headers) => {
    const r = await post('postmark', bounce(members[4]!, 'HardBounce', 'smtp;550 5.1.1 user unknown'), headers);
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect(suppression(members[4]!.address)).toBeUndefined();
  });

  test('a hard bounce suppresses; a "HardBounce" that is really 5.7.1 relaying denied does not', async () => {
    expect(await post('postmark', bounce(members[4]!, 'HardBounce', 'smtp;550 5.1.1 The email account that you tried to reach does not exist'), auth(POSTMARK.user, POSTMARK.password))).toMatchObject({
      status: 200,
      body: { applied: 1 },
    });
    expect(suppression(members[4]!.address)).toBe('bounced');
    expect(await post('postmark', bounce(members[5]!, 'HardBounce', 'smtp;550 5.7.1 Relaying denied'), auth(POSTMARK.user, POSTMARK.password))).toMatchObject({ status: 200, body: { applied: 1 } });
    expect(suppression(members[5]!.address)).toBeUndefined();
  });

  test('a spam complaint suppresses as complained', async () => {
    const r = await post('postmark', { RecordType: 'SpamComplaint', ID: 42, Type: 'SpamComplaint', TypeCode: 512, Email: members[6]!.address, MessageID: crypto.randomUUID() }, auth(POSTMARK.user, POSTMARK.password));
    expect(r).toMatchObject({ status: 200, body: { applied: 1 } });
    expect(suppression(members[6]!.address)).toBe('complained');
  });
});

describe('Mailgun', () => {
  const signed = (eventData: object, opts: { key?: string; timestamp?: number } = {}) => {
    const timestamp = String(opts.timestamp ?? Math.floor(now.getTime() / 1000));
    const token = crypto.randomBytes(25).toString('hex');
    const signature = crypto.createHmac('sha256', opts.key ?? MAILGUN_KEY).update(timestamp + token).digest('hex');
    return { signature: { timestamp, token, signature }, 'event-data': eventData };
  };
  const failed = (m: { address: string; message_id: string }) => ({
    id: crypto.randomUUID(),
    event: 'failed',
    severity: 'permanent',
    reason: 'bounce',
    recipient: m.address,
    message: { headers: { 'message-id': m.message_id.replace(/^<|>$/g, '') } },
    'delivery-status': { code: 550, message: '5.1.1 The email account that you tried to reach does not exist.', description: '' },
  });

  test.each([
    ['another key', { key: 'key-not-ours' }],
    ['a replayed old signature', { timestamp: Math.floor(now.getTime() / 1000) - 3600 }],
  ])('signed with %s: 403, nothing changes', async (_what, opts) => {
    const r = await post('mailgun', signed(failed(members[7]!), opts));
    expect(r.status).toBe(403);
    expect(suppression(members[7]!.address)).toBeUndefined();
  });

  test('a permanent failure, matched by its Message-ID, suppresses', async () => {
    expect(await post('mailgun', signed(failed(members[7]!)))).toMatchObject({ status: 200, body: { applied: 1 } });
    expect(suppression(members[7]!.address)).toBe('bounced');
  });
});

describe('SendGrid signed event webhook', () => {
  const signedPost = (events: object[], opts: { key?: crypto.KeyObject } = {}) => {
    const body = JSON.stringify(events);
    const timestamp = String(Math.floor(now.getTime() / 1000));
    const signature = crypto.sign('sha256', Buffer.from(timestamp + body), opts.key ?? sendgridKeys.privateKey).toString('base64');
    return post('sendgrid', body, { 'x-twilio-email-event-webhook-signature': signature, 'x-twilio-email-event-webhook-timestamp': timestamp });
  };

  test('unsigned: 401; signed with another key: 403; nothing changes', async () => {
    const events = [{ email: members[8]!.address, event: 'spamreport', sg_event_id: 'e1', timestamp: 1 }];
    expect((await post('sendgrid', events)).status).toBe(401);
    const other = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    expect((await signedPost(events, { key: other })).status).toBe(403);
    expect(suppression(members[8]!.address)).toBeUndefined();
  });

  test('bounces, blocks, spam reports and deferrals, each by what it is', async () => {
    const r = await signedPost([
      { email: members[8]!.address, event: 'spamreport', sg_event_id: 'sg-1', 'smtp-id': members[8]!.message_id, timestamp: 1 },
      { email: members[9]!.address, event: 'bounce', type: 'bounce', status: '5.1.1', reason: '550 5.1.1 No such user', sg_event_id: 'sg-2', timestamp: 1 },
      { email: members[10]!.address, event: 'bounce', type: 'blocked', status: '5.7.1', reason: '554 5.7.1 Service unavailable; Client host blocked', sg_event_id: 'sg-3', timestamp: 1 },
      { email: members[11]!.address, event: 'deferred', response: '451 4.7.1 try later', sg_event_id: 'sg-4', timestamp: 1 },
    ]);
    expect(r).toMatchObject({ status: 200, body: { applied: 3, duplicate: 0, unmatched: 0, ignored: 1 } });
    expect([members[8], members[9], members[10], members[11]].map((m) => suppression(m!.address))).toEqual(['complained', 'bounced', undefined, undefined]);
  });
});

describe('every webhook', () => {
  test('answers POST only, refuses big bodies, and does not exist unless configured', async () => {
    const get = await fetch(`${server.url}/webhooks/postmark`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const big = await post('mailgun', 'x'.repeat(1024 * 1024 + 1));
    expect(big.status).toBe(413);
    const bare = await startPublicServer({ config: loadConfig(project.dir, project.env), port: 0 });
    try {
      const r = await fetch(`${bare.url}/webhooks/ses`, { method: 'POST', body: '{}' });
      expect(r.status).toBe(404);
    } finally {
      await bare.close();
    }
  });
});
