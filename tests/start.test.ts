import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, runCli } from './helpers/cli';
import { startSmtpServer, type TestSmtpServer } from './helpers/smtp';

/**
 * `npm start` on the embedded defaults, in a copy of the project: check, build, import the example
 * list, send the seed to the outbox; a second run sends nothing and says so. The demo runs in
 * demo/ with its own store: the editor's .env (a real SMTP server, a real store) is never used.
 */
describe('npm start', () => {
  let server: TestSmtpServer | undefined;
  afterEach(async () => {
    await server?.close();
  });

  /** The child runs asynchronously, so the SMTP server in this process can answer if it is called. */
  function start(dir: string, env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ['scripts/start.js'], { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('exit', (status) => resolve({ status, stdout, stderr }));
    });
  }

  // Regression: with SMTP_URL in .env, npm start mailed the example addresses over real SMTP and
  // imported them into the chapter's own list.
  it('runs the whole job in demo/, never the SMTP server or the store that .env names; a second run sends nothing', async () => {
    server = await startSmtpServer();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'newsletter-start-'));
    for (const f of ['newsletter.yaml', 'package.json']) fs.copyFileSync(path.join(REPO_ROOT, f), path.join(dir, f));
    for (const d of ['issues', 'examples', 'bin', 'scripts']) fs.cpSync(path.join(REPO_ROOT, d), path.join(dir, d), { recursive: true });
    fs.symlinkSync(path.join(REPO_ROOT, 'lib'), path.join(dir, 'lib'));

    // The editor's real setup: an SMTP server and a store with one real member.
    const realEnv = { SMTP_URL: server.url(), DATABASE_PATH: 'data/real.db', UNSUBSCRIBE_SECRET: 'k1:real-secret' };
    fs.writeFileSync(path.join(dir, '.env'), Object.entries(realEnv).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
    fs.writeFileSync(path.join(dir, 'members.csv'), 'email,name\nreal.member@chapter.test,Real Member\n');
    expect((await runCli(['subscribers', 'import', 'members.csv'], { cwd: dir })).code).toBe(0);
    const realStore = path.join(dir, 'data', 'real.db');
    const hash = () => crypto.createHash('sha256').update(fs.readFileSync(realStore)).digest('hex');
    const before = hash();

    // The same settings exported in the shell, too.
    const first = await start(dir, realEnv);
    expect(first.stderr).not.toMatch(/\n\s+at /);
    expect(first.status).toBe(0);
    expect(first.stdout).toContain('The demo runs in demo/, with its own store and the local outbox; .env is not used.');
    expect(first.stdout).toContain('issues/2021-03-22.yaml: 0 errors, 3 warnings');
    expect(first.stdout).toContain('dist/2021-03-22/email.html');
    expect(first.stdout).toContain('subscribers.csv: 12 added');
    expect(first.stdout).toContain('2021-03-22: 12 sent, 0 failed, 0 unknown, 0 skipped, 0 pending (via outbox/2021-03-22)');
    expect(fs.readdirSync(path.join(dir, 'demo', 'outbox', '2021-03-22'))).toHaveLength(12);

    expect(server.received).toHaveLength(0);
    expect(hash()).toBe(before);
    expect(fs.existsSync(path.join(dir, 'outbox'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'dist'))).toBe(false);
    const count = await runCli(['subscribers', 'count'], { cwd: dir });
    expect(count.stdout).toMatch(/^active: 1$/m);

    const second = await start(dir, realEnv);
    expect(second.status).toBe(0);
    expect(second.stdout).toContain('12 unchanged');
    expect(second.stdout).toMatch(/2021-03-22 was already sent: 12 sent, 0 failed, 0 unknown, 0 skipped, 0 pending/);
    expect(fs.readdirSync(path.join(dir, 'demo', 'outbox', '2021-03-22'))).toHaveLength(12);
    expect(server.received).toHaveLength(0);
    expect(hash()).toBe(before);
    // Two whole demo runs (eight child processes) take a while on a busy machine.
  }, 240_000);
});
