/**
 * The renderer's build (`npm run build:renderer`): renderer/index.html and its modules to
 * dist/renderer/ as index.html plus hashed files under assets/. Nothing inline (no inlined
 * scripts, styles or data: assets, no module-preload polyfill), so the page runs under the strict
 * CSP of main/server/csp.ts; relative URLs, so the same files serve over http:// and app://.
 * Paths are relative to the package root, where npm runs the script.
 */
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'renderer',
  base: './',
  publicDir: false,
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
    chunkSizeWarningLimit: 2048,
  },
});
