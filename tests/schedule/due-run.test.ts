import { PassThrough } from 'node:stream';
import type { CliContext } from '../../src/cli/context';
import { sendDue } from '../../src/cli/send-due';
import { loadConfig } from '../../src/config';
import { DeliveryStopped, SendInProgress, UserError } from '../../src/util/errors';
import { clockFrom } from '../helpers/cli';
import { makeSendProject, type SendProject } from '../helpers/send-project';
import { issueYaml, local, writeIssue } from './helpers';

/**
 * The --due loop with the per-issue send replaced by a fake, for the outcomes a real run only
 * meets by chance: a lease taken by another run between reading the schedule and sending, and a
 * delivery that stops part-way.
 */
describe('the send --due loop', () => {
  async function twoDueIssues(): Promise<SendProject> {
    const project = await makeSendProject(1);
    writeIssue(project, '2021-03-15.yaml', issueYaml('2021-03-15', '2021-03-22T06:30'));
    return project;
  }

  function context(project: SendProject) {
    let out = '';
    let err = '';
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    stdout.on('data', (d) => (out += d));
    stderr.on('data', (d) => (err += d));
    const ctx: CliContext = { cwd: project.dir, env: project.env, stdout, stderr, stdin: new PassThrough(), now: clockFrom(local('2021-03-22T07:05')), debug: false };
    return { ctx, cfg: loadConfig(project.dir, project.env), out: () => out, err: () => err };
  }

  it('a lease taken by another run after the schedule was read: skipped quietly, the next issue still goes', async () => {
    const project = await twoDueIssues();
    const { ctx, cfg, out, err } = context(project);
    const tried: string[] = [];
    await sendDue(ctx, cfg, { yes: true }, async (file) => {
      tried.push(file);
      if (file === 'issues/2021-03-15.yaml') throw new SendInProgress('another send of this issue is running (host pid 1)');
    });
    expect(tried).toEqual(['issues/2021-03-15.yaml', 'issues/2021-03-22.yaml']);
    expect(out()).toMatch(/^\S+Z issues\/2021-03-15\.yaml is already being sent by another run; skipping$/m);
    expect(err()).toBe('');
  });

  it('a delivery that stops ends the run with exit 3 and leaves the next issue for the next run', async () => {
    const project = await twoDueIssues();
    const { ctx, cfg, err } = context(project);
    const tried: string[] = [];
    const run = sendDue(ctx, cfg, { yes: true }, async (file) => {
      tried.push(file);
      throw new DeliveryStopped('delivery stopped: the SMTP server cannot be reached: connect ECONNREFUSED. Nothing is lost: run the same command again to resume.');
    });
    await expect(run).rejects.toMatchObject({ exitCode: 3 });
    await expect(run).rejects.toBeInstanceOf(UserError);
    expect(tried).toEqual(['issues/2021-03-15.yaml']);
    expect(err()).toMatch(/^\S+Z delivery stopped: the SMTP server cannot be reached/m);
    expect(err()).toMatch(/^\S+Z stopping this run here; the next run resumes$/m);
  });
});
