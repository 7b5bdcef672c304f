'use strict';
/**
 * Postfix's smtp-sink (apt package `postfix`, installed by scripts/install-system-deps.sh) on a
 * free loopback port: it accepts every message and discards it. Used by the tests and the bench.
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');

const SMTP_SINK = '/usr/sbin/smtp-sink';
/** How long smtp-sink may take to listen before we give up. */
const START_TIMEOUT_MS = 10_000;

/**
 * `dumpDir`: every message is also written there, one file each, headed by its envelope
 * (`X-Mail-Args: <from>`, `X-Rcpt-Args: <to>`), for tests that count who got what.
 */
async function startSmtpSink(opts = {}) {
  if (!fs.existsSync(SMTP_SINK)) throw new Error(`${SMTP_SINK} is missing: run scripts/install-system-deps.sh (apt package postfix)`);
  const port = await freePort();
  // As root, smtp-sink must be told which user to drop to after binding.
  const asRoot = os.userInfo().uid === 0;
  if (opts.dumpDir && asRoot) fs.chmodSync(opts.dumpDir, 0o777);
  const dump = opts.dumpDir ? ['-d', `${opts.dumpDir}/%H%M%S.`] : [];
  const args = [...(asRoot ? ['-u', 'nobody'] : []), ...dump, `127.0.0.1:${port}`, '256'];
  const child = spawn(SMTP_SINK, args, { stdio: 'ignore' });
  await waitForPort(port);
  return {
    port,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port) {
  const until = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const ok = await new Promise((resolve) => {
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

module.exports = { SMTP_SINK, startSmtpSink };
