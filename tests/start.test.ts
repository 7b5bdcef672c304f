import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './helpers/cli';

/**
 * `npm start` on the embedded defaults, in a copy of the project: check, build, import the example
 * list, send the seed to the outbox; a second run sends nothing and says so.
 */
describe('npm start', () => {
  it('runs the whole job, and a second run sends nothing', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'newsletter-start-'));
    for (const f of ['newsletter.yaml', 'package.json']) fs.copyFileSync(path.join(REPO_ROOT, f), path.join(dir, f));
    for (const d of ['issues', 'examples', 'bin', 'scripts']) fs.cpSync(path.join(REPO_ROOT, d), path.join(dir, d), { recursive: true });
    fs.symlinkSync(path.join(REPO_ROOT, 'lib'), path.join(dir, 'lib'));
    const run = () => spawnSync(process.execPath, ['scripts/start.js'], { cwd: dir, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' });

    const first = run();
    expect(first.stderr).not.toMatch(/\n\s+at /);
    expect(first.status).toBe(0);
    // The seed's copied March 15 block (twice), and its send_at in 2021, long past.
    expect(first.stdout).toContain('issues/2021-03-22.yaml: 0 errors, 3 warnings');
    expect(first.stdout).toContain('dist/2021-03-22/email.html');
    expect(first.stdout).toContain('examples/subscribers.csv: 12 added');
    expect(first.stdout).toContain('2021-03-22: 12 sent, 0 failed, 0 unknown, 0 skipped, 0 pending (via outbox/2021-03-22)');
    expect(fs.readdirSync(path.join(dir, 'outbox', '2021-03-22'))).toHaveLength(12);

    const second = run();
    expect(second.status).toBe(0);
    expect(second.stdout).toContain('12 unchanged');
    expect(second.stdout).toContain('2021-03-22 was already sent: 12 sent, 0 failed, 0 unknown, 0 skipped, 0 pending. Nothing to do.');
    expect(fs.readdirSync(path.join(dir, 'outbox', '2021-03-22'))).toHaveLength(12);
  });
});
