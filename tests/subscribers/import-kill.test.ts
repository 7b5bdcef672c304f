import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { REPO_ROOT } from '../helpers/cli';
import { generatedCsv, storeProject } from './helpers';

/**
 * A real process killed mid-import (SIGKILL: no handler runs, nothing is cleaned up) must leave
 * the store as it was. Runs the compiled CLI in lib/ (`npm ci` / `npm run build:ts` builds it).
 */
test('an import killed half-way leaves the store unchanged', async () => {
  const p = storeProject();
  p.write('first.csv', 'email,name\nana@x.org,Ana\nben@x.org,Ben\ncleo@x.org,Cleo\n');
  expect((await p.cli('subscribers', 'import', 'first.csv')).code).toBe(0);
  const before = p.contents();
  expect(before.subscribers).toHaveLength(3);

  // Far more rows than are read before the first progress line, so the kill lands mid-import.
  p.write('big.csv', generatedCsv(400_000));
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'newsletter.js'), 'subscribers', 'import', 'big.csv'], {
    cwd: p.dir,
    env: { ...process.env, DATABASE_PATH: p.dbPath },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (d) => {
      stderr += d;
      // Rows are being written inside the import's transaction when this line appears.
      if (/importing big\.csv: 10,000 rows/.test(stderr)) resolve();
    });
    child.on('exit', () => reject(new Error(`the import ended before it could be killed:\n${stderr}${stdout}`)));
  });
  child.kill('SIGKILL');
  const { signal } = await exited;
  expect(signal).toBe('SIGKILL');
  expect(stdout).not.toContain('added');

  expect(p.contents()).toEqual(before);
  const count = await p.cli('subscribers', 'count');
  expect(count.stdout).toContain('active: 3\n');

  const db = new Database(p.dbPath);
  expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  db.close();
  // The dead process's write lock went with it: the next import works.
  p.write('next.csv', 'email\ndan@x.org\n');
  const next = await p.cli('subscribers', 'import', 'next.csv');
  expect(next.stdout).toContain('1 added');
  fs.rmSync(p.dir, { recursive: true, force: true });
});
