import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { runCli } from '../helpers/cli';
import { makeSendProject, send, type SendProject } from '../helpers/send-project';
import { perRecipient, startSmtpServer, type TestSmtpServer } from '../helpers/smtp';

/**
 * Faults on the sending side — a relay that refuses the sender, a TLS mismatch, a server that does
 * not speak SMTP, 530, a bad DKIM key — are the same for every recipient: the send stops (exit 3)
 * with what to fix, nobody is failed or suppressed, and the next run, once fixed, sends to all.
 */
describe('hostile and misconfigured SMTP servers', () => {
  let server: TestSmtpServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const status = (project: SendProject) => runCli(['status', '2021-03-22'], { cwd: project.dir, env: project.env, now: new Date() });
  const suppressed = async (project: SendProject) => {
    const r = await runCli(['subscribers', 'count'], { cwd: project.dir, env: project.env });
    return Number(/suppressed\D*(\d+)/.exec(r.stdout)?.[1]);
  };

  it('regression: policy rejections for everyone (550 5.7.1 relaying denied) no longer suppress the list as bounced; the send stops and resumes', async () => {
    server = await startSmtpServer();
    server.rcptDefault = { reply: 550, text: '5.7.1 Relaying denied' };
    const project = await makeSendProject(12, { smtpUrl: server.url() });
    for (let run = 0; run < 3; run++) {
      const r = await send(project);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('delivery stopped: the SMTP server refuses the sender or the message (for every recipient, so nobody was failed or suppressed): 550 5.7.1 Relaying denied');
      expect(r.stderr).toContain('Nothing is lost: run the same command again to resume.');
    }
    expect((await status(project)).stdout).toContain('0 sent, 0 failed, 0 unknown, 0 skipped, 12 pending');
    expect(await suppressed(project)).toBe(0);

    server.rcptDefault = 'accept';
    const fixed = await send(project);
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toContain('12 sent, 0 failed, 0 unknown, 0 skipped, 0 pending');
    expect([...perRecipient(server.received).values()]).toEqual(Array(12).fill(1));
  });

  it('regression: "553 5.7.1 Sender address rejected: not owned by user" stops the send instead of suppressing members', async () => {
    server = await startSmtpServer();
    server.rcptDefault = { reply: 553, text: '5.7.1 <newsletter@example.org>: Sender address rejected: not owned by user news' };
    const project = await makeSendProject(5, { smtpUrl: server.url() });
    const r = await send(project);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/refuses the sender or the message .*553 5\.7\.1 <newsletter@example\.org>: Sender address rejected/);
    expect(await suppressed(project)).toBe(0);
    expect((await status(project)).stdout).toContain('0 failed, 0 unknown, 0 skipped, 5 pending');
  });

  it('regression: 530 authentication required at MAIL FROM stops the send (exit 3) and fails nobody', async () => {
    server = await startSmtpServer();
    server.onMailFrom = Array(50).fill({ reply: 530, text: '5.7.0 Authentication required' });
    const project = await makeSendProject(6, { smtpUrl: server.url() });
    const r = await send(project);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('delivery stopped: the SMTP server refused the login: 530 5.7.0 Authentication required');
    expect((await status(project)).stdout).toContain('0 sent, 0 failed, 0 unknown, 0 skipped, 6 pending');
  });

  it('regression: smtps:// to a plain port no longer fails everyone and marks the send finished; fixing the URL sends to all', async () => {
    server = await startSmtpServer();
    const project = await makeSendProject(8, { smtpUrl: `smtps://127.0.0.1:${server.port}` });
    const r = await send(project);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/delivery stopped: TLS with the SMTP server failed: .*smtps:\/\/ is for implicit TLS \(usually port 465\), smtp:\/\/ for STARTTLS \(587\)/);
    expect((await status(project)).stdout).toMatch(/0 sent, 0 failed, 0 unknown, 0 skipped, 8 pending\s+/);
    expect((await status(project)).stdout).toContain('not finished');

    const fixed = await send(project, [], { SMTP_URL: server.url() });
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toContain('8 sent, 0 failed, 0 unknown, 0 skipped, 0 pending');
  });

  it('regression: a server that answers garbage stops the send at once, every row still pending', async () => {
    const garbage = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.write('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
      socket.on('data', () => socket.write('HTTP/1.1 400 Bad Request\r\n\r\n'));
    });
    await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve));
    try {
      const port = (garbage.address() as net.AddressInfo).port;
      const project = await makeSendProject(10, { smtpUrl: `smtp://127.0.0.1:${port}` });
      const r = await send(project);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/delivery stopped: the server at SMTP_URL does not speak SMTP as expected: .*Check the host and port in SMTP_URL/);
      expect((await status(project)).stdout).toContain('0 sent, 0 failed, 0 unknown, 0 skipped, 10 pending');
    } finally {
      await new Promise<void>((resolve) => garbage.close(() => resolve()));
    }
  });

  it('a server that closes the connection right after each 250: everyone gets one message, nobody fails', async () => {
    server = await startSmtpServer();
    server.dataDefault = 'accept-then-close';
    const project = await makeSendProject(10, {
      smtpUrl: server.url(),
      send: '{ rate_per_second: 1000, connections: 2, max_errors: 0, max_attempts: 3, retry_delay_seconds: 0.05 }',
    });
    const r = await send(project);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('10 sent, 0 failed, 0 unknown, 0 skipped, 0 pending');
    expect([...perRecipient(server.received).values()]).toEqual(Array(10).fill(1));
  });

  it('regression: control characters in a server reply are escaped in send, status and --to output (no cleared screen, no forged line)', async () => {
    // smtp-server cleans its own replies, so this one is a raw socket speaking just enough SMTP.
    const evil = '550 5.1.1 \u001b[2J\u001b[H\u001b[32mALL DELIVERED OK\u0007\u009b2J';
    const raw = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.write('220 evil ESMTP\r\n');
      let buffer = '';
      socket.on('data', (d) => {
        buffer += d.toString('latin1');
        let i;
        while ((i = buffer.indexOf('\r\n')) >= 0) {
          const line = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          if (/^EHLO/i.test(line)) socket.write('250-evil\r\n250 8BITMIME\r\n');
          else if (/^HELO|^MAIL|^RSET|^NOOP/i.test(line)) socket.write('250 ok\r\n');
          else if (/^RCPT/i.test(line)) socket.write(`${evil}\r\n`);
          else if (/^QUIT/i.test(line)) socket.end('221 bye\r\n');
          else socket.write('502 no\r\n');
        }
      });
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    try {
      const project = await makeSendProject(2, { smtpUrl: `smtp://127.0.0.1:${(raw.address() as net.AddressInfo).port}` });
      const r = await send(project);
      const s = await status(project);
      const test = await runCli(['send', 'issues/2021-03-22.yaml', '--to', 'editor@example.org'], { cwd: project.dir, env: project.env });
      expect(r.stdout).toContain('2 × 550 5.1.1 \\x1b[2J\\x1b[H\\x1b[32mALL DELIVERED OK\\x07\\x9b2J');
      expect(s.stdout).toContain('\\x1b[2J');
      expect(test.stderr).toContain('\\x1b[2J');
      for (const out of [r.stdout, r.stderr, s.stdout, s.stderr, test.stdout, test.stderr]) expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    } finally {
      await new Promise<void>((resolve) => raw.close(() => resolve()));
    }
  });

  it('a run of unknown-user bounces far above a normal rate stops the send for a human to look', async () => {
    server = await startSmtpServer();
    server.rcptDefault = { reply: 550, text: '5.1.1 User unknown' };
    const project = await makeSendProject(60, {
      smtpUrl: server.url(),
      send: '{ rate_per_second: 1000, connections: 1, max_errors: 1000, max_attempts: 3, retry_delay_seconds: 0.05 }',
    });
    const r = await send(project);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/delivery stopped: 1\d of the last 1\d recipients were refused as unknown or disabled, far above a list's normal rate/);
    // Stopped after about ten, not the whole list.
    expect(await suppressed(project)).toBeLessThan(20);
  });

  describe('DKIM', () => {
    const dkimEnv = (project: SendProject, keyFile: string) => ({ DKIM_DOMAIN: 'example.org', DKIM_SELECTOR: 'news', DKIM_PRIVATE_KEY_PATH: keyFile });

    it('regression: a wrong DKIM_PRIVATE_KEY_PATH stops the send before the first message (exit 3, every row pending), and the next run with the key sends all', async () => {
      server = await startSmtpServer();
      const project = await makeSendProject(12, { smtpUrl: server.url() });
      const keyFile = path.join(project.dir, 'dkim.pem');
      const wrong = await send(project, [], dkimEnv(project, path.join(project.dir, 'dkim-typo.pem')));
      expect(wrong.code).toBe(3);
      expect(wrong.stderr).toMatch(/^delivery stopped before the first message: DKIM_PRIVATE_KEY_PATH \(.*dkim-typo\.pem\) does not exist; DKIM needs the private key in PEM format \(\.env\)\. Nothing was sent; fix it and run the same command again\.\n$/);
      expect(server.received).toHaveLength(0);

      const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 });
      fs.writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
      const good = await send(project, [], dkimEnv(project, keyFile));
      expect(good.code).toBe(0);
      expect(good.stdout).toContain('12 sent, 0 failed, 0 unknown, 0 skipped, 0 pending');
      expect(server.received.every((m) => m.raw.startsWith('DKIM-Signature: '))).toBe(true);
    });

    it('regression: a DKIM key file that is not a key stops the send instead of mailing unsigned', async () => {
      server = await startSmtpServer();
      const project = await makeSendProject(3, { smtpUrl: server.url() });
      const keyFile = path.join(project.dir, 'dkim.pem');
      fs.writeFileSync(keyFile, 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ this is a public key\n');
      const r = await send(project, [], dkimEnv(project, keyFile));
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('is not a private key in PEM format');
      expect(server.received).toHaveLength(0);
      // The test send refuses the same way.
      const test = await runCli(['send', 'issues/2021-03-22.yaml', '--to', 'editor@example.org'], { cwd: project.dir, env: { ...project.env, ...dkimEnv(project, keyFile) } });
      expect(test.code).toBe(3);
      expect(server.received).toHaveLength(0);
    });
  });
});
