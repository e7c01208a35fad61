#!/usr/bin/env node
// Headless CLI entry in a checkout: runs the TypeScript main-process services under plain Node (no Electron, no
// build), with tsx's hooks for both require() and import(), as `node --import tsx` installs them. The build's
// own CLI (out/main/cli.js) needs neither.
import('tsx/esm/api').then(({ register }) => {
  register();
  require('tsx/cjs/api').register();
  require('../main/cli/index.ts');
});
