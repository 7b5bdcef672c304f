import { Command, CommanderError } from 'commander';
import { UserError } from '../util/errors';
import { bouncesCommand } from './bounces';
import { buildCommand } from './build';
import { checkCommand } from './check';
import { defaultContext, println, type CliContext } from './context';
import { previewCommand } from './preview';
import { initCommand } from './init';
import { newCommand } from './new';
import { schemaCommand } from './schema';
import { sendCommand } from './send';
import { serveCommand } from './serve';
import { statusCommand } from './status';
import { storeCommand } from './store';
import { subscribersCommand } from './subscribers';

/** Exit codes: 0 ok, 1 invalid input or refused, 2 usage, 3 delivery stopped (resumable). */
export const EXIT = { ok: 0, invalid: 1, usage: 2, stopped: 3 } as const;

/** Each command lives in its own file and is added here. */
const COMMANDS: ((ctx: CliContext) => Command)[] = [initCommand, checkCommand, buildCommand, newCommand, schemaCommand, previewCommand, subscribersCommand, sendCommand, statusCommand, serveCommand, bouncesCommand, storeCommand];

export function createProgram(ctx: CliContext): Command {
  const program = new Command('newsletter')
    .description('Compose, preview and send the weekly events newsletter.')
    .option('--debug', 'show stack traces for errors')
    .showHelpAfterError('(run `newsletter --help` for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) })
    .hook('preAction', (cmd) => {
      ctx.debug = Boolean(cmd.opts().debug);
    });
  for (const make of COMMANDS) {
    program.addCommand(make(ctx).exitOverride().configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) }));
  }
  return program;
}

/** Runs the CLI and returns the exit code; never exits the process itself. */
export async function run(argv: string[], ctx: CliContext = defaultContext()): Promise<number> {
  const program = createProgram(ctx);
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (err) {
    return reportError(err, ctx);
  }
}

export function reportError(err: unknown, ctx: CliContext): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
    return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (err instanceof UserError) {
    println(ctx.stderr, err.message);
    if (ctx.debug && err.stack) println(ctx.stderr, err.stack);
    return err.exitCode;
  }
  const e = err as Error;
  println(ctx.stderr, `newsletter: unexpected error: ${e?.message ?? String(err)}`);
  println(ctx.stderr, ctx.debug ? String(e?.stack ?? '') : '(run again with --debug for details)');
  return EXIT.invalid;
}

/** The process entry (bin/newsletter.js): the only place that exits. */
export function main(argv: string[]): void {
  // `newsletter send --yes | head -2` closes the pipe early, a closed terminal or SSH session
  // fails writes with EIO: the output is lost, but the command goes on to its own end and exit
  // code (a send is never cut short by its log).
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'EIO' || err.code === 'ERR_STREAM_DESTROYED') return;
      throw err;
    });
  }
  const ctx = defaultContext();
  ctx.debug = argv.includes('--debug');
  run(argv, ctx).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.exitCode = reportError(err, ctx);
    },
  );
}
