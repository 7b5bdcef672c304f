import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { DateTime } from 'luxon';
import { checkIssueFile } from '../issue/load';
import { lintRepeat, type SentIssue } from '../issue/repeat';
import { openStore, storeExists } from '../store';
import { buildView } from '../issue/view';
import { renderIssue } from '../render';
import { checkRendered } from '../render/quality';
import { UserError } from '../util/errors';
import { formatProblem, hasErrors, sortProblems, type Problem } from '../util/problems';
import { config, println, type CliContext } from './context';
import { issueFileArgument } from './issue-arg';
import { engineOption } from './options';

export function checkCommand(ctx: CliContext): Command {
  return new Command('check')
    .description('validate and lint an issue; every error and warning as file:line:col')
    .argument('<issue>', 'the issue file or its name, e.g. issues/2021-03-22.yaml or 2021-03-22')
    .addOption(engineOption())
    .option('--feeds', 'also read the calendars again and warn where they now differ from the issue (moved, cancelled, new events)')
    .action(async (arg: string, opts: { engine?: 'react' | 'mjml'; feeds?: boolean }) => {
      const cfg = config(ctx);
      const display = issueFileArgument(ctx, arg);
      let problems = await checkIssue(display, cfg, opts.engine ?? cfg.publication.engine, ctx);
      if (opts.feeds) problems = await withCalendarDrift(display, problems, cfg, ctx);
      for (const p of problems) println(p.severity === 'error' ? ctx.stderr : ctx.stdout, formatProblem(p));
      const errors = problems.filter((p) => p.severity === 'error').length;
      const warnings = problems.length - errors;
      const summary = `${display}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
      if (errors) throw new UserError(summary, 1);
      println(ctx.stdout, `${summary}${warnings ? '' : ' — ready to send'}`);
    });
}

/** YAML and lint problems, then (when those allow rendering) the checks on the rendered email. */
export async function checkIssue(file: string, cfg: ReturnType<typeof config>, engine: 'react' | 'mjml', ctx: CliContext): Promise<Problem[]> {
  const loaded = checkIssueFile(path.resolve(ctx.cwd, file), cfg.publication.timezone, file, { now: ctx.now(), siteUrl: cfg.publication.site_url });
  const problems = [...(cfg.warnings ?? []), ...loaded.problems];
  if (!loaded.issue || hasErrors(problems)) return problems;
  if (loaded.locate) problems.push(...lintRepeat(loaded.issue, loaded.slug, { file, locate: loaded.locate }, await sentIssues(cfg, ctx)));
  const view = buildView(loaded.issue, cfg.publication, { slug: loaded.slug, now: DateTime.fromJSDate(ctx.now()), images: loaded.images });
  const rendered = await renderIssue(view, engine);
  return [...problems, ...checkRendered(rendered, file)];
}

/**
 * The issues the store has sent (none when there is no store yet: check never creates one), each
 * with its file when it is still in issues/, to compare a new issue with.
 */
async function sentIssues(cfg: ReturnType<typeof config>, ctx: CliContext): Promise<SentIssue[]> {
  if (!storeExists(cfg, fs.existsSync)) return [];
  const store = await openStore(cfg, { now: ctx.now });
  try {
    const sends = await store.ledger.listSends();
    return sends.map((s) => {
      const file = ['yaml', 'yml'].map((ext) => path.join(cfg.root, 'issues', `${s.slug}.${ext}`)).find((f) => fs.existsSync(f));
      const issue = file ? checkIssueFile(file, cfg.publication.timezone).issue : undefined;
      const when = DateTime.fromISO(s.finishedAt ?? s.createdAt).setZone(cfg.publication.timezone).toFormat('cccc, LLLL d, yyyy');
      return { slug: s.slug, subject: s.subject, when: s.finishedAt ? `on ${when}` : `(started ${when}, not finished)`, issue };
    });
  } finally {
    await store.close();
  }
}

/**
 * `--feeds`: the calendar comparison's warnings joined to the check's problems, and one line saying
 * what was compared. Only an issue that loads cleanly is compared; a calendar that cannot be read
 * is a warning, never an error.
 */
async function withCalendarDrift(file: string, problems: Problem[], cfg: ReturnType<typeof config>, ctx: CliContext): Promise<Problem[]> {
  const loaded = checkIssueFile(path.resolve(ctx.cwd, file), cfg.publication.timezone, file);
  if (!loaded.issue || hasErrors(problems)) return problems;
  // Loaded for --feeds only: the calendar readers (ical.js, turndown) are not needed otherwise.
  const { calendarDrift } = require('../calendar/drift') as typeof import('../calendar/drift');
  const drift = await calendarDrift({
    file,
    source: fs.readFileSync(path.resolve(ctx.cwd, file), 'utf8'),
    issue: loaded.issue,
    zone: cfg.publication.timezone,
    feeds: cfg.publication.calendar_feeds,
    fetch: { root: ctx.cwd },
  });
  if (drift.sources.length === 0) println(ctx.stdout, `${file}: no event came from a calendar (no \`# calendar:\` comments); nothing to compare`);
  else println(ctx.stdout, `${file}: compared ${drift.compared} event${drift.compared === 1 ? '' : 's'} with ${drift.sources.join(', ')}`);
  return sortProblems([...problems, ...drift.problems]);
}
