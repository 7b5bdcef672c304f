import Database from 'better-sqlite3';
import { verpAddress } from '../../src/bounces/verp';
import { runCli } from '../helpers/cli';
import { startDovecot, type Dovecot } from '../helpers/dovecot';
import { makeSendProject, SECRET, send, type SendProject } from '../helpers/send-project';
import { fixture } from './fixtures';

/** `newsletter bounces` reading BOUNCE_IMAP_URL on a real Dovecot IMAP server. */

const KEYS = [{ id: 'k1', secret: SECRET.slice(3) }];
const BOUNCE_ADDRESS = 'bounces@example.org';

let dovecot: Dovecot;
let project: SendProject;
let deliveries: { id: number; address: string; message_id: string }[];

beforeAll(async () => {
  dovecot = await startDovecot();
  project = await makeSendProject(3);
  const sent = await send(project, [], { BOUNCE_ADDRESS });
  if (sent.code !== 0) throw new Error(sent.stderr);
  const db = new Database(project.env.DATABASE_PATH!, { readonly: true });
  deliveries = db.prepare<[], { id: number; address: string; message_id: string }>('SELECT id, address, message_id FROM deliveries ORDER BY id').all();
  db.close();
});
afterAll(async () => {
  await dovecot?.stop();
});

const report = (name: string, i: number) => {
  const d = deliveries[i]!;
  const to = verpAddress(BOUNCE_ADDRESS, d.id, KEYS);
  return fixture(name, { to, rcpt: d.address, msgid: d.message_id, returnPath: to });
};

const subject = (raw: Buffer) => /^Subject: (.*)$/m.exec(raw.toString('latin1'))?.[1]?.trim() ?? '(no subject)';
/** The subjects in a folder, sorted: Maildir file names (Dovecot's) say nothing about order. */
const subjects = (folder: string) => dovecot.messages(folder).map(subject).sort();

test('reports are applied and moved to the processed folder; replies, auto-replies and unreadable messages stay in the inbox, unread', async () => {
  dovecot.deliver(report('postfix-user-unknown.eml', 0));
  dovecot.deliver(report('yahoo-arf-abuse.eml', 1));
  dovecot.deliver(report('human-reply.eml', 2));
  dovecot.deliver(report('outlook-automatic-reply.eml', 2));
  dovecot.deliver(Buffer.from('garbage without headers'));
  const env = { ...project.env, BOUNCE_ADDRESS, BOUNCE_IMAP_URL: dovecot.url() };
  const r = await runCli(['bounces'], { cwd: project.dir, env, now: new Date() });
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(`${deliveries[0]!.address} (2021-03-22, by return path): 5.1.1 bad destination mailbox address`);
  expect(r.stdout).toContain(`${deliveries[1]!.address} (2021-03-22, by return path): abuse report`);
  expect(r.stdout).toMatch(/5 messages: 2 applied, 0 already applied, 0 unmatched, 0 ignored \(warnings, not failures\), 1 auto-replies, 1 not reports \(left alone\), 1 skipped/);
  expect(r.stderr).toMatch(new RegExp(`^imap://127\\.0\\.0\\.1:${dovecot.port}/INBOX UID \\d+: skipped: not an email message \\(no header block\\)$`, 'm'));
  expect(r.stderr).toContain(`imap://127.0.0.1:${dovecot.port}/INBOX: 2 reports moved to Processed\n`);
  expect(subjects('Processed')).toEqual(['FW: This week: Solidarity with BAmazon Union!', 'Undelivered Mail Returned to Sender']);
  expect(subjects('INBOX')).toEqual(['(no subject)', 'Automatic reply: This week: Solidarity with BAmazon Union!', 'Re: This week: Solidarity with BAmazon Union!']);
  // Read with BODY.PEEK: nothing left in the inbox was marked \Seen (Maildir's ":2,…S" flag).
  expect(dovecot.files('INBOX')).toHaveLength(3);
  expect(dovecot.files('INBOX').filter((f) => /:2,[A-Z]*S/.test(f))).toEqual([]);

  const again = await runCli(['bounces'], { cwd: project.dir, env, now: new Date() });
  expect(again.stdout).toMatch(/3 messages: 0 applied, 0 already applied/);
  expect(again.stderr).toContain('0 reports moved to Processed');
});

test('a mailbox that cannot be reached is one clear error and exit 1', async () => {
  const env = { ...project.env, BOUNCE_IMAP_URL: `imap://${dovecot.user}:wrong-password@127.0.0.1:${dovecot.port}/INBOX` };
  const wrong = await runCli(['bounces'], { cwd: project.dir, env, now: new Date() });
  expect(wrong.code).toBe(1);
  expect(wrong.stderr).toBe(`BOUNCE_IMAP_URL: cannot reach imap://127.0.0.1:${dovecot.port}/INBOX: the server refused the user name or password\n`);

  const closed = await runCli(['bounces'], { cwd: project.dir, env: { ...project.env, BOUNCE_IMAP_URL: 'imap://u:p@127.0.0.1:1/INBOX' }, now: new Date() });
  expect(closed.code).toBe(1);
  expect(closed.stderr).toMatch(/^BOUNCE_IMAP_URL: cannot reach imap:\/\/127\.0\.0\.1:1\/INBOX: ECONNREFUSED/);

  const missing = await runCli(['bounces'], { cwd: project.dir, env: { ...project.env, BOUNCE_IMAP_URL: dovecot.url('NoSuchFolder') }, now: new Date() });
  expect(missing.code).toBe(1);
  expect(missing.stderr).toMatch(/^BOUNCE_IMAP_URL: cannot open the mailbox NoSuchFolder on imap:\/\/127\.0\.0\.1:\d+\/NoSuchFolder: /);

  const bad = await runCli(['bounces'], { cwd: project.dir, env: { ...project.env, BOUNCE_IMAP_URL: 'pop3://u:p@host/' }, now: new Date() });
  // Checked with every other .env key, before anything is opened: one schema, one format.
  expect(bad.code).toBe(1);
  expect(bad.stderr).toBe('environment:0:1  error  BOUNCE_IMAP_URL: must look like imaps://user:password@imap.example.org/INBOX (special characters in the password percent-encoded)\n');
});
