#!/usr/bin/env node
'use strict';
/**
 * `npm start`: the main job on the embedded defaults — check the seed issue, build it, and say where
 * the files are. Each step is the real CLI, run as a child process, so this is exactly what an
 * editor would type.
 */
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const cli = path.join(root, 'bin', 'newsletter.js');
const ISSUE = 'issues/2021-03-22.yaml';

const steps = [
  ['check', ISSUE],
  ['build', ISSUE],
];

for (const args of steps) {
  console.log(`\n$ newsletter ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`\nnpm start: \`newsletter ${args.join(' ')}\` failed (exit ${r.status}).`);
    process.exit(r.status || 1);
  }
}
console.log(`\nDone. Open dist/2021-03-22/email.html in a browser, or dist/2021-03-22/message.eml in a mail client.`);
