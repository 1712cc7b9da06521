/** URL paths to files under the renderer's directory, and nothing outside it. */
import { describe, expect, it } from 'vitest';
import { contentType, resolveStaticPath } from '../../main/server/static-files.ts';

const ROOT = '/srv/atlas/dist/renderer';

describe('resolveStaticPath', () => {
  it('maps the page and its assets', () => {
    expect(resolveStaticPath(ROOT, '/')).toBe(`${ROOT}/index.html`);
    expect(resolveStaticPath(ROOT, '/index.html')).toBe(`${ROOT}/index.html`);
    expect(resolveStaticPath(ROOT, '/assets/index-Bx3k.js')).toBe(`${ROOT}/assets/index-Bx3k.js`);
    expect(resolveStaticPath(ROOT, '/assets/a%20b.css')).toBe(`${ROOT}/assets/a b.css`);
  });

  it('refuses traversal, encoded separators, NULs, dotfiles and empty segments', () => {
    for (const path of [
      '/..', '/../etc/passwd', '/assets/../../etc/passwd', '/%2e%2e/etc/passwd', '/%2E%2E%2Fetc%2Fpasswd', '/assets/..%2f..%2fx',
      '/..%5c..%5cx', '/assets\\..\\x', '/%5c', '/x%00.js', '/.git/config', '/assets/.hidden', '//etc/passwd', '/a//b', '/assets/', '/%E0%A4%A',
      'assets/x.js', '',
    ]) {
      expect(resolveStaticPath(ROOT, path), path).toBeNull();
    }
  });

  it('names types browsers must not sniff', () => {
    expect(contentType('/a/index.html')).toBe('text/html; charset=utf-8');
    expect(contentType('/a/x.JS')).toBe('text/javascript; charset=utf-8');
    expect(contentType('/a/x.svg')).toBe('image/svg+xml');
    expect(contentType('/a/x.woff2')).toBe('font/woff2');
    expect(contentType('/a/x')).toBe('application/octet-stream');
  });
});
