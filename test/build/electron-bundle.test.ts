/**
 * `npm run build:electron` and what it makes. Electron cannot run here, so:
 * - the preload bundle runs in a bare V8 context whose only module is `electron` (what a sandboxed
 *   preload has), with a recording contextBridge;
 * - the main bundle runs under plain Node with test/helpers/fake-electron.mjs as `electron`
 *   (test/helpers/run-bundled-main.mjs): that shows the bundle loads (every dependency inside it,
 *   the collector script and samples found relative to it), registers the app:// protocol, the IPC
 *   handler and the session's guards, opens one window with the secure options, and collects a host
 *   over SSH (a real sshd) through the bundled ssh2 after the host-key prompt is answered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runInNewContext } from 'node:vm';
import { startSshd, type Sshd } from '../helpers/sshd.ts';
import { captureTree } from '../helpers/fstree.ts';
import { makeAtlasHome } from '../helpers/atlas-home.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let out: string;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'atlas-electron-build-'));
  await run(process.execPath, [join(ROOT, 'build/build-electron.mjs'), '--out', out]);
  // A stand-in for the renderer's build, which another step makes.
  await mkdir(join(out, 'renderer', 'assets'), { recursive: true });
  await writeFile(join(out, 'renderer', 'index.html'), '<!doctype html><title>IOMMU Atlas</title><script type="module" src="/assets/app.js"></script>\n');
  await writeFile(join(out, 'renderer', 'assets', 'app.js'), 'export {};\n');
}, 120_000);

afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

const isBuiltin = (name: string) => builtinModules.includes(name.replace(/^node:/, ''));

describe('the bundles', () => {
  it('main.mjs needs nothing outside itself but electron, Node\'s own modules and ssh2\'s optional native helpers', async () => {
    const main = await readFile(join(out, 'electron', 'main.mjs'), 'utf8');
    const imports = [...main.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]!);
    expect(imports).toContain('electron');
    expect(imports.filter((name) => name !== 'electron' && !isBuiltin(name))).toEqual([]);
    const required = [...new Set([...main.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]!))];
    expect(required.filter((name) => !isBuiltin(name) && name !== 'cpu-features' && !name.endsWith('.node'))).toEqual([]);
    // The files the sources look up next to themselves are next to the bundle.
    expect(await readFile(join(out, 'electron', 'collect.sh'), 'utf8')).toBe(await readFile(join(ROOT, 'main/io/collector/collect.sh'), 'utf8'));
    expect((await readdir(join(out, 'samples'))).sort()).toEqual(['asus-prime-x570-pro', 'lab-q35-mixed']);
  });

  it('preload.cjs runs with only `electron` to require, and exposes window.atlas alone', async () => {
    const preload = await readFile(join(out, 'electron', 'preload.cjs'), 'utf8');
    const exposed: { key: string; api: Record<string, unknown> }[] = [];
    const channels: string[] = [];
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, api: Record<string, unknown>) => exposed.push({ key, api }) },
      ipcRenderer: { invoke: async () => ({ ok: true, result: [] }), on: (channel: string) => channels.push(channel) },
    };
    const module = { exports: {} };
    runInNewContext(preload, {
      module,
      exports: module.exports,
      require: (name: string) => {
        if (name === 'electron') return electron;
        throw new Error(`a sandboxed preload cannot require ${name}`);
      },
    });
    expect(exposed.map((e) => e.key)).toEqual(['atlas']);
    expect(Object.keys(exposed[0]!.api).sort()).toEqual(['call', 'on']);
    expect(channels).toEqual(['atlas:event']);
    const call = exposed[0]!.api['call'] as (method: string, params: unknown) => Promise<unknown>;
    expect(await call('hosts.list', {})).toEqual([]);
    expect(await call('nope', {}).catch((e: unknown) => e)).toEqual({ kind: 'invalid-request', message: 'unknown method "nope"' });
  });
});

describe('the bundled main process under a stand-in electron module', () => {
  let sshd: Sshd;
  let result: Record<string, unknown>;
  let home: string;

  beforeAll(async () => {
    sshd = await startSshd();
    home = await makeAtlasHome(`Host lab\n    HostName 127.0.0.1\n    Port ${sshd.port}\n    User root\n    IdentityFile ${sshd.clientKeyPath}\n    IdentitiesOnly yes\n`);
    const { stdout } = await run(process.execPath, [join(ROOT, 'test/helpers/run-bundled-main.mjs'), join(out, 'electron', 'main.mjs')], {
      env: { ...process.env, HOME: home, SSH_AUTH_SOCK: '', ATLAS_SYSROOT: captureTree('mixed'), ATLAS_TEST_SSH_ALIAS: 'lab' },
      maxBuffer: 64 * 1024 * 1024,
    });
    result = JSON.parse(stdout);
  }, 120_000);

  afterAll(async () => {
    await sshd?.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('locks things down before the window exists: sandbox for all, app:// privileged, guards on the session', () => {
    expect(result['sandboxEnabled']).toBe(true);
    expect(result['privilegedSchemes']).toEqual([{ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true, bypassCSP: false }) }]);
    expect(result['permission']).toBe(false);
    expect(result['permissionCheck']).toBe(false);
    expect(result['requests']).toEqual({ app: false, https: true, ws: true });
    expect(result['appEvents']).toEqual(['second-instance', 'web-contents-created', 'will-quit', 'window-all-closed']);
    expect(result['menu']).toEqual(['&File', '&Edit', '&View', '&Help']);
    expect(result['openedExternally']).toEqual(['https://docs.kernel.org/driver-api/vfio.html']);
  });

  it('one window, secure options, the bundled preload, loading app://atlas/index.html', () => {
    expect(result['windows']).toBe(1);
    const window = result['window'] as { options: { webPreferences: Record<string, unknown> }; loaded: string };
    expect(window.loaded).toBe('app://atlas/index.html');
    expect(window.options.webPreferences).toMatchObject({
      preload: join(out, 'electron', 'preload.cjs'), contextIsolation: true, sandbox: true, nodeIntegration: false, webviewTag: false,
    });
  });

  it('app:// serves the renderer\'s files with the CSP, and nothing else', () => {
    expect(result['index']).toMatchObject({ status: 200, type: 'text/html; charset=utf-8', body: expect.stringContaining('<title>IOMMU Atlas</title>') });
    expect((result['index'] as { csp: string }).csp).toMatch(/^default-src 'self'; script-src 'self';/);
    expect(result['asset']).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8' });
    expect(result['traversal']).toMatchObject({ status: 404 });
    expect(result['otherHost']).toMatchObject({ status: 404 });
  });

  it('answers the page over IPC (bundled samples found), refuses other senders, forwards events', () => {
    expect(result['ipcChannels']).toEqual(['atlas:call']);
    expect(result['samples']).toEqual({ ok: true, result: ['asus-prime-x570-pro', 'lab-q35-mixed'] });
    expect(result['sample']).toMatchObject({ ok: true, result: { origin: 'sample', devices: 33, groups: 23 } });
    expect(result['refused']).toMatchObject({ ok: false, error: { kind: 'invalid-request' } });
    const events = result['events'] as { channel: string; message: { event: string } }[];
    expect(events.every((e) => e.channel === 'atlas:event')).toBe(true);
    expect(events[0]?.message.event).toBe('snapshots.added');
  });

  it('collects an SSH host through the bundled ssh2 after the host-key prompt', () => {
    const ssh = result['ssh'] as { prompt: { keyType: string; host: string }; answered: unknown; collected: { ok: boolean; result: Record<string, unknown> } };
    expect(ssh.prompt).toMatchObject({ keyType: 'ssh-ed25519', host: `[127.0.0.1]:${sshd.port}` });
    expect(ssh.answered).toEqual({ ok: true, result: { ok: true } });
    expect(ssh.collected).toMatchObject({ ok: true, result: { origin: 'collected', devices: 33, groups: 23 } });
  });
});
