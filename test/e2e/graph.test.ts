/**
 * The app end to end in headless Chromium, against the real `serve` server and back end: real
 * captures imported the ways a user imports them (file picker, drop, paste), the graph counted
 * against the snapshot, the inspector, search, keyboard, themes, and a back end whose analysis
 * fails. Every page must stay free of console errors and CSP violations and talk to nothing but
 * its own origin. Screenshots go to test-results/e2e/.
 */
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../main/core/model/snapshot.ts';
import { importPaths } from '../../main/io/import.ts';
import { FIXTURES_DIR } from '../helpers/fixture-text.ts';
import { LAB_DIR } from '../helpers/fstree.ts';
import { buildRenderer, exactly, screenshot, sees, startApp, watchedPage, type RunningApp, type WatchedPage } from './app.ts';
import { launchChromium, type Browser } from './browser.ts';

/** The outputs of the lab capture "mixed" a user would pick (SUMMARY.md: 33 functions, 23 groups). */
const MIXED_FILES = ['lspci-vvv-nn-D.txt', 'iommu-groups.txt', 'pci-devices.tsv', 'dmesg.txt', 'cmdline.txt', 'cpuinfo.txt', 'uname.txt']
  .map((f) => join(LAB_DIR, 'mixed', f));
const X570_FILES = ['lspci-vvnn.txt', 'dmesg-excerpt.txt'].map((f) => join(FIXTURES_DIR, 'realworld/linuxhw-asus-prime-x570-pro', f));

interface GraphStats {
  nodes: number;
  boxes: number;
  edges: number;
  functions: number;
  groups: number;
}

let rendererDir: string;
let app: RunningApp;
let browser: Browser;
let mixed: Snapshot;
let w: WatchedPage;

beforeAll(async () => {
  [rendererDir, mixed] = await Promise.all([buildRenderer(), importPaths(MIXED_FILES)]);
  app = await startApp(rendererDir);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  if (rendererDir) await rm(rendererDir, { recursive: true, force: true });
});

afterEach(async () => {
  expect(w.consoleErrors, w.consoleErrors.join("\n")).toEqual([]);
  expect(w.cspViolations).toEqual([]);
  expect(w.foreignRequests).toEqual([]);
  await w.page.close();
});

const stats = (page: Page) => page.evaluate(() => (window as unknown as { atlasGraph: { stats(): GraphStats } }).atlasGraph.stats());

async function openApp(): Promise<Page> {
  w = await watchedPage(browser, app.origin);
  await w.page.goto(app.url);
  // The lists are in once this machine is listed.
  await w.page.locator('li.host').first().waitFor();
  return w.page;
}

/** Waits until the graph shows `functions` functions and the analysis is in. */
async function graphOf(page: Page, functions: number): Promise<GraphStats> {
  await page.waitForFunction((n) => {
    const g = (window as unknown as { atlasGraph?: { stats(): GraphStats } }).atlasGraph;
    return g !== undefined && g.stats().functions === n;
  }, functions);
  await page.getByText('Analysing…').waitFor({ state: 'detached' });
  // Two frames: the canvases are drawn on the next animation frame.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  return stats(page);
}

async function nodesDrawn(page: Page, nodes: number): Promise<GraphStats> {
  await page.waitForFunction((n) => (window as unknown as { atlasGraph: { stats(): GraphStats } }).atlasGraph.stats().nodes === n, nodes);
  return stats(page);
}

async function importByPicker(page: Page, files: string[]): Promise<void> {
  await page.locator('input[type="file"]').setInputFiles(files);
}

const positionOf = (page: Page, id: string) =>
  page.evaluate((node) => (window as unknown as { atlasGraph: { renderedPosition(id: string): { x: number; y: number } | null } }).atlasGraph.renderedPosition(node), id);

/** Clicks a node where it is drawn; when it is out of view, first fits the whole graph in (the f key). */
async function clickNode(page: Page, id: string): Promise<void> {
  const box = await page.getByTestId('graph').boundingBox();
  let at = await positionOf(page, id);
  if (!at || !box) throw new Error(`${id} is not drawn`);
  if (at.x < 0 || at.y < 0 || at.x > box.width || at.y > box.height - 80) {
    await page.keyboard.press('f');
    at = (await positionOf(page, id))!;
  }
  await page.mouse.click(box.x + at.x, box.y + at.y);
}

