#!/usr/bin/env node
'use strict';
/**
 * `npm run bench`: how fast the newsletter renders, personalises and delivers, against what a
 * user would use instead, and how it scales. Everything runs on loopback; nothing is installed.
 * Prints one table and saves it as bench-results/latest.json.
 *
 *   npm run bench                       # everything (about 3 minutes on 2 cores)
 *   npm run bench -- --only deliver     # one part: build, personalise, deliver, scale
 *
 * Each measurement runs in a fresh child process, so one part's heap and warm caches do not
 * flatter or burden the next.
 */
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const c = require('./bench/common');

/** Messages for the delivery comparison (the same number for each sender). */
const DELIVERY_MESSAGES = 5000;
/** Messages personalised in the throughput measurement. */
const PERSONALISE_MESSAGES = 50000;
/** Warm renders per engine (the median is reported). */
const WARM_BUILD_RUNS = 60;
/** Cold `newsletter build` processes (each is a full Node start). */
const COLD_BUILD_RUNS = 5;
/** The subscriber counts of the scale test; the second is ten times the first. */
const SCALE_SIZES = [10_000, 100_000];
/**
 * The largest send is measured once more with this cap on V8's old generation, the setting the
 * README suggests for a small server: V8 otherwise lets garbage grow to several times the live
 * heap before a full collection.
 */
const SMALL_SERVER_NODE_OPTIONS = '--max-old-space-size=128';

const TARGETS = {
  warmBuildMs: 20,
  personalisePerSecond: 20_000,
  vsNodemailer: 2,
  vsSmtpSource: 0.4,
  peakRssBytes: 300 * 1024 * 1024,
  scaleRatio: 11,
};

function checkRequirements() {
  const missing = [];
  for (const [file, what] of [
    [c.SMTP_SINK, 'Postfix smtp-sink'],
    [c.SMTP_SOURCE, 'Postfix smtp-source'],
  ]) {
    if (!fs.existsSync(file)) missing.push(`${what} (${file}): apt-get install postfix, or bash scripts/install-system-deps.sh`);
  }
  if (!fs.existsSync(path.join(c.LIB, 'cli', 'main.js'))) missing.push('the compiled program (lib/): npm run build:ts');
  if (missing.length) {
    console.error(`npm run bench needs:\n${missing.map((m) => `  - ${m}`).join('\n')}`);
    process.exit(1);
  }
  const libTime = fs.statSync(path.join(c.LIB, 'send', 'message.js')).mtimeMs;
  const srcTime = fs.statSync(path.join(c.ROOT, 'src', 'send', 'message.ts')).mtimeMs;
  if (srcTime > libTime) console.error('note: src/ is newer than lib/; run `npm run build:ts` to measure the current code');
}

/** Runs a bench worker script in a child process; resolves with the JSON line it prints. */
function worker(script, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), path.join(__dirname, 'bench', script), ...args.map(String)], {
      cwd: c.ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${script} exited ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop()));
    });
  });
}

function step(message) {
  process.stderr.write(`bench: ${message}\n`);
}

async function benchBuild() {
  step(`warm build, ${WARM_BUILD_RUNS} renders per engine`);
  const warm = await worker('build-warm.js', [WARM_BUILD_RUNS]);
  step(`cold \`newsletter build\`, ${COLD_BUILD_RUNS} processes`);
  const project = c.makeProject('build');
  const times = [];
  try {
    for (let i = 0; i < COLD_BUILD_RUNS; i++) {
      const r = await c.runCliOk(['build', c.SEED_ISSUE, '--out', path.join(project.dir, `dist-${i}`)], { cwd: project.dir, env: project.env });
      times.push(r.ms);
    }
  } finally {
    project.remove();
  }
  return { warm, cold: { runs: COLD_BUILD_RUNS, medianMs: c.median(times) } };
}

async function benchPersonalise() {
  step(`personalising ${PERSONALISE_MESSAGES.toLocaleString('en-US')} messages`);
  return worker('personalise.js', [PERSONALISE_MESSAGES]);
}

/** smtp-source: the same number of messages of our message's size, as fast as this machine goes. */
function smtpSource(port, count, size) {
  const started = c.nowMs();
  // -d: keep each connection for many messages, as the pools do.
  execFileSync(c.SMTP_SOURCE, ['-d', '-s', String(c.CONNECTIONS), '-m', String(count), '-l', String(size), '-f', 'newsletter@example.org', '-t', 'member@example.org', `127.0.0.1:${port}`], {
    stdio: 'ignore',
  });
  const ms = c.nowMs() - started;
  return { sent: count, ms };
}

