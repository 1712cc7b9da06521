/**
 * `npm run bench:layout`: layout + first paint in headless Chromium for snapshots of ~300, ~3,000
 * and ~10,000 PCI functions (the lab's `mixed` capture replicated, VFs collapsed), our layout
 * against ELK (elkjs) and fcose in the same run, one fresh page per measurement.
 *
 * Targets (issue 4): 10,000 functions under 3 s; at 3,000 at least 4× faster than ELK; the
 * renderer's JS heap at 10,000 functions under 200 MB (after a forced GC, with the graph shown).
 *
 * The page measures the graph alone (elements, layout, the app's graph view). Then the whole app
 * is measured at the largest size: the real back end holds the snapshot, the built renderer opens
 * it from its list as a user does (WebSocket transfer, validation, graph, then the analysis and
 * the graph again with verdict colours), and the heap is read once all that is on screen.
 *
 * Environment: BENCH_SIZES="300,3000,10000", BENCH_ENGINES="atlas,elk,fcose", BENCH_TIMEOUT_S=180
 * (a slower engine is stopped and reported as "> timeout"), BENCH_APP=0 to skip the app.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { buildRenderer, startApp } from '../e2e/app.ts';
import { launchChromium, type Browser } from '../e2e/browser.ts';
import type { BenchResult, Engine } from './layout-page.ts';
import { labSnapshot, snapshotOfSize } from './layout-snapshots.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const sizes = (process.env.BENCH_SIZES ?? '300,3000,10000').split(',').map(Number);
const engines = (process.env.BENCH_ENGINES ?? 'atlas,elk,fcose').split(',') as Engine[];
const timeoutMs = Number(process.env.BENCH_TIMEOUT_S ?? 180) * 1000;

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json' };

function serve(dir: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const asked = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const path = asked === '/' ? '/layout-page.html' : asked;
    try {
      const body = readFileSync(join(dir, path));
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    resolve({ server, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/` });
  }));
}

/** The whole app at `size` functions: opening the snapshot from the list until the graph is drawn, and until the analysis is in. */
async function measureApp(browser: Browser, snapshotJson: string, functions: number): Promise<{ openMs: number; analysedMs: number; heapMb: number }> {
  const rendererDir = await buildRenderer();
  const app = await startApp(rendererDir);
  try {
    await app.service.call('snapshots.import', { files: [{ name: 'bench.json', text: snapshotJson }] });
    const page = await browser.context.newPage();
    // The page opens the newest snapshot by itself once its lists are in.
    const started = Date.now();
    await page.goto(app.url);
    await page.waitForFunction((n) => (window as unknown as { atlasGraph?: { stats(): { functions: number } } }).atlasGraph?.stats().functions === n, functions, { timeout: timeoutMs, polling: 'raf' });
    const openMs = Date.now() - started;
    await page.getByText('Analysing…').waitFor({ state: 'detached', timeout: timeoutMs });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const analysedMs = Date.now() - started;
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
    await page.close();
    return { openMs, analysedMs, heapMb: heap.usedSize / 2 ** 20 };
  } finally {
    await app.close();
    rmSync(rendererDir, { recursive: true, force: true });
  }
}

interface Row extends Partial<BenchResult> {
  engine: Engine;
  size: number;
  heapMb?: number;
  error?: string;
}

