import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { parsePort, untilStopped } from './server-options';
import { CONFIG_FILE } from '../config';
import { secretProblems } from '../unsubscribe/secret';
import { signingKeyProblems } from '../unsubscribe/token';
import { UserError } from '../util/errors';
import { DEFAULT_HOST, DEFAULT_PORT, startPublicServer } from '../web/server';
import { enabledWebhooks } from '../web/server/webhooks';
import { config, println, type CliContext } from './context';

export function serveCommand(ctx: CliContext): Command {
  return new Command('serve')
    .description('public web server: signup with double opt-in, one-click unsubscribe links, web versions and .ics files of sent issues')
    .option('--port <port>', 'port to listen on (0 picks a free one)', parsePort, DEFAULT_PORT)
    .option('--host <host>', 'address to listen on (keep 127.0.0.1 behind a reverse proxy on the same machine)', DEFAULT_HOST)
    .option('--trust-proxy', 'rate-limit by the client address your reverse proxy puts last in X-Forwarded-For (only behind one)')
    .action(async (opts: { port: number; host: string; trustProxy?: boolean }) => {
      if (!fs.existsSync(path.join(ctx.cwd, CONFIG_FILE))) {
        throw new UserError(`${CONFIG_FILE} not found in ${ctx.cwd}: run newsletter serve from the project folder`);
      }
      const cfg = config(ctx);
      // The development key is public (it is in the source): anyone could sign a link for anyone.
      if (cfg.env.unsubscribeKeyIsDevelopment) {
        throw new UserError('UNSUBSCRIBE_SECRET is not set (.env): serve needs the secret that signed the unsubscribe links in the emails; see .env.example');
      }
      const { errors, warnings } = signingKeyProblems(cfg.env.unsubscribeKeys);
      if (errors.length) throw new UserError(errors.map((e) => `UNSUBSCRIBE_SECRET: ${e}`).join('\n'));
      const weak = secretProblems(cfg.env.unsubscribeKeys);
      if (weak.length) throw new UserError(weak.join('\n'));
      for (const w of warnings) println(ctx.stderr, `warning: UNSUBSCRIBE_SECRET: ${w}`);

      const server = await startPublicServer({
        config: cfg,
        port: opts.port,
        host: opts.host,
        trustProxy: opts.trustProxy ?? false,
        now: ctx.now,
        log: (line) => println(ctx.stdout, line),
      });
      println(ctx.stdout, `Serving ${cfg.publication.site_url} on ${server.url} — Ctrl-C to stop`);
      const webhooks = enabledWebhooks(cfg.bounces);
      if (webhooks.length) println(ctx.stdout, `Relay webhooks: ${webhooks.map((w) => `${cfg.publication.site_url}/webhooks/${w}`).join(', ')}`);
      await untilStopped();
      await server.close();
      println(ctx.stdout, 'Server stopped.');
    });
}
