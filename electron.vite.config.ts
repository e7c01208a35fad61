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
      // The harness's browser driver is a development tool: loaded from node_modules when used, never bundled.
      externalizeDeps: { include: ['playwright-core'] },
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'main/index.ts'),
          // The headless CLI, built like the app so it starts without a TypeScript loader.
          cli: resolve(__dirname, 'main/cli/index.ts'),
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
