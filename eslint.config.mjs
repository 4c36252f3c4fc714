// typescript-eslint, type-aware where it matters (floating promises in the extension host).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.e2e/**', 'test/.fixtures/**', '.cache/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': 'off',
    },
  },
  {
    // node:test's test()/describe() return promises that the runner awaits itself
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
  {
    // only src/extension/ talks to VS Code: the engine, the shared protocol, experiments, the CLI and the webview run without it
    files: ['src/engine/**/*.ts', 'src/shared/**/*.ts', 'src/experiments/**/*.ts', 'src/cli/**/*.ts', 'webview/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'Only src/extension/ imports vscode: the engine, shared code, experiments, CLI and webview run without VS Code.' }] }] },
  },
  {
    // shared code and the webview run in the browser too: no Node built-ins either
    files: ['src/shared/**/*.ts', 'webview/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', {
      paths: [{ name: 'vscode', message: 'src/shared/ and the webview run without VS Code.' }],
      patterns: [{ group: ['node:*', 'fs', 'path', 'os', 'worker_threads', 'child_process', 'crypto'], message: 'src/shared/ and the webview run in the browser: no Node modules.' }],
    }] },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { console: 'readonly', process: 'readonly', URL: 'readonly', setTimeout: 'readonly', Buffer: 'readonly' } },
  },
);
