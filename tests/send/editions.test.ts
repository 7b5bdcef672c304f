import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { openStore } from '../../src/store';
import { runCli } from '../helpers/cli';
import { waitFor } from '../helpers/process';
import { makeSendProject, send, type SendProject } from '../helpers/send-project';
import { perRecipient, startSmtpServer, type TestSmtpServer } from '../helpers/smtp';

/**
 * Editions through real sends (a real SQLite file, a real SMTP server): the issue file edited
 * during a send, corrections with --correction, finishing with --keep-edition.
 */

const ORIGINAL = 'Tuesday, March 23 @ 6:00 pm – 7:30 pm';
const CORRECTED = 'Tuesday, March 23 @ 6:30 pm – 7:30 pm';

function correctTheFile(project: SendProject): void {
  const file = path.join(project.dir, 'issues', '2021-03-22.yaml');
  const source = fs.readFileSync(file, 'utf8');
  expect(source).toContain('start: 2021-03-23T18:00');
  fs.writeFileSync(file, source.replace('start: 2021-03-23T18:00', 'start: 2021-03-23T18:30'));
}

/** Decoded text of a received message (quoted-printable soft breaks removed). */
const textOf = (raw: string) => raw.replace(/=\r?\n/g, '').replace(/=E2=80=93/g, '–');

const status = (project: SendProject) => runCli(['status', '2021-03-22'], { cwd: project.dir, env: project.env, now: new Date() });

/** A project whose send stops early: three addresses near the front refuse with 550, and max_errors is 2. */
async function stoppedSend(server: TestSmtpServer): Promise<{ project: SendProject; sentBefore: number }> {
  const project = await makeSendProject(30, {
    smtpUrl: server.url(),
    send: '{ rate_per_second: 1000, connections: 2, max_errors: 2, stale_after_hours: 6, max_attempts: 4, retry_delay_seconds: 0.05 }',
  });
  for (const n of ['0004', '0005', '0006']) server.onRcpt.set(`member${n}@example.org`, [{ reply: 550, text: 'no such user' }]);
  const first = await send(project);
  expect(first.code).toBe(3);
  expect(first.stderr).toContain('more than 2 deliveries failed');
  const sentBefore = server.received.length;
  expect(sentBefore).toBeGreaterThan(0);
  expect(sentBefore).toBeLessThan(27);
  return { project, sentBefore };
}

describe('editions in real sends', () => {
  let server: TestSmtpServer;
  beforeEach(async () => {
    server = await startSmtpServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('the file edited while the send runs: everyone still gets the bytes the send started with', async () => {
    server.delayMs = 20;
    const project = await makeSendProject(20, { smtpUrl: server.url() });
    const running = send(project);
    await waitFor(() => server.received.length >= 3, 30_000, 'three messages');
    correctTheFile(project);
    const done = await running;
    expect(done.code).toBe(0);
    expect(done.stdout).toContain('20 sent, 0 failed, 0 unknown, 0 skipped, 0 pending');
    expect(server.received).toHaveLength(20);
    for (const m of server.received) {
      expect(textOf(m.raw)).toContain(ORIGINAL);
      expect(textOf(m.raw)).not.toContain(CORRECTED);
    }

    // Sent, then changed: nothing is mailed again, and the editor learns how to publish the correction.
    const again = await send(project);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('issues/2021-03-22.yaml changed after 2021-03-22 was sent (edition 1');
    expect(again.stderr).toContain(`- ${ORIGINAL}`);
    expect(again.stderr).toContain(`+ ${CORRECTED}`);
    expect(again.stderr).toContain('newsletter send issues/2021-03-22.yaml --correction');
    expect(again.stderr).toContain('correction notice as a new issue file');
    expect(server.received).toHaveLength(20);
  });

  it('stopped part-way and the file corrected: send refuses to mix versions; --correction gives the rest the new edition, and status counts both', async () => {
    const { project, sentBefore } = await stoppedSend(server);
    correctTheFile(project);

    const refused = await send(project);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`issues/2021-03-22.yaml changed since this send started (edition 1, ${sentBefore} already sent):`);
    expect(refused.stderr).toContain(`\n  - ${ORIGINAL}\n`);
    expect(refused.stderr).toContain(`\n  + ${CORRECTED}\n`);
    expect(refused.stderr).toContain('newsletter send issues/2021-03-22.yaml --correction');
    expect(refused.stderr).toContain('newsletter send issues/2021-03-22.yaml --keep-edition');
    expect(server.received).toHaveLength(sentBefore);

    const corrected = await send(project, ['--correction']);
    expect(corrected.code).toBe(0);
    const rest = 27 - sentBefore;
    expect(corrected.stdout).toContain(`edition 2 of 2021-03-22 stored and published`);
    expect(corrected.stdout).toContain('27 sent, 3 failed, 0 unknown, 0 skipped, 0 pending');
    const before = server.received.slice(0, sentBefore);
    const after = server.received.slice(sentBefore);
    expect(after).toHaveLength(rest);
    expect(before.every((m) => textOf(m.raw).includes(ORIGINAL))).toBe(true);
    expect(after.every((m) => textOf(m.raw).includes(CORRECTED) && !textOf(m.raw).includes(ORIGINAL))).toBe(true);
    expect([...perRecipient(server.received).values()].every((n) => n === 1)).toBe(true);

    const shown = await status(project);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('  editions (who got which):');
    expect(shown.stdout).toMatch(new RegExp(`\\n    1  [^\\n]+?  ${sentBefore} sent, 3 failed, 0 unknown, 0 skipped, 0 pending\\n`));
    expect(shown.stdout).toMatch(new RegExp(`\\n    2  [^\\n]+?  correction  ${rest} sent, 0 failed, 0 unknown, 0 skipped, 0 pending\\n`));

    // The ledger says which edition each member got.
    const store = await openStore(loadConfig(project.dir, project.env));
    try {
      const [first, second] = await store.editions.history('2021-03-22');
      expect(first!.counts.sent + second!.counts.sent).toBe(27);
      expect((await store.editions.current('2021-03-22'))!.number).toBe(2);
    } finally {
      await store.close();
    }
  });

  it('stopped part-way and the file changed: --keep-edition finishes with the edition started, which stays published', async () => {
    const { project, sentBefore } = await stoppedSend(server);
    correctTheFile(project);
    const kept = await send(project, ['--keep-edition']);
    expect(kept.code).toBe(0);
    expect(kept.stderr).toContain('the remaining subscribers get edition 1 as it was started');
    expect(server.received.length).toBe(27);
    expect(server.received.slice(sentBefore).every((m) => textOf(m.raw).includes(ORIGINAL))).toBe(true);
    const store = await openStore(loadConfig(project.dir, project.env));
    try {
      const history = await store.editions.history('2021-03-22');
      expect(history.map((h) => [h.edition.number, h.counts.sent])).toEqual([[1, 27]]);
    } finally {
      await store.close();
    }
  });

  it('refuses --correction with --keep-edition, and with --to', async () => {
    const project = await makeSendProject(1, { smtpUrl: server.url() });
    for (const args of [['--correction', '--keep-edition'], ['--to', 'editor@example.org', '--correction']]) {
      const r = await send(project, args);
      expect([args, r.code]).toEqual([args, 2]);
    }
    expect(server.received).toHaveLength(0);
  });
});
