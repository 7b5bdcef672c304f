#!/usr/bin/env node
'use strict';
/**
 * `npm run bench`: how fast the newsletter renders, personalises and delivers, against what a
 * user would use instead, how it scales, and how its store holds up. Everything runs on loopback;
 * nothing is installed. Prints one table with the machine it ran on and saves it as today's file,
 * bench-results/<YYYY-MM-DD>.json and .md, and as bench-results/latest.json and latest.md.
 *
 *   npm run bench                          # everything (several minutes on 2 cores)
 *   npm run bench -- --only deliver        # one part (or several: --only build,store)
 *   npm run bench -- --tiny --out DIR      # every part on tiny inputs (the test that keeps it working)
 *
 * Each measurement runs in a fresh child process, so one part's heap and warm caches do not
 * flatter or burden the next.
 *
 * Adding a measurement: give its part a size in SIZES (full and tiny), measure it in the part's
 * `run`, and return its rows from the part's `rows` with `row(measure, result, target, ok)`.
 * A new part is one more entry in PARTS.
 */
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const c = require('./bench/common');
const { postgresBin, startPostgres } = require('./postgres');

/**
 * What each part measures, at full size and on tiny inputs (`--tiny`: every part in seconds,
 * so the test suite can run the bench and it cannot rot).
 */
const SIZES = {
  full: {
    /** Warm renders per engine (the median is reported). */
    warmBuildRuns: 60,
    /** Cold processes per command (each is a full Node start; median, min and max). */
    coldRuns: 10,
    /** Messages personalised in the throughput measurement. */
    personaliseMessages: 50_000,
    /** Messages for the delivery comparison (the same number for each sender). */
    deliveryMessages: 5000,
    /** The subscriber counts of the scale test; each ten times the one before. */
    scaleSizes: [10_000, 100_000, 1_000_000],
    /** Rows of the import measured for memory (bounded: the second is ten times the first). */
    importSizes: [100_000, 1_000_000],
    /** The store of a year of weekly sends: members × sends. */
    yearMembers: 100_000,
    yearSends: 52,
    /** Timed runs of each store command on that store (median). */
    storeRuns: 5,
    /** Messages for the senders comparison: SQLite, and one, two and three senders on PostgreSQL. */
    senderMessages: 20_000,
  },
  tiny: {
    warmBuildRuns: 2,
    coldRuns: 1,
    personaliseMessages: 200,
    deliveryMessages: 50,
    scaleSizes: [20, 200, 2000],
    importSizes: [100, 1000],
    yearMembers: 200,
    yearSends: 3,
    storeRuns: 1,
    senderMessages: 60,
  },
};

const TARGETS = {
  warmBuildMs: 20,
  personalisePerSecond: 20_000,
  vsNodemailer: 3,
  /** Ours against nodemailer's own pool fed prebuilt raw MIME, with no ledger. */
  vsRawPool: 0.9,
  vsSmtpSource: 0.4,
  /** Peak memory of a send, by subscriber count, with Node's default settings. */
  peakRssBytes: { 100_000: 150 * 1024 * 1024, 1_000_000: 200 * 1024 * 1024 },
  /** Each scale size's send time against the one ten times smaller. */
  scaleRatio: 11,
  /** An import streams: its peak memory for ten times the rows stays within this factor. */
  importMemoryGrowth: 1.25,
};

