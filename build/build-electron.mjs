// `npm run build:electron`: bundles the desktop app's main process and preload with esbuild into
// dist/electron/, next to the files they read at run time.
//
// - main.mjs (ESM, Electron 45 = Node 22): every dependency bundled (zod, ssh2, ssh-config…), so
//   the packaged app ships no node_modules. Only `electron` stays external; ssh2's optional native
//   helpers (cpu-features, sshcrypto.node) are external and absent, which ssh2 handles (its pure
//   JavaScript crypto path). CommonJS dependencies use require(), __dirname and __filename,
//   which ESM lacks: the banner defines them for the bundle.
// - preload.cjs (CommonJS): a sandboxed preload may only require('electron'), and cannot be ESM.
// - The bundle keeps the sources' `new URL(…, import.meta.url)` look-ups, now relative to
//   dist/electron/: the collector script (./collect.sh) and the bundled samples (../samples/).
//
// `--out DIR` builds into DIR/electron and DIR/samples instead of dist/ (the tests do).
import { build } from 'esbuild';
import { cp, mkdir, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('../', import.meta.url));
const at = (path) => `${root}${path}`;
const { values } = parseArgs({ options: { out: { type: 'string' } } });
const dist = values.out ? resolve(values.out) : at('dist');
const out = (path) => `${dist}/${path}`;

await rm(out('electron'), { recursive: true, force: true });
await rm(out('samples'), { recursive: true, force: true });
await mkdir(out('electron'), { recursive: true });

const common = { bundle: true, platform: 'node', sourcemap: true, logLevel: 'warning', legalComments: 'none' };

await build({
  ...common,
  entryPoints: [at('main/electron/main.ts')],
  outfile: out('electron/main.mjs'),
  format: 'esm',
  target: 'node22',
  external: ['electron', 'cpu-features', '*.node'],
  banner: {
    js: [
      "import { createRequire as __atlasCreateRequire } from 'node:module';",
      "import { fileURLToPath as __atlasFileURLToPath } from 'node:url';",
      'const require = __atlasCreateRequire(import.meta.url);',
      'const __filename = __atlasFileURLToPath(import.meta.url);',
      "const __dirname = __atlasFileURLToPath(new URL('.', import.meta.url));",
    ].join(' '),
  },
});

await build({
  ...common,
  entryPoints: [at('preload/preload.ts')],
  outfile: out('electron/preload.cjs'),
  format: 'cjs',
  // Chromium 140 (Electron 45): the preload runs in the renderer process.
  target: 'chrome140',
  external: ['electron'],
});

await cp(at('main/io/collector/collect.sh'), out('electron/collect.sh'));
await cp(at('main/samples'), out('samples'), { recursive: true });
console.log(`built ${out('electron/main.mjs')}, ${out('electron/preload.cjs')} (+ collect.sh, samples/)`);
