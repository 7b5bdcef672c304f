import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';

/** Postfix's smtp-sink (apt package `postfix`, installed by scripts/install-system-deps.sh). */
export const SMTP_SINK = '/usr/sbin/smtp-sink';

export interface SmtpSink {
  port: number;
  stop(): Promise<void>;
}

/** Starts smtp-sink on a free loopback port; it accepts every message and discards it. */
export async function startSmtpSink(): Promise<SmtpSink> {
  if (!fs.existsSync(SMTP_SINK)) throw new Error(`${SMTP_SINK} is missing: run scripts/install-system-deps.sh (apt package postfix)`);
  const port = await freePort();
  // As root, smtp-sink must be told which user to drop to after binding.
  const args = [...(os.userInfo().uid === 0 ? ['-u', 'nobody'] : []), `127.0.0.1:${port}`, '256'];
  const child: ChildProcess = spawn(SMTP_SINK, args, { stdio: 'ignore' });
  await waitForPort(port);
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number): Promise<void> {
  const until = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`smtp-sink did not start on port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
