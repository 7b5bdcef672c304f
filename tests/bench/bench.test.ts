import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/cli';

/**
 * `npm run bench` is not run by CI (timings there mean nothing), so each of its parts runs here on
 * tiny inputs (`--tiny`), to keep it working: the part finishes, and its rows reach the table and
 * the saved files. No figure is asserted.
 */

interface SavedRow {
  part: string;
  measure: string;
  result: string;
  target: string;
  mark: string;
}

function runBench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'scripts', 'bench.js'), ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Each part, and rows it must produce (the start of their `measure`). */
const PARTS: [string, string[]][] = [
  ['build', ['build, warm (react)', 'build, warm (mjml)', 'newsletter check (react), cold process', 'newsletter check --engine mjml, cold process', 'newsletter build, cold process', 'newsletter status, cold process']],
  ['personalise', ['personalised messages']],
  ['deliver', ['delivery, ours (ledger on)', 'delivery, nodemailer pool + Promise.all', 'delivery, the same pool with prebuilt raw MIME', 'delivery, Postfix smtp-source (ceiling)', '  ours / nodemailer pool', '  ours / the raw-MIME pool']],
  ['scale', ['20 subscribers: import', '200 subscribers: send (whole process)', '2,000 subscribers: send peak memory', 'send time 200 / 20', 'send time 2,000 / 200']],
  [
    'store',
    [
      'import of 1,000 rows: peak memory',
      'import peak memory 1,000 / 100 rows',
      'year store: 200 × 3 sends (600 deliveries',
      '  200 × 3 sends: newsletter status (every send), cold process',
      '  200 × 3 sends: newsletter subscribers count, cold process',
      '  200 × 3 sends: newsletter subscribers list (every member), cold process',
      '  200 × 3 sends: serve, one-click unsubscribe (POST)',
      '  200 × 3 sends: serve, feed /feed.xml',
    ],
  ],
  ['senders', ['send, SQLite, 1 sender', 'send, PostgreSQL, 1 sender on one send', 'send, PostgreSQL, 2 senders on one send', 'send, PostgreSQL, 3 senders on one send', '  PostgreSQL 3 senders / 1 sender']],
];

describe('npm run bench -- --tiny: every part runs and reports its rows', () => {
  test.each(PARTS)(
    '%s',
    async (part, measures) => {
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'newsletter-bench-test-'));
      try {
        const run = await runBench(['--tiny', '--only', part, '--out', out]);
        expect(run.stderr).not.toMatch(/bench failed/);
        expect(run.code).toBe(0);
        const day = new Date().toISOString().slice(0, 10);
        const saved = JSON.parse(fs.readFileSync(path.join(out, 'latest.json'), 'utf8'));
        expect(JSON.parse(fs.readFileSync(path.join(out, `${day}.json`), 'utf8'))).toEqual(saved);
        expect(saved.tiny).toBe(true);
        expect(saved.machine).toEqual(expect.objectContaining({ cores: os.cpus().length, node: process.version, loadavgAtStart: expect.any(Array) }));
        const rows = saved.rows as SavedRow[];
        for (const m of measures) expect(rows.filter((r) => r.part === part).map((r) => r.measure)).toContainEqual(expect.stringMatching(new RegExp(`^${m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`)));
        for (const r of rows) {
          expect(r.result).not.toMatch(/NaN|undefined|Infinity/);
          // The table shows every row, in the terminal and in the saved Markdown.
          expect(run.stdout).toContain(r.measure);
          expect(fs.readFileSync(path.join(out, `${day}.md`), 'utf8')).toContain(`| ${r.measure}`);
        }
        expect(run.stdout).toContain(`Node ${process.version}`);
      } finally {
        fs.rmSync(out, { recursive: true, force: true });
      }
    },
    180_000,
  );

  test('an unknown part is refused in one line, naming the parts', async () => {
    const run = await runBench(['--only', 'buidl']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(`npm run bench: no part named buidl (the parts: ${PARTS.map(([p]) => p).join(', ')})`);
  });
});
