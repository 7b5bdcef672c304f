import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/cli';
import { makeSendProject } from '../helpers/send-project';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';

/**
 * A send keeps nothing per message: the live heap (after a full collection, in a child process
 * with --expose-gc) once 20,000 messages went through the real runner, ledger and SMTP transport
 * into Postfix's smtp-sink is no larger than once 2,000 had, give or take a small allowance for
 * what warms up once (compiled code, cached statements). A leak of even ~100 bytes a message (one
 * small object kept per delivery: an outcome, a Message-ID, a listener) adds 1.8 MB over the
 * 18,000 messages between the two measurements, and fails. No timing is asserted.
 */
const EARLY = 2_000;
const LATE = 20_000;
const ALLOWED_GROWTH_BYTES = 1.5 * 1024 * 1024;

function runChild(dir: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', path.join(REPO_ROOT, 'tests', 'helpers', 'send-memory-child.js'), dir, String(EARLY), String(LATE - 50)], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('memory of a send', () => {
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink?.stop();
  });

  it(`keeps no memory per message: the heap after ${LATE.toLocaleString('en-US')} messages is the heap after ${EARLY.toLocaleString('en-US')}`, async () => {
    const project = await makeSendProject(LATE, {
      smtpUrl: `smtp://127.0.0.1:${sink.port}`,
      send: '{ rate_per_second: 10000, connections: 5, max_errors: 0, max_attempts: 3, retry_delay_seconds: 0.05 }',
    });
    const run = await runChild(project.dir, project.env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout.trim()) as { status: string; sent: number; heap: { early: number; late: number } };
    expect(result.status).toBe('done');
    expect(result.sent).toBe(LATE);
    expect(result.heap.early).toBeGreaterThan(0);
    expect(result.heap.late - result.heap.early).toBeLessThan(ALLOWED_GROWTH_BYTES);
  }, 240_000);
});
