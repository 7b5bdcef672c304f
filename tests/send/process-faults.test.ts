import { spawn } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { REPO_ROOT, runCli } from '../helpers/cli';
import { spawnCli, waitFor } from '../helpers/process';
import { makeSendProject, send, type SendProject } from '../helpers/send-project';
import { perRecipient, startSmtpServer, type TestSmtpServer } from '../helpers/smtp';

/** The real program as a child process, killed, hung up on, stopped, or with its output cut. */
describe('the sending process under signals, pipes and kills', () => {
  let server: TestSmtpServer;
  afterEach(async () => {
    await server?.close();
  });

  const sender = (project: SendProject) => spawnCli(['send', 'issues/2021-03-22.yaml', '--yes'], { cwd: project.dir, env: project.env });

  it('kill -9 again and again: nobody gets two, and each kill leaves at most `connections` unknown (only what was on the wire)', async () => {
    server = await startSmtpServer();
    server.delayMs = 30;
    const connections = 3;
    const project = await makeSendProject(150, { smtpUrl: server.url(), send: `{ rate_per_second: 1000, connections: ${connections}, max_errors: 50, max_attempts: 4, retry_delay_seconds: 0.05 }` });
    let kills = 0;
    let unknownSoFar = 0;
    for (let i = 0; i < 4; i++) {
      const before = server.received.length;
      if (before >= 120) break;
      const child = sender(project);
      await waitFor(() => server.received.length >= before + 10, 30_000, 'ten more messages');
      child.child.kill('SIGKILL');
      expect(await child.exited).toBeNull();
      kills++;
      // What the next run finds: the rows this kill left on the wire become unknown, no more.
      const store = new Database(project.env.DATABASE_PATH!, { readonly: true });
      const onWire = (store.prepare("SELECT count(*) AS n FROM deliveries WHERE state = 'sending' AND on_wire = 1").get() as { n: number }).n;
      const unknown = (store.prepare("SELECT count(*) AS n FROM deliveries WHERE state = 'unknown'").get() as { n: number }).n;
      store.close();
      expect(onWire).toBeLessThanOrEqual(connections);
      expect(unknown).toBeLessThanOrEqual(unknownSoFar + connections);
      unknownSoFar = unknown + onWire;
    }
    expect(kills).toBeGreaterThanOrEqual(2);
    const last = await send(project);
    expect(last.code).toBe(0);
    const unknown = Number(/(\d+) unknown/.exec(last.stdout)?.[1]);
    expect(unknown).toBeLessThanOrEqual(kills * connections);
    const counts = perRecipient(server.received);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    // Whoever got nothing is among the unknown; everyone else got exactly one.
    expect(project.addresses.filter((a) => !counts.has(a)).length).toBeLessThanOrEqual(unknown);
    expect(last.stdout).toContain(`${150 - unknown} sent, 0 failed, ${unknown} unknown, 0 skipped, 0 pending`);
  });

  it('regression: SIGHUP (a closed terminal or SSH session) stops like SIGTERM: the messages in flight are recorded, exit 3, the signal named', async () => {
    server = await startSmtpServer();
    server.delayMs = 40;
    const project = await makeSendProject(40, { smtpUrl: server.url() });
    const child = sender(project);
    await waitFor(() => server.received.length >= 5, 30_000, 'five messages');
    child.child.kill('SIGHUP');
    expect(await child.exited).toBe(3);
    expect(child.stderr()).toContain('stopping on SIGHUP: finishing the messages in flight');
    expect(child.stderr()).toContain('stopped by SIGHUP; in-flight messages were recorded.');
    expect(child.stderr()).not.toContain('stopped by Ctrl-C');
    const status = await runCli(['status', '2021-03-22'], { cwd: project.dir, env: project.env, now: new Date() });
    expect(status.stdout).toMatch(/ 0 unknown/);
    expect((await send(project)).stdout).toContain('40 sent, 0 failed, 0 unknown, 0 skipped, 0 pending');
    expect([...perRecipient(server.received).values()].every((n) => n === 1)).toBe(true);
  });

  it('regression: SIGTERM is named SIGTERM, not Ctrl-C', async () => {
    server = await startSmtpServer();
    server.delayMs = 40;
    const project = await makeSendProject(30, { smtpUrl: server.url() });
    const child = sender(project);
    await waitFor(() => server.received.length >= 3, 30_000, 'three messages');
    child.child.kill('SIGTERM');
    expect(await child.exited).toBe(3);
    expect(child.stderr()).toContain('stopping on SIGTERM');
    expect(child.stderr()).not.toContain('Ctrl-C (SIGINT)');
  });

  it('regression: a closed stdout (send --yes | head -2) no longer ends the send early; it exits with the send\'s own code', async () => {
    server = await startSmtpServer();
    server.delayMs = 10;
    const project = await makeSendProject(40, { smtpUrl: server.url() });
    const cli = path.join(REPO_ROOT, 'bin', 'newsletter.js');
    const child = spawn('bash', ['-c', `"${process.execPath}" "${cli}" send issues/2021-03-22.yaml --yes | head -2; echo "exit=\${PIPESTATUS[0]}" >&2`], {
      cwd: project.dir,
      env: { PATH: process.env.PATH ?? '', ...project.env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    await new Promise((resolve) => child.on('exit', resolve));
    expect(out.split('\n').filter(Boolean)).toHaveLength(2);
    expect(err).toContain('exit=0');
    expect(perRecipient(server.received).size).toBe(40);
    const status = await runCli(['status', '2021-03-22'], { cwd: project.dir, env: project.env, now: new Date() });
    expect(status.stdout).toContain('40 sent, 0 failed, 0 unknown, 0 skipped, 0 pending');
  });

  it('regression: a sender stopped (Ctrl-Z) past its lease and resumed after another took over stops cleanly; nobody gets two', async () => {
    server = await startSmtpServer();
    server.delayMs = 60;
    const project = await makeSendProject(40, { smtpUrl: server.url(), send: '{ rate_per_second: 1000, connections: 2, max_errors: 50, max_attempts: 4, retry_delay_seconds: 0.05 }' });
    const first = sender(project);
    await waitFor(() => server.received.length >= 4, 30_000, 'four messages');
    // Stopped where it holds no write lock (a process stopped inside a commit would block every
    // writer until it is continued): if the store is locked, let it run a moment and stop it again.
    // The lease then runs out while it is stopped (here: moved into the past rather than waiting a minute).
    const db = new Database(project.env.DATABASE_PATH!, { timeout: 0 });
    for (let tries = 0; ; tries++) {
      first.child.kill('SIGSTOP');
      try {
        db.prepare("UPDATE sends SET lease_expires_at = '2000-01-01T00:00:00.000Z'").run();
        break;
      } catch (err) {
        if (!/database is locked/.test(String(err)) || tries >= 50) throw err;
        first.child.kill('SIGCONT');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
    db.close();
    const second = await send(project);
    expect(second.code).toBe(0);
    first.child.kill('SIGCONT');
    expect(await first.exited).toBe(3);
    expect(first.stderr()).toContain('delivery stopped: another process took over this send');
    expect(first.stderr()).not.toMatch(/unexpected error|\n\s+at /);
    const counts = perRecipient(server.received);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(counts.size).toBeGreaterThanOrEqual(38);
  });
});
