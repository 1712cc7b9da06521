/**
 * One contract, three doors, one suite. The same calls run against
 *   (a) the back end itself (AtlasService),
 *   (b) the page's WebSocket client against a real `serve` on loopback,
 *   (c) the page's IPC client through the real preload bridge and the real IPC handler.
 * Electron cannot run here (no binary, no display), so for (c) an in-process channel pair stands
 * in for ipcRenderer/ipcMain/webContents.send: it only moves structured clones between our own
 * functions (preload/atlas-bridge.ts, main/electron/ipc.ts), as Electron's IPC does.
 * Each door must give the same results, the same error kinds and the same events.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import WebSocket from 'ws';
import { Methods, isMethodName, type ApiError, type AtlasApi, type EventName, type MethodName } from '../../main/core/contract/api.ts';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL } from '../../main/core/contract/wire.ts';
import { Snapshot } from '../../main/core/model/snapshot.ts';
import { AtlasService } from '../../main/service/atlas-service.ts';
import { startAtlasServer } from '../../main/server/server.ts';
import { createCallHandler, forwardEvents, type InvokeEvent } from '../../main/electron/ipc.ts';
import { APP_ENTRY_URL } from '../../main/electron/security.ts';
import { exposeAtlas, type Bridge, type RendererIpc } from '../../preload/atlas-bridge.ts';
import { createWsClient, type WebSocketConstructor } from '../../renderer/src/api/ws-client.ts';
import { createIpcClient } from '../../renderer/src/api/ipc-client.ts';
import { captureTree } from '../helpers/fstree.ts';
import { labGroups, partitionKey } from '../helpers/lab-truth.ts';
import { labFiles } from '../helpers/lab-files.ts';
import { makeAtlasHome } from '../helpers/atlas-home.ts';

interface Opened {
  api: AtlasApi;
  close(): Promise<void>;
}

const homes: string[] = [];
afterAll(async () => {
  for (const home of homes) await rm(home, { recursive: true, force: true });
});

async function backEnd(): Promise<AtlasService> {
  const home = await makeAtlasHome();
  homes.push(home);
  return new AtlasService({ homeDir: home, env: { ATLAS_SYSROOT: captureTree('mixed') } });
}

/** ipcRenderer ⇄ ipcMain and webContents.send, as structured clones delivered asynchronously. */
function channelPair() {
  const handlers = new Map<string, (event: InvokeEvent, request: unknown) => Promise<unknown>>();
  const listeners = new Map<string, ((event: unknown, message: unknown) => void)[]>();
  const page: InvokeEvent = { senderFrame: { url: APP_ENTRY_URL, parent: null } };
  const ipcMain = {
    handle(channel: string, handler: (event: InvokeEvent, request: unknown) => Promise<unknown>) {
      handlers.set(channel, handler);
    },
  };
  const ipcRenderer = {
    async invoke(channel: string, request: unknown) {
      const handler = handlers.get(channel);
      // Electron's own message for a channel nobody handles.
      if (!handler) throw new Error(`Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`);
      return structuredClone(await handler(page, structuredClone(request)));
    },
    on(channel: string, listener: (event: unknown, message: unknown) => void) {
      listeners.set(channel, [...(listeners.get(channel) ?? []), listener]);
      return ipcRenderer;
    },
  };
  const webContents = {
    send(channel: string, message: unknown) {
      const copy = structuredClone(message);
      setImmediate(() => {
        for (const listener of listeners.get(channel) ?? []) listener({}, copy);
      });
    },
  };
  return { ipcMain, ipcRenderer: ipcRenderer as unknown as RendererIpc, webContents };
}

const doors: { name: string; open(): Promise<Opened> }[] = [
  {
    name: 'service',
    async open() {
      const service = await backEnd();
      return { api: service, close: () => service.close() };
    },
  },
  {
    name: 'WebSocket client → serve',
    async open() {
      const service = await backEnd();
      const server = await startAtlasServer({ service, port: 0 });
      const client = createWsClient(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, { WebSocket: WebSocket as unknown as WebSocketConstructor });
      return {
        api: client,
        async close() {
          client.close();
          await server.close();
          await service.close();
        },
      };
    },
  },
  {
    name: 'IPC client → preload → IPC handler',
    async open() {
      const service = await backEnd();
      const { ipcMain, ipcRenderer, webContents } = channelPair();
      ipcMain.handle(IPC_CALL_CHANNEL, createCallHandler(service));
      const stop = forwardEvents(service, (message) => webContents.send(IPC_EVENT_CHANNEL, message));
      const window: Record<string, unknown> = {};
      const bridge = { exposeInMainWorld: (key: string, api: unknown) => void (window[key] = api) } as Bridge;
      exposeAtlas(bridge, ipcRenderer);
      const client = createIpcClient(window['atlas'] as AtlasApi);
      return {
        api: client,
        async close() {
          client.close();
          stop();
          await service.close();
        },
      };
    },
  },
];

