import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { DateTime } from 'luxon';
import { importWeek, issueFromCalendar } from '../calendar';
import type { CalendarEvent } from '../calendar/expand';
import { issueSkeleton, nextWeekStart } from '../issue/skeleton';
import { UserError } from '../util/errors';
import { config, println, type CliContext } from './context';

export function newCommand(ctx: CliContext): Command {
  return new Command('new')
    .description("start next week's issue file: from the calendars (--from, or calendar_feeds in newsletter.yaml), or from a skeleton")
    .option('--week <date>', 'first day of the week, e.g. 2021-03-29 (default: next Monday)')
    .option('--from <source>', 'an iCalendar feed (https:// address) or .ics file to take the week\'s events from; repeat for several', collect, [] as string[])
    .option('--blank', 'start from the commented skeleton, even when newsletter.yaml lists calendar_feeds')
    .action(async (opts: { week?: string; from: string[]; blank?: boolean }) => {
      const cfg = config(ctx);
      const zone = cfg.publication.timezone;
      let week: DateTime;
      if (opts.week) {
        week = DateTime.fromISO(opts.week, { zone });
        if (!/^\d{4}-\d{2}-\d{2}$/.test(opts.week) || !week.isValid) throw new UserError(`--week ${opts.week}: expected a date like 2021-03-29`, 2);
      } else {
        week = nextWeekStart(DateTime.fromJSDate(ctx.now()).setZone(zone).plus({ days: 1 }));
      }
      if (opts.blank && opts.from.length) throw new UserError('--blank and --from do not go together: --blank ignores the calendars', 2);
      const file = path.join('issues', `${week.toISODate()}.yaml`);
      const target = path.join(ctx.cwd, file);
      if (fs.existsSync(target)) throw new UserError(`${file} already exists; edit it, or pick another week with --week`);
      const sources = [...new Set(opts.blank ? [] : opts.from.length ? opts.from : cfg.publication.calendar_feeds)];

      let content: string;
      if (sources.length === 0) {
        content = issueSkeleton(week);
      } else {
        println(ctx.stdout, `reading ${sources.length === 1 ? 'the calendar' : `${sources.length} calendars`} for the week of ${week.toFormat('LLLL d, yyyy')} (${zone})…`);
        const imported = await importWeek(sources, week, zone, { root: ctx.cwd });
        for (const note of imported.notes) println(ctx.stdout, `note: ${printable(note)}`);
        for (const source of sources.filter((s) => /\/private-[0-9a-f]+\//i.test(s))) {
          println(ctx.stdout, `note: ${source} is a secret address; the issue file names it in its comments, so keep the file out of public places, or use the calendar's public address`);
        }
        if (imported.events.length === 0) {
          throw new UserError(
            `no events in the week of ${week.toFormat('LLLL d, yyyy')} in ${sources.join(', ')}${imported.cancelled.length ? ` (${imported.cancelled.length} cancelled)` : ''}; nothing written (check --week, or start from the skeleton with --blank)`,
          );
        }
        content = issueFromCalendar({
          week,
          sources,
          events: imported.events,
          calendarUrl: cfg.publication.calendar_url,
          readAt: DateTime.fromJSDate(ctx.now()),
        });
        println(ctx.stdout, `${imported.events.length} event${imported.events.length === 1 ? '' : 's'}:`);
        for (const e of imported.events) println(ctx.stdout, `  ${describe(e)}`);
        if (imported.cancelled.length) {
          println(ctx.stdout, `left out, cancelled in the calendar:`);
          for (const e of imported.cancelled) println(ctx.stdout, `  ${describe(e)}`);
        }
        if (imported.private.length) {
          println(ctx.stdout, `left out, private in the calendar (add them by hand if they belong in the email):`);
          for (const e of imported.private) println(ctx.stdout, `  ${describe(e)}`);
        }
      }
      fs.mkdirSync(path.dirname(target), { recursive: true });
      try {
        fs.writeFileSync(target, content, { flag: 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new UserError(`${file} already exists; edit it, or pick another week with --week`);
        throw err;
      }
      println(ctx.stdout, `created ${file}; check it with: npx newsletter check ${file}`);
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** "Mon Nov 1, 19:00–20:00  Weekly meeting" for the command's output. */
function describe(e: CalendarEvent): string {
  const start = DateTime.fromISO(e.start);
  const day = start.toFormat('ccc LLL d');
  let when: string;
  if (e.allDay) when = e.end ? `${day} – ${DateTime.fromISO(e.end).toFormat('ccc LLL d')}` : `${day}, all day`;
  else {
    const end = e.end ? DateTime.fromISO(e.end) : undefined;
    const endText = end ? (end.hasSame(start, 'day') ? end.toFormat('HH:mm') : end.toFormat('ccc LLL d HH:mm')) : '';
    when = `${day}, ${start.toFormat('HH:mm')}${endText ? `–${endText}` : ''}`;
  }
  return `${when.padEnd(24)}  ${printable(e.title)}`;
}

/** What reaches the terminal from a feed: no control characters (escape sequences) or overrides. */
function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, ' ');
}
