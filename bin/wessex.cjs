#!/usr/bin/env node
// Headless CLI entry: runs the TypeScript main-process services under plain Node (no Electron, no build).
require('tsx/cjs/api').register();
require('../main/cli/index.ts');
