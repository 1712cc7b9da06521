// Folder boundaries are enforced here, not by discipline (see README "Layout").
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['fs', 'child_process', 'net', 'os', 'path', 'http', 'https', 'crypto', 'url', 'stream', 'process', 'worker_threads', 'readline', 'tls', 'dns', 'zlib'];
const nodeBuiltinPatterns = ['node:*', ...nodeBuiltins, ...nodeBuiltins.map((m) => `${m}/*`)];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', 'test-results/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // main/core is pure: text in, data out. No I/O, no transports, no Electron.
    files: ['main/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: nodeBuiltinPatterns, message: 'main/core is pure: no Node I/O modules.' },
          { group: ['electron', 'ssh2', 'ssh-config'], message: 'main/core is pure: no Electron or transports.' },
          { group: ['**/io/**', '**/cli/**', '**/electron/**', '**/server/**'], message: 'main/core must not depend on outer layers.' },
        ],
      }],
      'no-restricted-globals': ['error', { name: 'process', message: 'main/core is pure: no process access.' }],
    },
  },
  {
    // Only main/electron and preload/ import electron; main/core and main/io have their own rules.
    files: ['main/cli/**/*.ts', 'main/server/**/*.ts', 'main/service/**/*.ts', 'test/**/*.ts'],
    ignores: ['test/electron/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        // The package only (a regex: the glob "electron/*" would also match main/electron/… paths,
        // which tests of the desktop app's pure functions import).
        patterns: [{ regex: '^electron(?:/.*)?$', message: 'Only main/electron imports electron.' }],
      }],
    },
  },
  {
    // The renderer runs in a sandboxed page: pure core code (model, contract, graph) only.
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: nodeBuiltinPatterns, message: 'The renderer has no Node access.' },
          { group: ['electron', 'electron/*', 'ssh2', 'ssh-config', 'ws'], message: 'The renderer talks to the back end only through the contract clients.' },
          { group: ['**/main/io/**', '**/main/cli/**', '**/main/electron/**', '**/main/server/**', '**/main/service/**'], message: 'The renderer may import main/core only.' },
        ],
      }],
    },
  },
  {
    // The back end and its WebSocket door sit below the app shells: no Electron, no CLI, no page code.
    files: ['main/service/**/*.ts', 'main/server/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { regex: '^electron(?:/.*)?$', message: 'Only main/electron imports electron.' },
          { group: ['**/main/electron/**', '**/electron/**', '**/cli/**', '**/renderer/**'], message: 'The back end must not depend on the app shells (main/electron, main/cli) or the page.' },
        ],
      }],
    },
  },
  {
    // The preload runs sandboxed: it may require 'electron' and nothing of Node; of ours, the contract only.
    files: ['preload/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: nodeBuiltinPatterns, message: 'A sandboxed preload has no Node modules.' },
          { group: ['**/main/io/**', '**/main/cli/**', '**/main/electron/**', '**/main/server/**', '**/main/service/**', '**/renderer/**'], message: 'The preload may import main/core only.' },
        ],
      }],
    },
  },
  {
    // main/io holds transports and collectors; it must not reach into the CLI or the app shell.
    files: ['main/io/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['electron', 'electron/*'], message: 'Only main/electron imports electron.' },
          { group: ['**/cli/**', '**/electron/**', '**/server/**'], message: 'main/io must not depend on the CLI, server or app shell.' },
        ],
      }],
    },
  },
);
