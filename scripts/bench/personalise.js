'use strict';
/**
 * Personalised messages produced per second: the issue rendered once, then for each recipient the
 * complete message bytes the transport gets (personalise(): headers, both parts, unsubscribe URL
 * signed for the subscriber, as the campaign does it). No network, no store.
 *
 *   node scripts/bench/personalise.js <count>   → one JSON line on stdout
 */
const { lib, nowMs, ROOT, SEED_ISSUE, SECRET } = require('./common');
const path = require('node:path');

async function main() {
  const count = Number(process.argv[2] ?? 20000);
  const { loadConfig } = lib('config');
  const { prepareSend } = lib('send/prepare');
  const { personalise } = lib('send/message');
  const { signToken, unsubscribeUrl } = lib('unsubscribe/token');
  const { DateTime } = require('luxon');
  const config = loadConfig(ROOT, { UNSUBSCRIBE_SECRET: SECRET });
  const pub = config.publication;
  const { slug, prepared } = await prepareSend(config, path.join(ROOT, SEED_ISSUE), SEED_ISSUE, undefined, DateTime.now());

  const one = (i) =>
    personalise(prepared, { id: i, address: `member${i}@example.org`, name: `Member ${i}` }, {
      publication: pub,
      slug,
      unsubscribeUrl: unsubscribeUrl(pub.site_url, signToken(config.env.unsubscribeKeys, i)),
      unsubscribeMailto: config.env.unsubscribeMailto,
    });

  // Warm-up: the first messages pay for compiling the code paths.
  for (let i = 1; i <= Math.min(500, count); i++) await one(i);
  let bytes = 0;
  const started = nowMs();
  for (let i = 1; i <= count; i++) bytes += (await one(i)).raw.length;
  const ms = nowMs() - started;
  process.stdout.write(JSON.stringify({ count, ms, perSecond: (count / ms) * 1000, messageBytes: Math.round(bytes / count) }) + '\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
