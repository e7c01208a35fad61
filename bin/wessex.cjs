#!/usr/bin/env node
// `npx wessex` in a checkout: the development CLI (the shipped commands, plus the sandbox and `start`) run from
// the TypeScript sources under plain Node, with tsx's hooks for both require() and import(), as
// `node --import tsx` installs them. The build's CLIs (out/main/cli.js, out/main/dev-cli.js) need neither.
import('tsx/esm/api').then(({ register }) => {
  register();
  require('tsx/cjs/api').register();
  require('../main/dev/cli.ts');
});