async function benchDeliver(messageBytes) {
  const sink = await c.startSmtpSink();
  const project = c.makeProject('deliver', { smtpPort: sink.port });
  try {
    step(`importing ${DELIVERY_MESSAGES} subscribers for the delivery comparison`);
    c.writeSubscribersCsv(path.join(project.dir, 'members.csv'), DELIVERY_MESSAGES);
    await c.runCliOk(['subscribers', 'import', 'members.csv'], { cwd: project.dir, env: project.env });

    step(`ours: ${DELIVERY_MESSAGES} messages through the ledger and the SMTP pool`);
    const ours = await worker('deliver-ours.js', [project.dir, project.env.SMTP_URL]);
    step(`nodemailer pool with Promise.all: ${DELIVERY_MESSAGES} messages`);
    const plain = await worker('deliver-nodemailer.js', [project.dir, sink.port, DELIVERY_MESSAGES]);
    step(`nodemailer pool, prebuilt raw MIME, no ledger: ${DELIVERY_MESSAGES} messages`);
    const rawPool = await worker('deliver-nodemailer.js', [project.dir, sink.port, DELIVERY_MESSAGES, 'raw']);
    step(`smtp-source: ${DELIVERY_MESSAGES} messages of ${messageBytes} bytes`);
    const source = smtpSource(sink.port, DELIVERY_MESSAGES, messageBytes);
    const rate = (r) => (r.sent / r.ms) * 1000;
    return {
      messages: DELIVERY_MESSAGES,
      connections: c.CONNECTIONS,
      messageBytes,
      ours: { ...ours, perSecond: rate(ours) },
      nodemailerPool: { ...plain, perSecond: rate(plain) },
      rawPool: { ...rawPool, perSecond: rate(rawPool) },
      smtpSource: { ...source, perSecond: rate(source) },
      oursVsNodemailer: rate(ours) / rate(plain),
      oursVsSmtpSource: rate(ours) / rate(source),
    };
  } finally {
    project.remove();
    await sink.stop();
  }
}

/** A fresh project with `size` subscribers, imported and then sent to smtp-sink, each timed. */
async function importAndSend(sinkPort, size, nodeOptions = '') {
  const project = c.makeProject(`scale-${size}`, { smtpPort: sinkPort });
  try {
    c.writeSubscribersCsv(path.join(project.dir, 'members.csv'), size);
    const label = `${size.toLocaleString('en-US')} subscribers${nodeOptions ? ` (${nodeOptions})` : ''}`;
    step(`${label}: import`);
    const imported = await c.runCliOk(['subscribers', 'import', 'members.csv'], { cwd: project.dir, env: project.env });
    step(`${label}: send`);
    const sent = await c.runCliOk(['send', c.SEED_ISSUE, '--yes'], { cwd: project.dir, env: project.env, nodeOptions });
    const summary = /^2021-03-22: (\d+) sent, (\d+) failed, (\d+) unknown/m.exec(sent.stdout);
    if (!summary || Number(summary[1]) !== size) throw new Error(`send of ${size} did not deliver everything:\n${sent.stdout}`);
    return { subscribers: size, importMs: imported.ms, importPeakRssBytes: imported.maxRssBytes, sendMs: sent.ms, sendPeakRssBytes: sent.maxRssBytes, perSecond: (size / sent.ms) * 1000 };
  } finally {
    project.remove();
  }
}

async function benchScale() {
  const sink = await c.startSmtpSink();
  const rows = [];
  let capped;
  try {
    for (const size of SCALE_SIZES) rows.push(await importAndSend(sink.port, size));
    capped = { nodeOptions: SMALL_SERVER_NODE_OPTIONS, ...(await importAndSend(sink.port, SCALE_SIZES[1], SMALL_SERVER_NODE_OPTIONS)) };
  } finally {
    await sink.stop();
  }
  const [small, large] = rows;
  return { sizes: rows, capped, sendTimeRatio: large.sendMs / small.sendMs, importTimeRatio: large.importMs / small.importMs };
}

// ── report ───────────────────────────────────────────────────────────────────────────────────

