import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { startPublicServer, type PublicServer } from '../../src/web/server';
import { runCli } from '../helpers/cli';
import { makeSendProject, send } from '../helpers/send-project';
import { perRecipient, startSmtpServer, type TestSmtpServer } from '../helpers/smtp';

/** What the editor sees before a send, --dry-run, --retry-failed, and what issues/ may hold. */
describe('before and around a send', () => {
  let server: TestSmtpServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('regression: --dry-run works without UNSUBSCRIBE_SECRET and lists the recipients (the first 20, all with --list), with where and how long', async () => {
    server = await startSmtpServer();
    const project = await makeSendProject(25, { smtpUrl: server.url(), send: '{ rate_per_second: 10, connections: 2 }' });
    const env = { ...project.env, UNSUBSCRIBE_SECRET: '' };
    const r = await runCli(['send', 'issues/2021-03-22.yaml', '--dry-run'], { cwd: project.dir, env });
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 4)).toEqual([
      'subject:    This week: Solidarity with BAmazon Union!',
      'recipients: 25',
      `via:        smtp://127.0.0.1:${server.port}`,
      'duration:   about 3 seconds at 10/s',
    ]);
    expect(r.stdout).toMatch(/^warnings: {3}\d+ from newsletter check:\n {2}issues\/2021-03-22\.yaml:\d+:\d+ {2}warning {2}/m);
    expect(r.stdout).toContain('recipients (the first 20; --list shows all):\n  member0001@example.org\n');
    expect(r.stdout).toContain('  member0020@example.org\n');
    expect(r.stdout).not.toContain('member0021@example.org');
    expect(r.stdout).toContain('would go to 25 subscribers; nothing sent');

    const all = await runCli(['send', 'issues/2021-03-22.yaml', '--dry-run', '--list'], { cwd: project.dir, env });
    expect(all.stdout).toContain('recipients:\n');
    expect(all.stdout).toContain('  member0025@example.org\n');
    expect(server.received).toHaveLength(0);
    expect((await runCli(['send', 'issues/2021-03-22.yaml', '--list'], { cwd: project.dir, env })).code).toBe(2);
  });

  it('shows the outbox as the destination without SMTP_URL, and the same facts before a --yes send', async () => {
    const project = await makeSendProject(3);
    const r = await send(project);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('via:        outbox/2021-03-22/ (no SMTP_URL in .env)');
    expect(r.stdout).toContain('recipients: 3\n');
  });

  it('--retry-failed sends the failed deliveries again, never a bounced address', async () => {
    server = await startSmtpServer();
    const project = await makeSendProject(4, { smtpUrl: server.url() });
    server.onData.set('member0001@example.org', [{ reply: 552, text: '5.2.2 Mailbox full' }]);
    server.onRcpt.set('member0002@example.org', [{ reply: 550, text: '5.1.1 User unknown' }]);
    const first = await send(project);
    expect(first.stdout).toContain('2 sent, 2 failed');
    const again = await send(project);
    expect(again.stdout).toContain('2 failed: run with --retry-failed to try them again (bounced addresses stay suppressed).');
    const retried = await send(project, ['--retry-failed']);
    expect(retried.code).toBe(0);
    expect(retried.stdout).toContain('1 failed delivery queued again (--retry-failed).');
    expect(retried.stdout).toContain('3 sent, 1 failed, 0 unknown, 0 skipped, 0 pending');
    const counts = perRecipient(server.received);
    expect(counts.get('member0001@example.org')).toBe(1);
    expect(counts.has('member0002@example.org')).toBe(false);
  });

  it('regression: a dangling symlink (Emacs\'s .#name.yaml lock) and dot files in issues/ no longer make --due and status fail with ENOENT', async () => {
    const project = await makeSendProject(2);
    const issues = path.join(project.dir, 'issues');
    fs.symlinkSync('editor@host.12345:1700000000', path.join(issues, '.#2021-03-22.yaml'));
    fs.writeFileSync(path.join(issues, '.2021-03-22.yaml.swp'), 'not yaml\u0000');
    fs.symlinkSync(path.join(issues, 'gone.yaml'), path.join(issues, 'broken.yaml'));
    const now = new Date('2021-03-22T14:05:00Z');
    const status = await runCli(['status'], { cwd: project.dir, env: project.env, now });
    expect(status.code).toBe(0);
    expect(status.stderr).toBe('warning: issues/broken.yaml skipped: a link to a file that does not exist\n');
    expect(status.stdout).toContain('issues/2021-03-22.yaml');
    expect(status.stdout).not.toContain('.#2021');

    const due = await runCli(['send', '--due', '--yes'], { cwd: project.dir, env: project.env, now });
    expect(due.stderr).toMatch(/^\S+Z warning: issues\/broken\.yaml skipped: a link to a file that does not exist$/m);
    expect(due.stderr).not.toContain('unexpected error');
    expect(due.code).toBe(0);
    expect(due.stdout).toMatch(/^\S+Z issues\/2021-03-22\.yaml is due .*: sending$/m);
    // --due logs the same facts as the prompt, each line stamped.
    expect(due.stdout).toMatch(/^\S+Z subject: {4}This week: Solidarity with BAmazon Union!$/m);
    expect(due.stdout).toMatch(/^\S+Z via: {8}outbox\/2021-03-22\/ \(no SMTP_URL in \.env\)$/m);
    expect(due.stdout).toContain('2 sent, 0 failed, 0 unknown, 0 skipped, 0 pending');
  });
});

