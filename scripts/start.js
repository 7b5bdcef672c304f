#!/usr/bin/env node
'use strict';
/**
 * `npm start`: the main job on the embedded defaults — check and build the seed issue, import the
 * example subscribers, and send the issue to them through the local outbox (no SMTP_URL needed).
 * Each step is the real CLI, run as a child process, so this is exactly what an editor would type.
 * Run it twice: the second send finds everyone already mailed and sends nothing.
 */
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const cli = path.join(root, 'bin', 'newsletter.js');
const ISSUE = 'issues/2021-03-22.yaml';

const steps = [
  ['check', ISSUE],
  ['build', ISSUE],
  // Idempotent: a second run reports the same subscribers as unchanged.
  ['subscribers', 'import', 'examples/subscribers.csv'],
  ['send', ISSUE, '--yes'],
];

for (const args of steps) {
  console.log(`\n$ newsletter ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`\nnpm start: \`newsletter ${args.join(' ')}\` failed (exit ${r.status}).`);
    process.exit(r.status || 1);
  }
}
console.log(
  '\nDone. The built email is in dist/2021-03-22/ (email.html, email.txt, message.eml);' +
    '\nthe messages sent to the example subscribers are in outbox/2021-03-22/ (`npx newsletter preview` shows them).',
);
