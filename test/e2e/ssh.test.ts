/**
 * A host added in the page collects over SSH and draws: a real OpenSSH sshd (test/helpers/sshd.ts)
 * reading the lab capture "mixed" through ATLAS_SYSROOT, the real `serve` back end, headless
 * Chromium. The unknown host key shows the prompt with the fingerprint ssh-keygen prints;
 * rejecting it stops the collection with an error on the host, accepting it collects and draws.
 * A key with a passphrase (not in any agent) makes the page ask for it, as ssh asks on a terminal.
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureTree } from '../helpers/fstree.ts';
import { generateKey, startSshd, type Sshd } from '../helpers/sshd.ts';
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

/** Adds the SSH target in the sidebar as a user does; its list item. */
async function addHost(page: Page, target: string): Promise<Locator> {
  await page.getByRole('textbox', { name: 'Add a host over SSH' }).fill(target);
  await page.keyboard.press('Enter');
  const host = page.locator('li.host', { hasText: target });
  await host.waitFor();
  return host;
}

describe('a host over SSH', () => {
  let w: WatchedPage;

  it('asks about the unknown host key with its fingerprint; rejected, nothing is collected; accepted, the host is collected and drawn', async () => {
    expect(fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    w = await watchedPage(browser, app.origin);
    const page = w.page;
    await page.goto(app.url);
    const target = `root@127.0.0.1:${sshd.port}`;
    const host = await addHost(page, target);

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

  it('asks for the passphrase of an encrypted key: a wrong one is asked again, the right one logs in and collects; skipping fails the login', async () => {
    const keyPath = join(sshd.dir, 'client_encrypted');
    const passphrase = 'correct horse battery';
    await sshd.authorize(await generateKey(keyPath, { passphrase }));
    const keyed = await startApp(rendererDir, {
      env: { ATLAS_SYSROOT: captureTree('mixed') },
      ssh: { agentSocket: null, identityFiles: [keyPath] },
    });
    try {
      const watched = await watchedPage(browser, keyed.origin);
      const page = watched.page;
      await page.goto(keyed.url);
      const target = `root@127.0.0.1:${sshd.port}`;
      const host = await addHost(page, target);
      await host.getByRole('button', { name: 'Collect' }).click();
      await page.getByRole('alertdialog').getByRole('button', { name: 'Accept and connect' }).click();

      const dialog = page.getByRole('alertdialog');
      await sees(dialog, `Passphrase for an SSH key: ${target}`);
      await sees(dialog, `Enter passphrase for key '${keyPath}':`);
      const field = dialog.getByLabel(`Enter passphrase for key '${keyPath}':`);
      expect(await field.getAttribute('type')).toBe('password');
      await field.fill('wrong guess');
      await page.keyboard.press('Enter');
      await sees(page.getByRole('alertdialog'), 'That was not accepted. Try again (2 of 3).');
      await screenshot(page, 'ssh-passphrase-prompt');
      // The page keeps no secret: the field starts empty again.
      expect(await page.getByRole('alertdialog').getByLabel(/Enter passphrase/).inputValue()).toBe('');
      await page.getByRole('alertdialog').getByLabel(/Enter passphrase/).fill(passphrase);
      await page.getByRole('alertdialog').getByRole('button', { name: 'Send' }).click();
      await sees(host, 'collected just now', 60_000);
      await sees(page.locator('.open-title'), '33 functions · 23 groups');

      // Declined: the key is skipped, nothing else can log in, the host shows why.
      await host.getByRole('button', { name: 'Collect' }).click();
      await sees(page.getByRole('alertdialog'), `Enter passphrase for key '${keyPath}':`);
      await page.keyboard.press('Escape');
      await sees(host.locator('.host-error'), /no passphrase was given for \S*client_encrypted/);
      expect(await page.getByRole('alertdialog').count()).toBe(0);

      expect(watched.consoleErrors).toEqual([]);
      expect(watched.cspViolations).toEqual([]);
      expect(watched.foreignRequests).toEqual([]);
      await page.close();
    } finally {
      await keyed.close();
    }
  });
});
