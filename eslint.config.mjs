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
    files: ['main/services/**/*.ts', 'main/cli/**/*.ts', 'sandbox/**/*.ts', 'bench/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            noElectron,
            {
              group: ['**/renderer/**', '**/main/shell/**', '**/preload/index*'],
              message: 'Node services do not depend on the UI or the Electron shell.',
            },
          ],
        },
      ],
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
