import { makeProject, runCli } from '../helpers/cli';

/**
 * An event that runs into the week (an overnight vigil from Sunday, a canvass weekend that began
 * on Saturday) is the week's: calendars put it there, so `check` does not call it copied from an
 * older issue. One that ended before the week still is.
 */

function issue(start: string, end: string): string {
  return ['week_of: 2021-11-01', 'subject: "S"', 'preheader: "P"', 'sections:', '  - title: T', '    events:', '      - title: Vigil', `        start: ${start}`, `        end: ${end}`, ''].join('\n');
}

describe('check: events overlapping the start of the week', () => {
  it.each([
    { start: '2021-10-31T22:00', end: '2021-11-01T02:00', outside: false },
    { start: '2021-10-30', end: '2021-11-01', outside: false },
    { start: '2021-10-31T20:00', end: '2021-10-31T23:00', outside: true },
    { start: '2021-10-30', end: '2021-10-31', outside: true },
  ])('$start – $end', async ({ start, end, outside }) => {
    const dir = makeProject({ 'issues/2021-11-01.yaml': issue(start, end) });
    const r = await runCli(['check', 'issues/2021-11-01.yaml'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout.includes('is outside the week')).toBe(outside);
  });
});
