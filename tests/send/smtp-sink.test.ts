import { runCli } from '../helpers/cli';
import { makeSendProject, send } from '../helpers/send-project';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink';

/** The seed issue to 1,000 subscribers through Postfix's smtp-sink: every delivery ends `sent`. */
describe('send to Postfix smtp-sink', () => {
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink?.stop();
  });

  it('delivers the seed to 1,000 generated subscribers, all sent', async () => {
    const project = await makeSendProject(1000, {
      smtpUrl: `smtp://127.0.0.1:${sink.port}`,
      send: '{ rate_per_second: 5000, connections: 5, max_errors: 0, max_attempts: 3, retry_delay_seconds: 0.05 }',
    });
    const r = await send(project);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('2021-03-22: 1000 sent, 0 failed, 0 unknown, 0 skipped, 0 pending');
    const status = await runCli(['status', '2021-03-22'], { cwd: project.dir, env: project.env, now: new Date() });
    expect(status.stdout).toContain('1000 sent, 0 failed, 0 unknown, 0 skipped, 0 pending');
    expect(status.stdout).toMatch(/finished \w{3} \d{4}-\d{2}-\d{2} \d{2}:\d{2} P[SD]T/);
  });
});
