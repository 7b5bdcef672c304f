#!/usr/bin/env node
'use strict';
// The CLI is compiled from TypeScript by `npm ci` (the `prepare` script) into lib/.
let main;
try {
  ({ main } = require('../lib/src/cli/main.js'));
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes('lib/src/cli/main.js')) {
    console.error('newsletter: the program is not built yet. Run `npm ci` (or `npm run build:ts`) first.');
    process.exit(1);
  }
  throw err;
}
main(process.argv);
