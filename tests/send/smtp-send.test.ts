import { simpleParser } from 'mailparser';
import { runCli } from '../helpers/cli';
import { makeSendProject, send } from '../helpers/send-project';
import { perRecipient, startSmtpServer, type TestSmtpServer } from '../helpers/smtp';

/** Sends through a real SMTP server (smtp-server, in process) that records what it received. */
describe('send through SMTP', () => {
  let server: TestSmtpServer;
  beforeEach(async () => {
    server = await startSmtpServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('delivers exactly one message to every subscriber, with the right headers', async () => {
    const project = await makeSendProject(25, { smtpUrl: server.url() });
    const r = await send(project);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('2021-03-22: 25 sent, 0 failed, 0 unknown, 0 skipped, 0 pending');

    const counts = perRecipient(server.received);
    expect([...counts.keys()].sort()).toEqual(project.addresses);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);

    const messageIds = new Set<string>();
    for (const { to, raw } of server.received) {
      const mail = await simpleParser(raw);
      // One recipient per message: nobody sees another address.
      expect(mail.to && !Array.isArray(mail.to) ? mail.to.value.map((v) => v.address) : []).toEqual([to]);
      expect(mail.cc).toBeUndefined();
      expect(raw).not.toMatch(/^Bcc:/im);
      expect(mail.subject).toBe('This week: Solidarity with BAmazon Union!');
      expect(mail.from?.text).toBe('"DSA-LA" <newsletter@example.org>');
      expect(mail.date).toBeInstanceOf(Date);
      expect(mail.messageId).toMatch(/^<2021-03-22\.[A-Za-z0-9_-]{22}@example\.org>$/);
      messageIds.add(mail.messageId!);
      expect(raw).toMatch(/^List-Id: "DSA Los Angeles" <dsa-los-angeles\.example\.org>\r?$/im);
      expect(raw).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r?$/m);
      const unsubscribe = /^List-Unsubscribe: <(https:\/\/news\.example\.org\/u\/k1\.\d+\.[A-Za-z0-9_-]{43})>\r?$/m.exec(raw);
      expect(unsubscribe).not.toBeNull();
      // The same personal link is in the footer of both parts, and no address is in it.
      expect(mail.html).toContain(`href="${unsubscribe![1]}"`);
      expect(mail.text).toContain(`Unsubscribe: ${unsubscribe![1]}`);
      expect(unsubscribe![1]).not.toContain('@');
      expect(mail.html).not.toContain('%%');
      // The HTML has lines that start with a dot: stuffed on the wire, restored by the server.
      expect(raw).toMatch(/^\.[^.]/m);
      expect(raw).not.toMatch(/^\.\./m);
    }
    expect(messageIds.size).toBe(25);
  });

  it('never mails anyone twice when the same send runs again', async () => {
    const project = await makeSendProject(5, { smtpUrl: server.url() });
    expect((await send(project)).code).toBe(0);
    const again = await send(project);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('2021-03-22 was already sent: 5 sent');
    expect(server.received).toHaveLength(5);
  });

  it('retries a 451 and delivers once', async () => {
    const project = await makeSendProject(3, { smtpUrl: server.url() });
    server.onData.set('member0002@example.org', [{ reply: 451, text: 'Try again later' }]);
    const r = await send(project);
    expect(r.code).toBe(0);
    expect(perRecipient(server.received).get('member0002@example.org')).toBe(1);
    expect(server.received).toHaveLength(3);
    const status = await runCli(['status', '2021-03-22'], { cwd: project.dir, env: project.env });
    expect(status.stdout).toContain('3 sent, 0 failed, 0 unknown, 0 skipped, 0 pending');
  });

  it('fails a 550 on RCPT without retrying, and suppresses the address', async () => {
    const project = await makeSendProject(3, { smtpUrl: server.url() });
    server.onRcpt.set('member0003@example.org', [{ reply: 550, text: 'No such user' }]);
    const r = await send(project);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('2 sent, 1 failed');
    expect(r.stdout).toMatch(/1 × 550 No such user/);
    expect(server.rcptAttempts.get('member0003@example.org')).toBe(1);
    const list = await runCli(['subscribers', 'count'], { cwd: project.dir, env: project.env });
    expect(list.stdout).toMatch(/suppressed\D*1/);
  });

  it('fails a permanent reply that says nothing certain about the address (5.2.2 mailbox full) without retrying and without suppressing', async () => {
    const project = await makeSendProject(2, { smtpUrl: server.url() });
    server.onData.set('member0001@example.org', [{ reply: 552, text: '5.2.2 Mailbox full' }]);
    const r = await send(project);
    expect(r.stdout).toContain('1 sent, 1 failed');
    expect(server.rcptAttempts.get('member0001@example.org')).toBe(1);
    const count = await runCli(['subscribers', 'count'], { cwd: project.dir, env: project.env });
    expect(count.stdout).toMatch(/suppressed\D*0/);
  });

  it('retries a connection dropped before the message was handed over', async () => {
    const project = await makeSendProject(3, { smtpUrl: server.url() });
    server.onRcpt.set('member0001@example.org', ['drop']);
    const r = await send(project);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('3 sent, 0 failed, 0 unknown');
    expect(server.rcptAttempts.get('member0001@example.org')).toBe(2);
    expect(perRecipient(server.received).get('member0001@example.org')).toBe(1);
  });

  it('marks a connection lost after the message was handed over unknown, and never resends it unasked', async () => {
    const project = await makeSendProject(3, { smtpUrl: server.url() });
    server.onData.set('member0002@example.org', ['drop-after-data']);
    const r = await send(project);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('2 sent, 0 failed, 1 unknown');
    const again = await send(project);
    expect(again.stdout).toContain('1 unknown: run with --resend-unknown');
    expect(perRecipient(server.received).get('member0002@example.org')).toBe(1);

    const status = await runCli(['status', '2021-03-22'], { cwd: project.dir, env: project.env });
    expect(status.stdout).toMatch(/unknown\s+member0002@example\.org/);

    // Only when the editor asks is it sent again.
    const resend = await send(project, ['--resend-unknown']);
    expect(resend.code).toBe(0);
    expect(resend.stdout).toContain('3 sent, 0 failed, 0 unknown');
    expect(perRecipient(server.received).get('member0002@example.org')).toBe(2);
  });

  it('stops with exit 3 when more than max_errors deliveries fail, and resumes later', async () => {
    const project = await makeSendProject(10, {
      smtpUrl: server.url(),
      send: '{ rate_per_second: 1000, connections: 1, max_errors: 2, max_attempts: 4, retry_delay_seconds: 0.05 }',
    });
    for (const a of project.addresses.slice(0, 4)) server.onData.set(a, [{ reply: 552, text: '5.2.2 Mailbox full' }]);
    const r = await send(project);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('delivery stopped: more than 2 deliveries failed (max_errors in newsletter.yaml)');
    expect(r.stderr).toContain('run the same command again to resume');
    expect(server.received.length).toBeLessThan(6);
    // The budget is per run: the next run delivers the rest.
    const resumed = await send(project);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain('6 sent, 4 failed, 0 unknown, 0 skipped, 0 pending');
    expect([...perRecipient(server.received).values()].every((n) => n === 1)).toBe(true);
  });
});
