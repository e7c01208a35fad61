// `node -r tests/support/electron-stub.cjs out/main/<entry>.js`: runs a built Electron entry under plain Node with
// the `electron` module replaced by this stub (the Electron binary cannot be downloaded here). It says on stdout
// which path the entry took: the desktop app asks for the single-instance lock; the CLI mode exits the app.
const Module = require('node:module');
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === 'electron' ? __filename : resolveFilename.call(this, request, ...rest);
};
const mark = (what) => process.stdout.write(`ELECTRON-STUB ${what}\n`);
module.exports = {
  app: {
    // An installed app (ELECTRON_STUB_PACKAGED=1) or a development run.
    isPackaged: process.env.ELECTRON_STUB_PACKAGED === '1',
    requestSingleInstanceLock: () => {
      mark('desktop-app');
      setImmediate(() => process.exit(0));
      return true;
    },
    enableSandbox: () => undefined,
    on: () => undefined,
    whenReady: () => new Promise(() => undefined),
    exit: (code) => {
      mark(`cli-exit ${code}`);
      process.exit(code);
    },
  },
  protocol: { registerSchemesAsPrivileged: () => undefined, handle: () => undefined },
  net: {},
  shell: {},
  session: {},
  ipcMain: { handle: () => undefined },
  BrowserWindow: function BrowserWindow() {},
};
