// Electron entry for development (`npm start` where the Electron binary is available): the same desktop app,
// with the viewer on the built-in sandbox when no machine policy configures record sources. Never packaged.
import { runDesktopApp } from '../shell/desktop-app';
import { createSandboxViewer } from './sandbox-viewer';

runDesktopApp((options) => createSandboxViewer(options));
