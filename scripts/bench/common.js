'use strict';
/**
 * What the bench's parts share: where things are, a throwaway project, Postfix's smtp-sink on a
 * free loopback port, the CLI as a child process with its peak memory, and medians.
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const LIB = path.join(ROOT, 'lib', 'src');
const CLI = path.join(ROOT, 'bin', 'newsletter.js');
const SEED_ISSUE = 'issues/2021-03-22.yaml';
const { SMTP_SINK, startSmtpSink } = require('../smtp-sink');
const SMTP_SOURCE = '/usr/sbin/smtp-source';
/** Records the child's peak RSS when it exits (loaded with --require). */
const RSS_HOOK = path.join(__dirname, 'report-rss.js');
/** A real secret, so `send` to an SMTP server does not refuse (it refuses the development key). */
const SECRET = 'k1:DUhljennDVagQpHnEU-Kak1waaqRJ-ig8gE1T0mJK9A';
/** The same connection count for every sender measured, so rates compare like for like. */
const CONNECTIONS = 5;
/** The configuration allows at most this rate (messages a second): no throttle in the way. */
const UNTHROTTLED_RATE = 10000;

/** The library's compiled modules (lib/ from `npm run build:ts`). */
function lib(modulePath) {
  return require(path.join(LIB, modulePath));
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function nowMs() {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * A project folder in the temp dir: the repo's newsletter.yaml (send limits opened up, the given
 * connection count) and the seed issue, with its own SQLite file.
 */
function makeProject(name, { smtpPort } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `newsletter-bench-${name}-`));
  const yaml = fs.readFileSync(path.join(ROOT, 'newsletter.yaml'), 'utf8');
  const send = `send: { rate_per_second: ${UNTHROTTLED_RATE}, connections: ${CONNECTIONS}, max_errors: 50, stale_after_hours: 6 }`;
  fs.writeFileSync(path.join(dir, 'newsletter.yaml'), yaml.replace(/^send: .*$/m, send));
  fs.mkdirSync(path.join(dir, 'issues'));
  fs.copyFileSync(path.join(ROOT, SEED_ISSUE), path.join(dir, SEED_ISSUE));
  fs.cpSync(path.join(ROOT, 'issues', 'images'), path.join(dir, 'issues', 'images'), { recursive: true });
  const env = { DATABASE_PATH: path.join(dir, 'data', 'newsletter.db'), UNSUBSCRIBE_SECRET: SECRET };
  if (smtpPort) env.SMTP_URL = `smtp://127.0.0.1:${smtpPort}`;
  return { dir, env, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** `count` fake members as a subscribers CSV. */
function writeSubscribersCsv(file, count) {
  const lines = ['email,name'];
  for (let i = 1; i <= count; i++) lines.push(`member${i}@example.org,Member ${i}`);
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

/**
 * Runs `node bin/newsletter.js <args>` in `cwd` (with extra Node options, if given); resolves with
 * its exit code, output, wall time and peak resident memory (reported by the child as it exits).
 */
function runCli(args, { cwd, env = {}, nodeOptions = '' }) {
  const rssFile = path.join(os.tmpdir(), `newsletter-bench-rss-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const childEnv = { ...process.env, ...env, BENCH_RSS_FILE: rssFile, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${nodeOptions} --require ${RSS_HOOK}`.trim() };
  return new Promise((resolve, reject) => {
    const started = nowMs();
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = nowMs() - started;
      let maxRssBytes;
      try {
        maxRssBytes = Number(fs.readFileSync(rssFile, 'utf8'));
        fs.rmSync(rssFile, { force: true });
      } catch {
        maxRssBytes = undefined;
      }
      resolve({ code, stdout, stderr, ms, maxRssBytes });
    });
  });
}

/** Like runCli, but a non-zero exit is an error that shows what the command said. */
async function runCliOk(args, opts) {
  const r = await runCli(args, opts);
  if (r.code !== 0) throw new Error(`newsletter ${args.join(' ')} exited ${r.code}:\n${r.stderr || r.stdout}`);
  return r;
}

module.exports = {
  ROOT,
  LIB,
  CLI,
  SEED_ISSUE,
  SMTP_SINK,
  SMTP_SOURCE,
  SECRET,
  CONNECTIONS,
  lib,
  median,
  nowMs,
  makeProject,
  writeSubscribersCsv,
  runCli,
  runCliOk,
  startSmtpSink,
};
