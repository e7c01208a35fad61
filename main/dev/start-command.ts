// `npm start` (development): the desktop app on the built-in sandbox when no machine policy configures sources.
// Electron when its binary is available; otherwise the same viewer, bridge and renderer in Debian Chromium
// (headed with a display, headless with a screenshot without one).
import { spawn, spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { resolveDataDir } from '../services/paths';
import { projectRoot } from './project-root';
import { findElectronBinary } from './electron-binary';
import { openHarness, waitForRecord } from './harness';
import { createSandboxViewer } from './sandbox-viewer';
import { clearSandboxState, writeSandboxState } from './sandbox-state';

interface StartFlags {
  browser?: boolean;
  headless?: boolean;
  dataDir?: string;
  screenshot?: string;
}

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('Run the viewer (Electron, or Chromium where the Electron binary is unavailable)')
    .option('--browser', 'use the Chromium harness even when Electron is available')
    .option('--headless', 'no window: save a screenshot of the record instead')
    .option('--data-dir <dir>', 'where the offline store and audit log live')
    .option('--screenshot <file>', 'where the headless screenshot goes', 'out/start/record.png')
    .allowUnknownOption()
    .argument('[launch...]', 'a launch URI or --iss/--launch arguments, passed to the app')
    .action(async (launch: string[], flags: StartFlags) => {
      const electron = flags.browser ? undefined : findElectronBinary();
      if (electron) {
        // The development entry: the same app, with the sandbox when no policy configures sources.
        const entry = join(projectRoot(), 'out', 'main', 'dev-electron.js');
        const child = spawn(electron, [entry, ...launch], { stdio: 'inherit' });
        child.on('exit', (code) => process.exit(code ?? 0));
        return;
      }
      if (!flags.browser) {
        console.log(
          'The Electron binary is not available on this machine; opening the viewer in Chromium instead.',
        );
      }
      if (needsPrivateKeyring()) {
        console.log('No desktop session keyring: running the viewer inside a private keyring session.');
        const child = spawn(join(projectRoot(), 'bin', 'with-keyring.sh'), process.argv, {
          stdio: 'inherit',
        });
        child.on('exit', (code) => process.exit(code ?? 0));
        return;
      }
      await startInChromium(launch, flags);
    });
}

/** Linux with no session bus has no Secret Service for keytar; the project ships a private one for that case. */
function needsPrivateKeyring(): boolean {
  return (
    process.platform === 'linux' &&
    !process.env.DBUS_SESSION_BUS_ADDRESS &&
    !process.env.WESSEX_KEYRING_READY &&
    hasCommand('dbus-run-session') &&
    hasCommand('gnome-keyring-daemon')
  );
}

function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

async function startInChromium(launch: string[], flags: StartFlags): Promise<void> {
  const viewer = await createSandboxViewer({
    dataDir: resolveDataDir(flags.dataDir),
    sandbox: { admin: true },
  });
  // `wessex sandbox event` (caseload alerts) finds this sandbox's admin endpoint through the state file.
  const admin = viewer.sandbox?.urls.admin;
  if (admin) await writeSandboxState({ admin, pid: process.pid, startedAt: new Date().toISOString() });
  const headed = !flags.headless && Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
  const harness = await openHarness({
    services: viewer,
    headed,
    onPrinted: () =>
      console.log(
        'Handover summary printed (a headless browser has no printer: the printout was discarded).',
      ),
  });
  const stop = async () => {
    if (admin) await clearSandboxState(admin);
    await harness.close();
    await viewer.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  await viewer.handleLaunchArgs(launch);
  const { page } = await harness.newPage();
  if (viewer.sandbox)
    console.log('Running on the built-in Wessex sandbox (no machine policy is configured).');
  if (admin)
    console.log('Caseload events: npx wessex sandbox event admit|discharge|ed|letter|death <patient>');
  if (!headed) {
    // A record that cannot finish (every source down) is still worth a screenshot: it says why.
    await waitForRecord(page).catch(() => undefined);
    const file = resolve(flags.screenshot ?? 'out/start/record.png');
    await mkdir(join(file, '..'), { recursive: true });
    await page.screenshot({ path: file, fullPage: false });
    console.log(`No display: the viewer is running headless. Screenshot of the record: ${file}`);
  }
  console.log('Press Ctrl+C to stop.');
}
