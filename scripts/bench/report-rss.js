'use strict';
/**
 * Loaded into a measured child with `--require`: as the process exits, writes its peak resident
 * memory (bytes) to BENCH_RSS_FILE. `process.exit()` and a natural end both fire 'exit'.
 */
const fs = require('node:fs');

const file = process.env.BENCH_RSS_FILE;
if (file) {
  // Only the measured process reports; children it starts would overwrite the figure.
  delete process.env.BENCH_RSS_FILE;
  process.on('exit', () => {
    // resourceUsage().maxRSS is in kilobytes.
    fs.writeFileSync(file, String(process.resourceUsage().maxRSS * 1024));
  });
}
