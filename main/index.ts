// Electron entry of the shipped app: the product viewer (machine policy, no sandbox, no development tools), or
// — with --cli as the first argument — the headless CLI for support workstations, run by the app's own binary
// so the RunAsNode fuse can stay off.
import { app } from 'electron';
import { markPackagedBuild } from './services/build-mode';
import { createProgram, productEnvironment, runProgram } from './cli/program';
import { createViewer } from './services/composition/viewer';
import { runDesktopApp } from './shell/desktop-app';

// The user's own arguments follow the executable in an installed app; in a development run (`electron <app>`,
// or plain Node) the app's path comes first.
// Every file the app creates (stores, logs, exports) is readable by this user only.
process.umask(0o077);
// Said once, before anything reads configuration: an installed app ignores WESSEX_* overrides, reads policy only
// where administrators alone can write it, and leaves the launch scheme to the installer.
if (app.isPackaged) markPackagedBuild();

const firstArg = process.defaultApp || !process.versions.electron ? 2 : 1;

// Only in first place: a launch URI (which the OS passes as an argument) can never switch the app to the CLI.
if (process.argv[firstArg] === '--cli') {
  const argv = process.argv.filter((_arg, index) => index !== firstArg);
  void runProgram(createProgram(productEnvironment), argv, firstArg === 1 ? 'electron' : 'node').finally(() =>
    app.exit(typeof process.exitCode === 'number' ? process.exitCode : 0),
  );
} else {
  runDesktopApp(createViewer);
}