/** What each door showed, without ids and times, to compare the doors with each other. */
const observed = new Map<string, unknown[]>();
const note = (door: string, what: unknown) => observed.set(door, [...(observed.get(door) ?? []), what]);

async function kindOf(promise: Promise<unknown>): Promise<ApiError['kind'] | 'resolved'> {
  return promise.then(() => 'resolved' as const, (e: { kind?: ApiError['kind'] }) => e.kind ?? 'internal');
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (const started = Date.now(); Date.now() - started < 20_000;) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Methods each door was asked for, to show that the suite covers the whole contract. */
const called = new Map<string, Set<MethodName>>();

function recording(name: string, opened: Opened): Opened {
  const methods = called.get(name) ?? new Set<MethodName>();
  called.set(name, methods);
  const api: AtlasApi = {
    call: (method, params) => {
      if (isMethodName(method)) methods.add(method);
      return opened.api.call(method, params);
    },
    on: (event, listener) => opened.api.on(event, listener),
  };
  return { api, close: opened.close };
}

for (const { name, open: openDoor } of doors) {
  const door = { name, open: async () => recording(name, await openDoor()) };
  describe(`contract through ${door.name}`, () => {
    it('samples, the analysis, and answers to prompts nobody asked', async () => {
      const { api, close } = await door.open();
      expect(await api.call('snapshots.samples', {})).toEqual(['asus-prime-x570-pro', 'lab-q35-mixed']);
      const sample = await api.call('snapshots.openSample', { name: 'lab-q35-mixed' });
      const analysis = await api.call('snapshots.analyze', { id: sample.id });
      expect(analysis.devices).toHaveLength(sample.devices);
      expect(await api.call('hostKey.answer', { promptId: 'AAAAAAAAAAAAAAAA', accept: true })).toEqual({ ok: false });
      expect(await api.call('secret.answer', { promptId: 'AAAAAAAAAAAAAAAA', secret: null })).toEqual({ ok: false });
      note(door.name, { verdicts: analysis.devices.map((d) => [d.address, d.verdict]), checks: analysis.checks.map((c) => [c.id, c.status]) });
      await close();
    });

    it('hosts: list, add, remove', async () => {
      const { api, close } = await door.open();
      const initial = await api.call('hosts.list', {});
      expect(initial.map((h) => [h.id, h.target, h.kind, h.origin])).toEqual([['local', 'local', 'local', 'builtin']]);
      const added = await api.call('hosts.add', { target: 'root@192.168.1.20:2222', label: 'pve' });
      expect(added).toMatchObject({ target: 'root@192.168.1.20:2222', label: 'pve', kind: 'ssh', origin: 'manual', lastError: null });
      expect((await api.call('hosts.list', {})).map((h) => h.target)).toEqual(['local', 'root@192.168.1.20:2222']);
      expect(await api.call('hosts.remove', { id: added.id })).toEqual({ removed: true });
      expect(await api.call('hosts.remove', { id: added.id })).toEqual({ removed: false });
      expect((await api.call('hosts.list', {})).map((h) => h.target)).toEqual(['local']);
      note(door.name, { hosts: added.target });
      await close();
    });

    it('import of a real lab capture\'s files, then snapshots.get and snapshots.list', async () => {
      const { api, close } = await door.open();
      const entry = await api.call('snapshots.import', { files: labFiles('mixed') });
      expect(entry).toMatchObject({ origin: 'imported', hostId: null, devices: 33, groups: 23 });
      expect(await api.call('snapshots.list', {})).toEqual([entry]);
      const snapshot = await api.call('snapshots.get', { id: entry.id });
      expect(Snapshot.safeParse(snapshot).success).toBe(true);
      expect(snapshot.devices).toHaveLength(33);
      expect(partitionKey(snapshot.groups)).toEqual(partitionKey(labGroups('mixed').values()));
      // lab/mixed: the 82576 NIC's two functions share IOMMU group 11.
      expect(snapshot.groups.find((g) => g.id === 11)?.devices).toEqual(['0000:01:00.0', '0000:01:00.1']);
      const { id: _id, collectedAt: _at, ...rest } = entry;
      note(door.name, { imported: rest, devices: snapshot.devices.map((d) => [d.address, d.driver, d.iommuGroup]) });
      await close();
    });

    it('export round trip: the exported JSON imports back to the same snapshot', async () => {
      const { api, close } = await door.open();
      const sample = await api.call('snapshots.openSample', { name: 'asus-prime-x570-pro' });
      const original = await api.call('snapshots.get', { id: sample.id });
      const exported = await api.call('snapshots.export', { id: sample.id });
      const back = await api.call('snapshots.import', { files: [{ name: exported.fileName, text: exported.json }] });
      expect(back).toMatchObject({ origin: 'imported', devices: sample.devices, groups: sample.groups });
      expect(await api.call('snapshots.get', { id: back.id })).toEqual(original);
      note(door.name, { exported: exported.fileName });
      await close();
    });

    it('invalid requests are rejected with invalid-request; a missing snapshot is not-found', async () => {
      const { api, close } = await door.open();
      const loose = api as AtlasApi & { call(method: string, params: unknown): Promise<unknown> };
      const kinds = [
        await kindOf(api.call('hosts.remove', { id: '../../etc/passwd' })),
        await kindOf(loose.call('hosts.purge', {})),
        await kindOf(api.call('snapshots.import', { files: [] })),
        await kindOf(api.call('hosts.add', { target: 'root@host; reboot' })),
        await kindOf(loose.call('snapshots.get', { id: 7 })),
        await kindOf(api.call('snapshots.get', { id: 'AAAAAAAAAAAAAAAA' })),
        await kindOf(api.call('snapshots.openSample', { name: 'none-such' })),
        await kindOf(api.call('snapshots.import', { files: [{ name: 'x.txt', text: 'not an output' }] })),
      ];
      expect(kinds).toEqual(['invalid-request', 'invalid-request', 'invalid-request', 'invalid-request', 'invalid-request', 'not-found', 'not-found', 'input']);
      note(door.name, { kinds });
      await close();
    });

    it('events: collection progress and done, snapshots.added; unsubscribing stops them', async () => {
      const { api, close } = await door.open();
      const seen: { event: EventName; payload: unknown }[] = [];
      const offs = (['collect.progress', 'collect.done', 'snapshots.added'] as const).map((event) => api.on(event, (payload) => seen.push({ event, payload })));
      const entry = await api.call('hosts.collect', { id: 'local' });
      expect(entry).toMatchObject({ origin: 'collected', hostId: 'local', devices: 33, groups: 23 });
      await until(() => seen.some((e) => e.event === 'collect.done'), 'collect.done');
      expect(seen.find((e) => e.event === 'collect.done')?.payload).toEqual({ hostId: 'local', snapshotId: entry.id, error: null });
      expect(seen.find((e) => e.event === 'snapshots.added')?.payload).toEqual({ entry });
      const progress = seen.filter((e) => e.event === 'collect.progress').map((e) => (e.payload as { message: string }).message);
      expect(progress).toContain('this machine: reading lspci…');
      for (const off of offs) off();
      const count = seen.length;
      await api.call('snapshots.openSample', { name: 'lab-q35-mixed' });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(seen).toHaveLength(count);
      note(door.name, { events: [...new Set(seen.map((e) => e.event))], progress: progress.slice(0, -1) });
      await close();
    });
  });
}

describe('the three doors', () => {
  it('behaved the same on the whole suite', () => {
    const [first, ...others] = doors.map((d) => observed.get(d.name));
    expect(first).toHaveLength(6);
    for (const other of others) expect(other).toEqual(first);
  });

  it('every method of the contract went through each door', () => {
    for (const door of doors) expect([...(called.get(door.name) ?? [])].sort(), door.name).toEqual(Object.keys(Methods).sort());
  });
});
