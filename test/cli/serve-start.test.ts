/**
 * `iommu-atlas serve` and `iommu-atlas start` as a person runs them: the printed address, the exit
 * on SIGTERM, usage errors, a taken port; and `start`'s choice between Electron and `serve`, which
 * here (no Electron binary, no display) always falls back and says why.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findElectronBinary, planStart } from '../../main/cli/start.ts';
import { makeAtlasHome } from '../helpers/atlas-home.ts';
import { httpGet, wsCall, wsOpen } from '../helpers/http.ts';

const BIN = fileURLToPath(new URL('../../main/cli/bin.mjs', import.meta.url));
const homes: string[] = [];
afterAll(async () => {
  for (const home of homes) await rm(home, { recursive: true, force: true });
});

interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

async function run(args: string[], env: Record<string, string> = {}, sshConfig = ''): Promise<Running> {
  const home = await makeAtlasHome(sshConfig);
  homes.push(home);
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, HOME: home, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function printedUrl(running: Running): Promise<URL> {
  for (let waited = 0; waited < 30_000; waited += 50) {
    const line = /^(http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43})\n/.exec(running.stdout());
    if (line) return new URL(line[1]!);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no address printed; stderr: ${running.stderr()}`);
}

describe('iommu-atlas serve', () => {
  it('prints the address with its token on stdout, answers it, and exits 0 on SIGTERM', async () => {
    const serve = await run(['serve', '--port', '0', '--no-open']);
    const url = await printedUrl(serve);
    const port = Number(url.port);
    expect(serve.stderr()).toContain('IOMMU Atlas is serving on 127.0.0.1 only');
    expect(serve.stderr()).toContain(`ssh -L ${port}:127.0.0.1:${port}`);
    expect((await httpGet(port, '/')).status).toBe(401);
    const first = await httpGet(port, `${url.pathname}${url.search}`);
    expect(first.status).toBe(303);
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
  });

  it('offers the ~/.ssh/config hosts of the user running it (the real runtime, not the test runner\'s module loader)', async () => {
    const serve = await run(['serve', '--port', '0', '--no-open'], {}, 'host pve\n    hostname 192.168.1.20\nHost *.lan bastion\n    User admin\n');
    const url = await printedUrl(serve);
    const opened = await wsOpen(`ws://127.0.0.1:${url.port}/api${url.search}`);
    if (!('ws' in opened)) throw new Error(`refused ${opened.refused}`);
    const answer = await wsCall(opened.ws, { id: 1, method: 'hosts.list', params: {} }, 1);
    expect((answer['result'] as { target: string; origin: string }[]).map((h) => [h.target, h.origin])).toEqual([['local', 'builtin'], ['pve', 'ssh-config'], ['bastion', 'ssh-config']]);
    opened.ws.close();
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
  });

  it('usage errors exit 1; a taken port exits 2 and says what to do', async () => {
    const bad = await run(['serve', '--port', 'http']);
    expect(await bad.exited).toBe(1);
    expect(bad.stderr()).toContain('--port needs a port number (0-65535), not "http"');
    expect(await (await run(['serve', '--port', '70000'])).exited).toBe(1);
    expect(await (await run(['serve', 'extra'])).exited).toBe(1);

    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', () => resolve()));
    const port = (taken.address() as { port: number }).port;
    const busy = await run(['serve', '--port', String(port), '--no-open']);
    expect(await busy.exited).toBe(2);
    expect(busy.stderr()).toContain(`port ${port} on 127.0.0.1 is in use; choose another with --port N (--port 0: any free port)`);
    taken.close();
  });
});

describe('iommu-atlas start', () => {
  it('without a usable Electron it serves instead, and says why', async () => {
    const start = await run(['start', '--no-open'], { ELECTRON_OVERRIDE_DIST_PATH: '/nonexistent/electron-dist' });
    const url = await printedUrl(start);
    expect(start.stderr()).toContain('Not opening the desktop app: ELECTRON_OVERRIDE_DIST_PATH names /nonexistent/electron-dist/electron, which does not exist.');
    expect(start.stderr()).toContain('Serving the same app to the browser instead.');
    expect((await httpGet(Number(url.port), `/?token=${url.searchParams.get('token')}`)).status).toBe(303);
    start.child.kill('SIGINT');
    expect(await start.exited).toBe(0);
  });
});

describe('finding Electron without requiring it', () => {
  const facts = (files: Record<string, string>, env: Record<string, string> = {}) => ({
    packageDir: '/app/node_modules/electron',
    env,
    exists: (path: string) => path in files,
    readText: (path: string) => files[path] ?? null,
  });

  it('reads path.txt and checks the binary exists, as electron/index.js does', () => {
    expect(findElectronBinary({ ...facts({}), packageDir: null })).toEqual({ missing: 'the electron package is not installed (npm ci installs it as a dev dependency)' });
    expect(findElectronBinary(facts({}))).toMatchObject({ missing: expect.stringContaining('never downloaded') });
    expect(findElectronBinary(facts({ '/app/node_modules/electron/path.txt': 'electron' }))).toMatchObject({ missing: expect.stringContaining('/app/node_modules/electron/dist/electron is missing') });
    expect(findElectronBinary(facts({ '/app/node_modules/electron/path.txt': 'electron', '/app/node_modules/electron/dist/electron': '' }))).toEqual({ path: '/app/node_modules/electron/dist/electron' });
    expect(findElectronBinary(facts({ '/opt/e/electron': '' }, { ELECTRON_OVERRIDE_DIST_PATH: '/opt/e' }))).toEqual({ path: '/opt/e/electron' });
    expect(findElectronBinary(facts({ '/app/node_modules/electron/path.txt': 'Electron.app/Contents/MacOS/Electron\n', '/app/node_modules/electron/dist/Electron.app/Contents/MacOS/Electron': '' })))
      .toEqual({ path: join('/app/node_modules/electron/dist', 'Electron.app/Contents/MacOS/Electron') });
  });

  it('opens the desktop app only with a binary, a build and a display', () => {
    const binary = { path: '/e/electron' };
    expect(planStart(binary, { platform: 'linux', env: { DISPLAY: ':0' }, appBuilt: true })).toEqual({ mode: 'electron', electron: '/e/electron' });
    expect(planStart(binary, { platform: 'linux', env: { WAYLAND_DISPLAY: 'wayland-0' }, appBuilt: true })).toMatchObject({ mode: 'electron' });
    expect(planStart(binary, { platform: 'darwin', env: {}, appBuilt: true })).toMatchObject({ mode: 'electron' });
    expect(planStart(binary, { platform: 'linux', env: {}, appBuilt: true })).toEqual({ mode: 'serve', reason: 'there is no graphical display (DISPLAY and WAYLAND_DISPLAY are unset)' });
    expect(planStart(binary, { platform: 'linux', env: { DISPLAY: ':0' }, appBuilt: false })).toMatchObject({ mode: 'serve', reason: expect.stringContaining('npm run build:electron') });
    expect(planStart({ missing: 'no binary' }, { platform: 'linux', env: { DISPLAY: ':0' }, appBuilt: true })).toEqual({ mode: 'serve', reason: 'no binary' });
  });
});
