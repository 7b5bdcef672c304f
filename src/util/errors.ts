import { formatProblem, type Problem } from './problems';

/**
 * Expected failures carry an exit code and a message for the user; the CLI prints the message
 * without a stack trace (unless --debug) and exits with the code. Only src/cli calls process.exit.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 1,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** A file the editor wrote has errors: all of them, with file, line and field. */
export class IssueError extends UserError {
  constructor(readonly problems: Problem[]) {
    super(problems.map(formatProblem).join('\n'), 1);
    this.name = 'IssueError';
  }
}

/** Delivery stopped part-way (auth failure, server down, error budget): resumable. */
export class DeliveryStopped extends UserError {
  constructor(message: string) {
    super(message, 3);
    this.name = 'DeliveryStopped';
  }
}

/**
 * Another live process holds the send's lease. `send <issue>` reports it as a refusal (exit 1);
 * `send --due` recognises it and skips the issue quietly, since an overlapping timer run is normal.
 */
export class SendInProgress extends UserError {
  constructor(message: string) {
    super(message, 1);
    this.name = 'SendInProgress';
  }
}
