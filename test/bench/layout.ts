/**
 * `npm run bench:layout`: layout + first paint in headless Chromium for snapshots of ~300, ~3,000
 * and ~10,000 PCI functions (the lab's `mixed` capture replicated, VFs collapsed), our layout
 * against ELK (elkjs) and fcose in the same run, one fresh page per measurement.
 *
 * Targets (issue 4): 10,000 functions under 3 s; at 3,000 at least 4× faster than ELK; the
 * renderer's JS heap at 10,000 functions under 200 MB (after a forced GC, with the graph shown).
 *
 * Environment: BENCH_SIZES="300,3000,10000", BENCH_ENGINES="atlas,elk,fcose", BENCH_TIMEOUT_S=180
 * (a slower engine is stopped and reported as "> timeout").
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { launchChromium } from '../e2e/browser.ts';
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
  for (const size of sizes) writeFileSync(join(out, `snapshot-${size}.json`), JSON.stringify(snapshotOfSize(base, size)));

  const { server, url } = await serve(out);
  const browser = await launchChromium();
  const rows: Row[] = [];
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
  if (big?.heapMb !== undefined) verdicts.push(`heap at ${largest} functions ${big.heapMb.toFixed(1)} MB (target < 200 MB): ${big.heapMb < 200 ? 'met' : 'MISSED'}`);
  if (mid?.totalMs !== undefined && elkMid) {
    const elkMs = elkMid.totalMs ?? timeoutMs;
    const factor = elkMs / mid.totalMs;
    verdicts.push(`3000: ${factor.toFixed(1)}× faster than ELK${elkMid.totalMs === undefined ? ' (ELK stopped)' : ''} (target ≥ 4×): ${factor >= 4 ? 'met' : 'MISSED'}`);
  }
  for (const v of verdicts) console.log(v);
  mkdirSync(join(ROOT, 'test-results'), { recursive: true });
  writeFileSync(join(ROOT, 'test-results/bench-layout.json'), `${JSON.stringify({ rows, verdicts }, null, 2)}\n`);
}

await main();