describe('the graph of real snapshots', () => {
  it('draws every function and every IOMMU group of the lab capture "mixed", imported with the file picker', async () => {
    const page = await openApp();
    await screenshot(page, 'welcome');
    await importByPicker(page, MIXED_FILES);
    const s = await graphOf(page, mixed.devices.length);
    expect(mixed.devices).toHaveLength(33);
    expect(mixed.groups).toHaveLength(23);
    expect(s.functions).toBe(33);
    expect(s.groups).toBe(23);
    // Host, root complex, and 31 functions plus one node for the 2 VFs of the NVMe 02:00.0.
    expect(s.nodes).toBe(34);
    await sees(page.locator('.open-title'), '33 functions · 23 groups');
    // The legend counts functions by verdict; shared groups are listed with their size.
    await sees(page.getByRole('group', { name: /Verdicts/ }), 'Blocked1');
    await screenshot(page, 'mixed-graph');
  });

  it('draws the ASUS PRIME X570-PRO (a real machine: 43 functions, 27 groups)', async () => {
    const page = await openApp();
    await importByPicker(page, X570_FILES);
    const truth = await importPaths(X570_FILES);
    const s = await graphOf(page, truth.devices.length);
    expect(s).toMatchObject({ functions: 43, groups: 27 });
    expect(truth.groups).toHaveLength(27);
    await page.keyboard.press('f');
    await screenshot(page, 'x570-graph');
  });

  it('opens the inspector with the facts of a clicked device, and of its group', async () => {
    const page = await openApp();
    await importByPicker(page, MIXED_FILES);
    await graphOf(page, 33);
    await clickNode(page, 'fn:0000:00:1f.2');
    const inspector = page.getByRole('article', { name: 'Device 0000:00:1f.2' });
    await inspector.waitFor();
    await sees(inspector.locator('.inspector-head'), 'Blocked');
    // group 10 holds the LPC bridge 00:1f.0 and the SMBus controller 00:1f.3 (SUMMARY.md), which the host needs.
    await sees(inspector, 'IOMMU group 10');
    await sees(inspector.locator('.members'), '00:1f.0');
    await sees(inspector.locator('.members'), '00:1f.3');
    await sees(inspector.locator('.facts'), 'ahci');
    await sees(inspector.locator('.facts'), 'SATA controller [0106]');
    await screenshot(page, 'inspector-sata');

    await clickNode(page, 'fn:0000:07:00.0');
    const nvme = page.getByRole('article', { name: 'Device 0000:07:00.0' });
    await sees(nvme.getByRole('region', { name: 'Path to the root' }), '06:00.0');
    await sees(nvme.getByRole('region', { name: 'Path to the root' }), 'SV+ TB- RR+ CR+ UF+ DT-');
    await screenshot(page, 'inspector-path');
  });

  it('narrows the graph to what the search finds, and back on Esc', async () => {
    const page = await openApp();
    await importByPicker(page, MIXED_FILES);
    const all = await graphOf(page, 33);
    await page.keyboard.press('/');
    await page.keyboard.type('nvme');
    // The NVMe controllers: 02:00.0, its 2 VFs, 07:00.0.
    await sees(page.locator('.search-count'), '4 of 33 functions');
    // Drawn: the 3 matching nodes and, faded, their way up: 00:1c.0 for 02:00.0; 06:00.0, 05:00.0 and
    // 00:1c.3 for 07:00.0; the root complex and the host.
    await nodesDrawn(page, 9);
    await screenshot(page, 'search-nvme');

    await page.getByRole('searchbox').fill('group:19');
    await sees(page.locator('.search-count'), '3 of 33 functions');
    // The PCIe-to-PCI bridge 0a:00.0 with its two NICs, below 00:1c.4 (in its own box, group 7).
    expect(await nodesDrawn(page, 6)).toMatchObject({ boxes: 2, groups: 2 });

    await page.keyboard.press('Escape');
    await graphOf(page, 33);
    expect(await stats(page)).toEqual(all);
  });

  it('filters by a verdict chip of the legend', async () => {
    const page = await openApp();
    await importByPicker(page, MIXED_FILES);
    await graphOf(page, 33);
    await page.getByRole('button', { name: /Host-critical/ }).click();
    // 00:00.0 (host bridge), 00:1f.0 (LPC) and 00:1f.3 (SMBus).
    await sees(page.locator('.search-count'), '3 of 33 functions');
    await graphOf(page, 3);
    await page.getByRole('button', { name: /Host-critical/ }).click();
    await graphOf(page, 33);
  });

  it('is driven by the keyboard: arrows select, Enter expands the VFs of a PF, Esc steps back', async () => {
    const page = await openApp();
    await importByPicker(page, MIXED_FILES);
    await graphOf(page, 33);
    await page.keyboard.press('ArrowDown');
    await sees(page.locator('.inspector-head h2'), exactly(mixed.host.hostname!));
    await page.keyboard.press('ArrowRight');
    await sees(page.locator('.inspector-head h2'), exactly('Root complex 0000:00'));
    // To the top of the root bus (00:00.0), down to the Root Port 00:1c.0 (after 00:01.0 and 00:1b.0),
    // right to the NVMe PF behind it.
    await page.keyboard.press('ArrowRight');
    for (let i = 0; i < 16; i++) await page.keyboard.press('ArrowUp');
    await sees(page.locator('.inspector-head p.mono'), exactly('0000:00:00.0'));
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
    await sees(page.locator('.inspector-head p.mono'), exactly('0000:00:1c.0'));
    await page.keyboard.press('ArrowRight');
    await sees(page.locator('.inspector-head p.mono'), exactly('0000:02:00.0'));
    const before = await stats(page);
    await page.keyboard.press('Enter');
    await page.waitForFunction((n) => (window as unknown as { atlasGraph: { stats(): GraphStats } }).atlasGraph.stats().nodes === n, before.nodes + 1);
    // Each VF now has its own node and its own group box (21, 22).
    expect((await stats(page)).boxes).toBe(before.boxes + 2);
    await screenshot(page, 'vfs-expanded');
    await page.keyboard.press('Escape');
    await page.locator('.hint').waitFor();
  });

  it('imports files dropped on the window and text pasted into it', async () => {
    const page = await openApp();
    const before = await page.locator('.snapshots li').count();
    const listing = join(FIXTURES_DIR, 'realworld/kram64-msi-b450m-mortar/iommu-groups.txt');
    const dropped = await importPaths([listing]);
    await page.evaluate(([name, text]) => {
      const data = new DataTransfer();
      data.items.add(new File([text], name, { type: 'text/plain' }));
      const target = document.querySelector('.app')!;
      target.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
      target.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    }, [basename(listing), readFileSync(listing, 'utf8')] as const);
    await graphOf(page, dropped.devices.length);
    expect((await stats(page)).groups).toBe(dropped.groups.length);

    const pasted = join(FIXTURES_DIR, 'realworld/asokolsky-supermicro-x11scl-if/iommu-groups.txt');
    const truth = await importPaths([pasted]);
    await page.evaluate((text) => {
      const data = new DataTransfer();
      data.setData('text/plain', text);
      document.body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, readFileSync(pasted, 'utf8'));
    await graphOf(page, truth.devices.length);
    expect((await stats(page)).groups).toBe(truth.groups.length);
    await page.locator('.snapshots li').nth(before + 1).waitFor();
    expect(await page.locator('.snapshots li').count()).toBe(before + 2);
  });

  it('switches to the dark theme and keeps it', async () => {
    const page = await openApp();
    await importByPicker(page, MIXED_FILES);
    await graphOf(page, 33);
    await page.getByRole('button', { name: 'Switch to the dark theme' }).click();
    await page.locator('html[data-theme="dark"]').waitFor({ state: 'attached' });
    await clickNode(page, 'fn:0000:0b:01.0');
    await page.getByRole('article', { name: 'Device 0000:0b:01.0' }).waitFor();
    await screenshot(page, 'dark-whole-group');
    await page.getByRole('tab', { name: /Readiness/ }).click();
    await sees(page.locator('.checklist'), 'IOMMU enabled by the kernel');
    await screenshot(page, 'dark-checklist');
    await page.reload();
    await page.locator('html[data-theme="dark"]').waitFor({ state: 'attached' });
    await page.getByRole('button', { name: 'Switch to the light theme' }).click();
  });

  it('shows the graph without verdict colours when the analysis fails', async () => {
    w = await watchedPage(browser, app.origin);
    const page = w.page;
    await page.routeWebSocket(/\/api/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((message) => {
        const request = JSON.parse(String(message)) as { id: number; method: string };
        if (request.method === 'snapshots.analyze') ws.send(JSON.stringify({ id: request.id, error: { kind: 'internal', message: 'the analysis failed (test)' } }));
        else server.send(message);
      });
    });
    await page.goto(app.url);
    await importByPicker(page, MIXED_FILES);
    await graphOf(page, 33);
    await sees(page.locator('.banner.warn'), exactly('Analysis unavailable (the analysis failed (test)): the graph is shown without verdict colours.'));
    // The chips follow the graph's classes once it is drawn: polled, not read once after the banner.
    const chips = page.getByRole('group', { name: /Verdicts/ }).locator('.chip');
    await expect.poll(async () => (await chips.allTextContents()).map((c) => c.replace(/\d+$/, ''))).toEqual(['Bridge', 'No verdict']);
    await page.getByRole('tab', { name: /Readiness/ }).click();
    await sees(page.locator('.panel-body'), 'The readiness checklist is unavailable: the analysis failed (test).');
    await screenshot(page, 'analysis-unavailable');
  });
});
