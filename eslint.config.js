// @ts-check
// Flat, type-aware ESLint config. Prettier owns formatting, so no stylistic rules are enabled here.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const tsFiles = ['**/*.ts', '**/*.mts', '**/*.cts'];

// Bare builtin names (fs, path, ...) plus their `node:` forms; `node:*` patterns catch the rest.
const builtins = builtinModules.filter((name) => !name.startsWith('_'));

/**
 * The layers (CONTRIBUTING.md): which folder may not import which. Matched on relative import
 * paths, so packages such as `@temporalio/client` are not caught.
 */
const layer = (folder, message) => ({ regex: `^\\.{1,2}/(.*/)?${folder}(/|$)`, message });
const LAYER_BANS = {
  scripts: layer('scripts', 'src never imports scripts/: scripts are thin entry points over src.'),
  client: layer(
    'client',
    'Workers never import the client: move what both need to src/shared (or a module both may import).',
  ),
  activities: layer(
    'activities',
    "The client never imports activities: this machine's agents, config and artifact store come from src/config and src/store.",
  ),
};
const restrict = (options) => ['error', options];

// Workflow code runs in Temporal's deterministic sandbox: no Node builtins, and activities are
// referenced only as types (`import type * as activities from '../activities'`).
const sandboxRestrictions = {
  paths: [
    ...builtins.map((name) => ({
      name,
      message: 'Workflow code runs in the Temporal sandbox: no Node builtins. Do the I/O in an activity.',
    })),
    ...['@temporalio/activity', '@temporalio/worker', '@temporalio/client'].map((name) => ({
      name,
      allowTypeImports: true,
      message: `Workflow code may import "${name}" as types only.`,
    })),
  ],
  patterns: [
    {
      group: ['node:*'],
      message: 'Workflow code runs in the Temporal sandbox: no Node builtins. Do the I/O in an activity.',
    },
    {
      regex: '(^|/)activities(/|$)',
      allowTypeImports: true,
      message: "Import activities as types only: `import type * as activities from '../activities'`.",
    },
    LAYER_BANS.scripts,
  ],
};

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      'dist/**',
      'coverage/**',
      'test/fixtures/**',
      // Deliberately bad imports, linted by test/lint/layers.test.ts under their src/ paths.
      'test/lint/fixtures/**',
      'test/.tmp/**',
      '.baton/**',
      // Browser scripts the console serves as they are (no build step); not Node code.
      'src/server/console/assets/**',
    ],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  js.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.mts', '.cts'] },
      // Sources import each other extensionless (`./build`, `../activities`), as tsconfig's Bundler resolution allows.
      'import-x/resolver-next': [
        createNodeResolver({
          extensions: ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json', '.node'],
          conditionNames: ['types', 'import', 'require', 'node', 'default'],
        }),
      ],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-self-import': 'error',
    },
  },
  {
    files: tsFiles,
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
      // Off: noise outside STYLE.md's list. JSON, CLI options and proto payloads are untyped by
      // nature and get parsed through zod where it matters; fakes and activities implement async
      // contracts without awaiting; String(unknown) is deliberate in error messages; proto enums
      // compare as numbers; abort reasons are rejected as-is so Temporal sees its own cancellation.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-enum-comparison': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/prefer-promise-reject-errors': 'off',
    },
  },
  // The layers. Each block lists every ban for its folder: a later block replaces the rule's options.
  {
    files: ['src/**'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': restrict({ patterns: [LAYER_BANS.scripts] }),
    },
  },
  {
    files: ['src/workers/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict({
        patterns: [LAYER_BANS.scripts, LAYER_BANS.client],
      }),
    },
  },
  {
    // Used by the client (`baton pr`) and by an activity (the pull-request agent): neither's code.
    files: ['src/github/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict({
        patterns: [LAYER_BANS.scripts, LAYER_BANS.client],
      }),
    },
  },
  {
    // The payload codec: used by the client and by the worker, so it may import neither.
    files: ['src/codec/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict({
        patterns: [LAYER_BANS.scripts, LAYER_BANS.client, LAYER_BANS.activities],
      }),
    },
  },
  {
    files: ['src/client/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict({
        patterns: [LAYER_BANS.scripts, LAYER_BANS.activities],
      }),
    },
  },
  {
    files: ['src/workflows/**', 'src/shared/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': restrict(sandboxRestrictions),
      'no-restricted-globals': [
        'error',
        {
          name: 'process',
          message: 'No process or process.env in workflow code: pass values in the workflow input.',
        },
        { name: 'Buffer', message: 'Buffer is a Node global, unavailable in the workflow sandbox.' },
      ],
    },
  },
  prettier,
);
