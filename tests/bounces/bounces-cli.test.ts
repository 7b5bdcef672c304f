import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { verpAddress } from '../../src/bounces/verp';
import { REPO_ROOT, runCli } from '../helpers/cli';
import { makeSendProject, SECRET, send, type SendProject } from '../helpers/send-project';
import { fixture } from './fixtures';

/**
 * `newsletter bounces` against a real send (outbox, real SQLite file): reports written the way
 * Postfix, Exim, Exchange, Gmail and Yahoo write them, about the messages that send made.
 */

const KEYS = [{ id: 'k1', secret: SECRET.slice(3) }];
const BOUNCE_ADDRESS = 'bounces@example.org';

interface Delivery {
  id: number;
  address: string;
  message_id: string;
}

let project: SendProject;
let snapshot: string;
let deliveries: Delivery[];

beforeAll(async () => {
  project = await makeSendProject(6);
  const sent = await send(project, [], { BOUNCE_ADDRESS });
  if (sent.code !== 0) throw new Error(sent.stderr);
  snapshot = path.join(project.dir, 'data', 'sent.db');
  fs.copyFileSync(project.env.DATABASE_PATH!, snapshot);
  const db = new Database(snapshot, { readonly: true });
  deliveries = db.prepare<[], Delivery>('SELECT id, address, message_id FROM deliveries ORDER BY id').all();
  db.close();
});

/** A fresh copy of the store as the send left it. */
function fresh(env: Record<string, string> = {}): { env: Record<string, string>; db: () => Database.Database } {
  const file = path.join(fs.mkdtempSync(path.join(project.dir, 'run-')), 'store.db');
  fs.copyFileSync(snapshot, file);
  const all = { ...project.env, DATABASE_PATH: file, BOUNCE_ADDRESS, ...env };
  return { env: all, db: () => new Database(file, { readonly: true }) };
}

const cli = (env: Record<string, string>, args: string[], stdin?: Buffer) => runCli(['bounces', ...args], { cwd: project.dir, env, now: new Date(), stdin });

/** The report a member's failed message brings back to its signed return path. */
function reportFor(name: string, d: Delivery, opts: { to?: string } = {}): Buffer {
  const to = opts.to ?? verpAddress(BOUNCE_ADDRESS, d.id, KEYS);
  return fixture(name, { to, rcpt: d.address, msgid: d.message_id, returnPath: verpAddress(BOUNCE_ADDRESS, d.id, KEYS) });
}

function mbox(messages: Buffer[]): string {
  return messages.map((m) => `From MAILER-DAEMON Mon Mar 22 14:03:12 2021\n${m.toString('latin1').replace(/\r\n/g, '\n').replace(/^(>*From )/gm, '>$1')}\n`).join('\n');
}

function state(db: Database.Database) {
  const suppressions = db.prepare('SELECT address, reason FROM suppressions ORDER BY address').all();
  const feedback = db.prepare('SELECT address, feedback FROM deliveries WHERE feedback IS NOT NULL ORDER BY address').all();
  const subscribers = db.prepare("SELECT email, status FROM subscribers WHERE status <> 'active' ORDER BY email").all();
  db.close();
  return { suppressions, feedback, subscribers };
}

