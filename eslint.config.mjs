// Lint, plus the layering rules: the path of a file says which process it runs in and what it may import.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const nodeBuiltins = [
  'node:*',
  'fs',
  'fs/*',
  'path',
  'os',
  'child_process',
  'crypto',
  'http',
  'https',
  'net',
  'url',
  'util',
  'stream',
];
const noElectron = {
  group: ['electron', 'electron/*'],
  message: 'Only main/index.ts, main/shell/ and preload/ may import Electron.',
};
/** Headless Node code (services, CLI) never reaches into the UI, the Electron shell or the preload script. */
const headless = (message) => ({
  group: ['**/renderer/**', '**/main/shell/**', '**/preload/index*'],
  message,
});
/** What only a development checkout has: never in the shipped services or CLI. */
const developmentOnly = ['**/main/dev/**', '**/sandbox/**', '**/sandbox', 'playwright-core', 'tsx'];

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', 'test-results/', 'bench/results/', 'stubs/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['bin/*.cjs', 'build/*.{cjs,js}'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['common/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noElectron,
            {
              group: nodeBuiltins,
              message: 'common/ is pure: it runs in every process, including the renderer.',
            },
            {
              group: ['**/main/**', '**/renderer/**', '**/sandbox/**', '**/preload/**'],
              message: 'common/ imports nothing of the layers above it.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noElectron,
            {
              group: nodeBuiltins,
              message: 'The renderer has no Node: ask main through the bridge (preload/contract.ts).',
            },
            {
              group: ['**/main/**', '**/sandbox/**'],
              message: 'The renderer knows only the bridge contract and common/.',
            },
            {
              group: ['**/preload/index*'],
              message: 'Import the contract (preload/contract.ts), not the preload script.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['preload/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/main/**', '**/renderer/**', '**/sandbox/**'],
              message: 'The preload is the bridge alone: Electron, the contract and common/.',
            },
            { group: nodeBuiltins, message: 'The preload runs sandboxed: no Node.' },
          ],
        },
      ],
    },
  },
  {
    files: ['main/services/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noElectron,
            headless('Node services do not depend on the UI or the Electron shell.'),
            {
              group: ['**/main/cli/**', ...developmentOnly],
              message: 'The shipped services know nothing of the CLI, the sandbox or development tools.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['main/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noElectron,
            headless('The CLI is headless: services only.'),
            {
              group: developmentOnly,
              message: 'The shipped CLI carries no sandbox or development tools (main/dev adds them).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['main/shell/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/renderer/**', '**/main/cli/**', '**/main/dev/**', '**/sandbox/**', '**/sandbox'],
              message: 'The Electron shell wires Electron to the services, nothing else.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['main/index.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/main/dev/**', '**/dev/**', '**/sandbox/**', '**/sandbox', '**/renderer/**'],
              message: 'The shipped app entry: product services, shell and CLI only.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['main/dev/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/renderer/**'],
              message: 'Development tools drive the renderer through the harness.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['main/dev/**/*.ts'],
    ignores: ['main/dev/electron-main.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noElectron,
            {
              group: ['**/main/shell/**', '**/shell/**'],
              message: 'Only the development Electron entry uses the shell.',
            },
            {
              group: ['**/renderer/**'],
              message: 'Development tools drive the renderer through the harness.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['bench/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [noElectron] }],
    },
  },
  {
    files: ['sandbox/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noElectron,
            {
              group: ['**/main/**', '**/renderer/**', '**/preload/**'],
              message: 'The sandbox stands alone: it is the servers, not the app.',
            },
          ],
        },
      ],
    },
  },
);
