import fs from 'node:fs';
import path from 'node:path';
import { makeProject, runCli } from '../helpers/cli';

describe('newsletter new', () => {
  it("starts next week's file, which checks clean but for its placeholders", async () => {
    const dir = makeProject();
    // Thursday, March 25, 2021 (Los Angeles): next week starts Monday, March 29.
    const r = await runCli(['new'], { cwd: dir, now: new Date('2021-03-25T20:00:00Z') });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('created issues/2021-03-29.yaml');
    const check = await runCli(['check', 'issues/2021-03-29.yaml'], { cwd: dir, now: new Date('2021-03-25T20:00:00Z') });
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'issues/2021-03-29.yaml'), 'utf8')).toContain('week_of: 2021-03-29');
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
