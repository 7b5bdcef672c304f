import { InvalidArgumentError } from 'commander';

/** `--port` of the commands that run a server (preview, serve). */
export function parsePort(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new InvalidArgumentError('must be a port number from 0 to 65535 (0 picks a free one).');
  return Number(value);
}

/** Resolves on Ctrl-C (SIGINT) or SIGTERM (systemd's stop), so a server closes its connections before the exit. */
export function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
