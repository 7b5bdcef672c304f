import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, runCli } from '../helpers/cli';
import { startServe } from '../helpers/serve';
import { NEW_SECRET, SEED_SLUG, sentProject, type SentProject } from '../unsubscribe/project';

/**
 * `newsletter serve` as an operator runs it: a real process (bin/newsletter.js → lib/, built by
 * `npm run build:ts`), logging to stdout, stopped with SIGTERM as systemd stops it.
 */

describe('newsletter serve (process)', () => {
  let project: SentProject;

  beforeAll(async () => {
    if (!fs.existsSync(path.join(REPO_ROOT, 'lib', 'src', 'web', 'server', 'server.js'))) {
      throw new Error('lib/ is not built: run `npm run build:ts` first');
    }
    project = await sentProject();
  });

  it('listens on 127.0.0.1, unsubscribes with one click, logs one line per request, and stops on SIGTERM', async () => {
    const run = startServe(project.dir, project.env, ['--port', '0']);
    const url = await run.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const [m] = await project.received(SEED_SLUG);
    const link = new URL(new URL(m!.unsubscribeUrl).pathname, url);
    const res = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(res.status).toBe(200);
    expect((await fetch(new URL(`/issues/${SEED_SLUG}/events.ics`, url))).status).toBe(200);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);

    const { stdout, stderr } = run.output();
    expect(stderr).toBe('');
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`Serving https://news.example.org on ${url} — Ctrl-C to stop`);
    expect(lines.slice(1, -1)).toEqual([
      expect.stringMatching(/^\S+Z POST \/u\/:token 200 [\d.]+ms$/),
      expect.stringMatching(/^\S+Z GET \/issues\/:slug\/events\.ics 200 [\d.]+ms$/),
    ]);
    expect(lines.at(-1)).toBe('Server stopped.');
    expect(stdout).not.toContain(m!.to);
    expect(stdout).not.toContain(new URL(m!.unsubscribeUrl).pathname.slice(3));
    expect(await project.cli('subscribers', 'count')).toMatchObject({ stdout: 'active: 3\nunsubscribed: 1\nsuppressed: 1\n  bounced: 0\n  complained: 0\n' });
  });

  it('refuses to start without UNSUBSCRIBE_SECRET: the development key is public', async () => {
    const r = await runCli(['serve', '--port', '0'], { cwd: project.dir, env: { DATABASE_PATH: project.env.DATABASE_PATH } });
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: 'UNSUBSCRIBE_SECRET is not set (.env): serve needs the secret that signed the unsubscribe links in the emails; see .env.example\n',
    });
  });

  it('refuses two keys with one id (links signed with the second could never be checked)', async () => {
    const r = await runCli(['serve', '--port', '0'], { cwd: project.dir, env: { ...project.env, UNSUBSCRIBE_SECRET: `k1:${NEW_SECRET},k1:${NEW_SECRET}x` } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('UNSUBSCRIBE_SECRET: two keys have the id "k1"; give each key its own id, e.g. UNSUBSCRIBE_SECRET=k2:new-secret,k1:old-secret\n');
  });

  it('says when the port is taken, and exits 1', async () => {
    const first = startServe(project.dir, project.env, ['--port', '0']);
    const port = new URL(await first.url).port;
    try {
      const r = await runCli(['serve', '--port', port], { cwd: project.dir, env: project.env });
      expect(r).toEqual({ code: 1, stdout: '', stderr: `port ${port} on 127.0.0.1 is already in use; choose another with --port (--port 0 picks a free one)\n` });
    } finally {
      first.child.kill('SIGINT');
      await first.exited;
    }
  });

  it('rejects a port that is not a number (usage error, exit 2)', async () => {
    const r = await runCli(['serve', '--port', 'eighty'], { cwd: project.dir, env: project.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("option '--port <port>' argument 'eighty' is invalid. must be a port number from 0 to 65535 (0 picks a free one).");
  });

  it('says where to run it from when there is no newsletter.yaml', async () => {
    const r = await runCli(['serve'], { cwd: REPO_ROOT + '/tests', env: project.env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^newsletter\.yaml not found in .*tests: run newsletter serve from the project folder\n$/);
  });
});
