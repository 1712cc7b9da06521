import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analysisJson, analyzeSnapshot } from '../../main/core/analysis/analyze.ts';
import type { AtlasApi, EventName, EventPayload, HostEntry, MethodName, Params, Result, SnapshotEntry } from '../../main/core/contract/api.ts';
import type { Snapshot } from '../../main/core/model/snapshot.ts';
import { importPaths } from '../../main/io/import.ts';
import { createController } from '../../renderer/src/app/controller.ts';
import { createStore } from '../../renderer/src/app/store.ts';
import { AtlasCallError } from '../../renderer/src/api/errors.ts';
import { LAB_DIR } from '../helpers/fstree.ts';

type Handler = (params: unknown) => unknown;

/** The contract's AtlasApi with scripted answers, recording every call, emitting events on demand. */
class FakeApi implements AtlasApi {
  readonly calls: { method: MethodName; params: unknown }[] = [];
  private readonly listeners = new Map<string, Set<(p: unknown) => void>>();
  constructor(private readonly handlers: Partial<Record<MethodName, Handler>>) {}

  async call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
    this.calls.push({ method, params });
    const handler = this.handlers[method];
    if (!handler) throw new AtlasCallError('internal', `${method} not scripted`);
    return (await handler(params)) as Result<M>;
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    const set = this.listeners.get(event) ?? new Set();
    set.add(listener as (p: unknown) => void);
    this.listeners.set(event, set);
    return () => set.delete(listener as (p: unknown) => void);
  }

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const l of this.listeners.get(event) ?? []) l(payload);
  }

  listening(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }
}

const host: HostEntry = { id: 'h1', label: 'lab guest', target: 'root@127.0.0.1:2222', kind: 'ssh', origin: 'manual', lastCollectedAt: null, lastSnapshotId: null, lastError: null };
const entry = (id: string, collectedAt: string): SnapshotEntry => ({ id, label: id, origin: 'imported', hostId: null, collectedAt, devices: 33, groups: 23 });

let mixed: Snapshot;
beforeAll(async () => {
  mixed = await importPaths([join(LAB_DIR, 'mixed')]);
});

function setUp(handlers: Partial<Record<MethodName, Handler>> = {}) {
  const api = new FakeApi({
    'hosts.list': () => [host],
    'snapshots.list': () => [entry('old', '2026-01-01T00:00:00Z'), entry('new', '2026-02-01T00:00:00Z')],
    'snapshots.samples': () => ['lab-q35-mixed'],
    'snapshots.get': () => mixed,
    'snapshots.analyze': () => analysisJson(analyzeSnapshot(mixed)),
    ...handlers,
  });
  const store = createStore();
  return { api, store, controller: createController(api, store) };
}

