// ESLint 9 flat config: the recommended JS and typescript-eslint rules (not the
// type-aware set: `npm run typecheck` already runs tsc over src and test).
// Formatting is prettier's business (`npm run format:check`), not ESLint's.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'bench/.state/', 'test-artifacts/', 'fixtures/transcripts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: globals.node },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_`-prefixed names are deliberately unused (a signature that must match, a skipped tuple slot)
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // the layers (CONTRIBUTING.md): core never reaches up into
    // render, actions, commands or the server; render makes text from data only
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/render/*', '**/actions/*', '**/commands/*', '**/server/*'], message: 'core sits below render, actions, commands and the server: pass what it needs in instead' }] },
      ],
    },
  },
  {
    files: ['src/render/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/actions/*', '**/commands/*', '**/server/*'], message: 'render turns data into text; it does not call up into actions, commands or the server' }] },
      ],
    },
  },
  {
    // actions return data and print nothing: their text is a view in render/, chosen by the caller
    files: ['src/actions/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/render/*', '**/commands/*'], message: 'actions return data; the command (or the fast path) passes it to a view in render/' }] }],
    },
  },
  {
    files: ['src/server/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/render/*', '**/commands/*'], message: "the server sends data: it calls core and actions, never the CLI's text" }] }],
    },
  },
  {
    // expected output is matched literally, its indentation included
    files: ['test/**/*.ts'],
    rules: { 'no-regex-spaces': 'off' },
  },
  {
    // the dashboard runs in the browser, served as is (no build step)
    files: ['src/dashboard/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
);
