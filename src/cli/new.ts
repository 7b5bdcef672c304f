import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { DateTime } from 'luxon';
import { issueSkeleton, nextWeekStart } from '../issue/skeleton';
import { UserError } from '../util/errors';
import { config, println, type CliContext } from './context';

export function newCommand(ctx: CliContext): Command {
  return new Command('new')
    .description("start next week's issue file from a skeleton")
    .option('--week <date>', 'first day of the week, e.g. 2021-03-29 (default: next Monday)')
    .action((opts: { week?: string }) => {
      const zone = config(ctx).publication.timezone;
      let week: DateTime;
      if (opts.week) {
        week = DateTime.fromISO(opts.week, { zone });
        if (!/^\d{4}-\d{2}-\d{2}$/.test(opts.week) || !week.isValid) throw new UserError(`--week ${opts.week}: expected a date like 2021-03-29`, 2);
      } else {
        week = nextWeekStart(DateTime.fromJSDate(ctx.now()).setZone(zone).plus({ days: 1 }));
      }
      const file = path.join('issues', `${week.toISODate()}.yaml`);
      const target = path.join(ctx.cwd, file);
      if (fs.existsSync(target)) throw new UserError(`${file} already exists; edit it, or pick another week with --week`);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, issueSkeleton(week), { flag: 'wx' });
      println(ctx.stdout, `created ${file}; check it with: npx newsletter check ${file}`);
    });
}
