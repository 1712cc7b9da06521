/**
 * The HTML report opened in a real browser (Chromium, headless, through playwright-core): it
 * renders with no console error and makes no request besides the file itself, its stylesheet is
 * admitted by the CSP (a blocked sheet would leave the badges unstyled and log a CSP error), its
 * SVG holds one node per device, device details are closed on screen and open in print, and it
 * prints to PDF.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../../main/core/model/snapshot.ts';
import { GRAPH_PALETTE } from '../../../main/core/report/graph-style.ts';
import { prepareReport, renderReport } from '../../../main/core/report/report.ts';
import { fixtureSnapshot } from './cases.ts';

const CHROMIUM = '/usr/bin/chromium';
const dir = mkdtempSync(join(tmpdir(), 'atlas-report-browser-'));
let context: BrowserContext;

beforeAll(async () => {
  context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

afterAll(async () => {
  await context?.close();
  rmSync(dir, { recursive: true, force: true });
});

function rgb(hex: string): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgb(${n >> 16}, ${(n >> 8) & 255}, ${n & 255})`;
}

async function open(name: string, s: Snapshot, anonymize = false) {
  const file = join(dir, `${name}.html`);
  writeFileSync(file, renderReport(prepareReport(s, { anonymize }), 'html'));
  const page = await context.newPage();
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { page, problems, requests, url: pathToFileURL(file).href };
}

describe('the HTML report in Chromium', () => {
  for (const [name, path] of [['mixed', 'lab/mixed'], ['x570', 'realworld/linuxhw-asus-prime-x570-pro'], ['joep', 'realworld/joep-gigabyte-x570-aorus-pro-wifi']] as const) {
    it(`${path}: renders without console errors or network, one graph node per device`, async () => {
      const s = await fixtureSnapshot(path);
      const { page, problems, requests, url } = await open(name, s);
      expect(problems).toEqual([]);
      expect(requests).toEqual([url]);
      const addresses = await page.locator('svg.topology g.node').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-address')));
      expect(addresses.length).toBe(s.devices.length);
      expect(new Set(addresses)).toEqual(new Set(s.devices.map((d) => d.address)));
      // The stylesheet applied (so the CSP hash admitted it): a verdict badge has its colour.
      const badge = page.locator('.badge.s-pass').first();
      expect(await badge.evaluate((e) => getComputedStyle(e).backgroundColor)).toBe(rgb(GRAPH_PALETTE.verdicts.ready.stroke));
      // Every device's details exist and are closed on screen.
      expect(await page.locator('#devices details').count()).toBe(s.devices.length);
      expect(await page.locator('#devices details dl').first().isVisible()).toBe(false);
      await page.close();
    });
  }

  it('prints: details open, navigation hidden, the graph fits the page, a PDF comes out', async () => {
    const s = await fixtureSnapshot('lab/mixed');
    const { page, problems } = await open('print', s, true);
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('#devices details dl').first().isVisible()).toBe(true);
    expect(await page.locator('#devices details dl').last().isVisible()).toBe(true);
    expect(await page.locator('nav').isVisible()).toBe(false);
    const widths = await page.evaluate(() => ({ svg: document.querySelector('svg.topology')!.getBoundingClientRect().width, body: document.body.getBoundingClientRect().width }));
    expect(widths.svg).toBeLessThanOrEqual(widths.body + 0.5);
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('a link in the graph leads to the device details', async () => {
    const s = await fixtureSnapshot('lab/mixed');
    const { page } = await open('links', s);
    await page.locator('svg.topology g.node[data-address="0000:0b:02.0"] a').click();
    expect(new URL(page.url()).hash).toBe('#fn-0000-0b-02-0');
    await page.close();
  });
});
