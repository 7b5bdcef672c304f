import { DateTime } from 'luxon';
import { spawnCli, waitFor } from '../helpers/process';
import { makeSendProject, type SendProject } from '../helpers/send-project';
import { perRecipient, startSmtpServer, type TestSmtpServer } from '../helpers/smtp';
import { issueYaml, writeIssue, ZONE } from './helpers';

/**
 * Overlapping timer runs: the real program (`npm run build:ts` first) as child processes on the
 * real clock, against a real SMTP server that answers slowly so the sends overlap.
 */
describe('send --due from two processes', () => {
  let server: TestSmtpServer;
  afterEach(async () => {
    await server?.close();
  });

  /** An issue whose send_at was two minutes ago, real time (children use the real clock). */
  function scheduleJustPassed(project: SendProject): string {
    const sendAt = DateTime.now().setZone(ZONE).minus({ minutes: 2 });
    const name = `${sendAt.toISODate()}-now.yaml`;
    writeIssue(project, name, issueYaml(sendAt.toISODate()!, sendAt.toFormat("yyyy-MM-dd'T'HH:mm")));
    return name.replace(/\.yaml$/, '');
  }
  const due = (project: SendProject) => spawnCli(['send', '--due', '--yes'], { cwd: project.dir, env: project.env });

  it('a run that fires while a slow send is still going skips it with exit 0; everyone gets exactly one message', async () => {
    server = await startSmtpServer();
    // About five seconds of sending: time enough for a second process to start on a busy machine.
    server.delayMs = 250;
    const project = await makeSendProject(40, { smtpUrl: server.url() });
    const slug = scheduleJustPassed(project);

    const first = due(project);
    await waitFor(() => server.received.length >= 3, 30_000, 'the first run to be sending');
    const second = due(project);
    expect(await second.exited).toBe(0);
    expect(second.stdout()).toMatch(new RegExp(`^\\S+Z issues/${slug}\\.yaml is already being sent by another run; skipping$`, 'm'));
    expect(second.stderr()).toBe('');
    // The first run was still sending when the second one left.
    expect(server.received.length).toBeLessThan(40);

    expect(await first.exited).toBe(0);
    expect(first.stdout()).toContain(`${slug}: 40 sent, 0 failed, 0 unknown, 0 skipped, 0 pending`);
    const counts = perRecipient(server.received);
    expect([...counts.keys()].sort()).toEqual(project.addresses);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });

  it('two runs started at the same moment: both exit 0 and nobody gets two', async () => {
    server = await startSmtpServer();
    server.delayMs = 50;
    const project = await makeSendProject(30, { smtpUrl: server.url() });
    const slug = scheduleJustPassed(project);

    const a = due(project);
    const b = due(project);
    expect(await Promise.all([a.exited, b.exited])).toEqual([0, 0]);
    const out = a.stdout() + b.stdout();
    // One of them sent it all; the other found it being sent (or, if it came late, already sent).
    expect(out.split(`${slug}: 30 sent, 0 failed`).length - 1).toBe(1);
    expect(out).toMatch(/already being sent by another run; skipping|nothing due|was already sent/);
    const counts = perRecipient(server.received);
    expect(counts.size).toBe(30);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });
});
