/** The locked app://atlas/ protocol: files under dist/renderer/ only. */
import { describe, expect, it } from 'vitest';
import { APP_SCHEME_PRIVILEGES, appResponseHeaders, resolveAppFile } from '../../main/electron/app-protocol.ts';
import { appContentSecurityPolicy } from '../../main/electron/security.ts';

const ROOT = '/opt/IOMMU Atlas/resources/app.asar/dist/renderer';

describe('resolveAppFile', () => {
  it('the page and its assets', () => {
    expect(resolveAppFile('app://atlas/', ROOT)).toBe(`${ROOT}/index.html`);
    expect(resolveAppFile('app://atlas/index.html', ROOT)).toBe(`${ROOT}/index.html`);
    expect(resolveAppFile('app://atlas/index.html?x=1#/hosts', ROOT)).toBe(`${ROOT}/index.html`);
    expect(resolveAppFile('app://atlas/assets/index-Bx3k.js', ROOT)).toBe(`${ROOT}/assets/index-Bx3k.js`);
  });

  it('nothing outside the renderer directory, and no other host', () => {
    for (const url of [
      'app://atlas/../../../etc/passwd', 'app://atlas/%2e%2e/%2e%2e/etc/passwd', 'app://atlas/assets/..%2f..%2f..%2fmain.mjs', 'app://atlas/..%5c..%5cmain.mjs',
      'app://atlas/assets%5c..%5c..%5celectron%5cmain.mjs', 'app://atlas/%00', 'app://atlas/.vite/manifest.json', 'app://atlas//etc/passwd',
      'app://atlas/assets/', 'app://evil/index.html', 'app://atlas:1/index.html', 'app://me@atlas/index.html', 'file:///etc/passwd',
      'https://atlas/index.html', 'app:index.html', 'garbage',
    ]) {
      const path = resolveAppFile(url, ROOT);
      // Either refused, or (for a URL the parser normalised) still inside the root.
      if (path !== null) expect(path.startsWith(`${ROOT}/`), url).toBe(true);
    }
    // The URL parser already folds "/../" away: what is left is looked up inside the root.
    expect(resolveAppFile('app://atlas/../../../etc/passwd', ROOT)).toBe(`${ROOT}/etc/passwd`);
    expect(resolveAppFile('app://atlas/assets/..%2f..%2f..%2fmain.mjs', ROOT)).toBeNull();
    expect(resolveAppFile('app://atlas/.vite/manifest.json', ROOT)).toBeNull();
    expect(resolveAppFile('app://evil/index.html', ROOT)).toBeNull();
    expect(resolveAppFile('app://atlas/%2e%2e/x', ROOT)).toBe(`${ROOT}/x`);
  });

  it('registered as a standard, secure scheme with no extra privileges', () => {
    expect(APP_SCHEME_PRIVILEGES).toEqual({
      scheme: 'app',
      privileges: { standard: true, secure: true, supportFetchAPI: false, corsEnabled: false, allowServiceWorkers: false, bypassCSP: false, stream: false },
    });
  });

  it('every answer carries the CSP and nosniff', () => {
    expect(appResponseHeaders('text/html; charset=utf-8')).toEqual({
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': appContentSecurityPolicy(),
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
    });
  });
});