describe('the controller', () => {
  it('starts: listens to the six events (progress, done, both prompts and their closing), loads the lists, opens the newest snapshot with its analysis', async () => {
    const { api, store, controller } = setUp();
    const stop = await controller.start();
    const s = store.getState();
    expect(s.connection).toBe('ready');
    expect(s.hosts).toEqual([host]);
    expect(s.samples).toEqual(['lab-q35-mixed']);
    expect(s.open?.id).toBe('new');
    expect(s.open?.snapshot?.devices).toHaveLength(33);
    expect(s.open?.analysis?.checks.length).toBeGreaterThan(0);
    expect(api.calls.filter((c) => c.method === 'snapshots.get')).toEqual([{ method: 'snapshots.get', params: { id: 'new' } }]);
    expect(api.listening()).toBe(6);
    stop();
    expect(api.listening()).toBe(0);
  });

  it('keeps the snapshot and says why when the analysis fails', async () => {
    const { store, controller } = setUp({ 'snapshots.analyze': () => { throw new AtlasCallError('internal', 'analysis crashed'); } });
    await controller.start();
    expect(store.getState().open).toMatchObject({ id: 'new', analysis: null, analysisLoading: false, analysisError: 'analysis crashed' });
    expect(store.getState().open?.snapshot?.devices).toHaveLength(33);
  });

  it('reports a back end it cannot reach', async () => {
    const { store, controller } = setUp({ 'hosts.list': () => { throw new AtlasCallError('connection', 'cannot reach the back end'); } });
    await controller.start();
    expect(store.getState()).toMatchObject({ connection: 'failed', connectionError: 'cannot reach the back end', open: null });
  });

  it('collects: progress events while it runs, then opens what was collected', async () => {
    let finish!: (e: SnapshotEntry) => void;
    const { api, store, controller } = setUp({ 'hosts.collect': () => new Promise<SnapshotEntry>((resolve) => { finish = resolve; }) });
    await controller.start();
    const collecting = controller.collect('h1', true);
    expect(store.getState().collect['h1']).toEqual({ running: true, messages: [], error: null });
    api.emit('collect.progress', { hostId: 'h1', message: 'connecting to root@127.0.0.1:2222…' });
    api.emit('collect.progress', { hostId: 'h1', message: 'root@127.0.0.1:2222: reading lspci…' });
    expect(store.getState().collect['h1']!.messages).toEqual(['connecting to root@127.0.0.1:2222…', 'root@127.0.0.1:2222: reading lspci…']);
    finish(entry('collected', '2026-03-01T00:00:00Z'));
    await collecting;
    expect(api.calls.find((c) => c.method === 'hosts.collect')?.params).toEqual({ id: 'h1', sudo: true });
    expect(store.getState().collect['h1']).toMatchObject({ running: false, error: null });
    expect(store.getState().open?.id).toBe('collected');
  });

  it('shows a failed collection on its host', async () => {
    const { store, controller } = setUp({ 'hosts.collect': () => { throw new AtlasCallError('host-key', 'the host key of 127.0.0.1:2222 was not accepted'); } });
    await controller.start();
    await controller.collect('h1');
    expect(store.getState().collect['h1']).toMatchObject({ running: false, error: 'the host key of 127.0.0.1:2222 was not accepted' });
    expect(store.getState().open?.id).toBe('new');
  });

  it('queues a host-key prompt and answers it', async () => {
    const { api, store, controller } = setUp({ 'hostKey.answer': () => ({ ok: true }) });
    await controller.start();
    api.emit('hostKey.prompt', { promptId: 'p1', hostId: 'h1', host: '127.0.0.1:2222', keyType: 'ssh-ed25519', fingerprint: 'SHA256:x' });
    expect(store.getState().prompts).toHaveLength(1);
    await controller.answerHostKey('p1', true);
    expect(store.getState().prompts).toEqual([]);
    expect(api.calls.at(-1)).toEqual({ method: 'hostKey.answer', params: { promptId: 'p1', accept: true } });
  });

  it('queues a secret prompt, answers it, and drops a prompt the back end closed', async () => {
    const { api, store, controller } = setUp({ 'secret.answer': () => ({ ok: true }) });
    await controller.start();
    const asked = { promptId: 'p2', hostId: 'h1', kind: 'passphrase' as const, prompt: "Enter passphrase for key '/k': ", instructions: '', echo: false, attempt: 1 };
    api.emit('secret.prompt', asked);
    expect(store.getState().prompts).toEqual([{ ...asked, type: 'secret' }]);
    await controller.answerSecret('p2', 'correct horse');
    expect(store.getState().prompts).toEqual([]);
    expect(api.calls.at(-1)).toEqual({ method: 'secret.answer', params: { promptId: 'p2', secret: 'correct horse' } });
    api.emit('secret.prompt', { ...asked, promptId: 'p3' });
    api.emit('secret.closed', { promptId: 'p3' });
    expect(store.getState().prompts).toEqual([]);
  });

  it('imports dropped files and opens the result; an import error becomes a notice', async () => {
    const files = [{ name: 'iommu-groups.txt', text: 'IOMMU Group 1 00:02.0 VGA…' }];
    const ok = setUp({ 'snapshots.import': () => entry('imported', '2026-03-02T00:00:00Z') });
    await ok.controller.start();
    await ok.controller.importFiles(files);
    expect(ok.api.calls.find((c) => c.method === 'snapshots.import')?.params).toEqual({ files });
    expect(ok.store.getState()).toMatchObject({ busy: null, open: { id: 'imported' } });

    const bad = setUp({ 'snapshots.import': () => { throw new AtlasCallError('input', 'notes.txt: cannot tell what this file is'); } });
    await bad.controller.start();
    await bad.controller.importFiles([{ name: 'notes.txt', text: 'hello' }]);
    expect(bad.store.getState().notices.map((n) => n.text)).toEqual(['Import failed: notes.txt: cannot tell what this file is']);
    expect(bad.store.getState().open?.id).toBe('new');
  });

  it('adds a host (true) or says why not (false)', async () => {
    const { api, store, controller } = setUp({ 'hosts.add': () => host });
    await controller.start();
    expect(await controller.addHost('root@127.0.0.1:2222')).toBe(true);
    expect(api.calls.find((c) => c.method === 'hosts.add')?.params).toEqual({ target: 'root@127.0.0.1:2222' });
    const refused = setUp({ 'hosts.add': () => { throw new AtlasCallError('invalid-request', 'hosts.add: target: not a host name'); } });
    await refused.controller.start();
    expect(await refused.controller.addHost('a b')).toBe(false);
    expect(refused.store.getState().notices[0]?.text).toBe('Could not add a b: hosts.add: target: not a host name');
    expect(store.getState().notices).toEqual([]);
  });
});
