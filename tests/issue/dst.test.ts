import fs from 'node:fs';
import path from 'node:path';
import { existsInZone, toDateTime } from '../../src/issue/time';
import { makeProject, runCli } from '../helpers/cli';

/**
 * Local times around daylight-saving changes in Los Angeles (the publication's zone).
 * On 2021-03-14 the clock jumps from 01:59:59 PST to 03:00 PDT: 02:00–02:59 does not exist.
 * On 2021-11-07 it falls back from 01:59:59 PDT to 01:00 PST: 01:00–01:59 happens twice.
 */

const ZONE = 'America/Los_Angeles';

/** An issue whose lines are known: send_at on line 4 (value at col 10), start on 9 (col 16), end on 10 (col 14). */
function issue(v: { sendAt?: string; start: string; end: string }): string {
  return [
    'week_of: 2021-03-08',
    'subject: "Spring forward"',
    'preheader: "One meeting on the night the clocks change"',
    `send_at: ${v.sendAt ?? '2021-03-08T07:00'}`,
    'sections:',
    '  - title: Meetings',
    '    events:',
    '      - title: Night Meeting',
    `        start: ${v.start}`,
    `        end: ${v.end}`,
    '',
  ].join('\n');
}

async function check(yaml: string) {
  const dir = makeProject({ 'issues/2021-03-08.yaml': yaml });
  return runCli(['check', 'issues/2021-03-08.yaml'], { cwd: dir });
}

describe('check: a local time the clock skips is an error with its line and column', () => {
  const skipped = 'does not exist in America/Los_Angeles: the clock skips that hour (daylight saving time starts then; pick another time)';
  it.each([
    { start: '2021-03-14T02:30', end: '2021-03-14T04:00', line: 9, col: 16, field: 'sections[0].events[0] ("Night Meeting").start', value: '2021-03-14T02:30' },
    { start: '2021-03-14T02:00', end: '2021-03-14T04:00', line: 9, col: 16, field: 'sections[0].events[0] ("Night Meeting").start', value: '2021-03-14T02:00' },
    { start: '2021-03-14T01:00', end: '2021-03-14T02:59', line: 10, col: 14, field: 'sections[0].events[0] ("Night Meeting").end', value: '2021-03-14T02:59' },
  ])('$value in $field → line $line, col $col', async ({ start, end, line, col, field, value }) => {
    const result = await check(issue({ start, end }));
    expect(result.code).toBe(1);
    const errors = result.stderr.split('\n').filter((l) => l.includes('  error  '));
    expect(errors).toEqual([`issues/2021-03-08.yaml:${line}:${col}  error  ${field}: ${value} ${skipped}`]);
  });

  it('send_at at 02:15 that night → line 4, col 10', async () => {
    const result = await check(issue({ sendAt: '2021-03-14T02:15', start: '2021-03-14T09:00', end: '2021-03-14T10:00' }));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'issues/2021-03-08.yaml:4:10  error  send_at: 2021-03-14T02:15 does not exist in America/Los_Angeles (the clock skips it) (pick a time outside the daylight-saving jump)',
    );
  });

  it.each([
    ['2021-03-14T01:59', '2021-03-14T03:00'],
    ['2021-03-14T03:00', '2021-03-14T04:00'],
    // Repeated, not skipped: it exists (twice), so it is no error.
    ['2021-11-07T01:30', '2021-11-07T02:30'],
  ])('%s – %s exists: no error', async (start, end) => {
    const result = await check(issue({ start, end }));
    expect(result.stderr).not.toContain('  error  ');
    expect(result.code).toBe(0);
  });

  it('build refuses the skipped time and writes nothing', async () => {
    const dir = makeProject({ 'issues/2021-03-08.yaml': issue({ start: '2021-03-14T02:30', end: '2021-03-14T04:00' }) });
    const result = await runCli(['build', 'issues/2021-03-08.yaml'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('issues/2021-03-08.yaml:9:16');
    expect(fs.existsSync(path.join(dir, 'dist'))).toBe(false);
  });
});

describe('toDateTime', () => {
  it.each([
    // The repeated hour: its first occurrence, daylight time (UTC-7).
    ['2021-11-07T01:30', '2021-11-07T08:30:00.000Z'],
    ['2021-11-07T01:00', '2021-11-07T08:00:00.000Z'],
    // Just before and after the repeated hour.
    ['2021-11-07T00:59', '2021-11-07T07:59:00.000Z'],
    ['2021-11-07T02:00', '2021-11-07T10:00:00.000Z'],
    // The morning after the change: standard time (UTC-8).
    ['2021-11-07T09:00', '2021-11-07T17:00:00.000Z'],
    ['2021-11-06T18:00', '2021-11-07T01:00:00.000Z'],
    ['2021-03-22T08:00', '2021-03-22T15:00:00.000Z'],
  ])('%s in Los Angeles is %s', (local, utc) => {
    expect(toDateTime(local, ZONE).toUTC().toISO()).toBe(utc);
  });

  it('keeps the local wall-clock time it was given', () => {
    expect(toDateTime('2021-11-07T01:30', ZONE).toFormat("yyyy-MM-dd'T'HH:mm")).toBe('2021-11-07T01:30');
  });

  it.each([
    ['2021-03-14T02:30', false],
    ['2021-03-14T01:59', true],
    ['2021-11-07T01:30', true],
    ['2021-03-14', true],
  ])('existsInZone(%s) is %s', (value, exists) => {
    expect(existsInZone(value, ZONE)).toBe(exists);
  });
});
