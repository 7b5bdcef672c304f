import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/cli';
import { makeSendProject } from '../helpers/send-project';

/**
 * On a terminal (a real pseudo-terminal from util-linux's `script`), `send` asks before mailing
 * anyone and shows a progress bar.
 */
function sendOnTerminal(dir: string, env: Record<string, string>, answer: string): Promise<{ code: number | null; output: string }> {
  const cli = path.join(REPO_ROOT, 'bin', 'newsletter.js');
  const child = spawn('script', ['-qec', `${process.execPath} ${cli} send issues/2021-03-22.yaml`, '/dev/null'], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', TERM: 'xterm', ...env },
  });
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
    if (/\[y\/N\]/.test(output) && answer) {
      child.stdin.write(`${answer}\r`);
      answer = '';
    }
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

describe('send on a terminal', () => {
  it('asks for confirmation with the subject and the audience, where it goes, how long, and the check warnings, then shows a progress bar', async () => {
    const project = await makeSendProject(12);
    const r = await sendOnTerminal(project.dir, project.env, 'y');
    const before = r.output.slice(0, r.output.indexOf('[y/N]'));
    expect(before).toContain('subject:    This week: Solidarity with BAmazon Union!');
    expect(before).toContain('recipients: 12');
    expect(before).toContain('via:        outbox/2021-03-22/ (no SMTP_URL in .env)');
    expect(before).toContain('duration:   about 1 second at 1000/s');
    expect(before).toMatch(/warnings: {3}\d+ from newsletter check:\r?\n {2}issues\/2021-03-22\.yaml:\d+:\d+ {2}warning/);
    expect(r.output).toContain('Send "This week: Solidarity with BAmazon Union!" to 12 subscribers? [y/N]');
    expect(r.output).toMatch(/sending \|[^|]+\| 12\/12 12 sent, 0 failed, 0 unknown/);
    expect(r.output).toContain('2021-03-22: 12 sent, 0 failed, 0 unknown, 0 skipped, 0 pending');
    expect(r.code).toBe(0);
  });

  it('sends nothing when the answer is not yes', async () => {
    const project = await makeSendProject(3);
    const r = await sendOnTerminal(project.dir, project.env, 'n');
    expect(r.output).toContain('not sent');
    expect(r.output).not.toContain('sending |');
    expect(r.code).toBe(1);
  });
});
