import { loadConfig, type Config } from '../config';

/** What a command needs from the outside world; tests pass their own. */
export interface CliContext {
  cwd: string;
  env: Record<string, string | undefined>;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** The clock; injected by tests of scheduled sending. */
  now: () => Date;
  /** Set by the program when --debug is given. */
  debug: boolean;
}

export function defaultContext(): CliContext {
  return {
    cwd: process.cwd(),
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    now: () => new Date(),
    debug: false,
  };
}

export function config(ctx: CliContext): Config {
  return loadConfig(ctx.cwd, ctx.env);
}

export function println(stream: NodeJS.WritableStream, line = ''): void {
  stream.write(line + '\n');
}
