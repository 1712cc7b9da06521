/**
 * The app as a user reaches it: the renderer built as `npm run build:renderer` builds it (into a
 * temporary directory, so the tests see the current sources), served by the real `serve` server
 * (startAtlasServer, the function `iommu-atlas serve` runs) over the real back end, with a
 * throwaway home directory, and a page in headless Chromium that records console errors, CSP
 * violations and every request it makes.
 */
import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from 'playwright-core';
import { build } from 'vite';
import { AtlasService, type AtlasServiceOptions } from '../../main/service/atlas-service.ts';
import { startAtlasServer, type AtlasServer } from '../../main/server/server.ts';
import { makeAtlasHome } from '../helpers/atlas-home.ts';
import { makeTempDir } from '../helpers/sshd.ts';
import type { Browser } from './browser.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Screenshots are kept here (git-ignored) as the run's artefacts. */
export const RESULTS_DIR = join(ROOT, 'test-results/e2e');

export async function buildRenderer(): Promise<string> {
  const outDir = await makeTempDir('atlas-renderer-');
  await build({ configFile: join(ROOT, 'vite.config.ts'), root: join(ROOT, 'renderer'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  return outDir;
}

export interface RunningApp {
  url: string;
  origin: string;
  home: string;
  service: AtlasService;
  server: AtlasServer;
  close(): Promise<void>;
}

export async function startApp(rendererDir: string, options: Omit<AtlasServiceOptions, 'homeDir'> = {}): Promise<RunningApp> {
  const home = await makeAtlasHome('');
  const service = new AtlasService({ homeDir: home, env: {}, ...options });
  const server = await startAtlasServer({ service, port: 0, rendererDir });
  return {
    url: server.url,
    origin: `http://127.0.0.1:${server.port}`,
    home, service, server,
    async close() {
      await server.close();
      await service.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}

export interface WatchedPage {
  page: Page;
  consoleErrors: string[];
  cspViolations: string[];
  /** Requests to anywhere but the app's own origin. */
  foreignRequests: string[];
}

/** A new page that records what must never happen; `origin` is the app's own. */
export async function watchedPage(browser: Browser, origin: string): Promise<WatchedPage> {
  const page = await browser.context.newPage();
  const watched: WatchedPage = { page, consoleErrors: [], cspViolations: [], foreignRequests: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') watched.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => watched.consoleErrors.push(`uncaught: ${e.message}`));
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(`${origin}/`) && !url.startsWith(origin.replace(/^http/, 'ws')) && !url.startsWith('data:') && !url.startsWith('blob:')) {
      watched.foreignRequests.push(url);
    }
  });
  await page.exposeFunction('__atlasCspViolation', (text: string) => watched.cspViolations.push(text));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __atlasCspViolation(t: string): void }).__atlasCspViolation(`${e.violatedDirective} ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}:${e.columnNumber}`);
    });
  });
  return watched;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** Waits until an element of `locator` holds `text` (what Playwright Test's toContainText does). */
export async function sees(locator: Locator, text: string | RegExp, timeout = 15_000): Promise<void> {
  try {
    await locator.filter({ hasText: text }).first().waitFor({ timeout });
  } catch {
    const seen = await locator.allTextContents().catch(() => []);
    throw new Error(`expected ${locator} to show ${String(text)}; it shows ${JSON.stringify(seen)}`);
  }
}

/** A pattern for exactly this text (surrounding white space aside). */
export function exactly(text: string): RegExp {
  return new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
}