async function main(): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), 'atlas-bench-'));
  await build({
    root: join(ROOT, 'test/bench'),
    configFile: false,
    logLevel: 'warn',
    base: './',
    esbuild: { jsx: 'automatic' },
    build: { outDir: out, emptyOutDir: true, assetsInlineLimit: 0, rollupOptions: { input: join(ROOT, 'test/bench/layout-page.html') }, chunkSizeWarningLimit: 10_000 },
  });
  const base = await labSnapshot('mixed');
  const snapshots = new Map(sizes.map((size) => [size, snapshotOfSize(base, size)]));
  for (const [size, snapshot] of snapshots) writeFileSync(join(out, `snapshot-${size}.json`), JSON.stringify(snapshot));

  const { server, url } = await serve(out);
  const browser = await launchChromium();
  const rows: Row[] = [];
  let appRow: { size: number; openMs: number; analysedMs: number; heapMb: number } | null = null;
  try {
    for (const size of sizes) {
      for (const engine of engines) {
        const page = await browser.context.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        const row: Row = { engine, size };
        try {
          await page.goto(url);
          const cdp = await browser.context.newCDPSession(page);
          const result = await Promise.race([
            page.evaluate(([e, u]) => (window as unknown as { runLayoutBench(e: string, u: string): Promise<BenchResult> }).runLayoutBench(e, u), [engine, `snapshot-${size}.json`] as const),
            new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`> ${timeoutMs / 1000} s (stopped)`)), timeoutMs)),
          ]);
          await cdp.send('HeapProfiler.collectGarbage');
          const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
          Object.assign(row, result, { heapMb: heap.usedSize / 2 ** 20 });
        } catch (e) {
          row.error = errors[0] ?? (e as Error).message.split('\n')[0];
        }
        rows.push(row);
        const ms = (v: number | undefined) => (v === undefined ? '-' : `${Math.round(v)} ms`);
        console.log(`${String(size).padStart(6)} ${engine.padEnd(6)} ${row.error ?? `functions ${row.functions}, nodes ${row.nodes}, boxes ${row.boxes}: elements ${ms(row.elementsMs)}, layout ${ms(row.layoutMs)}, build+paint ${ms(row.renderMs)}, total ${ms(row.totalMs)}, heap ${row.heapMb!.toFixed(1)} MB`}`);
        await page.close({ runBeforeUnload: false }).catch(() => undefined);
      }
    }
    if (process.env.BENCH_APP !== '0') {
      const size = Math.max(...sizes);
      const snapshot = snapshots.get(size)!;
      appRow = { size, ...(await measureApp(browser, JSON.stringify(snapshot), snapshot.devices.length)) };
      console.log(`${String(size).padStart(6)} app    opened to the graph in ${appRow.openMs} ms, with the analysis in ${appRow.analysedMs} ms, heap ${appRow.heapMb.toFixed(1)} MB`);
    }
  } finally {
    await browser.close();
    server.close();
    rmSync(out, { recursive: true, force: true });
  }

  const find = (engine: Engine, size: number) => rows.find((r) => r.engine === engine && r.size === size);
  const largest = Math.max(...sizes);
  const big = find('atlas', largest);
  const mid = find('atlas', 3000);
  const elkMid = find('elk', 3000);
  const verdicts: string[] = [];
  if (big?.totalMs !== undefined) verdicts.push(`${largest} functions in ${Math.round(big.totalMs)} ms (target < 3000 ms): ${big.totalMs < 3000 ? 'met' : 'MISSED'}`);
  if (big?.heapMb !== undefined) verdicts.push(`graph page heap at ${largest} functions ${big.heapMb.toFixed(1)} MB (target < 200 MB): ${big.heapMb < 200 ? 'met' : 'MISSED'}`);
  if (appRow) verdicts.push(`app heap at ${appRow.size} functions, analysis shown, ${appRow.heapMb.toFixed(1)} MB (target < 200 MB): ${appRow.heapMb < 200 ? 'met' : 'MISSED'}`);
  if (mid?.totalMs !== undefined && elkMid) {
    const elkMs = elkMid.totalMs ?? timeoutMs;
    const factor = elkMs / mid.totalMs;
    verdicts.push(`3000: ${factor.toFixed(1)}× faster than ELK${elkMid.totalMs === undefined ? ' (ELK stopped)' : ''} (target ≥ 4×): ${factor >= 4 ? 'met' : 'MISSED'}`);
  }
  for (const v of verdicts) console.log(v);
  mkdirSync(join(ROOT, 'test-results'), { recursive: true });
  writeFileSync(join(ROOT, 'test-results/bench-layout.json'), `${JSON.stringify({ rows, app: appRow, verdicts }, null, 2)}\n`);
}

await main();
