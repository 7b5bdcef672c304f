import fs from 'node:fs';
import path from 'node:path';
import { makeProject, runCli } from '../helpers/cli';

describe('newsletter new', () => {
  it("starts next week's file, whose placeholders check refuses because it has a send_at", async () => {
    const dir = makeProject();
    // Thursday, March 25, 2021 (Los Angeles): next week starts Monday, March 29.
    const r = await runCli(['new'], { cwd: dir, now: new Date('2021-03-25T20:00:00Z') });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('created issues/2021-03-29.yaml');
    expect(fs.readFileSync(path.join(dir, 'issues/2021-03-29.yaml'), 'utf8')).toContain('week_of: 2021-03-29');
    const check = await runCli(['check', 'issues/2021-03-29.yaml'], { cwd: dir, now: new Date('2021-03-25T20:00:00Z') });
    expect(check.code).toBe(1);
    // Only placeholders: the skeleton is otherwise a valid issue.
    const errors = check.stderr.trim().split('\n').filter((l) => / error /.test(l));
    expect(errors.length).toBeGreaterThanOrEqual(8);
    for (const line of errors) expect(line).toMatch(/still has the skeleton's text .*; the issue has a send_at, so it would be sent as it is \(write the real text\)$/);
    expect(check.stderr).toContain('issues/2021-03-29.yaml:5:10  error  subject: still has the skeleton\'s text "This week: …"');
  });

  it('a skeleton without send_at is a draft: its placeholders are warnings', async () => {
    const dir = makeProject();
    await runCli(['new', '--week', '2021-03-29'], { cwd: dir });
    const file = path.join(dir, 'issues/2021-03-29.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^send_at: .*\n/m, ''));
    const check = await runCli(['check', 'issues/2021-03-29.yaml'], { cwd: dir, now: new Date('2021-03-25T20:00:00Z') });
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('issues/2021-03-29.yaml:5:10  warning  subject: still has the skeleton\'s text "This week: …" (write the real text)');
  });

  it('takes --week and never overwrites an existing issue', async () => {
    const dir = makeProject();
    expect((await runCli(['new', '--week', '2021-04-05'], { cwd: dir })).code).toBe(0);
    fs.appendFileSync(path.join(dir, 'issues/2021-04-05.yaml'), '# edited\n');
    const again = await runCli(['new', '--week', '2021-04-05'], { cwd: dir });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('issues/2021-04-05.yaml already exists');
    expect(fs.readFileSync(path.join(dir, 'issues/2021-04-05.yaml'), 'utf8')).toContain('# edited');
  });

  it('rejects a --week that is not a date', async () => {
    const r = await runCli(['new', '--week', 'next monday'], { cwd: makeProject() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--week next monday: expected a date like 2021-03-29');
  });
});
