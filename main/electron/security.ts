/**
 * Every security decision of the desktop app, as small pure functions (Electron cannot be launched
 * where the tests run, so main.ts only wires these in). They follow Electron's security checklist
 * (https://www.electronjs.org/docs/latest/tutorial/security), numbered as there:
 *
 *   2/3/4  contextIsolation, sandbox, no nodeIntegration           → windowOptions
 *   5      deny every permission request                           → permission handlers
 *   7      a Content Security Policy                               → appContentSecurityPolicy
 *   12/13  no navigation, no new windows                           → isAllowedNavigation, windowOpenDecision
 *   14     shell.openExternal only for vetted URLs                  → openExternalGuard
 *   17     check the sender of every IPC message                   → isTrustedSender
 *   18     a custom protocol instead of file://                    → app-protocol.ts
 *   no <webview>                                                   → windowOptions, refuseWebview
 */
import type { BrowserWindowConstructorOptions, HandlerDetails } from 'electron';
import { contentSecurityPolicy } from '../server/csp.ts';

export const APP_SCHEME = 'app';
export const APP_HOST = 'atlas';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
/** The page the window loads. */
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** app://atlas/… exactly: no other host, no port, no user info. */
export function isAppUrl(url: string): boolean {
  const parsed = parse(url);
  return parsed !== null && parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && parsed.username === '' && parsed.password === '';
}

export function windowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1440,
    height: 900,
    minWidth: 800,
    minHeight: 500,
    title: 'IOMMU Atlas',
    // Shown once the page has painted, so no white flash.
    show: false,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      // A file dropped on the window is read by the page (an import), never navigated to.
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
    },
  };
}

/** `will-navigate` / `will-redirect` / `will-frame-navigate`: only within the app's own origin. */
export function isAllowedNavigation(url: string): boolean {
  return isAppUrl(url);
}

/**
 * `setWindowOpenHandler`: a new window is always denied. An https link (the page's links to the
 * kernel's documentation) goes to the person's browser instead, through openExternalGuard.
 */
export function windowOpenDecision(details: Pick<HandlerDetails, 'url'>): { action: 'deny'; openExternally: string | null } {
  const parsed = parse(details.url);
  return { action: 'deny', openExternally: parsed !== null && isExternalUrlAllowed(details.url) ? parsed.href : null };
}

/** `setPermissionRequestHandler`: camera, notifications, geolocation, HID… the app needs none. */
export function permissionRequestDecision(_permission: string): false {
  return false;
}

/** `setPermissionCheckHandler`: the same answer to "would it be granted?". */
export function permissionCheckDecision(_permission: string): false {
  return false;
}

/** The frame an IPC message came from: the app's own top-level page, nothing else (no iframes). */
export interface SenderFrame {
  url: string;
  parent: unknown;
}

export function isTrustedSender(frame: SenderFrame | null | undefined): boolean {
  return frame !== null && frame !== undefined && frame.parent === null && isAppUrl(frame.url);
}

/** Only https (no credentials in it): never file:, javascript:, smb: or a custom scheme that runs a program. */
export function isExternalUrlAllowed(url: string): boolean {
  const parsed = parse(url);
  return parsed !== null && parsed.protocol === 'https:' && parsed.username === '' && parsed.password === '' && parsed.hostname !== '';
}

/**
 * The only way the app hands a URL to the operating system: main.ts passes `shell.openExternal`
 * here and calls it nowhere else. True when the URL was handed over.
 */
export async function openExternalGuard(url: string, openExternal: (url: string) => Promise<void>): Promise<boolean> {
  if (!isExternalUrlAllowed(url)) return false;
  await openExternal(new URL(url).href);
  return true;
}

/**
 * `session.webRequest.onBeforeRequest`: the page loads from app:// and talks to the back end over
 * IPC, so any network request (http, https, ws, file) is refused.
 */
export function isAllowedRequest(url: string): boolean {
  return isAppUrl(url) || url.startsWith('devtools://');
}

/** The window's CSP: the same policy as `serve`, with no network connections at all. */
export function appContentSecurityPolicy(): string {
  return contentSecurityPolicy();
}
