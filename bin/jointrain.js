#!/usr/bin/env node
// The CLI entry: the bundled trainer (built by `npm run build`).
require('../dist/trainer.js')
  .main(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
