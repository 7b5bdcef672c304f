'use strict';
/**
 * The memory-growth check's child (tests/send/memory-growth.test.ts), run with --expose-gc: the
 * real send, wired as `newsletter send --yes` wires it (config, SQLite store, the issue rendered
 * and stored as an edition, the SMTP transport, runCampaign), with the live heap measured after a
 * full collection once `early` messages went out and again once `late` did, both while the send
 * runs (the same work in flight). Prints one JSON line. Uses the compiled program in lib/.
 *
 *   node --expose-gc tests/helpers/send-memory-child.js <project dir> <early> <late>
 */
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const lib = (m) => require(path.join(ROOT, 'lib', 'src', m));

async function main() {
  const [dir, earlyArg, lateArg] = process.argv.slice(2);
  const early = Number(earlyArg);
  const late = Number(lateArg);
  if (typeof global.gc !== 'function') throw new Error('run with --expose-gc');
  const { loadConfig } = lib('config');
  const { openStore } = lib('store');
  const { createTransport } = lib('send/prepare');
  const { draftEdition } = lib('publish/edition');
  const { runCampaign } = lib('send/campaign');
  const { DateTime } = require('luxon');

  const config = loadConfig(dir, process.env);
  const store = await openStore(config);
  const file = path.join(dir, 'issues', '2021-03-22.yaml');
  const draft = await draftEdition({ config, file, display: 'issues/2021-03-22.yaml', viewAt: DateTime.now(), stampAt: DateTime.now() });
  const { send } = await store.ledger.beginSend({ slug: draft.slug, edition: draft.content, now: new Date() });
  const inner = createTransport(config, draft.slug);
  const heap = {};
  let sent = 0;
  const measure = () => {
    global.gc();
    return process.memoryUsage().heapUsed;
  };
  const transport = {
    description: inner.description,
    close: () => inner.close(),
    async send(message, hooks) {
      const result = await inner.send(message, hooks);
      sent++;
      if (sent === early) heap.early = measure();
      if (sent === late) heap.late = measure();
      return result;
    },
  };
  const report = await runCampaign({ config, ledger: store.ledger, editions: store.editions, transport, send, signal: new AbortController().signal });
  await inner.close();
  await store.close();
  process.stdout.write(JSON.stringify({ status: report.result.status, sent: report.counts.sent, heap }) + '\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
