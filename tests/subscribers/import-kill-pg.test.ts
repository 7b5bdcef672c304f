import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { openStore } from '../../src/store';
import type { Store } from '../../src/store/types';
import { makeProject, REPO_ROOT, runCli } from '../helpers/cli';
import { startPostgres, type Postgres } from '../helpers/postgres';
import { collect } from '../helpers/stores';
import { generatedCsv } from './helpers';

/**
 * The PostgreSQL store's import is one transaction too: a process killed half-way (SIGKILL, no
 * handler runs) leaves the database as it was, and its lock on the list goes with its connection.
 * Runs the compiled CLI in lib/ (`npm ci` / `npm run build:ts` builds it).
 */
let pg: Postgres;
beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => {
  await pg?.stop();
});

async function contents(url: string) {
  const store: Store = await openStore({ env: { databasePath: '/nonexistent/never.db', databaseUrl: url } } as Parameters<typeof openStore>[0]);
  try {
    const subscribers = await collect(store.subscribers.list());
    return { subscribers, counts: await store.subscribers.counts() };
  } finally {
    await store.close();
  }
}

test('an import into PostgreSQL killed half-way leaves the database unchanged, and the next import works', async () => {
  const url = await pg.createDatabase();
  const dir = makeProject({ 'first.csv': 'email,name\nana@x.org,Ana\nben@x.org,Ben\ncleo@x.org,Cleo\n', 'big.csv': generatedCsv(200_000), 'next.csv': 'email\ndan@x.org\n' });
  const env = { DATABASE_URL: url };
  expect((await runCli(['subscribers', 'import', 'first.csv'], { cwd: dir, env })).code).toBe(0);
  const before = await contents(url);
  expect(before.subscribers).toHaveLength(3);

  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'newsletter.js'), 'subscribers', 'import', 'big.csv'], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  const exited = new Promise<{ signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (_code, signal) => resolve({ signal })));
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (d) => {
      stderr += d;
      // Rows are being written inside the import's transaction when this line appears.
      if (/importing big\.csv: 10,000 rows/.test(stderr)) resolve();
    });
    child.on('exit', () => reject(new Error(`the import ended before it could be killed:\n${stderr}${stdout}`)));
  });
  child.kill('SIGKILL');
  expect((await exited).signal).toBe('SIGKILL');
  expect(stdout).not.toContain('added');

  expect(await contents(url)).toEqual(before);
  const next = await runCli(['subscribers', 'import', 'next.csv'], { cwd: dir, env });
  expect(next.stdout).toContain('1 added');
  expect((await contents(url)).counts).toMatchObject({ active: 4 });
  fs.rmSync(dir, { recursive: true, force: true });
});
