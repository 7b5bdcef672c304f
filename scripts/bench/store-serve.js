'use strict';
/**
 * The public server on a big store, in process on a free loopback port: each request timed from
 * the client side, `runs` times with different members (median). An unsubscribe link's page (the
 * token's mailbox, the subscriber, the suppression), the one-click POST (the suppression and the
 * subscriber's status, committed), the archive, the feed and a web version.
 *
 *   node scripts/bench/store-serve.js <project dir> <DATABASE_PATH> <runs> <slug> <members>   → one JSON line on stdout
 */
const http = require('node:http');
const { lib, median, nowMs, SECRET } = require('./common');

function request(port, method, path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: body ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function main() {
  const [dir, databasePath, runsArg, slug, membersArg] = process.argv.slice(2);
  const members = Number(membersArg);
  const runs = Number(runsArg);
  const { loadConfig } = lib('config');
  const { startPublicServer } = lib('web/server');
  const { signToken } = lib('unsubscribe/token');
  const { ONE_CLICK_FIELD, ONE_CLICK_VALUE } = lib('web/server/pages');
  const config = loadConfig(dir, { DATABASE_PATH: databasePath, UNSUBSCRIBE_SECRET: SECRET });
  // The bench's requests all come from 127.0.0.1: no rate limit in the way.
  const server = await startPublicServer({ config, port: 0, host: '127.0.0.1', rateLimit: { burst: 1e9, perSecond: 1e9 } });
  const port = Number(new URL(server.url).port);
  const keys = config.env.unsubscribeKeys;
  const timed = async (method, path, body, expected) => {
    const started = nowMs();
    const status = await request(port, method, path, body);
    const ms = nowMs() - started;
    if (status !== expected) throw new Error(`${method} ${path} answered ${status}, not ${expected}`);
    return ms;
  };
  const result = { unsubscribePage: [], unsubscribePost: [], archive: [], feed: [], web: [] };
  try {
    // Warm the server's own code paths once (what a long-running `serve` has done long before).
    await timed('GET', `/u/${signToken(keys, 1)}`, undefined, 200);
    for (let i = 0; i < runs; i++) {
      // Members spread over the list; every 50th is already unsubscribed, so skip those.
      const id = 2 + ((i * 7919) % (members - 2));
      const path = `/u/${signToken(keys, id % 50 === 0 ? id + 1 : id)}`;
      result.unsubscribePage.push(await timed('GET', path, undefined, 200));
      result.unsubscribePost.push(await timed('POST', path, `${ONE_CLICK_FIELD}=${encodeURIComponent(ONE_CLICK_VALUE)}`, 200));
      result.archive.push(await timed('GET', '/issues/', undefined, 200));
      result.feed.push(await timed('GET', '/feed.xml', undefined, 200));
      result.web.push(await timed('GET', `/issues/${slug}/`, undefined, 200));
    }
  } finally {
    await server.close();
  }
  process.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(result).map(([k, v]) => [k, { runs: v.length, medianMs: median(v) }]))) + '\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
