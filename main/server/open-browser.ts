/**
 * The one place `serve` opens a browser: only the server's own loopback address, handed to the
 * desktop's opener as one argument (no shell, so nothing in it is interpreted), detached, and any
 * failure ignored (a headless host has no browser; the printed address is what counts).
 */
import { spawn } from 'node:child_process';

/** xdg-open(1) on Linux and the BSDs, open(1) on macOS, explorer.exe on Windows. */
export function openerCommand(platform: NodeJS.Platform): string {
  if (platform === 'darwin') return 'open';
  if (platform === 'win32') return 'explorer.exe';
  return 'xdg-open';
}

/** http://127.0.0.1:PORT/… and nothing else: no other scheme, host, or user info. */
export function isOpenableServerUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === 'http:' && parsed.hostname === '127.0.0.1' && parsed.username === '' && parsed.password === '' && /^\d+$/.test(parsed.port);
}

type Spawn = (command: string, args: string[], options: { detached: boolean; stdio: 'ignore' }) => { on(event: 'error', listener: () => void): unknown; unref(): void };

/** True when an opener was started (not that a browser showed the page). */
export function openBrowser(url: string, platform: NodeJS.Platform = process.platform, run: Spawn = spawn): boolean {
  if (!isOpenableServerUrl(url)) return false;
  try {
    const child = run(openerCommand(platform), [url], { detached: true, stdio: 'ignore' });
    child.on('error', () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
}
