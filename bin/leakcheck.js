#!/usr/bin/env node
'use strict';
// `npx leakcheck ...`: the command line (merge shard reports, write a baseline).
require('../build/cli/main').main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`leakcheck: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
