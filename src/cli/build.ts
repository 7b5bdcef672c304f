import path from 'node:path';
import { Command } from 'commander';
import { DateTime } from 'luxon';
import { buildIssue, type BuildResult } from '../render/build';
import { allEvents } from '../render/ics';
import { formatProblem } from '../util/problems';
import { config, println, type CliContext } from './context';
import { issueFileArgument } from './issue-arg';
import { engineOption } from './options';

export function buildCommand(ctx: CliContext): Command {
  return new Command('build')
    .description('render an issue: email.html, email.txt, a sample message.eml, web.html, events.ics, events/<id>.ics, e/<code>.html and images/')
    .argument('<issue>', 'the issue file or its name, e.g. issues/2021-03-22.yaml or 2021-03-22')
    .addOption(engineOption())
    .option('--out <dir>', 'output folder (default: dist/<issue>)')
    .action(async (arg: string, opts: { engine?: 'react' | 'mjml'; out?: string }) => {
      const cfg = config(ctx);
      const file = issueFileArgument(ctx, arg);
      const result = await buildIssue({
        config: cfg,
        file: path.resolve(ctx.cwd, file),
        display: file,
        engine: opts.engine,
        outDir: opts.out ? path.resolve(ctx.cwd, opts.out) : undefined,
        now: DateTime.fromJSDate(ctx.now()),
      });
      for (const w of result.warnings) println(ctx.stdout, formatProblem(w));
      const kb = (Buffer.byteLength(result.rendered.html) / 1024).toFixed(1);
      println(ctx.stdout, `built ${file} with ${result.rendered.engine} (${kb} KB HTML) into ${path.relative(ctx.cwd, result.outDir) || '.'}/:`);
      const rows = result.files.map((f) => [path.relative(ctx.cwd, f), describeFile(path.relative(result.outDir, f), result)] as const);
      // Aligned on the top-level files; the per-event paths are too long to set the column.
      const width = Math.max(...rows.filter(([f]) => !/[\\/](events|e|images)[\\/]/.test(f)).map(([f]) => f.length));
      for (const [f, what] of rows) println(ctx.stdout, `  ${f.padEnd(width)}  ${what}`);
    });
}

/** One line per written file, saying what it is for. */
function describeFile(name: string, result: BuildResult): string {
  const events = allEvents(result.view);
  const fixed: Record<string, string> = {
    'email.html': "the email's HTML part",
    'email.txt': 'the plain-text part',
    'message.eml': 'a sample message for one subscriber',
    'web.html': `the web version, for ${result.view.urls.web}`,
    'events.ics': `the week's ${events.length} event${events.length === 1 ? '' : 's'}, for calendars`,
  };
  if (fixed[name]) return fixed[name];
  const ics = /^events[\\/](.+)\.ics$/.exec(name)?.[1];
  const page = /^e[\\/](.+)\.html$/.exec(name)?.[1];
  const event = events.find((e) => (ics ? e.id === ics : page !== undefined && e.calendar.page.endsWith(`/e/${page}.html`)));
  if (event) return ics ? `calendar entry: ${event.title}` : `"Add to calendar" page: ${event.title}, for ${event.calendar.page}`;
  if (/^images[\\/]/.test(name)) return `picture, for ${result.view.urls.web}${name.replace(/\\/g, '/')}`;
  return '';
}
