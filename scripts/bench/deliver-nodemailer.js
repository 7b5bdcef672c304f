'use strict';
/**
 * The script a user would write instead: a nodemailer pool with the same connection count and
 * `Promise.all` over sendMail({ from, to, subject, html, text }) for every recipient, with the same
 * rendered issue (its unsubscribe link filled in per recipient). No ledger, no retries, no record
 * of who got it.
 *
 * With `raw` it measures instead the pool's own ceiling: one message composed in advance, handed
 * to the same pool as raw MIME (as our transport does), with no ledger and no composing per message.
 *
 *   node scripts/bench/deliver-nodemailer.js <project dir> <port> <count> [raw]   → one JSON line
 */
const path = require('node:path');
const nodemailer = require('nodemailer');
const { lib, nowMs, CONNECTIONS, SEED_ISSUE } = require('./common');

async function main() {
  const [dir, port, countArg, mode] = process.argv.slice(2);
  const count = Number(countArg);
  const { loadConfig } = lib('config');
  const { prepareSend } = lib('send/prepare');
  const { DateTime } = require('luxon');
  const config = loadConfig(dir, {});
  const { prepared } = await prepareSend(config, path.join(dir, SEED_ISSUE), SEED_ISSUE, undefined, DateTime.now());

  const transporter = nodemailer.createTransport({ host: '127.0.0.1', port: Number(port), pool: true, maxConnections: CONNECTIONS, maxMessages: 1000, maxRequeues: 0 });
  const { personalise } = lib('send/message');
  const raw =
    mode === 'raw'
      ? (await personalise(prepared, { id: 1, address: 'member1@example.org' }, { publication: config.publication, slug: 'bench', unsubscribeUrl: `${config.publication.site_url}/u/k1.1.bench` })).raw
      : undefined;
  const started = nowMs();
  const results = await Promise.allSettled(
    Array.from({ length: count }, (_, i) => {
      if (raw) return transporter.sendMail({ envelope: { from: 'newsletter@example.org', to: [`member${i + 1}@example.org`] }, raw });
      const unsubscribeUrl = `${config.publication.site_url}/u/k1.${i + 1}.bench`;
      return transporter.sendMail({
        from: config.publication.from,
        to: `member${i + 1}@example.org`,
        subject: prepared.rendered.subject,
        html: prepared.html({ unsubscribeUrl }),
        text: prepared.text({ unsubscribeUrl }),
      });
    }),
  );
  const ms = nowMs() - started;
  transporter.close();
  const sent = results.filter((r) => r.status === 'fulfilled').length;
  process.stdout.write(JSON.stringify({ sent, failed: count - sent, ms }) + '\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
