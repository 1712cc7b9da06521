/** `serve` opens a browser only on its own loopback address, with one argument, and never fails for it. */
import { describe, expect, it } from 'vitest';
import { isOpenableServerUrl, openBrowser, openerCommand } from '../../main/server/open-browser.ts';

function recorder(fail = false) {
  const calls: { command: string; args: string[]; options: unknown }[] = [];
  let unrefs = 0;
  const run = (command: string, args: string[], options: unknown) => {
    if (fail) throw new Error('spawn ENOENT');
    calls.push({ command, args, options });
    return { on: () => undefined, unref: () => void unrefs++ };
  };
  return { calls, run, unrefs: () => unrefs };
}

describe('openBrowser', () => {
  const url = 'http://127.0.0.1:7311/?token=U3fKgF98U15XN6jPxOx8d1-9CQRlSMSQmOBuR1K5mkg';

  it('hands the address to the desktop opener as a single argument, detached', () => {
    const r = recorder();
    expect(openBrowser(url, 'linux', r.run)).toBe(true);
    expect(r.calls).toEqual([{ command: 'xdg-open', args: [url], options: { detached: true, stdio: 'ignore' } }]);
    expect(r.unrefs()).toBe(1);
    expect(openerCommand('darwin')).toBe('open');
    expect(openerCommand('win32')).toBe('explorer.exe');
    expect(openerCommand('freebsd')).toBe('xdg-open');
  });

  it('opens nothing but the server\'s own http://127.0.0.1:PORT address', () => {
    const r = recorder();
    for (const other of ['https://example.com/', 'file:///etc/passwd', 'http://127.0.0.1/', 'http://localhost:7311/', 'http://a@127.0.0.1:7311/', 'javascript:alert(1)', '--help', '']) {
      expect(openBrowser(other, 'linux', r.run), other).toBe(false);
      expect(isOpenableServerUrl(other)).toBe(false);
    }
    expect(r.calls).toEqual([]);
  });

  it('a machine without an opener is not an error', () => {
    expect(openBrowser(url, 'linux', recorder(true).run)).toBe(false);
  });
});
