'use strict';
// Loaded with `node --require` by tests/cli/lazy-loading.test.ts: as the process exits, writes the
// files of every CommonJS module it loaded, one a line, to $RECORD_MODULES_FILE.
const fs = require('node:fs');

process.on('exit', () => {
  fs.writeFileSync(process.env.RECORD_MODULES_FILE, Object.keys(require.cache).join('\n') + '\n');
});
