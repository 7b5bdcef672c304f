import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { runCli } from '../helpers/cli';
import { makeSendProject } from '../helpers/send-project';
import { perRecipient, startSmtpServer } from '../helpers/smtp';
import { beginSendDirectly, issueYaml, local, outbox, sendDue, status, writeIssue } from './helpers';

/**
 * `newsletter send --due` on an injected clock, against the local outbox and a real SQLite file.
 * The seed issue (issues/2021-03-22.yaml) has send_at 2021-03-22T07:00 in America/Los_Angeles,
 * and the test projects keep stale_after_hours: 6.
 */
describe('send --due', () => {
  const LOG_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;

  it('sends nothing before send_at and says "nothing due"', async () => {
    const project = await makeSendProject(3);
    const r = await sendDue(project, local('2021-03-22T06:59'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^2021-03-22T13:59:00\.\d{3}Z nothing due\n$/);
    expect(r.stderr).toBe('');
    expect(outbox(project, '2021-03-22')).toHaveLength(0);
    const s = await status(project, local('2021-03-22T06:59'));
    expect(s.stdout).toContain('no sends yet');
    expect(s.stdout).toMatch(/issues\/2021-03-22\.yaml +Mon 2021-03-22 07:00 +scheduled \(in less than a minute\)/);
  });

  it('sends a due issue once: the second run finds nothing due', async () => {
    const project = await makeSendProject(5);
    expect((await status(project, local('2021-03-22T07:03'))).stdout).toMatch(/2021-03-22 07:00 +due \(3 minutes ago; the next `send --due` sends it\)/);

    const first = await sendDue(project, local('2021-03-22T07:05'));
    expect(first.code).toBe(0);
    expect(first.stderr).toBe('');
    const lines = first.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^2021-03-22T14:05:00\.\d{3}Z issues\/2021-03-22\.yaml is due \(send_at 2021-03-22 07:00 America\/Los_Angeles, 5 minutes ago\): sending$/);
    // Without a terminal every line of the send itself is timestamped too, but the final report.
    expect(lines.slice(0, -1).every((l) => LOG_LINE.test(l))).toBe(true);
    expect(first.stdout).toContain('2021-03-22: 5 sent, 0 failed, 0 unknown, 0 skipped, 0 pending (via outbox/2021-03-22)');
    expect(outbox(project, '2021-03-22')).toHaveLength(5);

    const second = await sendDue(project, local('2021-03-22T07:10'));
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^\S+Z nothing due\n$/);
    expect(outbox(project, '2021-03-22')).toHaveLength(5);
    expect((await status(project, local('2021-03-22T07:10'))).stdout).toMatch(/2021-03-22 07:00 +sent Mon 2021-03-22 07:05 PDT/);
  });

  it('refuses a stale issue, says how to send it by hand, and the hand send works', async () => {
    const project = await makeSendProject(4);
    const r = await sendDue(project, local('2021-03-22T13:01'));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^\S+Z issues\/2021-03-22\.yaml is stale: send_at 2021-03-22 07:00 America\/Los_Angeles, 6 hours 1 minute ago, more than stale_after_hours \(6\) late, so it is not sent automatically\. Run `newsletter send issues\/2021-03-22\.yaml` by hand if it should still go out\.$/m,
    );
    expect(r.stderr).toMatch(/send --due: not everything due went out/);
    expect(outbox(project, '2021-03-22')).toHaveLength(0);
    expect((await status(project, local('2021-03-22T13:01'))).stdout).toMatch(/07:00 +stale \(6 hours 1 minute ago, more than stale_after_hours 6 late/);

    const byHand = await runCli(['send', 'issues/2021-03-22.yaml', '--yes'], { cwd: project.dir, env: project.env, now: local('2021-03-22T13:05') });
    expect(byHand.code).toBe(0);
    expect(outbox(project, '2021-03-22')).toHaveLength(4);
    // Sent by hand: the timer leaves it alone from then on.
    expect((await sendDue(project, local('2021-03-22T13:10'))).stdout).toMatch(/nothing due/);
  });

  it('still sends an issue just under stale_after_hours late', async () => {
    const project = await makeSendProject(2);
    const r = await sendDue(project, local('2021-03-22T12:59'));
    expect(r.code).toBe(0);
    expect(outbox(project, '2021-03-22')).toHaveLength(2);
  });

  it('ignores an issue more than a week past its send_at (an archive in a fresh store)', async () => {
    const project = await makeSendProject(2);
    const r = await sendDue(project, local('2021-03-29T07:01'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/nothing due/);
    expect(r.stderr).toBe('');
    expect((await status(project, local('2021-03-29T07:01'))).stdout).toMatch(/07:00 +stale \(7 days ago/);
  });

  it('never sends an issue with errors: logs them with file:line, exits 1, and still sends the other due issue', async () => {
    const project = await makeSendProject(3);
    const bad = issueYaml('2021-03-22', '2021-03-22T06:30').replace('start: 2021-03-22T18:00', 'start: 2021-03-22T25:00');
    writeIssue(project, '2021-03-22-extra.yaml', bad);
    expect((await status(project, local('2021-03-22T07:05'))).stdout).toMatch(/issues\/2021-03-22-extra\.yaml +Mon 2021-03-22 06:30 +due .*has errors, will not be sent/);

    const r = await sendDue(project, local('2021-03-22T07:05'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^\S+Z issues\/2021-03-22-extra\.yaml has errors, so it is not sent/m);
    expect(r.stderr).toMatch(/^\S+Z issues\/2021-03-22-extra\.yaml:9:16  error  sections\[0\]\.events\[0\] \("General meeting"\)\.start: /m);
    expect(outbox(project, '2021-03-22-extra')).toHaveLength(0);
    expect(r.stdout).toContain('2021-03-22: 3 sent');
    expect(outbox(project, '2021-03-22')).toHaveLength(3);
  });

  it('sends several due issues oldest first, and ignores issues without send_at', async () => {
    const project = await makeSendProject(2);
    writeIssue(project, '2021-03-15.yaml', issueYaml('2021-03-15', '2021-03-22T05:00'));
    writeIssue(project, '2021-03-08.yaml', issueYaml('2021-03-22'));
    writeIssue(project, '2021-03-29.yaml', issueYaml('2021-03-29', '2021-03-29T07:00'));
    const r = await sendDue(project, local('2021-03-22T07:30'));
    expect(r.code).toBe(0);
    const due = [...r.stdout.matchAll(/(issues\/\S+) is due/g)].map((m) => m[1]);
    expect(due).toEqual(['issues/2021-03-15.yaml', 'issues/2021-03-22.yaml']);
    expect(outbox(project, '2021-03-15')).toHaveLength(2);
    expect(outbox(project, '2021-03-22')).toHaveLength(2);
    expect(outbox(project, '2021-03-08')).toHaveLength(0);
    expect(outbox(project, '2021-03-29')).toHaveLength(0);
    const s = await status(project, local('2021-03-22T07:30'));
    expect(s.stdout).toMatch(/issues\/2021-03-29\.yaml +Mon 2021-03-29 07:00 +scheduled \(in 6 days 23 hours\)/);
    expect(s.stdout).not.toContain('2021-03-08.yaml');
  });

  it('reports a send_at it cannot read, so a misspelled time does not silently never go out', async () => {
    const project = await makeSendProject(2);
    writeIssue(project, '2021-03-29.yaml', issueYaml('2021-03-29', '"next monday 7am"'));
    const r = await sendDue(project, local('2021-03-22T07:05'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^\S+Z issues\/2021-03-29\.yaml: send_at "next monday 7am" is not a local time in America\/Los_Angeles that can be used.*newsletter check issues\/2021-03-29\.yaml/m);
    expect(outbox(project, '2021-03-22')).toHaveLength(2);
  });

  it('resumes a send that began on time, even once the issue is stale, without resending', async () => {
    const project = await makeSendProject(5);
    await beginSendDirectly(project, local('2021-03-22T07:05'), 2);
    expect((await status(project, local('2021-03-22T17:00'))).stdout).toMatch(/07:00 +stopped \(2 sent, 0 failed, 0 unknown, 0 skipped, 3 pending; the next `send --due` resumes it\)/);

    const r = await sendDue(project, local('2021-03-22T17:00'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/issues\/2021-03-22\.yaml is due \(send_at 2021-03-22 07:00 America\/Los_Angeles, 10 hours ago\): resuming its send/);
    expect(r.stdout).toContain('2021-03-22: 5 sent, 0 failed, 0 unknown, 0 skipped, 0 pending');
    // Only the three still pending were written now.
    expect(outbox(project, '2021-03-22')).toHaveLength(3);
  });

  it('resuming a send whose file changed since it began: --due finishes with the edition started, and logs the changes and how to send them', async () => {
    const project = await makeSendProject(5);
    await beginSendDirectly(project, local('2021-03-22T07:05'), 2);
    const file = path.join(project.dir, 'issues', '2021-03-22.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('start: 2021-03-23T18:00', 'start: 2021-03-23T18:30'));

    const r = await sendDue(project, local('2021-03-22T07:30'));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('note: issues/2021-03-22.yaml changed since edition 1 of this send; the remaining subscribers get edition 1 as it was started.');
    expect(r.stderr).toContain('+ Tuesday, March 23 @ 6:30 pm – 7:30 pm');
    expect(r.stderr).toContain('newsletter send issues/2021-03-22.yaml --correction');
    expect(r.stdout).toContain('2021-03-22: 5 sent, 0 failed, 0 unknown, 0 skipped, 0 pending');
    const written = outbox(project, '2021-03-22');
    expect(written).toHaveLength(3);
    for (const name of written) {
      const text = fs.readFileSync(path.join(project.dir, 'outbox', '2021-03-22', name), 'utf8').replace(/=\r?\n/g, '');
      expect(text).toContain('6:00 pm =E2=80=93 7:30 pm');
    }
  });

  it('a server that is down stops the run with exit 3; the next run resumes and delivers to everyone once', async () => {
    const gone = await startSmtpServer();
    const port = gone.port;
    await gone.close();
    const project = await makeSendProject(4, { smtpUrl: `smtp://127.0.0.1:${port}` });
    const down = await sendDue(project, local('2021-03-22T07:05'));
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(/^\S+Z delivery stopped: the SMTP server cannot be reached/m);
    expect(down.stderr).toMatch(/^\S+Z stopping this run here; the next run resumes$/m);
    expect((await status(project, local('2021-03-22T07:06'))).stdout).toMatch(/07:00 +stopped \(0 sent, .*4 pending; the next `send --due` resumes it\)/);

    const server = await startSmtpServer({ port });
    try {
      const up = await sendDue(project, local('2021-03-22T07:10'));
      expect(up.code).toBe(0);
      expect(up.stdout).toMatch(/issues\/2021-03-22\.yaml is due .*: resuming its send/);
      expect(up.stdout).toContain('4 sent, 0 failed, 0 unknown, 0 skipped, 0 pending');
      expect([...perRecipient(server.received).values()]).toEqual([1, 1, 1, 1]);
    } finally {
      await server.close();
    }
  });

  it('leaves to the editor a send started by hand after the issue went stale', async () => {
    const project = await makeSendProject(5);
    await beginSendDirectly(project, local('2021-03-22T14:00'), 1);
    const r = await sendDue(project, local('2021-03-22T15:00'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('issues/2021-03-22.yaml: its send was started after the issue went stale and is not finished; --due leaves it to whoever started it: run `newsletter send issues/2021-03-22.yaml` to finish it.');
    expect(outbox(project, '2021-03-22')).toHaveLength(0);
    expect((await status(project, local('2021-03-22T15:00'))).stdout).toContain('`newsletter send issues/2021-03-22.yaml` resumes it');
  });

  it('skips, with exit 0, an issue whose send another live process holds; `send <issue>` still refuses with exit 1', async () => {
    const project = await makeSendProject(3);
    // This test process stands for the other run: alive, on this machine.
    const owner = `${os.hostname()}:${process.pid}:other-run`;
    await beginSendDirectly(project, local('2021-03-22T07:00'), 0, { owner, until: local('2021-03-22T08:00') });
    expect((await status(project, local('2021-03-22T07:05'))).stdout).toMatch(/07:00 +sending \(0 sent, 0 failed, 0 unknown, 0 skipped, 3 pending\)/);

    const due = await sendDue(project, local('2021-03-22T07:05'));
    expect(due.code).toBe(0);
    expect(due.stdout).toMatch(/^\S+Z issues\/2021-03-22\.yaml is already being sent by another run; skipping$/m);
    expect(due.stderr).toBe('');
    expect(outbox(project, '2021-03-22')).toHaveLength(0);

    const byName = await runCli(['send', 'issues/2021-03-22.yaml', '--yes'], { cwd: project.dir, env: project.env, now: local('2021-03-22T07:05') });
    expect(byName.code).toBe(1);
    expect(byName.stderr).toContain('another send of this issue is running');
  });

  it('--dry-run lists what would go out and sends nothing (no --yes needed)', async () => {
    const project = await makeSendProject(3);
    const r = await sendDue(project, local('2021-03-22T07:05'), ['--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/issues\/2021-03-22\.yaml is due .*: would send it/);
    expect(r.stdout).toContain('would go to 3 subscribers; nothing sent');
    expect(outbox(project, '2021-03-22')).toHaveLength(0);
  });

  describe('usage', () => {
    it.each([
      [['send'], 2, 'name the issue to send (e.g. newsletter send issues/2021-03-22.yaml), or use --due'],
      [['send', 'issues/2021-03-22.yaml', '--due', '--yes'], 2, 'give either an issue (issues/2021-03-22.yaml) or --due, not both'],
      [['send', '--due', '--yes', '--to', 'a@example.org'], 2, '--due cannot be combined with --to, --resend-unknown, --retry-failed, --correction or --keep-edition'],
      [['send', '--due', '--yes', '--resend-unknown'], 2, '--due cannot be combined with --to, --resend-unknown, --retry-failed, --correction or --keep-edition'],
      [['send', '--due'], 1, 'send --due never asks for confirmation: add --yes (newsletter send --due --yes)'],
    ])('%j exits %i', async (args, code, message) => {
      const project = await makeSendProject(1);
      const r = await runCli(args, { cwd: project.dir, env: project.env, now: local('2021-03-22T07:05') });
      expect(r.code).toBe(code);
      expect(r.stderr).toContain(message);
      expect(outbox(project, '2021-03-22')).toHaveLength(0);
    });
  });
});