const fmt = (n, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mb = (bytes) => (bytes === undefined ? 'n/a' : `${fmt(bytes / 1024 / 1024)} MB`);
const mark = (ok) => (ok ? 'ok' : 'MISSED');

function table(results) {
  const rows = [];
  const { build, personalise, deliver, scale } = results;
  if (build) {
    for (const engine of ['react', 'mjml']) {
      const ms = build.warm[engine].medianMs;
      rows.push([`build, warm (${engine}), median of ${build.warm[engine].runs}`, `${fmt(ms, 1)} ms`, `< ${TARGETS.warmBuildMs} ms`, mark(ms < TARGETS.warmBuildMs)]);
    }
    rows.push([`newsletter build, cold process, median of ${build.cold.runs}`, `${fmt(build.cold.medianMs)} ms`, '', '']);
  }
  if (personalise) {
    rows.push([`personalised messages (${fmt(personalise.messageBytes / 1024, 1)} KB each)`, `${fmt(personalise.perSecond)} /s`, `≥ ${fmt(TARGETS.personalisePerSecond)} /s`, mark(personalise.perSecond >= TARGETS.personalisePerSecond)]);
  }
  if (deliver) {
    const d = deliver;
    const n = `${fmt(d.messages)} msgs, ${d.connections} conns`;
    rows.push([`delivery, ours (ledger on), ${n}`, `${fmt(d.ours.perSecond)} msg/s`, '', '']);
    rows.push([`delivery, nodemailer pool + Promise.all`, `${fmt(d.nodemailerPool.perSecond)} msg/s`, '', '']);
    rows.push([`delivery, the same pool with prebuilt raw MIME, no ledger`, `${fmt(d.rawPool.perSecond)} msg/s`, '', '']);
    rows.push([`delivery, Postfix smtp-source (ceiling)`, `${fmt(d.smtpSource.perSecond)} msg/s`, '', '']);
    rows.push(['  ours / nodemailer pool', `${fmt(d.oursVsNodemailer, 2)}×`, `≥ ${TARGETS.vsNodemailer}×`, mark(d.oursVsNodemailer >= TARGETS.vsNodemailer)]);
    rows.push(['  ours / smtp-source', `${fmt(d.oursVsSmtpSource * 100)} %`, `≥ ${TARGETS.vsSmtpSource * 100} %`, mark(d.oursVsSmtpSource >= TARGETS.vsSmtpSource)]);
    rows.push(['  raw pool / smtp-source (nodemailer’s own ceiling)', `${fmt((d.rawPool.perSecond / d.smtpSource.perSecond) * 100)} %`, '', '']);
  }
  if (scale) {
    for (const s of scale.sizes) {
      const n = fmt(s.subscribers);
      rows.push([`${n} subscribers: import`, `${fmt(s.importMs / 1000, 2)} s`, '', '']);
      rows.push([`${n} subscribers: send (whole process)`, `${fmt(s.sendMs / 1000, 2)} s (${fmt(s.perSecond)} msg/s)`, '', '']);
      rows.push([`${n} subscribers: send peak memory`, mb(s.sendPeakRssBytes), `< ${mb(TARGETS.peakRssBytes)}`, mark(s.sendPeakRssBytes < TARGETS.peakRssBytes)]);
    }
    const k = scale.capped;
    rows.push([`${fmt(k.subscribers)} subscribers, ${k.nodeOptions}: send`, `${fmt(k.sendMs / 1000, 2)} s (${fmt(k.perSecond)} msg/s)`, '', '']);
    rows.push([`${fmt(k.subscribers)} subscribers, ${k.nodeOptions}: peak memory`, mb(k.sendPeakRssBytes), `< ${mb(TARGETS.peakRssBytes)}`, mark(k.sendPeakRssBytes < TARGETS.peakRssBytes)]);
    rows.push([`send time ${fmt(SCALE_SIZES[1])} / ${fmt(SCALE_SIZES[0])}`, `${fmt(scale.sendTimeRatio, 2)}×`, `≤ ${TARGETS.scaleRatio}×`, mark(scale.sendTimeRatio <= TARGETS.scaleRatio)]);
    rows.push([`import time ${fmt(SCALE_SIZES[1])} / ${fmt(SCALE_SIZES[0])}`, `${fmt(scale.importTimeRatio, 2)}×`, '', '']);
  }
  const head = ['measure', 'result', 'target', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

async function main() {
  checkRequirements();
  const onlyAt = process.argv.indexOf('--only');
  const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : undefined;
  const want = (part) => !only || only === part;
  const started = Date.now();
  const results = {};
  if (want('build')) results.build = await benchBuild();
  // The delivery comparison uses the size of our message, so personalising runs first.
  if (want('personalise') || want('deliver')) results.personalise = await benchPersonalise();
  if (want('deliver')) results.deliver = await benchDeliver(results.personalise.messageBytes);
  if (want('scale')) results.scale = await benchScale();

  const report = table(results);
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${fmt(os.totalmem() / 1024 ** 3)} GB, Node ${process.version}, ${os.platform()} ${os.release()}`;
  console.log(`\n${report}\n\n${machine}; ${fmt((Date.now() - started) / 1000)} s in all`);
  const outDir = path.join(c.ROOT, 'bench-results');
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'latest.json'), JSON.stringify({ date: new Date().toISOString(), machine, targets: TARGETS, results, table: report }, null, 2) + '\n');
  console.log('saved bench-results/latest.json');
}

main().catch((err) => {
  console.error(`bench failed: ${err.stack ?? err}`);
  process.exit(1);
});
