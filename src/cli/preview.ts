import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { parsePort, untilStopped } from './server-options';
import { CONFIG_FILE } from '../config';
import { issueSlug } from '../issue/load';
import { UserError } from '../util/errors';
import { PreviewProject } from '../web/preview/project';
import { DEFAULT_HOST, DEFAULT_PORT, startPreviewServer } from '../web/preview/server';
import { loadRenderer } from '../web/preview/templates';
import { println, type CliContext } from './context';

export function previewCommand(ctx: CliContext): Command {
  return new Command('preview')
    .description('preview issues in the browser (desktop, phone, dark mode, plain text), reloading on every save')
    .argument('[issue]', 'the issue to open first, e.g. issues/2021-03-22.yaml or 2021-03-22 (default: the newest)')
    .option('--port <port>', `port to listen on (0 picks a free one)`, parsePort, DEFAULT_PORT)
    .option('--host <host>', 'address to listen on (keep the default unless you know why)', DEFAULT_HOST)
    .action(async (issue: string | undefined, opts: { port: number; host: string }) => {
      if (!fs.existsSync(path.join(ctx.cwd, CONFIG_FILE))) {
        throw new UserError(`${CONFIG_FILE} not found in ${ctx.cwd}: run newsletter preview from the project folder`);
      }
      const slug = issue === undefined ? undefined : findIssueSlug(ctx, issue);
      const server = await startPreviewServer({ root: ctx.cwd, port: opts.port, host: opts.host, env: ctx.env, now: ctx.now });
      const url = slug ? `${server.url}/issues/${encodeURIComponent(slug)}` : server.url;
      println(ctx.stdout, `Preview on ${url} — Ctrl-C to stop`);
      await untilStopped();
      await server.close();
      println(ctx.stdout, 'Preview stopped.');
    });
}

function findIssueSlug(ctx: CliContext, issue: string): string {
  const project = new PreviewProject(ctx.cwd, { env: ctx.env, now: ctx.now, renderer: loadRenderer });
  const wanted = issueSlug(issue);
  if (!project.findIssue(wanted)) {
    const known = project.issues().map((i) => i.file);
    throw new UserError(`${issue}: no such issue in issues/${known.length ? ` (there are: ${known.join(', ')})` : ' (it is empty)'}`);
  }
  return wanted;
}
