// The launch scheme at start: registered per user in a development run only; the installer owns it otherwise.
import { app } from 'electron';
import { resolve } from 'node:path';
import { protocolClientRegistration } from '../services/launch-scheme';

export function registerLaunchSchemeInDevelopment(): void {
  const registration = protocolClientRegistration({
    packaged: app.isPackaged,
    execPath: process.execPath,
    defaultApp: process.defaultApp === true,
    argv: process.argv,
    resolvePath: (file) => resolve(file),
  });
  if (registration) {
    app.setAsDefaultProtocolClient(registration.scheme, registration.executable, registration.args);
  }
}
