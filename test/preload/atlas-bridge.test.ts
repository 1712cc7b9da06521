/**
 * The preload's exposed surface: exactly one object, `window.atlas`, with `call` and `on`, checking
 * everything against the contract in both directions. Driven through our own exposeAtlas with a
 * recording context bridge and IPC channel (Electron's are passed in the same way by preload.ts).
 */
import { describe, expect, it } from 'vitest';
import { createAtlasBridge, exposeAtlas, type Bridge, type RendererIpc } from '../../preload/atlas-bridge.ts';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL } from '../../main/core/contract/wire.ts';
import type { AtlasApi, MethodName } from '../../main/core/contract/api.ts';

type EventHandler = (event: unknown, message: unknown) => void;

/** An ipcRenderer that records invokes, answers with `answer`, and lets the test push events. */
function fakeIpc(answer: (channel: string, request: unknown) => unknown = () => ({ ok: true, result: [] })) {
  const invoked: { channel: string; request: unknown }[] = [];
  const handlers = new Map<string, EventHandler[]>();
  const ipc = {
    invoke: async (channel: string, request: unknown) => {
      invoked.push({ channel, request });
      return answer(channel, request);
    },
    on(channel: string, listener: EventHandler) {
      handlers.set(channel, [...(handlers.get(channel) ?? []), listener]);
      return ipc;
    },
  };
  const push = (message: unknown) => {
    for (const h of handlers.get(IPC_EVENT_CHANNEL) ?? []) h({}, message);
  };
  return { ipc: ipc as unknown as RendererIpc, invoked, handlers, push };
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => 'resolved', (reason: unknown) => reason);
}

const HOST = { id: 'local', label: 'This machine', target: 'local', kind: 'local', origin: 'builtin', lastCollectedAt: null, lastSnapshotId: null, lastError: null };

describe('exposeAtlas', () => {
  it('exposes one object, window.atlas, with call and on and nothing else', () => {
    const exposed: { key: string; api: unknown }[] = [];
    const bridge: Bridge = { exposeInMainWorld: (key: string, api: unknown) => void exposed.push({ key, api }) } as Bridge;
    const { ipc, handlers } = fakeIpc();
    exposeAtlas(bridge, ipc);
    expect(exposed.map((e) => e.key)).toEqual(['atlas']);
    const api = exposed[0]!.api as Record<string, unknown>;
    expect(Object.keys(api).sort()).toEqual(['call', 'on']);
    expect(typeof api['call']).toBe('function');
    expect(Object.isFrozen(api)).toBe(true);
    // No channel, no ipcRenderer, nothing of Electron reachable from it.
    expect(Object.values(api).some((v) => v === ipc)).toBe(false);
    expect([...handlers.keys()]).toEqual([IPC_EVENT_CHANNEL]);
  });
});

describe('call', () => {
  it('sends valid requests on the one channel, with the contract\'s parsed params', async () => {
    const { ipc, invoked } = fakeIpc(() => ({ ok: true, result: [HOST] }));
    const atlas = createAtlasBridge(ipc);
    expect(await atlas.call('hosts.list', {})).toEqual([HOST]);
    expect(invoked).toEqual([{ channel: IPC_CALL_CHANNEL, request: { method: 'hosts.list', params: {} } }]);
  });

  it('refuses unknown methods and invalid params without sending anything', async () => {
    const { ipc, invoked } = fakeIpc();
    const atlas = createAtlasBridge(ipc) as AtlasApi & { call(method: string, params: unknown): Promise<unknown> };
    expect(await rejectionOf(atlas.call('shell.exec', { cmd: 'rm -rf /' }))).toEqual({ kind: 'invalid-request', message: 'unknown method "shell.exec"' });
    expect(await rejectionOf(atlas.call('__proto__', {}))).toMatchObject({ kind: 'invalid-request' });
    expect(await rejectionOf(atlas.call('hosts.add', { target: 'x; reboot' }))).toMatchObject({ kind: 'invalid-request' });
    expect(await rejectionOf(atlas.call('snapshots.get', { id: 42 }))).toMatchObject({ kind: 'invalid-request' });
    expect(invoked).toEqual([]);
  });

  it('rejects with the back end\'s ApiError as a plain object, so the kind survives the context bridge', async () => {
    const { ipc } = fakeIpc(() => ({ ok: false, error: { kind: 'not-found', message: 'no snapshot with id AAAAAAAAAAAAAAAA' } }));
    const reason = await rejectionOf(createAtlasBridge(ipc).call('snapshots.get', { id: 'AAAAAAAAAAAAAAAA' }));
    expect(reason).toEqual({ kind: 'not-found', message: 'no snapshot with id AAAAAAAAAAAAAAAA' });
    expect(reason).not.toBeInstanceOf(Error);
  });

  it('answers outside the contract are internal errors, not data for the page', async () => {
    const answers: unknown[] = [undefined, 'ok', { ok: true }, { ok: true, result: [{ id: '../x' }] }, { ok: false, error: { kind: 'boom', message: 'x' } }];
    for (const answer of answers) {
      const { ipc } = fakeIpc(() => answer);
      expect(await rejectionOf(createAtlasBridge(ipc).call('hosts.list', {})), JSON.stringify(answer)).toMatchObject({ kind: 'internal' });
    }
    const throwing = { invoke: async () => { throw new Error("Error invoking remote method 'atlas:call': no handler"); }, on: () => undefined } as unknown as RendererIpc;
    expect(await rejectionOf(createAtlasBridge(throwing).call('hosts.list', {}))).toEqual({
      kind: 'internal', message: "the app's back end did not answer: Error invoking remote method 'atlas:call': no handler",
    });
  });
});

describe('on', () => {
  it('delivers the contract\'s events with valid payloads, and stops after unsubscribing', () => {
    const { ipc, push } = fakeIpc();
    const atlas = createAtlasBridge(ipc);
    const progress: unknown[] = [];
    const off = atlas.on('collect.progress', (p) => progress.push(p));
    atlas.on('collect.progress', () => {
      throw new Error('a broken listener');
    });
    const later: unknown[] = [];
    atlas.on('collect.progress', (p) => later.push(p));
    push({ event: 'collect.progress', payload: { hostId: 'local', message: 'this machine: reading lspci…' } });
    push({ event: 'collect.progress', payload: { hostId: 'local' } });
    push({ event: 'collect.progress', payload: { hostId: '../../x', message: 'm' } });
    push({ event: 'shell.exec', payload: {} });
    push('collect.progress');
    push({ event: 'collect.done', payload: { hostId: 'local', snapshotId: null, error: null } });
    expect(progress).toEqual([{ hostId: 'local', message: 'this machine: reading lspci…' }]);
    expect(later).toEqual(progress);
    off();
    push({ event: 'collect.progress', payload: { hostId: 'local', message: 'again' } });
    expect(progress).toHaveLength(1);
    expect(later).toHaveLength(2);
  });

  it('refuses unknown event names and listeners that are not functions', () => {
    const atlas = createAtlasBridge(fakeIpc().ipc) as AtlasApi & { on(event: string, listener: unknown): () => void };
    expect(() => atlas.on('ipc.raw', () => undefined)).toThrow();
    expect(() => atlas.on('collect.done', 'alert(1)')).toThrow();
    const method: MethodName = 'hosts.list';
    expect(() => atlas.on(method, () => undefined)).toThrow();
  });
});
