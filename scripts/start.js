#!/usr/bin/env node
'use strict';
/**
 * `npm start`: the demo — check and build the seed issue, import the example subscribers, and send
 * the issue to them — in a folder of its own, demo/, so it can never touch a chapter's real data:
 *
 * - it runs in demo/ (a copy of newsletter.yaml, the seed issue and the example list), where there
 *   is no .env, with an environment of its own: whatever .env or the shell say about SMTP_URL,
 *   DATABASE_PATH or anything else is not seen;
 * - its store is demo/data/newsletter.db, and the messages go to the local outbox, demo/outbox/.
 *
 * Each step is the real CLI, run as a child process, so this is exactly what an editor would type.
 * Run it twice: the second send finds everyone already mailed and sends nothing. Delete demo/ to
 * start over.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const demo = path.join(root, 'demo');
const cli = path.join(root, 'bin', 'newsletter.js');
const ISSUE = 'issues/2021-03-22.yaml';

fs.mkdirSync(path.join(demo, 'issues'), { recursive: true });
fs.copyFileSync(path.join(root, 'newsletter.yaml'), path.join(demo, 'newsletter.yaml'));
fs.copyFileSync(path.join(root, ISSUE), path.join(demo, ISSUE));
// The seed's pictures, which it names relative to itself.
if (fs.existsSync(path.join(root, 'issues', 'images'))) fs.cpSync(path.join(root, 'issues', 'images'), path.join(demo, 'issues', 'images'), { recursive: true });
fs.copyFileSync(path.join(root, 'examples', 'subscribers.csv'), path.join(demo, 'subscribers.csv'));

// Only what a process needs to run; nothing that configures the newsletter.
const env = { DATABASE_PATH: path.join(demo, 'data', 'newsletter.db'), SMTP_URL: '' };
for (const key of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'LC_ALL', 'TERM', 'SystemRoot', 'NODE_OPTIONS']) {
  if (process.env[key] !== undefined) env[key] = process.env[key];
}

const steps = [
  ['check', ISSUE],
  ['build', ISSUE],
  // Idempotent: a second run reports the same subscribers as unchanged.
  ['subscribers', 'import', 'subscribers.csv'],
  ['send', ISSUE, '--yes'],
];

console.log('The demo runs in demo/, with its own store and the local outbox; .env is not used.');
for (const args of steps) {
  console.log(`\n$ newsletter ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: demo, env, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`\nnpm start: \`newsletter ${args.join(' ')}\` failed (exit ${r.status}).`);
    process.exit(r.status || 1);
  }
}
console.log(
  '\nDone. The built email is in demo/dist/2021-03-22/ (email.html, email.txt, message.eml);' +
    '\nthe messages sent to the example subscribers are in demo/outbox/2021-03-22/ (`cd demo && npx newsletter preview` shows them).' +
    '\nTo start your own chapter: npx newsletter init ../my-chapter --name "…" --from "… <news@…>" --site-url https://… --postal-address "…" (see README: Quick start).',
);
