import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli';
import { startPostgres, type Postgres } from '../helpers/postgres';
import { spawnCli, waitFor } from '../helpers/process';
import { makeSendProject, type SendProject } from '../helpers/send-project';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';

/**
 * Several `newsletter send` processes on one send, with the store on a real PostgreSQL server and
 * the messages going to Postfix's smtp-sink, which writes each one to a file with its envelope:
 * who got what, and when, is read there.
 */
describe('several senders on one send (PostgreSQL, smtp-sink)', () => {
  let pg: Postgres;
  let sink: SmtpSink;
  let dump: string;
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => {
    await pg?.stop();
  });
  beforeEach(async () => {
    dump = fs.mkdtempSync(path.join(os.tmpdir(), 'sink-dump-'));
    sink = await startSmtpSink({ dumpDir: dump });
  });
  afterEach(async () => {
    await sink?.stop();
    fs.rmSync(dump, { recursive: true, force: true });
  });

  /** Each message the sink received: its recipient and when its file was written. */
  const received = () =>
    fs.readdirSync(dump).map((f) => {
      const file = path.join(dump, f);
      const head = fs.readFileSync(file, 'utf8').slice(0, 2000);
      return { to: /^X-Rcpt-Args: <([^>]+)>/m.exec(head)?.[1] ?? '?', at: fs.statSync(file).mtimeMs };
    });
  const project = async (count: number, send: string): Promise<SendProject> =>
    makeSendProject(count, { smtpUrl: `smtp://127.0.0.1:${sink.port}`, send, env: { DATABASE_URL: await pg.createDatabase() } });
  const sender = (p: SendProject) => spawnCli(['send', 'issues/2021-03-22.yaml', '--yes'], { cwd: p.dir, env: p.env });
  const status = async (p: SendProject) => (await runCli(['status', '2021-03-22'], { cwd: p.dir, env: p.env, now: new Date() })).stdout;

  it.each([2, 3])('%i senders share one send: every recipient exactly once, and the combined rate within rate_per_second', async (n) => {
    const count = 240;
    const rate = 40;
    const p = await project(count, `{ rate_per_second: ${rate}, connections: 2, max_errors: 0, max_attempts: 3, retry_delay_seconds: 0.05 }`);
    const first = sender(p);
    // The others join once the first has begun the send.
    await waitFor(() => received().length > 0, 30_000, 'the first message');
    const others = Array.from({ length: n - 1 }, () => sender(p));
    const codes = await Promise.all([first, ...others].map((s) => s.exited));
    expect(codes).toEqual(Array(n).fill(0));
    // Each joined and sent some (at 40/s over 6 s, nobody finds it all done).
    for (const s of [first, ...others]) expect(s.stdout()).toMatch(/2021-03-22: \d+ sent/);
    for (const s of others) expect(s.stderr()).not.toContain('another send of this issue is running');

    const got = received();
    const to = got.map((m) => m.to).sort();
    expect(to).toEqual([...p.addresses].sort());
    // 240 messages at 40 a second over all senders take at least 239/40 s from the first to the
    // last; each pacing itself at 40/s, two or three would have taken a half or a third of it.
    const times = got.map((m) => m.at).sort((a, b) => a - b);
    expect(times[times.length - 1]! - times[0]!).toBeGreaterThanOrEqual(((count - 1) / rate) * 1000 * 0.9);
    expect(await status(p)).toContain(`${count} sent, 0 failed, 0 unknown, 0 skipped, 0 pending`);
  });

  it('kill -9 of one sender mid-send: the other goes on, a resume finishes, nobody gets two, unknown at most the killed one\'s window', async () => {
    const count = 200;
    const connections = 2;
    const p = await project(count, `{ rate_per_second: 60, connections: ${connections}, max_errors: 0, max_attempts: 3, retry_delay_seconds: 0.05 }`);
    const doomed = sender(p);
    await waitFor(() => received().length > 0, 30_000, 'the first message');
    const survivor = sender(p);
    await waitFor(() => received().length >= 60, 60_000, 'sixty messages');
    doomed.child.kill('SIGKILL');
    expect(await doomed.exited).toBeNull();
    expect(await survivor.exited).toBe(0);
    // The survivor sent all it could claim; the killed sender's claimed rows wait for a resume.
    expect(survivor.stdout()).toMatch(/other sender is still running this send|0 pending/);

    const resume = await runCli(['send', 'issues/2021-03-22.yaml', '--yes'], { cwd: p.dir, env: p.env, now: new Date() });
    expect(resume.code).toBe(0);
    const final = await status(p);
    const unknown = Number(/(\d+) unknown/.exec(final)?.[1]);
    expect(final).toContain('0 failed');
    expect(final).toContain('0 pending');
    // Only what the killed process had on the wire: at most its window (4 per connection).
    expect(unknown).toBeLessThanOrEqual(connections * 4);
    const to = received().map((m) => m.to);
    expect(new Set(to).size).toBe(to.length);
    // Everyone got it, except unknown ones the server may or may not have.
    expect(to.length).toBeGreaterThanOrEqual(count - unknown);
    expect(Number(/(\d+) sent/.exec(final)?.[1]) + unknown).toBe(count);
  });
});
