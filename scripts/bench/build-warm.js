'use strict';
/**
 * Warm build of the seed issue per engine: the issue loaded once, then buildView + renderIssue
 * (what `build` and `send` do to render an issue once) many times in one process; the median.
 *
 *   node scripts/bench/build-warm.js <runs>   → one JSON line on stdout
 */
const path = require('node:path');
const { lib, median, nowMs, ROOT, SEED_ISSUE } = require('./common');

/** The first renders compile templates and fill caches; they are not what a warm build costs. */
const WARM_UP_RUNS = 5;

async function main() {
  const runs = Number(process.argv[2] ?? 50);
  const { loadConfig } = lib('config');
  const { loadIssueFile } = lib('issue/load');
  const { buildView } = lib('issue/view');
  const { renderIssue } = lib('render');
  const { DateTime } = require('luxon');
  const config = loadConfig(ROOT, {});
  const loaded = loadIssueFile(path.join(ROOT, SEED_ISSUE), config.publication.timezone, SEED_ISSUE);
  const now = DateTime.now();

  const result = {};
  for (const engine of ['react', 'mjml']) {
    const once = async () => {
      const view = buildView(loaded.issue, config.publication, { slug: loaded.slug, now, images: loaded.images });
      return renderIssue(view, engine);
    };
    for (let i = 0; i < WARM_UP_RUNS; i++) await once();
    const times = [];
    for (let i = 0; i < runs; i++) {
      const t = nowMs();
      await once();
      times.push(nowMs() - t);
    }
    result[engine] = { runs, medianMs: median(times), minMs: Math.min(...times), maxMs: Math.max(...times) };
  }
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
