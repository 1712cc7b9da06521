/**
 * Every security decision of the desktop app. Electron itself cannot be launched here (no display,
 * no Electron binary): main.ts only wires these functions in, so each is tested on its own.
 */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { BrowserWindowConstructorOptions } from 'electron';
import {
  APP_ENTRY_URL, appContentSecurityPolicy, isAllowedNavigation, isAllowedRequest, isAppUrl, isExternalUrlAllowed, isTrustedSender,
  openExternalGuard, permissionCheckDecision, permissionRequestDecision, windowOpenDecision, windowOptions,
} from '../../main/electron/security.ts';
import { CYTOSCAPE_CONTAINER_STYLE } from '../../main/server/csp.ts';

/** URLs a page or an attacker could try, none of them the app. */
const FOREIGN = [
  'https://example.com/', 'http://127.0.0.1:7311/', 'file:///etc/passwd', 'javascript:alert(1)', 'data:text/html,<script>1</script>',
  'app://evil/index.html', 'app://atlas.evil/index.html', 'app://atlas:8080/index.html', 'app://user@atlas/index.html', 'app://user:pw@atlas/',
  'atlas://app/', 'chrome://settings', 'about:blank', 'not a url', '',
];

describe('the window', () => {
  it('is created isolated and sandboxed: no Node, no webview, the preload as the only bridge', () => {
    const options: BrowserWindowConstructorOptions = windowOptions('/opt/atlas/dist/electron/preload.cjs');
    expect(options.webPreferences).toMatchObject({
      preload: '/opt/atlas/dist/electron/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
    });
    // Nothing that would weaken these is set at all.
    expect(Object.keys(options.webPreferences!)).not.toContain('enableBlinkFeatures');
    expect(Object.keys(options.webPreferences!)).not.toContain('additionalArguments');
  });

  it('navigates only within app://atlas', () => {
    expect(isAllowedNavigation(APP_ENTRY_URL)).toBe(true);
    expect(isAllowedNavigation('app://atlas/index.html#/host/local')).toBe(true);
    for (const url of FOREIGN) expect(isAllowedNavigation(url), url).toBe(false);
  });

  it('never opens a window; https links go to the browser instead', () => {
    expect(windowOpenDecision({ url: 'https://docs.kernel.org/driver-api/vfio.html' })).toEqual({ action: 'deny', openExternally: 'https://docs.kernel.org/driver-api/vfio.html' });
    for (const url of [...FOREIGN.filter((u) => !u.startsWith('https:')), APP_ENTRY_URL]) {
      expect(windowOpenDecision({ url }), url).toEqual({ action: 'deny', openExternally: null });
    }
  });

  it('denies every permission request and check', () => {
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'hid', 'serial', 'usb', 'fullscreen', 'unknown']) {
      expect(permissionRequestDecision(permission)).toBe(false);
      expect(permissionCheckDecision(permission)).toBe(false);
    }
  });

  it('refuses every network request: the page loads from app:// and talks over IPC', () => {
    expect(isAllowedRequest('app://atlas/assets/index.js')).toBe(true);
    for (const url of ['https://example.com/x.js', 'http://127.0.0.1:7311/api', 'ws://127.0.0.1:7311/api', 'file:///etc/passwd', 'app://evil/x.js']) {
      expect(isAllowedRequest(url), url).toBe(false);
    }
  });
});

describe('IPC senders', () => {
  it('only the app\'s own top-level page', () => {
    expect(isTrustedSender({ url: APP_ENTRY_URL, parent: null })).toBe(true);
    expect(isTrustedSender({ url: 'app://atlas/index.html#/x', parent: null })).toBe(true);
    // An iframe, even of the app's origin, is not the page.
    expect(isTrustedSender({ url: APP_ENTRY_URL, parent: { url: APP_ENTRY_URL } })).toBe(false);
    expect(isTrustedSender(null)).toBe(false);
    expect(isTrustedSender(undefined)).toBe(false);
    for (const url of FOREIGN) expect(isTrustedSender({ url, parent: null }), url).toBe(false);
  });
});

describe('openExternalGuard, the one way to shell.openExternal', () => {
  it('hands over https URLs only, normalised, once', async () => {
    const opened: string[] = [];
    const open = async (url: string) => void opened.push(url);
    expect(await openExternalGuard('https://docs.kernel.org/driver-api/vfio.html', open)).toBe(true);
    expect(await openExternalGuard('HTTPS://Docs.Kernel.org/a b', open)).toBe(true);
    expect(opened).toEqual(['https://docs.kernel.org/driver-api/vfio.html', 'https://docs.kernel.org/a%20b']);
  });

  it('refuses everything else: other schemes, credentials, garbage', async () => {
    const opened: string[] = [];
    const open = async (url: string) => void opened.push(url);
    for (const url of [...FOREIGN.filter((u) => !u.startsWith('https:')), 'smb://server/share', 'ms-msdt:/id', 'vscode://x', 'https://user:pw@example.com/', 'https://user@example.com/']) {
      expect(await openExternalGuard(url, open), url).toBe(false);
      expect(isExternalUrlAllowed(url), url).toBe(false);
    }
    expect(opened).toEqual([]);
  });
});

describe('the Content Security Policy', () => {
  it('own scripts only, nothing inline or evaluated, no connections, no plugins, no framing', () => {
    const csp = appContentSecurityPolicy();
    const directives = new Map(csp.split('; ').map((d) => [d.split(' ')[0]!, d.split(' ').slice(1)]));
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('img-src')).toEqual(["'self'", 'data:', 'blob:']);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|unsafe-hashes|\*/);
  });

  it('admits exactly the <style> text the installed Cytoscape.js inserts, by its hash', () => {
    // Read from cytoscape's own build, so an upgrade that changes the text fails here.
    const cytoscape = readFileSync(join(dirname(createRequire(import.meta.url).resolve('cytoscape')), 'cytoscape.esm.mjs'), 'utf8');
    const className = /var className = '([_a-z]+)';/.exec(cytoscape)?.[1];
    expect(cytoscape).toContain("stylesheet.textContent = '.' + className + ' { position: relative; }';");
    expect(`.${className} { position: relative; }`).toBe(CYTOSCAPE_CONTAINER_STYLE);
    const hash = createHash('sha256').update(CYTOSCAPE_CONTAINER_STYLE).digest('base64');
    const styleSrc = appContentSecurityPolicy().split('; ').find((d) => d.startsWith('style-src '));
    expect(styleSrc).toBe(`style-src 'self' 'sha256-${hash}'`);
  });

  it('app URLs', () => {
    expect(isAppUrl(APP_ENTRY_URL)).toBe(true);
    expect(APP_ENTRY_URL).toBe('app://atlas/index.html');
  });
});
