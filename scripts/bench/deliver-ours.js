'use strict';
/**
 * Our send, in process, exactly as `newsletter send --yes` wires it: the project's config, the
 * SQLite store (WAL, synchronous=FULL), the issue rendered once and stored as an edition, the SMTP transport and the
 * campaign runner with its durable claims. Only runCampaign is timed (not start-up or import).
 *
 *   node scripts/bench/deliver-ours.js <project dir> <SMTP_URL>   → one JSON line on stdout
 */
const path = require('node:path');
const { lib, nowMs, SEED_ISSUE, SECRET } = require('./common');

async function main() {
  const [dir, smtpUrl] = process.argv.slice(2);
  const { loadConfig } = lib('config');
  const { openStore } = lib('store');
  const { createTransport } = lib('send/prepare');
  const { draftEdition } = lib('publish/edition');
  const { runCampaign } = lib('send/campaign');
  const { DateTime } = require('luxon');

  const config = loadConfig(dir, { DATABASE_PATH: path.join(dir, 'data', 'newsletter.db'), UNSUBSCRIBE_SECRET: SECRET, SMTP_URL: smtpUrl });
  const store = await openStore(config);
  const draft = await draftEdition({ config, file: path.join(dir, SEED_ISSUE), display: SEED_ISSUE, viewAt: DateTime.now(), stampAt: DateTime.now() });
  const { send } = await store.ledger.beginSend({ slug: draft.slug, edition: draft.content, now: new Date() });
  const transport = createTransport(config, draft.slug);
  const started = nowMs();
  const report = await runCampaign({ config, ledger: store.ledger, editions: store.editions, transport, send, signal: new AbortController().signal });
  const ms = nowMs() - started;
  await transport.close();
  await store.close();
  if (report.result.status !== 'done') throw new Error(`send did not finish: ${JSON.stringify(report.result)}`);
  // CPU time of the whole process (start-up included), to compare with the wall time.
  const cpu = process.resourceUsage();
  const failed = report.counts.failed + report.counts.unknown;
  process.stdout.write(JSON.stringify({ sent: report.counts.sent, failed, ms, userCpuMs: cpu.userCPUTime / 1000, systemCpuMs: cpu.systemCPUTime / 1000 }) + '\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
