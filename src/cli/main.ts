import { Command, CommanderError } from 'commander';
import { UserError } from '../util/errors';
import { defaultContext, println, type CliContext } from './context';

/** Exit codes: 0 ok, 1 invalid input or refused, 2 usage, 3 delivery stopped (resumable). */
export const EXIT = { ok: 0, invalid: 1, usage: 2, stopped: 3 } as const;

type CommandFactory = (ctx: CliContext) => Command;

/**
 * Each command lives in its own file and is added here, by name, in the order of `--help`. A
 * command's file is loaded only when that command runs (or for the full help): loading every
 * command's dependencies (both engines, IMAP, the web servers) cost a cold `check` most of its
 * second. tests/cli/lazy-loading.test.ts checks that each name is its command's name.
 */
export const COMMANDS: Record<string, () => CommandFactory> = {
  init: () => (require('./init') as typeof import('./init')).initCommand,
  check: () => (require('./check') as typeof import('./check')).checkCommand,
  build: () => (require('./build') as typeof import('./build')).buildCommand,
  new: () => (require('./new') as typeof import('./new')).newCommand,
  schema: () => (require('./schema') as typeof import('./schema')).schemaCommand,
  preview: () => (require('./preview') as typeof import('./preview')).previewCommand,
  subscribers: () => (require('./subscribers') as typeof import('./subscribers')).subscribersCommand,
  send: () => (require('./send') as typeof import('./send')).sendCommand,
  status: () => (require('./status') as typeof import('./status')).statusCommand,
  serve: () => (require('./serve') as typeof import('./serve')).serveCommand,
  bounces: () => (require('./bounces') as typeof import('./bounces')).bouncesCommand,
  store: () => (require('./store') as typeof import('./store')).storeCommand,
};

/**
 * The command `argv` runs (its first word after the global options), when it is one of ours;
 * otherwise (no command, `--help`, `help`, a typo) every command is needed, for the help or for
 * commander's "did you mean".
 */
export function requestedCommand(argv: string[]): string | undefined {
  const word = argv.slice(2).find((a) => !a.startsWith('-'));
  return word !== undefined && Object.hasOwn(COMMANDS, word) ? word : undefined;
}

export function createProgram(ctx: CliContext, argv: string[] = []): Command {
  const program = new Command('newsletter')
    .description('Compose, preview and send the weekly events newsletter.')
    .option('--debug', 'show stack traces for errors')
    .showHelpAfterError('(run `newsletter --help` for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) })
    .hook('preAction', (cmd) => {
      ctx.debug = Boolean(cmd.opts().debug);
    });
  const only = requestedCommand(argv);
  for (const [name, load] of Object.entries(COMMANDS)) {
    if (only !== undefined && name !== only) continue;
    program.addCommand(load()(ctx).exitOverride().configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: (s) => ctx.stderr.write(s) }));
  }
  return program;
}

/** Runs the CLI and returns the exit code; never exits the process itself. */
export async function run(argv: string[], ctx: CliContext = defaultContext()): Promise<number> {
  const program = createProgram(ctx, argv);
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
