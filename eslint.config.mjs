// Type-aware linting, and the walls of ARCHITECTURE.md as import restrictions per room.
import tseslint from 'typescript-eslint';

const restrict = (patterns, message) => ({
  'no-restricted-imports': ['error', { patterns: patterns.map((group) => ({ group: [group], message })) }],
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/.work/**', 'examples/data/**', '**/*.mjs', 'bin/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // tfjs ops return the general tf.Tensor type; `as tf.Scalar` is the idiomatic narrowing.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // tfjs IOHandlers and similar callbacks must return promises even when they do no I/O.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: restrict(
      ['vscode', 'node:*', 'fs', 'path', '**/trainer/**', '**/extension/**', '**/webview/**'],
      'src/shared is pure: no vscode, no node I/O, no other room.',
    ),
  },
  {
    files: ['src/node/**/*.ts'],
    rules: restrict(
      ['vscode', '@tensorflow/*', '**/trainer/**', '**/extension/**', '**/webview/**'],
      'src/node is what both processes need from Node: node:* and src/shared only.',
    ),
  },
  {
    files: ['webview/**/*.ts'],
    rules: restrict(
      ['vscode', 'node:*', 'fs', 'path', '@tensorflow/*', '**/trainer/**', '**/extension/**', '**/node/**'],
      'the webview renders and posts intent: src/shared and browser libraries only.',
    ),
  },
  {
    files: ['examples/**/*.ts'],
    rules: restrict(['vscode', '**/extension/**', '**/webview/**'], 'examples are trainer-side: they never import the host or the panel.'),
  },
  {
    files: ['src/trainer/**/*.ts'],
    rules: restrict(['vscode', '**/extension/**', '**/webview/**'], 'the trainer never imports vscode or the host.'),
  },
  {
    files: ['src/extension/**/*.ts'],
    rules: restrict(
      ['@tensorflow/*', '**/trainer/**', '**/webview/**', '**/examples/**'],
      'the host orchestrates and never trains: talk to the trainer through src/shared protocols.',
    ),
  },
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
);
