import { Command } from 'commander';
import { DatabaseUrl } from '../config/env';
import { copyStore, type CopiedTable } from '../store/copy';
import { maskUrl } from '../store/pg-db';
import { UserError } from '../util/errors';
import { config, println, type CliContext } from './context';

const n = (x: number) => x.toLocaleString('en-US');

export function storeCommand(ctx: CliContext): Command {
  const sub = (name: string) =>
    new Command(name).exitOverride().configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) });

  return new Command('store')
    .description('the store itself: copy the SQLite store to PostgreSQL')
    .addCommand(
      sub('copy')
        .description('copy the SQLite store (DATABASE_PATH) into an empty PostgreSQL database, keeping every id, checked by counting each table')
        .requiredOption('--to <url>', 'the PostgreSQL database, postgres://user:password@host:5432/database (it must be empty)')
        .action(async (opts: { to: string }) => {
          const checked = DatabaseUrl.safeParse(opts.to.trim());
          if (!checked.success) throw new UserError(`--to: ${checked.error.issues[0]?.message ?? 'is not a PostgreSQL URL'}`);
          const cfg = config(ctx);
          const from = cfg.env.databasePath;
          const to = maskUrl(checked.data);
          println(ctx.stdout, `copying ${from} to ${to}`);
          let header = false;
          const line = (t: CopiedTable) => {
            if (!header) println(ctx.stdout, `  ${'table'.padEnd(20)} ${'SQLite'.padStart(12)} ${'PostgreSQL'.padStart(12)}`);
            header = true;
            println(ctx.stdout, `  ${t.table.padEnd(20)} ${n(t.sqlite).padStart(12)} ${n(t.postgres).padStart(12)}${t.sqlite === t.postgres ? '' : '  MISMATCH'}`);
          };
          const progress = (table: string, rows: number) => println(ctx.stderr, `copying ${table}: ${n(rows)} rows…`);
          const tables = await copyStore(from, checked.data, { onTable: line, onProgress: progress });
          const rows = tables.reduce((s, t) => s + t.postgres, 0);
          println(ctx.stdout, `copied ${n(rows)} rows in ${tables.length} tables; every count matches`);
          println(ctx.stdout, `to use it, set DATABASE_URL=${to.includes('***') ? `${to} (with the password)` : to} in .env`);
        }),
    );
}
