/**
 * A host added in the page collects over SSH and draws: a real OpenSSH sshd (test/helpers/sshd.ts)
 * reading the lab capture "mixed" through ATLAS_SYSROOT, the real `serve` back end, headless
 * Chromium. The unknown host key shows the prompt with the fingerprint ssh-keygen prints;
 * rejecting it stops the collection with an error on the host, accepting it collects and draws.
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureTree } from '../helpers/fstree.ts';
import { startSshd, type Sshd } from '../helpers/sshd.ts';
import { buildRenderer, exactly, screenshot, sees, startApp, watchedPage, type RunningApp, type WatchedPage } from './app.ts';
import { launchChromium, type Browser } from './browser.ts';

let sshd: Sshd;
let fingerprint: string;
let rendererDir: string;
let app: RunningApp;
let browser: Browser;

beforeAll(async () => {
  sshd = await startSshd();
  const { stdout } = await promisify(execFile)('ssh-keygen', ['-lf', join(sshd.dir, 'host_ed25519.pub')]);
  fingerprint = stdout.split(' ')[1]!;
  rendererDir = await buildRenderer();
  app = await startApp(rendererDir, {
    env: { ATLAS_SYSROOT: captureTree('mixed') },
    ssh: { agentSocket: null, identityFiles: [sshd.clientKeyPath] },
  });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await sshd?.stop();
  if (rendererDir) await rm(rendererDir, { recursive: true, force: true });
});

describe('a host over SSH', () => {
  let w: WatchedPage;

  it('asks about the unknown host key with its fingerprint; rejected, nothing is collected; accepted, the host is collected and drawn', async () => {
    expect(fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    w = await watchedPage(browser, app.origin);
    const page = w.page;
    await page.goto(app.url);
    const target = `root@127.0.0.1:${sshd.port}`;
    await page.getByRole('textbox', { name: 'Add a host over SSH' }).fill(target);
    await page.keyboard.press('Enter');
    const host = page.locator('li.host', { hasText: target });
    await host.waitFor();

    await host.getByRole('button', { name: 'Collect' }).click();
    const dialog = page.getByRole('alertdialog');
    await sees(dialog, `Unknown host key for ${target}`);
    await sees(dialog.getByTestId('fingerprint'), exactly(fingerprint));
    await sees(dialog, 'ssh-ed25519');
    await screenshot(page, 'ssh-host-key-prompt');
    await dialog.getByRole('button', { name: 'Reject' }).click();
    await sees(host.locator('.host-error'), /was not trusted, so nothing was collected/);
    await screenshot(page, 'ssh-host-key-rejected');
    expect(await page.locator('.snapshots li').count()).toBe(0);

    await host.getByRole('button', { name: 'Collect' }).click();
    await sees(page.getByRole('alertdialog').getByTestId('fingerprint'), exactly(fingerprint));
    await page.getByRole('alertdialog').getByRole('button', { name: 'Accept and connect' }).click();
    await page.waitForFunction(() => {
      const g = (window as unknown as { atlasGraph?: { stats(): { functions: number; groups: number } } }).atlasGraph;
      return g !== undefined && g.stats().functions === 33 && g.stats().groups === 23;
    }, undefined, { timeout: 60_000 });
    await sees(host, 'collected just now');
    await sees(page.locator('.open-title'), '33 functions · 23 groups');
    await sees(page.locator('.snapshots li'), 'collected · 33 functions · 23 groups');
    await page.getByText('Analysing…').waitFor({ state: 'detached' });
    await screenshot(page, 'ssh-collected');

    expect(w.consoleErrors).toEqual([]);
    expect(w.cspViolations).toEqual([]);
    expect(w.foreignRequests).toEqual([]);
    await page.close();
  });
});