describe('newsletter bounces', () => {
  test('--mbox: hard bounces and complaints suppress; warnings, auto-replies and replies change nothing; a second run changes nothing', async () => {
    const { env, db } = fresh();
    const file = path.join(project.dir, 'reports.mbox');
    const [a, b, c, d, e, f] = deliveries as [Delivery, Delivery, Delivery, Delivery, Delivery, Delivery];
    fs.writeFileSync(
      file,
      mbox([
        reportFor('postfix-user-unknown.eml', a),
        reportFor('exchange-ndr.eml', b),
        reportFor('yahoo-arf-abuse.eml', c, { to: 'fbl@example.org' }),
        reportFor('postfix-delayed.eml', d),
        reportFor('postfix-relay-denied.eml', e),
        reportFor('gmail-vacation.eml', f),
        reportFor('human-reply.eml', f),
        reportFor('gmail-over-quota.eml', f),
      ]),
    );
    const first = await cli(env, ['--mbox', 'reports.mbox']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`reports.mbox message 1 (line 1): ${a.address} (2021-03-22, by return path): 5.1.1 bad destination mailbox address`);
    expect(first.stdout).toContain('hard bounce: suppressed');
    expect(first.stdout).toContain(`${c.address} (2021-03-22, by return path): abuse report (ARF Feedback-Type: abuse) — complaint: suppressed`);
    expect(first.stdout).toContain(`${e.address} (2021-03-22, by return path): 5.7.1 security or policy status`);
    expect(first.stdout).toContain('refused for the sender or a policy: the recipient is not suppressed');
    expect(first.stdout).toContain(`${f.address} (2021-03-22, by return path): 5.2.2 mailbox full (treated as soft: mailbox full)`);
    expect(first.stdout).toContain('soft bounce 1 of 3 in 30 days');
    expect(first.stdout).toMatch(/8 messages: 6 applied, 0 already applied, 0 unmatched, 0 ignored \(warnings, not failures\), 1 auto-replies, 1 not reports \(left alone\), 0 skipped\n$/);
    const after = state(db());
    expect(after.suppressions).toEqual([
      { address: a.address, reason: 'bounced' },
      { address: b.address, reason: 'bounced' },
      { address: c.address, reason: 'complained' },
    ]);
    expect(after.feedback).toEqual([
      { address: a.address, feedback: 'bounced' },
      { address: b.address, feedback: 'bounced' },
      { address: c.address, feedback: 'complained' },
      { address: f.address, feedback: 'soft_bounced' },
    ]);
    expect(after.subscribers.map((s) => (s as { email: string }).email)).toEqual([a.address, b.address, c.address]);

    const second = await cli(env, ['--mbox', 'reports.mbox']);
    expect(second.stdout).toMatch(/^8 messages: 0 applied, 6 already applied, 0 unmatched/m);
    expect(state(db())).toEqual(after);

    const status = await runCli(['status', '2021-03-22'], { cwd: project.dir, env, now: new Date() });
    expect(status.stdout).toContain('after sending: 2 bounced, 1 soft-bounced, 1 complained');
    // Per edition: who got which edition, and what came back from each.
    expect(status.stdout).toMatch(/^ {4}1 {2}\w{3} \d{4}-\d{2}-\d{2} \d{2}:\d{2} \w+ {2}6 sent, 0 failed, .*; then 2 bounced, 1 soft-bounced, 1 complained$/m);
    expect(status.stdout).toContain(`  bounced      ${a.address}  5.1.1 bad destination mailbox address: 550 5.1.1 <${a.address}>: Recipient address rejected: User unknown in virtual mailbox table\n`);
    expect(status.stdout).toContain(`  complained   ${c.address}  abuse report (ARF Feedback-Type: abuse)\n`);
    expect(status.stdout).toContain(`  soft_bounced ${f.address}  5.2.2 mailbox full (treated as soft: mailbox full): 552 5.2.2`);
    const listed = await runCli(['subscribers', 'list', '--status', 'bounced', '--plain'], { cwd: project.dir, env });
    expect(listed.stdout).toBe(`${a.address}\n${b.address}\n`);
  });

  test('--stdin in a real process, as a Postfix pipe or an /etc/aliases "|command" runs it: exit 0, one line', async () => {
    const { env, db } = fresh();
    const d = deliveries[3]!;
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'newsletter.js'), 'bounces', '--stdin', '--recipient', verpAddress(BOUNCE_ADDRESS, d.id, KEYS)], {
      cwd: project.dir,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    // Postfix's pipe(8) writes the message with a "From " line first unless flags say otherwise.
    child.stdin.end(Buffer.concat([Buffer.from('From MAILER-DAEMON  Mon Mar 22 14:03:12 2021\n'), fixture('exim-dsn.eml', { to: BOUNCE_ADDRESS, rcpt: d.address, msgid: d.message_id })]));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(out).toContain(`${d.address} (2021-03-22, by return path): 5.0.0 mailbox unavailable: 550 No such user here — hard bounce: suppressed`);
    expect(state(db()).suppressions).toEqual([{ address: d.address, reason: 'bounced' }]);
  });

  test('escape sequences and bidi overrides in a report never reach the terminal or the store', async () => {
    const { env, db } = fresh();
    const d = deliveries[4]!;
    const raw = reportFor('postfix-user-unknown.eml', d)
      .toString('latin1')
      .replace('Diagnostic-Code: smtp; 550 5.1.1', 'Diagnostic-Code: smtp; 550 5.1.1 \x1b[2J\x1b]0;pwned\x07 \u202egro.elpmaxe')
      .replace('Final-Recipient: rfc822; ', 'Final-Recipient: rfc822; \x1b[31m');
    const r = await cli(env, ['--stdin'], Buffer.from(raw, 'utf8'));
    expect(r.stdout).toContain('hard bounce: suppressed');
    expect(r.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f\u202e]/);
    const database = db();
    const details = database.prepare('SELECT detail FROM feedback_reports').pluck().all() as string[];
    database.close();
    expect(details.join('')).not.toMatch(/[\u0000-\u001f\u007f\u202e]/);
  });

  test('--stdin: when the store cannot be opened, exit 75 so the MTA keeps the report and retries', async () => {
    const { env } = fresh({ DATABASE_PATH: path.join(project.dir, 'newsletter.yaml', 'store.db') });
    const r = await cli(env, ['--stdin'], reportFor('postfix-user-unknown.eml', deliveries[0]!));
    expect(r.code).toBe(75);
    expect(r.stderr).toMatch(/^cannot create the folder for the store .*\(exit 75: the mail system keeps the report and tries again later\)\n$/);
  });

  test('regression: a relay\'s "554 5.7.1 Relay access denied" report never suppresses the member', async () => {
    const { env, db } = fresh();
    const r = await cli(env, ['--stdin'], reportFor('postfix-relay-denied.eml', deliveries[0]!));
    expect(r.code).toBe(0);
    expect(state(db()).suppressions).toEqual([]);
  });

  test('a forged return path (wrong signature) changes nothing and is listed as unmatched', async () => {
    const { env, db } = fresh();
    const d = deliveries[1]!;
    const forged = `bounces+${d.id}-0000000000000000@example.org`;
    const raw = fixture('postfix-user-unknown.eml', { to: forged, rcpt: d.address, msgid: d.message_id, returnPath: forged });
    const r = await cli(env, ['--stdin'], raw);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`standard input: unmatched: return path ${forged} has no valid signature (forged or damaged): not applied`);
    expect(state(db()).suppressions).toEqual([]);
  });

  test('a report delivered to a forged return path is refused even if its returned headers carry a valid one', async () => {
    const { env, db } = fresh();
    const d = deliveries[1]!;
    const forged = `bounces+${deliveries[2]!.id}-0000000000000000@example.org`;
    const raw = fixture('postfix-user-unknown.eml', { to: forged, rcpt: d.address, msgid: d.message_id, returnPath: verpAddress(BOUNCE_ADDRESS, d.id, KEYS) });
    const r = await cli(env, ['--stdin'], raw);
    expect(r.stdout).toContain(`unmatched: return path ${forged} has no valid signature`);
    const twoIds = fixture('postfix-user-unknown.eml', { to: verpAddress(BOUNCE_ADDRESS, deliveries[2]!.id, KEYS), rcpt: d.address, msgid: d.message_id, returnPath: verpAddress(BOUNCE_ADDRESS, d.id, KEYS) });
    expect((await cli(env, ['--stdin'], twoIds)).stdout).toContain(`unmatched: return paths name different deliveries (${deliveries[2]!.id}, ${d.id}): not applied`);
    expect(state(db()).suppressions).toEqual([]);
  });

  test('with BOUNCE_ADDRESS set, an unsigned report naming a member is not trusted', async () => {
    const { env, db } = fresh();
    const d = deliveries[1]!;
    const raw = fixture('postfix-user-unknown.eml', { to: 'news@example.org', rcpt: d.address, msgid: d.message_id });
    const r = await cli(env, ['--stdin'], raw);
    expect(r.stdout).toContain('unmatched: not sent to a signed return path');
    expect(state(db()).suppressions).toEqual([]);
  });

  test('without BOUNCE_ADDRESS: matched by the original Message-ID, then by Final-Recipient among recent deliveries; never guessed', async () => {
    const { env, db } = fresh({ BOUNCE_ADDRESS: '' });
    const [a, b] = deliveries as [Delivery, Delivery];
    const byId = fixture('exim-dsn.eml', { to: 'news@example.org', rcpt: a.address, msgid: a.message_id });
    const byRecipient = fixture('exim-legacy.eml', { to: 'news@example.org', rcpt: b.address, msgid: '<unknown@elsewhere.example>' });
    const stranger = fixture('postfix-user-unknown.eml', { to: 'news@example.org', rcpt: 'stranger@example.net', msgid: '<unknown@elsewhere.example>' });
    const dir = path.join(project.dir, 'Maildir-fallback');
    fs.mkdirSync(path.join(dir, 'new'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'cur'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'new', '1616421792.M1P1.host'), byId);
    fs.writeFileSync(path.join(dir, 'new', '1616421793.M2P1.host'), byRecipient);
    fs.writeFileSync(path.join(dir, 'cur', '1616421794.M3P1.host:2,S'), stranger);
    const r = await cli(env, ['--maildir', 'Maildir-fallback']);
    expect(r.stdout).toContain(`${a.address} (2021-03-22, by Message-ID): 5.0.0 mailbox unavailable: 550 No such user here — hard bounce: suppressed`);
    expect(r.stdout).toContain(`${b.address} (2021-03-22, by recipient): no status code`);
    expect(r.stdout).toContain('cur/1616421794.M3P1.host:2,S: unmatched: no delivery matches (recipient stranger@example.net, Message-ID <unknown@elsewhere.example>)');
    expect(r.stdout).toMatch(/3 messages: 2 applied, 0 already applied, 1 unmatched/);
    expect(state(db()).suppressions).toEqual([{ address: a.address, reason: 'bounced' }]);
    expect(fs.readdirSync(path.join(dir, 'new'))).toHaveLength(2);
  });

  test('a malformed or huge report is skipped with one line; the rest are applied', async () => {
    const { env, db } = fresh();
    const file = path.join(project.dir, 'bad.mbox');
    const good = reportFor('postfix-user-unknown.eml', deliveries[2]!);
    const head = `From x Mon Mar 22 14:03:12 2021\nnot a message at all\n\n` + mbox([good]) + '\n';
    fs.writeFileSync(file, head + `From y Mon Mar 22 14:03:12 2021\nSubject: big\n\n${'x'.repeat(11 * 1024 * 1024)}\n`);
    const bigLine = head.split('\n').length;
    const r = await cli(env, ['--mbox', 'bad.mbox']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      'bad.mbox message 1 (line 1): skipped: not an email message (no header block)\n' + `bad.mbox message 3 (line ${bigLine}): skipped: larger than 10 MB\n`,
    );
    expect(r.stdout).toMatch(/3 messages: 1 applied, .* 2 skipped\n$/);
    expect(state(db()).suppressions).toEqual([{ address: deliveries[2]!.address, reason: 'bounced' }]);
    fs.rmSync(file);
  });

  test.each([
    [['--mbox', 'missing.mbox'], 'missing.mbox: cannot read the mbox file: ENOENT'],
    [['--maildir', 'issues'], 'issues: not a Maildir (no new/ or cur/ folder in it)'],
    [['--mbox', 'newsletter.yaml'], 'newsletter.yaml:1: not an mbox file (it must start with a "From " line); for a single message use --stdin'],
    [['--stdin', '--mbox', 'x'], 'give one of --stdin, --mbox FILE or --maildir DIR (or none, for BOUNCE_IMAP_URL)'],
    [[], 'nothing to read: give --stdin, --mbox FILE or --maildir DIR, or set BOUNCE_IMAP_URL in .env (imaps://user:password@imap.example.org/INBOX)'],
  ])('bounces %j: one clear line, nothing applied', async (args, message) => {
    const { env, db } = fresh();
    const r = await cli(env, args);
    expect(r.stderr).toBe(`${message}\n`);
    expect(r.code).toBeGreaterThan(0);
    expect(state(db()).feedback).toEqual([]);
  });
});
