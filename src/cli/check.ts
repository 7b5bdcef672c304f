import path from 'node:path';
import { Command } from 'commander';
import { DateTime } from 'luxon';
import { checkIssueFile } from '../issue/load';
import { buildView } from '../issue/view';
import { renderIssue } from '../render';
import { checkRendered } from '../render/quality';
import { UserError } from '../util/errors';
import { formatProblem, hasErrors, type Problem } from '../util/problems';
import { config, println, type CliContext } from './context';
import { engineOption } from './options';

export function checkCommand(ctx: CliContext): Command {
  return new Command('check')
    .description('validate and lint an issue; every error and warning as file:line:col')
    .argument('<issue>', 'the issue file, e.g. issues/2021-03-22.yaml')
    .addOption(engineOption())
    .action(async (file: string, opts: { engine?: 'react' | 'mjml' }) => {
      const cfg = config(ctx);
      const problems = await checkIssue(path.relative(ctx.cwd, path.resolve(ctx.cwd, file)), cfg, opts.engine ?? cfg.publication.engine, ctx);
      for (const p of problems) println(p.severity === 'error' ? ctx.stderr : ctx.stdout, formatProblem(p));
      const errors = problems.filter((p) => p.severity === 'error').length;
      const warnings = problems.length - errors;
      const summary = `${file}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
      if (errors) throw new UserError(summary, 1);
      println(ctx.stdout, `${summary}${warnings ? '' : ' — ready to send'}`);
    });
}

/** YAML and lint problems, then (when those allow rendering) the checks on the rendered email. */
export async function checkIssue(file: string, cfg: ReturnType<typeof config>, engine: 'react' | 'mjml', ctx: CliContext): Promise<Problem[]> {
  const loaded = checkIssueFile(path.resolve(ctx.cwd, file), cfg.publication.timezone, file);
  const problems = loaded.problems;
  if (!loaded.issue || hasErrors(problems)) return problems;
  const view = buildView(loaded.issue, cfg.publication, { slug: loaded.slug, now: DateTime.fromJSDate(ctx.now()), images: loaded.images });
  const rendered = await renderIssue(view, engine);
  return [...problems, ...checkRendered(rendered, file)];
}
