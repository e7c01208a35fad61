// Reads the fuse wire of a packaged Electron executable and fails unless every release fuse is as
// electron-builder.yml (electronFuses) sets it. Run in CI after packaging:
//   node build/verify-fuses.mjs "dist/win-unpacked/Wessex Care Record.exe"
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { FuseState, FuseV1Options, getCurrentFuseWire } from '@electron/fuses';

/** Must match electronFuses in electron-builder.yml (a test checks). */
export const EXPECTED_FUSES = {
  RunAsNode: false,
  EnableNodeOptionsEnvironmentVariable: false,
  EnableNodeCliInspectArguments: false,
  EnableCookieEncryption: true,
  OnlyLoadAppFromAsar: true,
  EnableEmbeddedAsarIntegrityValidation: true,
  GrantFileProtocolExtraPrivileges: false,
};

/** Returns one line per fuse that is not as expected (empty when all are). */
export async function checkFuses(executable) {
  const wire = await getCurrentFuseWire(executable);
  const problems = [];
  for (const [name, enabled] of Object.entries(EXPECTED_FUSES)) {
    const actual = wire[FuseV1Options[name]];
    const expected = enabled ? FuseState.ENABLE : FuseState.DISABLE;
    if (actual !== expected) {
      problems.push(
        `${name} should be ${enabled ? 'enabled' : 'disabled'} but is ${FuseState[actual] ?? 'absent'}`,
      );
    }
  }
  return problems;
}

if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  const executable = process.argv[2];
  if (!executable) {
    console.error('usage: node build/verify-fuses.mjs <packaged executable>');
    process.exit(2);
  }
  const problems = await checkFuses(executable);
  for (const problem of problems) console.error(`fuse: ${problem}`);
  if (problems.length > 0) process.exit(1);
  console.log(`All ${Object.keys(EXPECTED_FUSES).length} release fuses are set in ${executable}`);
}