describe('test sends whose links work', () => {
  it('regression: the links of a test send (web version, .ics files) are answered by serve from a draft, marked and not indexed; the draft is never listed', async () => {
    const server = await startSmtpServer();
    const project = await makeSendProject(2, { smtpUrl: server.url() });
    let web: PublicServer | undefined;
    try {
      const r = await runCli(['send', 'issues/2021-03-22.yaml', '--to', 'editor@example.org'], { cwd: project.dir, env: project.env });
      expect(r.code).toBe(0);
      const draftUrl = /^draft web version and calendars \(for this test; not listed, not indexed\): (https:\/\/news\.example\.org\/issues\/2021-03-22\.draft-[A-Za-z0-9_-]{22}\/)$/m.exec(r.stdout)?.[1];
      expect(draftUrl).toBeDefined();
      const raw = server.received[0]!.raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
      // Every link of the message to the site points into the draft (the unsubscribe link stays the test page).
      const links = [...new Set([...raw.matchAll(/https:\/\/news\.example\.org\/issues\/[^\s"<>)]+/g)].map((m) => m[0]))];
      expect(links.length).toBeGreaterThanOrEqual(3);
      expect(links.some((l) => l.endsWith('.ics'))).toBe(true);
      for (const link of links) expect(link.startsWith(draftUrl!)).toBe(true);
      expect(raw).toContain('https://news.example.org/u/test-send');

      web = await startPublicServer({ config: loadConfig(project.dir, project.env), port: 0, rateLimit: { burst: 1000, perSecond: 100 } });
      for (const link of links) {
        const res = await fetch(link.replace('https://news.example.org', web.url));
        expect([link, res.status]).toEqual([link, 200]);
        expect(res.headers.get('x-robots-tag')).toBe('noindex, nofollow');
        const body = await res.text();
        if (link.endsWith('/')) {
          expect(body).toContain('<meta name="robots" content="noindex, nofollow">');
          expect(body).toContain('Draft: the web version of a test send, not published.');
        } else if (/^text\/calendar/.test(res.headers.get('content-type') ?? '')) expect(body).toContain('BEGIN:VCALENDAR');
      }
      // Not in the archive, the feed, or status; the real send is untouched.
      expect(await (await fetch(`${web.url}/issues/`)).text()).not.toContain('draft-');
      expect(await (await fetch(`${web.url}/feed.xml`)).text()).not.toContain('draft-');
      expect((await runCli(['status'], { cwd: project.dir, env: project.env })).stdout).toContain('no sends yet');
      // A guessed draft address is simply not found.
      expect((await fetch(`${web.url}/issues/2021-03-22.draft-AAAAAAAAAAAAAAAAAAAAAA/`)).status).toBe(404);
    } finally {
      await web?.close();
      await server.close();
    }
  });
});