/** What the parts need from the machine: Postfix's tools for the SMTP parts, and lib/ for all. */
function checkRequirements(parts) {
  const missing = [];
  const tools = [];
  if (parts.some((p) => p.needsPostfix)) tools.push([c.SMTP_SINK, 'Postfix smtp-sink'], [c.SMTP_SOURCE, 'Postfix smtp-source']);
  for (const [file, what] of tools) {
    if (!fs.existsSync(file)) missing.push(`${what} (${file}): apt-get install postfix, or bash scripts/install-system-deps.sh`);
  }
  if (parts.some((p) => p.needsPostgres) && !postgresBin()) missing.push('PostgreSQL (initdb, pg_ctl): bash scripts/install-system-deps.sh');
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

/**
 * A command as a new process, `runs` times in a row (what an editor's save hook or a script
 * pays each time): median, fastest and slowest wall time, like hyperfine's summary.
 */
async function coldRuns(args, runs, project) {
  const times = [];
  for (let i = 0; i < runs; i++) times.push((await c.runCliOk(args(i), { cwd: project.dir, env: project.env })).ms);
  return { runs, medianMs: c.median(times), minMs: Math.min(...times), maxMs: Math.max(...times) };
}

async function benchBuild(size) {
  step(`warm build, ${size.warmBuildRuns} renders per engine`);
  const warm = await worker('build-warm.js', [size.warmBuildRuns]);
  const project = c.makeProject('build');
  try {
    step(`cold \`newsletter check\`, \`build\` and \`status\`, ${size.coldRuns} processes each`);
    const cold = {
      check: await coldRuns(() => ['check', c.SEED_ISSUE], size.coldRuns, project),
      checkMjml: await coldRuns(() => ['check', c.SEED_ISSUE, '--engine', 'mjml'], size.coldRuns, project),
      build: await coldRuns((i) => ['build', c.SEED_ISSUE, '--out', path.join(project.dir, `dist-${i}`)], size.coldRuns, project),
      status: await coldRuns(() => ['status'], size.coldRuns, project),
    };
    return { warm, cold };
  } finally {
    project.remove();
  }
}

async function benchPersonalise(size) {
  step(`personalising ${fmt(size.personaliseMessages)} messages`);
  return worker('personalise.js', [size.personaliseMessages]);
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

async function benchDeliver(size, results) {
  const messages = size.deliveryMessages;
  // The delivery comparison uses the size of our message, so personalising runs first.
  const messageBytes = (results.personalise ?? (results.personalise = await benchPersonalise(size))).messageBytes;
  const sink = await c.startSmtpSink();
  const project = c.makeProject('deliver', { smtpPort: sink.port });
  try {
    step(`importing ${messages} subscribers for the delivery comparison`);
    c.writeSubscribersCsv(path.join(project.dir, 'members.csv'), messages);
    await c.runCliOk(['subscribers', 'import', 'members.csv'], { cwd: project.dir, env: project.env });

    step(`ours: ${messages} messages through the ledger and the SMTP pool`);
    const ours = await worker('deliver-ours.js', [project.dir, project.env.SMTP_URL]);
    step(`nodemailer pool with Promise.all: ${messages} messages`);
    const plain = await worker('deliver-nodemailer.js', [project.dir, sink.port, messages]);
    step(`nodemailer pool, prebuilt raw MIME, no ledger: ${messages} messages`);
    const rawPool = await worker('deliver-nodemailer.js', [project.dir, sink.port, messages, 'raw']);
    step(`smtp-source: ${messages} messages of ${messageBytes} bytes`);
    const source = smtpSource(sink.port, messages, messageBytes);
    const rate = (r) => (r.sent / r.ms) * 1000;
    return {
      messages: messages,
      connections: c.CONNECTIONS,
      messageBytes,
      ours: { ...ours, perSecond: rate(ours) },
      nodemailerPool: { ...plain, perSecond: rate(plain) },
      rawPool: { ...rawPool, perSecond: rate(rawPool) },
      smtpSource: { ...source, perSecond: rate(source) },
      oursVsNodemailer: rate(ours) / rate(plain),
      oursVsRawPool: rate(ours) / rate(rawPool),
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

async function benchScale(size) {
  const counts = size.scaleSizes;
  const sink = await c.startSmtpSink();
  const rows = [];
  try {
    for (const count of counts) rows.push(await importAndSend(sink.port, count));
  } finally {
    await sink.stop();
  }
  // Each size against the one ten times smaller: linear is 10×.
  const ratios = rows.slice(1).map((large, i) => ({ large: large.subscribers, small: rows[i].subscribers, send: large.sendMs / rows[i].sendMs, import: large.importMs / rows[i].importMs }));
  return { counts, sizes: rows, ratios };
}

/**
 * The store at scale: `subscribers import` of big files (time and peak memory: it streams, so
 * memory should not grow with the file), then a store of a year of weekly sends (generated with
 * SQL, scripts/bench/year-store.js) and what reads it: `status`, `subscribers count` and `list`
 * as new processes, and the public server's unsubscribe link, one-click POST and archive pages.
 */
async function benchStore(size) {
  const imports = [];
  for (const rows of size.importSizes) {
    const project = c.makeProject(`import-${rows}`);
    try {
      step(`import of ${fmt(rows)} rows`);
      c.writeSubscribersCsv(path.join(project.dir, 'members.csv'), rows);
      const r = await c.runCliOk(['subscribers', 'import', 'members.csv'], { cwd: project.dir, env: project.env });
      imports.push({ rows, ms: r.ms, peakRssBytes: r.maxRssBytes });
    } finally {
      project.remove();
    }
  }
  const project = c.makeProject('year');
  try {
    const deliveries = size.yearMembers * size.yearSends;
    step(`generating a year: ${fmt(size.yearMembers)} members × ${size.yearSends} sends (${fmt(deliveries)} deliveries)`);
    const generated = await worker('year-store.js', [project.env.DATABASE_PATH, size.yearMembers, size.yearSends]);
    const slug = require('./bench/year-store').slugOf(Math.floor(size.yearSends / 2));
    const runs = size.storeRuns;
    const empty = c.makeProject('empty');
    let startUp;
    try {
      startUp = await coldRuns(() => ['status'], runs, empty);
    } finally {
      empty.remove();
    }
    step(`status, subscribers count and list on it, ${runs} processes each`);
    const commands = {
      startUp,
      status: await coldRuns(() => ['status'], runs, project),
      statusIssue: await coldRuns(() => ['status', slug], runs, project),
      count: await coldRuns(() => ['subscribers', 'count'], runs, project),
      list: await coldRuns(() => ['subscribers', 'list'], runs, project),
    };
    step('the public server on it: unsubscribe page and one-click POST, archive, feed, web version');
    const serve = await worker('store-serve.js', [project.dir, project.env.DATABASE_PATH, Math.max(runs * 4, 3), slug, size.yearMembers]);
    const fileBytes = fs.statSync(project.env.DATABASE_PATH).size;
    return { imports, year: { members: size.yearMembers, sends: size.yearSends, deliveries: generated.deliveries, generateMs: generated.ms, fileBytes, slug }, commands, serve };
  } finally {
    project.remove();
  }
}

/**
 * `send --yes` as `senders` processes started together on one send (each a whole process: start,
 * render, store, deliver), into smtp-sink with the rate lifted; the store is the project's SQLite
 * file or, with `databaseUrl`, PostgreSQL. Wall time from the start of the first to the end of
 * the last, and every message checked delivered once by the send's own counts.
 */
async function sendTogether(sinkPort, messages, senders, databaseUrl) {
  const project = c.makeProject(`senders-${senders}`, { smtpPort: sinkPort });
  if (databaseUrl) project.env.DATABASE_URL = databaseUrl;
  const store = databaseUrl ? 'PostgreSQL' : 'SQLite';
  try {
    c.writeSubscribersCsv(path.join(project.dir, 'members.csv'), messages);
    await c.runCliOk(['subscribers', 'import', 'members.csv'], { cwd: project.dir, env: project.env });
    step(`${store}, ${senders} sender${senders === 1 ? '' : 's'}: ${fmt(messages)} messages`);
    const started = c.nowMs();
    const runs = await Promise.all(Array.from({ length: senders }, () => c.runCliOk(['send', c.SEED_ISSUE, '--yes'], { cwd: project.dir, env: project.env })));
    const ms = c.nowMs() - started;
    const status = await c.runCliOk(['status', '2021-03-22'], { cwd: project.dir, env: project.env });
    if (!status.stdout.includes(`${messages} sent, 0 failed, 0 unknown, 0 skipped, 0 pending`)) throw new Error(`${store} with ${senders} senders did not deliver everything:\n${status.stdout}`);
    return { store, senders, ms, perSecond: (messages / ms) * 1000, peakRssBytes: Math.max(...runs.map((r) => r.maxRssBytes ?? 0)) };
  } finally {
    project.remove();
  }
}

async function benchSenders(size) {
  const messages = size.senderMessages;
  const sink = await c.startSmtpSink();
  // Durable (fsync, synchronous_commit), as a production server: SQLite syncs its WAL too.
  const pg = await startPostgres({ durable: true });
  try {
    const sqlite = await sendTogether(sink.port, messages, 1);
    const postgres = [];
    for (const senders of [1, 2, 3]) postgres.push(await sendTogether(sink.port, messages, senders, await pg.createDatabase()));
    return { messages, connectionsPerSender: c.CONNECTIONS, sqlite, postgres };
  } finally {
    await pg.stop();
    await sink.stop();
  }
}

// ── report ───────────────────────────────────────────────────────────────────────────────────

const fmt = (n, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mb = (bytes) => (bytes === undefined ? 'n/a' : `${fmt(bytes / 1024 / 1024)} MB`);
const ms = (n) => (n >= 1000 ? `${fmt(n / 1000, 2)} s` : `${fmt(n, n < 20 ? 1 : 0)} ms`);

/** One row of the table: what, the figure, the target (if any) and whether it was met. */
function row(measure, result, target = '', ok = undefined) {
  return { measure, result, target, mark: ok === undefined ? '' : ok ? 'ok' : 'MISSED' };
}

/** A cold-process row: the median, with the spread in brackets. */
function coldRow(label, r) {
  return row(`${label}, cold process, median of ${r.runs}`, `${ms(r.medianMs)} (${ms(r.minMs)}–${ms(r.maxMs)})`);
}

function buildRows({ warm, cold }) {
  const rows = [];
  for (const engine of ['react', 'mjml']) {
    const t = warm[engine].medianMs;
    rows.push(row(`build, warm (${engine}), median of ${warm[engine].runs}`, ms(t), `< ${TARGETS.warmBuildMs} ms`, t < TARGETS.warmBuildMs));
  }
  rows.push(coldRow('newsletter check (react)', cold.check), coldRow('newsletter check --engine mjml', cold.checkMjml));
  rows.push(coldRow('newsletter build', cold.build), coldRow('newsletter status', cold.status));
  return rows;
}

function personaliseRows(p) {
  return [row(`personalised messages (${fmt(p.messageBytes / 1024, 1)} KB each)`, `${fmt(p.perSecond)} /s`, `≥ ${fmt(TARGETS.personalisePerSecond)} /s`, p.perSecond >= TARGETS.personalisePerSecond)];
}

function deliverRows(d) {
  const n = `${fmt(d.messages)} msgs, ${d.connections} conns`;
  return [
    row(`delivery, ours (ledger on), ${n}`, `${fmt(d.ours.perSecond)} msg/s`),
    row('delivery, nodemailer pool + Promise.all', `${fmt(d.nodemailerPool.perSecond)} msg/s`),
    row('delivery, the same pool with prebuilt raw MIME, no ledger', `${fmt(d.rawPool.perSecond)} msg/s`),
    row('delivery, Postfix smtp-source (ceiling)', `${fmt(d.smtpSource.perSecond)} msg/s`),
    row('  ours / nodemailer pool', `${fmt(d.oursVsNodemailer, 2)}×`, `≥ ${TARGETS.vsNodemailer}×`, d.oursVsNodemailer >= TARGETS.vsNodemailer),
    row('  ours / the raw-MIME pool (nodemailer’s own ceiling)', `${fmt(d.oursVsRawPool * 100)} %`, `≥ ${TARGETS.vsRawPool * 100} %`, d.oursVsRawPool >= TARGETS.vsRawPool),
    row('  ours / smtp-source', `${fmt(d.oursVsSmtpSource * 100)} %`, `≥ ${TARGETS.vsSmtpSource * 100} %`, d.oursVsSmtpSource >= TARGETS.vsSmtpSource),
    row('  raw pool / smtp-source (nodemailer’s own ceiling)', `${fmt((d.rawPool.perSecond / d.smtpSource.perSecond) * 100)} %`),
  ];
}

function scaleRows(scale) {
  const rows = [];
  for (const s of scale.sizes) {
    const n = fmt(s.subscribers);
    const cap = TARGETS.peakRssBytes[s.subscribers];
    rows.push(row(`${n} subscribers: import`, `${fmt(s.importMs / 1000, 2)} s`));
    rows.push(row(`${n} subscribers: send (whole process)`, `${fmt(s.sendMs / 1000, 2)} s (${fmt(s.perSecond)} msg/s)`));
    rows.push(row(`${n} subscribers: send peak memory`, mb(s.sendPeakRssBytes), cap ? `< ${mb(cap)}` : '', cap ? s.sendPeakRssBytes < cap : undefined));
  }
  for (const r of scale.ratios) {
    rows.push(row(`send time ${fmt(r.large)} / ${fmt(r.small)}`, `${fmt(r.send, 2)}×`, `≤ ${TARGETS.scaleRatio}×`, r.send <= TARGETS.scaleRatio));
    rows.push(row(`import time ${fmt(r.large)} / ${fmt(r.small)}`, `${fmt(r.import, 2)}×`));
  }
  return rows;
}

function storeRows({ imports, year, commands, serve }) {
  const rows = [];
  for (const i of imports) {
    rows.push(row(`import of ${fmt(i.rows)} rows (whole process)`, `${fmt(i.ms / 1000, 2)} s (${fmt((i.rows / i.ms) * 1000)} rows/s)`));
    rows.push(row(`import of ${fmt(i.rows)} rows: peak memory`, mb(i.peakRssBytes)));
  }
  const [small, large] = imports;
  const growth = large.peakRssBytes / small.peakRssBytes;
  rows.push(row(`import peak memory ${fmt(large.rows)} / ${fmt(small.rows)} rows`, `${fmt(growth, 2)}×`, `≤ ${TARGETS.importMemoryGrowth}× (bounded)`, growth <= TARGETS.importMemoryGrowth));
  const y = `${fmt(year.members)} × ${year.sends} sends`;
  rows.push(row(`year store: ${y} (${fmt(year.deliveries)} deliveries, ${mb(year.fileBytes)}), generated`, `${fmt(year.generateMs / 1000, 1)} s`));
  rows.push(coldRow('  newsletter status on an empty store (start-up, for comparison)', commands.startUp));
  rows.push(coldRow(`  ${y}: newsletter status (every send)`, commands.status));
  rows.push(coldRow(`  ${y}: newsletter status ${year.slug}`, commands.statusIssue));
  rows.push(coldRow(`  ${y}: newsletter subscribers count`, commands.count));
  rows.push(coldRow(`  ${y}: newsletter subscribers list (every member)`, commands.list));
  rows.push(row(`  ${y}: serve, unsubscribe link page (GET), median of ${serve.unsubscribePage.runs}`, ms(serve.unsubscribePage.medianMs)));
  rows.push(row(`  ${y}: serve, one-click unsubscribe (POST), median of ${serve.unsubscribePost.runs}`, ms(serve.unsubscribePost.medianMs)));
  rows.push(row(`  ${y}: serve, archive /issues/, median of ${serve.archive.runs}`, ms(serve.archive.medianMs)));
  rows.push(row(`  ${y}: serve, feed /feed.xml, median of ${serve.feed.runs}`, ms(serve.feed.medianMs)));
  rows.push(row(`  ${y}: serve, web version, median of ${serve.web.runs}`, ms(serve.web.medianMs)));
  return rows;
}

function senderRows(r) {
  const n = `${fmt(r.messages)} msgs, ${r.connectionsPerSender} conns each, whole processes`;
  const rows = [row(`send, SQLite, 1 sender, ${n}`, `${fmt(r.sqlite.perSecond)} msg/s (${ms(r.sqlite.ms)})`)];
  for (const p of r.postgres) {
    rows.push(row(`send, PostgreSQL, ${p.senders} sender${p.senders === 1 ? '' : 's'} on one send`, `${fmt(p.perSecond)} msg/s (${ms(p.ms)})`));
  }
  const [one] = r.postgres;
  for (const p of r.postgres.slice(1)) rows.push(row(`  PostgreSQL ${p.senders} senders / 1 sender`, `${fmt(p.perSecond / one.perSecond, 2)}×`));
  rows.push(row('  PostgreSQL 1 sender / SQLite', `${fmt(one.perSecond / r.sqlite.perSecond, 2)}×`));
  return rows;
}

/**
 * The bench's parts, in the order they run and appear in the table. `run(size, results)` measures
 * (it may read an earlier part's results) and returns what is saved; `rows(result)` is its rows.
 */
const PARTS = [
  { name: 'build', run: benchBuild, rows: buildRows },
  { name: 'personalise', run: (size, results) => results.personalise ?? benchPersonalise(size), rows: personaliseRows },
  { name: 'deliver', needsPostfix: true, run: benchDeliver, rows: deliverRows },
  { name: 'scale', needsPostfix: true, run: benchScale, rows: scaleRows },
  { name: 'store', run: benchStore, rows: storeRows },
  { name: 'senders', needsPostfix: true, needsPostgres: true, run: benchSenders, rows: senderRows },
];

/** The rows as a Markdown table (what the terminal shows and the README copies). */
function markdownTable(rows) {
  const head = ['measure', 'result', 'target', ''];
  const cells = rows.map((r) => [r.measure, r.result, r.target, r.mark]);
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...cells.map(line)].join('\n');
}

/** The machine the figures belong to, and whether it was busy when the bench started. */
function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    ramGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    loadavgAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

function describeMachine(m) {
  const [one, five] = m.loadavgAtStart;
  const busy = one > m.cores * 0.25 ? `other load present (load average ${one} over 1 min, ${five} over 5, on ${m.cores} cores)` : `idle at start (load average ${one})`;
  return `${m.cores} × ${m.cpu}, ${fmt(m.ramGb, 1)} GB RAM, Node ${m.node}, ${m.os}; ${busy}`;
}

function parseArgs(argv) {
  const value = (flag) => {
    const at = argv.indexOf(flag);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const only = value('--only')?.split(',');
  const unknown = (only ?? []).filter((n) => !PARTS.some((p) => p.name === n));
  if (unknown.length) {
    console.error(`npm run bench: no part named ${unknown.join(', ')} (the parts: ${PARTS.map((p) => p.name).join(', ')})`);
    process.exit(2);
  }
  return { only, tiny: argv.includes('--tiny'), outDir: path.resolve(value('--out') ?? path.join(c.ROOT, 'bench-results')) };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const parts = PARTS.filter((p) => !args.only || args.only.includes(p.name));
  checkRequirements(parts);
  const size = args.tiny ? SIZES.tiny : SIZES.full;
  const m = machine();
  const started = Date.now();
  const results = {};
  const rows = [];
  for (const part of parts) {
    results[part.name] = await part.run(size, results);
    rows.push(...part.rows(results[part.name]).map((r) => ({ part: part.name, ...r })));
  }
  m.loadavgAtEnd = os.loadavg().map((l) => Math.round(l * 100) / 100);
  const seconds = (Date.now() - started) / 1000;
  const table = markdownTable(rows);
  const about = `${describeMachine(m)}; ${fmt(seconds)} s in all${args.tiny ? ' (tiny inputs: the figures mean nothing)' : ''}`;
  console.log(`\n${table}\n\n${about}`);

  const date = new Date().toISOString();
  const day = date.slice(0, 10);
  const saved = { date, tiny: args.tiny, machine: m, seconds, sizes: size, targets: TARGETS, rows, results, table };
  const markdown = `# npm run bench, ${day}\n\n${table}\n\n${about}\n`;
  fs.mkdirSync(args.outDir, { recursive: true });
  for (const name of [day, 'latest']) {
    fs.writeFileSync(path.join(args.outDir, `${name}.json`), JSON.stringify(saved, null, 2) + '\n');
    fs.writeFileSync(path.join(args.outDir, `${name}.md`), markdown);
  }
  console.log(`saved ${path.relative(process.cwd(), path.join(args.outDir, `${day}.json`))} (and .md, latest.json, latest.md)`);
}

main().catch((err) => {
  console.error(`bench failed: ${err.stack ?? err}`);
  process.exit(1);
});
