import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeProject, REPO_ROOT } from '../helpers/cli';
import { eventually } from '../helpers/process';
import { startListening } from '../helpers/serve';

/**
 * `newsletter preview` as an editor runs it: a real process, stopped with Ctrl-C (SIGINT).
 * Runs the compiled program (bin/newsletter.js → lib/), which `npm ci` / `npm run build:ts` builds.
 */

const BIN = path.join(REPO_ROOT, 'bin', 'newsletter.js');

function startPreview(cwd: string, args: string[], bin = BIN) {
  return startListening('preview', /^Preview on (http:\/\/\S+) — Ctrl-C to stop$/m, cwd, {}, args, bin);
}

describe('newsletter preview (process)', () => {
  beforeAll(() => {
    if (!fs.existsSync(path.join(REPO_ROOT, 'lib', 'src', 'web', 'preview', 'server.js'))) {
      throw new Error('lib/ is not built: run `npm run build:ts` first');
    }
  });

  it('prints its URL, serves the issue, and stops cleanly on Ctrl-C', async () => {
    const dir = makeProject();
    const run = startPreview(dir, ['issues/2021-03-22.yaml', '--port', '0']);
    const url = await run.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/issues\/2021-03-22$/);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('This week: Solidarity with BAmazon Union!');
    // An open event stream must not keep the process alive after Ctrl-C.
    const controller = new AbortController();
    const events = await fetch(new URL('/events', url), { signal: controller.signal });
    expect(events.headers.get('content-type')).toMatch(/^text\/event-stream/);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    controller.abort();
    expect(run.output().stdout).toMatch(/Preview stopped\.\n$/);
    expect(run.output().stderr).toBe('');
    await expect(fetch(url)).rejects.toThrow();
  });

  it('says when the port is taken, and exits 1', async () => {
    const dir = makeProject();
    const first = startPreview(dir, ['--port', '0']);
    const port = new URL(await first.url).port;
    try {
      const second = startPreview(dir, ['--port', port]);
      await expect(second.exited).resolves.toBe(1);
      expect(second.output().stderr).toBe(`port ${port} on 127.0.0.1 is already in use; choose another with --port (--port 0 picks a free one)\n`);
    } finally {
      first.child.kill('SIGINT');
      await first.exited;
    }
  });

  it('re-renders with a template recompiled while it runs (lib/emails), with no restart', async () => {
    // A private copy of the compiled program, so changing a template touches nothing shared.
    const app = fs.mkdtempSync(path.join(os.tmpdir(), 'newsletter-app-'));
    fs.cpSync(path.join(REPO_ROOT, 'lib'), path.join(app, 'lib'), { recursive: true });
    fs.cpSync(path.join(REPO_ROOT, 'bin'), path.join(app, 'bin'), { recursive: true });
    fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(app, 'node_modules'), 'dir');
    const dir = makeProject();
    const run = startPreview(dir, ['--port', '0'], path.join(app, 'bin', 'newsletter.js'));
    try {
      const emailUrl = new URL('/issues/2021-03-22/email.html?engine=react', await run.url);
      expect(await (await fetch(emailUrl)).text()).toContain('View this email in your browser');
      const header = path.join(app, 'lib', 'emails', 'components', 'Header.js');
      fs.writeFileSync(header, fs.readFileSync(header, 'utf8').replace('View this email in your browser', 'Read this issue on the web'));
      await eventually(async () => (await fetch(emailUrl)).text(), (html) => expect(html).toContain('Read this issue on the web'));
    } finally {
      run.child.kill('SIGINT');
      await run.exited;
      fs.rmSync(app, { recursive: true, force: true });
    }
  });
});

