/**
 * The locked `app://atlas/` protocol the window loads the page from (Electron security checklist 18:
 * "Avoid usage of the file protocol and prefer usage of custom protocols"). It answers only GETs
 * for files under dist/renderer/ (the same path rules as `serve`: static-files.ts), with the
 * app's CSP; anything else is a 404 without saying why.
 */
import type { CustomScheme } from 'electron';
import { resolveStaticPath } from '../server/static-files.ts';
import { APP_HOST, APP_SCHEME, appContentSecurityPolicy } from './security.ts';

/**
 * registerSchemesAsPrivileged: `standard` (a real origin, relative URLs resolve, so the built page's
 * /assets/… work) and `secure` (a secure context, like https). No fetch/CORS/service-worker
 * privileges: the page needs none of them.
 */
export const APP_SCHEME_PRIVILEGES: CustomScheme = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: false, corsEnabled: false, allowServiceWorkers: false, bypassCSP: false, stream: false },
};

/** The file an app:// URL names under `rendererDir`, or null (another host, a port, user info, traversal…). */
export function resolveAppFile(url: string, rendererDir: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST || parsed.username !== '' || parsed.password !== '') return null;
  return resolveStaticPath(rendererDir, parsed.pathname);
}

/** Headers of every app:// answer. */
export function appResponseHeaders(contentType: string): Record<string, string> {
  return {
    'Content-Type': contentType,
    'Content-Security-Policy': appContentSecurityPolicy(),
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
  };
}
