// Electron entry of the shipped app: the product viewer (machine policy, no sandbox, no development tools), or
// — with --cli — the headless CLI for support workstations, run by the app's own binary so the RunAsNode fuse
// can stay off.
import { app } from 'electron';
import { createProgram, productEnvironment, runProgram } from './cli/program';
import { createViewer } from './services/composition/viewer';
import { runDesktopApp } from './shell/desktop-app';

if (process.argv.includes('--cli')) {
  const argv = process.argv.filter((arg) => arg !== '--cli');
  void runProgram(createProgram(productEnvironment), argv, 'electron').finally(() =>
    app.exit(typeof process.exitCode === 'number' ? process.exitCode : 0),
  );
} else {
  runDesktopApp(createViewer);
}
