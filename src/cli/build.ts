import path from 'node:path';
import { Command } from 'commander';
import { DateTime } from 'luxon';
import { buildIssue } from '../render/build';
import { formatProblem } from '../util/problems';
import { config, println, type CliContext } from './context';
import { engineOption } from './options';

export function buildCommand(ctx: CliContext): Command {
  return new Command('build')
    .description('render an issue: email.html, email.txt and a sample message.eml')
    .argument('<issue>', 'the issue file, e.g. issues/2021-03-22.yaml')
    .addOption(engineOption())
    .option('--out <dir>', 'output folder (default: dist/<issue>)')
    .action(async (file: string, opts: { engine?: 'react' | 'mjml'; out?: string }) => {
      const cfg = config(ctx);
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
      for (const f of result.files) println(ctx.stdout, `  ${path.relative(ctx.cwd, f)}`);
    });
}
