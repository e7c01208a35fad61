import { defineConfig } from 'vitest/config';

// Tests that mock the Electron module need a fresh module registry per file; nothing else does, so the rest
// share one per worker (modules, medplum's FHIR definitions, pdf.js load once per worker, not once per file).
const MOCKS_ELECTRON = ['tests/unit/electron-*.test.ts'];

export default defineConfig({
  test: {
    // The tests drive the built CLI and renderer: refuse to run them against a build older than the sources.
    globalSetup: ['tests/support/global-setup.ts'],
    // Native modules (SQLite, keytar) and real servers: separate processes, two at a time on two cores.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'electron-mocked', include: MOCKS_ELECTRON } },
      {
        extends: true,
        test: { name: 'shared', isolate: false, include: ['tests/**/*.test.ts'], exclude: MOCKS_ELECTRON },
      },
    ],
  },
});
