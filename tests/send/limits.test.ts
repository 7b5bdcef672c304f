import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli';
import { makeSendProject, type SendProject } from '../helpers/send-project';
import { perRecipient, startSmtpServer, type TestSmtpServer } from '../helpers/smtp';

/** Providers' limits: the rate over all connections, hourly and daily caps, throttling replies. */
describe('sending within a provider\'s limits', () => {
  let server: TestSmtpServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const sendAt = (project: SendProject, now: Date) => runCli(['send', 'issues/2021-03-22.yaml', '--yes'], { cwd: project.dir, env: project.env, now });
  const outbox = (project: SendProject) => {
    const dir = path.join(project.dir, 'outbox', '2021-03-22');
    return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.eml')).length : 0;
  };

  it('regression: rate_per_second 0.5 (Office 365\'s 30 a minute) sends one message every two seconds over all connections, not one a second', async () => {
    server = await startSmtpServer();
    const project = await makeSendProject(4, { smtpUrl: server.url(), send: '{ rate_per_second: 0.5, connections: 2, max_errors: 5, max_attempts: 3, retry_delay_seconds: 0.05 }' });
    const r = await runCli(['send', 'issues/2021-03-22.yaml', '--yes'], { cwd: project.dir, env: project.env, now: new Date() });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('duration:   about 8 seconds at 30/min');
    const arrivals = server.received.map((m) => m.at).sort((a, b) => a - b);
    expect(arrivals).toHaveLength(4);
    // Measured at the server: two seconds apart on average (at the old rounded rate, one), and no
    // two closer than the delivery's own jitter allows (a busy machine only spreads them further).
    const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]!);
    expect((arrivals[3]! - arrivals[0]!) / 3).toBeGreaterThanOrEqual(1800);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(1500);
  });

  it('max_per_hour pauses the send (exit 3, when it resumes) and the next runs continue it, an hour on', async () => {
    const project = await makeSendProject(7, { send: '{ rate_per_second: 1000, connections: 2, max_errors: 5, max_attempts: 3, retry_delay_seconds: 0.05, max_per_hour: 3 }' });
    const t0 = new Date('2021-03-22T14:00:00Z');
    const first = await sendAt(project, t0);
    expect(first.code).toBe(3);
    expect(first.stderr).toContain('delivery paused: send.max_per_hour (3) reached; resumes after 08:00 (America/Los_Angeles). Run the same command again then (send --due resumes it by itself).');
    expect(first.stdout).toContain('3 sent, 0 failed, 0 unknown, 0 skipped, 4 pending');
    expect(outbox(project)).toBe(3);

    const early = await sendAt(project, new Date(t0.getTime() + 30 * 60_000));
    expect(early.code).toBe(3);
    expect(outbox(project)).toBe(3);

    const hourLater = await sendAt(project, new Date(t0.getTime() + 61 * 60_000));
    expect(hourLater.code).toBe(3);
    expect(outbox(project)).toBe(6);

    const last = await sendAt(project, new Date(t0.getTime() + 122 * 60_000));
    expect(last.code).toBe(0);
    expect(last.stdout).toContain('7 sent, 0 failed, 0 unknown, 0 skipped, 0 pending');
    expect(outbox(project)).toBe(7);
  });

  it('max_per_day pauses until a day after the first of the day\'s messages', async () => {
    const project = await makeSendProject(6, { send: '{ rate_per_second: 1000, connections: 2, max_errors: 5, max_attempts: 3, retry_delay_seconds: 0.05, max_per_day: 4 }' });
    const t0 = new Date('2021-03-22T14:00:00Z');
    const first = await sendAt(project, t0);
    expect(first.code).toBe(3);
    expect(first.stderr).toContain('delivery paused: send.max_per_day (4) reached; resumes after 07:00 on 2021-03-23 (America/Los_Angeles)');
    expect(outbox(project)).toBe(4);
    expect((await sendAt(project, new Date(t0.getTime() + 23 * 3600_000))).code).toBe(3);
    expect(outbox(project)).toBe(4);
    const nextDay = await sendAt(project, new Date(t0.getTime() + 24 * 3600_000 + 60_000));
    expect(nextDay.code).toBe(0);
    expect(outbox(project)).toBe(6);
  });

  it('a storm of 421 and 454 replies slows the send down instead of burning attempts: everyone gets one, nobody fails', async () => {
    server = await startSmtpServer();
    server.onMailFrom = [
      ...Array(3).fill({ reply: 421, text: '4.7.0 Too many connections, slow down' }),
      ...Array(3).fill({ reply: 454, text: 'Throttling failure: Maximum sending rate exceeded.' }),
    ];
    const project = await makeSendProject(8, { smtpUrl: server.url(), send: '{ rate_per_second: 50, connections: 2, max_errors: 0, max_attempts: 1, retry_delay_seconds: 0.05 }' });
    const r = await runCli(['send', 'issues/2021-03-22.yaml', '--yes'], { cwd: project.dir, env: project.env, now: new Date() });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('8 sent, 0 failed, 0 unknown, 0 skipped, 0 pending');
    expect(server.mailFromCount()).toBeGreaterThanOrEqual(14);
    expect([...perRecipient(server.received).values()]).toEqual(Array(8).fill(1));
  });
});
