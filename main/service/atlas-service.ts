/**
 * The app's back end: one object that carries out every method of the contract
 * (main/core/contract/api.ts) and emits its events. The doors (Electron IPC in main/electron, the
 * WebSocket server of `iommu-atlas serve` in main/server) only move validated requests to `call()`
 * and events out of `subscribe()`; nothing else in them decides anything.
 *
 * - Hosts: saved in `<configDir>/hosts.json` (hosts-store.ts). With nothing saved it offers this
 *   machine and the concrete `Host` aliases of ~/.ssh/config.
 * - Collection: the same collector as `iommu-atlas collect`, locally or over SSH, with progress
 *   events. An unknown host key becomes a `hostKey.prompt` event, a login that needs a passphrase,
 *   password or keyboard-interactive answer a `secret.prompt` event; the collection waits for the
 *   `hostKey.answer` / `secret.answer` call, and a prompt nobody answers in time counts as declined.
 *   Secrets go to the SSH login and nowhere else: not stored, not logged, not in any event.
 * - Snapshots: kept in memory for this run (collected, imported from dropped or pasted texts,
 *   bundled samples, files opened through the desktop menu), exported as the JSON `import` reads.
 */
import { randomBytes, createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import type { z } from 'zod';
import {
  Events, Methods, parseRequest, type EventName, type EventPayload, type HostEntry, type MethodName, type Params, type Result,
  type SnapshotEntry, type AtlasApi,
} from '../core/contract/api.ts';
import type { Snapshot } from '../core/model/snapshot.ts';
import { analysisJson, analyzeSnapshot } from '../core/analysis/analyze.ts';
import { collectSnapshot } from '../io/collect.ts';
import { importPaths, importTexts } from '../io/import.ts';
import { LocalTransport } from '../io/local-transport.ts';
import { listSamples, loadSample } from '../io/samples.ts';
import { readUserSshConfig } from '../io/ssh/ssh-config-file.ts';
import { parseSshTarget } from '../io/ssh/ssh-target.ts';
import { secretPromptText, type SecretRequest } from '../io/ssh/ssh-auth.ts';
import { connectSsh, type UnknownHostKeyInfo } from '../io/ssh/ssh-transport.ts';
import type { Transport } from '../io/transport.ts';
import { defaultConfigDir, HostsStore, type HostsFile } from './hosts-store.ts';
import { ServiceError, toApiError } from './service-error.ts';
import { sshConfigAliases } from './ssh-config-hosts.ts';

export interface AtlasServiceOptions {
  /** Where ~/.ssh lives. Default: the user's home directory. */
  homeDir?: string;
  /** Where hosts.json and the accepted host keys live. Default: `<homeDir>/.config/iommu-atlas`. */
  configDir?: string;
  /**
   * The environment the collector's test hooks come from (ATLAS_SYSROOT: read a fixture tree;
   * ATLAS_LIBVIRT_URI: libvirt's test driver), passed on to every collection as the CLI does.
   * Default: process.env.
   */
  env?: Record<string, string | undefined>;
  /** SSH settings of every connection (tests point these at a throwaway key and no agent). */
  ssh?: { agentSocket?: string | null; identityFiles?: string[]; currentUser?: string; readyTimeoutMs?: number };
  /** Time limit of one collection once connected. Default 120 s, as the CLI. */
  collectTimeoutMs?: number;
  /** How long a host-key or secret prompt waits for an answer before it counts as declined. Default 3 minutes. */
  promptTimeoutMs?: number;
  now?: () => Date;
}

/** Every event: its name and its payload (valid for that name). */
export type EventListener = (event: EventName, payload: EventPayload<EventName>) => void;
type Handlers = { [M in MethodName]: (params: z.infer<(typeof Methods)[M]['params']>) => Promise<Result<M>> };

/** The collector's test hooks, the only variables a collection takes from the service's environment. */
const COLLECTOR_TEST_HOOKS = ['ATLAS_SYSROOT', 'ATLAS_LIBVIRT_URI'] as const;
const LOCAL_ID = 'local';

/** Ids we hand out: 96 random bits, URL-safe (the contract's `Id`). */
export function newId(): string {
  return randomBytes(12).toString('base64url');
}

/** An offered ~/.ssh/config alias keeps the same id across runs, before and after it is saved. */
function sshConfigHostId(alias: string): string {
  return `ssh-${createHash('sha256').update(alias).digest('base64url').slice(0, 16)}`;
}

function localHost(): HostEntry {
  return { id: LOCAL_ID, label: 'This machine', target: 'local', kind: 'local', origin: 'builtin', lastCollectedAt: null, lastSnapshotId: null, lastError: null };
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9.]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'snapshot';
}

/** Replaces the saved entry in place, or saves an offered one for the first time. */
function saveEntry(state: HostsFile, entry: HostEntry): void {
  const index = state.hosts.findIndex((h) => h.id === entry.id);
  if (index >= 0) state.hosts[index] = entry;
  else state.hosts.push(entry);
}

/** A question waiting for the person; `answer` takes what the matching `*.answer` call brings. */
type PendingPrompt =
  | { kind: 'host-key'; answer: (accept: boolean) => void }
  | { kind: 'secret'; answer: (secret: string | null) => void };

export class AtlasService implements AtlasApi {
  private readonly homeDir: string;
  private readonly configDir: string;
  private readonly store: HostsStore;
  private readonly env: Record<string, string | undefined>;
  private readonly now: () => Date;
  private readonly listeners = new Set<EventListener>();
  private readonly snapshots = new Map<string, { entry: SnapshotEntry; snapshot: Snapshot }>();
  private readonly prompts = new Map<string, PendingPrompt>();
  private readonly collecting = new Map<string, Promise<SnapshotEntry>>();
  private readonly transports = new Set<Transport>();
  /** Read-modify-write of hosts.json, one at a time. */
  private hostsLock: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly handlers: Handlers;

  constructor(private readonly options: AtlasServiceOptions = {}) {
    this.homeDir = options.homeDir ?? homedir();
    this.configDir = options.configDir ?? defaultConfigDir(this.homeDir);
    this.store = new HostsStore(this.configDir);
    this.env = options.env ?? process.env;
    this.now = options.now ?? (() => new Date());
    this.handlers = {
      'hosts.list': () => this.listHosts(),
      'hosts.add': (p) => this.addHost(p.target, p.label),
      'hosts.remove': (p) => this.removeHost(p.id),
      'hosts.collect': (p) => this.collectHost(p.id, p.sudo === true),
      'hostKey.answer': async (p) => ({ ok: this.answerPrompt(p.promptId, { kind: 'host-key', value: p.accept }) }),
      'secret.answer': async (p) => ({ ok: this.answerPrompt(p.promptId, { kind: 'secret', value: p.secret }) }),
      'snapshots.list': async () => [...this.snapshots.values()].map((s) => s.entry),
      'snapshots.get': async (p) => this.snapshot(p.id).snapshot,
      'snapshots.import': async (p) => this.importFiles(p.files),
      'snapshots.samples': async () => listSamples(),
      'snapshots.openSample': (p) => this.openSample(p.name),
      'snapshots.export': async (p) => this.exportSnapshot(p.id),
      'snapshots.analyze': async (p) => analysisJson(analyzeSnapshot(this.snapshot(p.id).snapshot)),
    };
  }

  /**
   * One request, validated against the contract on the way in and on the way out. Fails with a
   * ServiceError whose kind is the contract's (a TransportError becomes "connection" or "host-key"…).
   */
  async call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
    const request = parseRequest(method, params);
    if (!request.ok) throw new ServiceError(request.error.kind, request.error.message);
    if (this.closed) throw new ServiceError('internal', 'the back end is shutting down');
    const handler = this.handlers[request.method] as (params: unknown) => Promise<unknown>;
    let result: unknown;
    try {
      result = await handler(request.params);
    } catch (error) {
      // Whoever calls (a door, a test, the desktop menu) sees the contract's error kinds.
      const apiError = toApiError(error);
      throw new ServiceError(apiError.kind, apiError.message);
    }
    // Our answer must be what the contract promises; checked, but not replaced by zod's copy.
    const checked = Methods[request.method].result.safeParse(result);
    if (!checked.success) throw new ServiceError('internal', `${request.method} produced a result outside the contract: ${checked.error.issues[0]?.message ?? ''}`);
    return result as Result<M>;
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    return this.subscribe((name, payload) => {
      if (name === event) listener(payload as EventPayload<typeof event>);
    });
  }

  /** Every event, for the doors that forward them all. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Declines open prompts and stops running collections. */
  async close(): Promise<void> {
    this.closed = true;
    for (const [id, prompt] of this.prompts) {
      this.prompts.delete(id);
      if (prompt.kind === 'host-key') prompt.answer(false);
      else prompt.answer(null);
    }
    await Promise.all([...this.transports].map((t) => t.close()));
    this.listeners.clear();
  }

  /** Files chosen in the desktop app's File menu: read and imported like `iommu-atlas import`. */
  async openFiles(paths: string[]): Promise<SnapshotEntry> {
    const snapshot = await importPaths(paths);
    return this.addSnapshot(snapshot, 'opened', paths.map((p) => basename(p)).join(', '), null);
  }

  private emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    Events[event].parse(payload);
    for (const listener of this.listeners) {
      try {
        listener(event, payload);
      } catch {
        // One broken subscriber (a closed socket) must not keep the event from the others.
      }
    }
  }

  // ---- hosts ----

  private async offeredHosts(): Promise<HostEntry[]> {
    const configText = await readUserSshConfig(this.homeDir).catch(() => '');
    const aliases = sshConfigAliases(configText).map((alias): HostEntry => ({
      id: sshConfigHostId(alias), label: alias, target: alias, kind: 'ssh', origin: 'ssh-config',
      lastCollectedAt: null, lastSnapshotId: null, lastError: null,
    }));
    return [localHost(), ...aliases];
  }

  private async hostsState(): Promise<HostsFile> {
    return (await this.store.read()) ?? { version: 1, hosts: [], dismissed: [] };
  }

  /** Saved hosts, then the offered ones not saved or dismissed; this machine first. */
  private async currentHosts(state: HostsFile): Promise<HostEntry[]> {
    const offered = (await this.offeredHosts()).filter((o) => !state.dismissed.includes(o.target) && !state.hosts.some((h) => h.target === o.target));
    const all = [...state.hosts, ...offered];
    return [...all.filter((h) => h.kind === 'local'), ...all.filter((h) => h.kind !== 'local')];
  }

  private async listHosts(): Promise<HostEntry[]> {
    const hosts = await this.currentHosts(await this.hostsState());
    // Snapshots live for one run: a saved id from an earlier run points at nothing.
    return hosts.map((h) => (h.lastSnapshotId !== null && !this.snapshots.has(h.lastSnapshotId) ? { ...h, lastSnapshotId: null } : h));
  }

  private mutateHosts<T>(change: (state: HostsFile, hosts: HostEntry[]) => T | Promise<T>): Promise<T> {
    const run = this.hostsLock.then(async () => {
      const state = await this.hostsState();
      const result = await change(state, await this.currentHosts(state));
      await this.store.write(state);
      return result;
    });
    this.hostsLock = run.catch(() => undefined);
    return run;
  }

  private async addHost(target: string, label: string | undefined): Promise<HostEntry> {
    // The same rules as connecting: a target that could never connect is refused now, with the reason.
    if (target !== 'local') parseSshTarget(target);
    return this.mutateHosts(async (state) => {
      // Un-dismissed first: adding an offered entry back by name gives that entry (same id, origin).
      state.dismissed = state.dismissed.filter((t) => t !== target);
      const known = (await this.currentHosts(state)).find((h) => h.target === target) ?? null;
      const entry: HostEntry = known
        ? { ...known, label: label ?? known.label }
        : { id: newId(), label: label ?? target, target, kind: 'ssh', origin: 'manual', lastCollectedAt: null, lastSnapshotId: null, lastError: null };
      saveEntry(state, entry);
      return entry;
    });
  }

  private async removeHost(id: string): Promise<{ removed: boolean }> {
    return this.mutateHosts((state, hosts) => {
      const host = hosts.find((h) => h.id === id);
      if (!host) return { removed: false };
      state.hosts = state.hosts.filter((h) => h.id !== id);
      // Offered entries would come back on the next list: remember that the person removed them.
      if (host.origin !== 'manual' && !state.dismissed.includes(host.target)) state.dismissed.push(host.target);
      return { removed: true };
    });
  }

  private async updateHost(id: string, fields: Partial<Pick<HostEntry, 'lastCollectedAt' | 'lastSnapshotId' | 'lastError'>>): Promise<void> {
    await this.mutateHosts((state, hosts) => {
      const host = hosts.find((h) => h.id === id);
      if (host) saveEntry(state, { ...host, ...fields }); // else: removed while it was collecting
    });
  }

  // ---- collection ----

  private collectHost(id: string, sudo: boolean): Promise<SnapshotEntry> {
    // Asking twice while a collection runs joins it instead of starting a second one.
    const running = this.collecting.get(id);
    if (running) return running;
    const collection = this.runCollection(id, sudo).finally(() => this.collecting.delete(id));
    this.collecting.set(id, collection);
    return collection;
  }

  private async runCollection(id: string, sudo: boolean): Promise<SnapshotEntry> {
    const host = (await this.listHosts()).find((h) => h.id === id);
    if (!host) throw new ServiceError('not-found', `no host with id ${id}`);
    const progress = (message: string) => this.emit('collect.progress', { hostId: id, message });
    const env: Record<string, string> = {};
    for (const name of COLLECTOR_TEST_HOOKS) {
      const value = this.env[name];
      if (value) env[name] = value;
    }
    let transport: Transport | null = null;
    try {
      if (host.kind === 'local') {
        transport = new LocalTransport();
      } else {
        progress(`connecting to ${host.target}…`);
        transport = await connectSsh(host.target, {
          homeDir: this.homeDir,
          hostKeyStorePath: join(this.configDir, 'known_hosts'),
          agentSocket: this.options.ssh?.agentSocket,
          identityFiles: this.options.ssh?.identityFiles,
          currentUser: this.options.ssh?.currentUser,
          readyTimeoutMs: this.options.ssh?.readyTimeoutMs,
          onUnknownHostKey: (info) => this.askHostKey(id, info),
          askSecret: (request) => this.askSecret(id, request),
        });
      }
      this.transports.add(transport);
      const snapshot = await collectSnapshot(transport, { env, sudo, timeoutMs: this.options.collectTimeoutMs ?? 120_000, progress, now: this.now });
      const entry = this.addSnapshot(snapshot, 'collected', host.label, id);
      await this.updateHost(id, { lastCollectedAt: snapshot.provenance.collectedAt, lastSnapshotId: entry.id, lastError: null });
      this.emit('collect.done', { hostId: id, snapshotId: entry.id, error: null });
      return entry;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await this.updateHost(id, { lastError: message }).catch(() => undefined);
      this.emit('collect.done', { hostId: id, snapshotId: null, error: message });
      throw error;
    } finally {
      if (transport) {
        this.transports.delete(transport);
        await transport.close();
      }
    }
  }

  /** The person decides about a host key seen for the first time; silence means no. */
  private askHostKey(hostId: string, info: UnknownHostKeyInfo): Promise<boolean> {
    return this.ask<boolean>(false, (promptId, answer) => {
      this.prompts.set(promptId, { kind: 'host-key', answer });
      this.emit('hostKey.prompt', { promptId, hostId, host: info.host, keyType: info.keyType, fingerprint: info.fingerprint });
    }, 'hostKey.closed');
  }

  /** The person types a passphrase, password or keyboard-interactive answer; silence declines. */
  private askSecret(hostId: string, request: SecretRequest): Promise<string | null> {
    return this.ask<string | null>(null, (promptId, answer) => {
      this.prompts.set(promptId, { kind: 'secret', answer });
      this.emit('secret.prompt', {
        promptId, hostId, kind: request.kind, prompt: secretPromptText(request),
        instructions: request.kind === 'prompt' ? [request.name, request.instructions].filter((t) => t.trim() !== '').join('\n') : '',
        echo: request.kind === 'prompt' && request.echo, attempt: request.attempt,
      });
    }, 'secret.closed');
  }

  /**
   * Shows a prompt (`show` registers its answer and emits the event) and waits for the answer;
   * after the timeout, or once the service is closed, it is `declined`.
   */
  private ask<T>(declined: T, show: (promptId: string, answer: (value: T) => void) => void, closed: 'hostKey.closed' | 'secret.closed'): Promise<T> {
    if (this.closed) return Promise.resolve(declined);
    const promptId = newId();
    return new Promise<T>((resolve) => {
      const timer = setTimeout(() => {
        this.prompts.delete(promptId);
        this.emit(closed, { promptId });
        resolve(declined);
      }, this.options.promptTimeoutMs ?? 180_000);
      show(promptId, (value) => {
        clearTimeout(timer);
        resolve(value);
      });
    });
  }

  /** False when there is no such open prompt, or the answer is of the other kind of prompt. */
  private answerPrompt(promptId: string, given: { kind: 'host-key'; value: boolean } | { kind: 'secret'; value: string | null }): boolean {
    const prompt = this.prompts.get(promptId);
    if (prompt?.kind === 'host-key' && given.kind === 'host-key') prompt.answer(given.value);
    else if (prompt?.kind === 'secret' && given.kind === 'secret') prompt.answer(given.value);
    else return false;
    this.prompts.delete(promptId);
    // Other windows showing the same prompt hide it.
    this.emit(prompt.kind === 'host-key' ? 'hostKey.closed' : 'secret.closed', { promptId });
    return true;
  }

  // ---- snapshots ----

  private snapshot(id: string): { entry: SnapshotEntry; snapshot: Snapshot } {
    const found = this.snapshots.get(id);
    if (!found) throw new ServiceError('not-found', `no snapshot with id ${id} (snapshots are kept while the app runs)`);
    return found;
  }

  private addSnapshot(snapshot: Snapshot, origin: SnapshotEntry['origin'], label: string, hostId: string | null): SnapshotEntry {
    const entry: SnapshotEntry = {
      id: newId(), label, origin, hostId,
      collectedAt: snapshot.provenance.collectedAt, devices: snapshot.devices.length, groups: snapshot.groups.length,
    };
    this.snapshots.set(entry.id, { entry, snapshot });
    this.emit('snapshots.added', { entry });
    return entry;
  }

  private importFiles(files: { name: string; text: string }[]): SnapshotEntry {
    const names = files.map((f) => basename(f.name));
    // Several files dropped together are like a folder: what is not a command output is skipped with a warning.
    const snapshot = importTexts(files, { target: names.join(', '), skippable: () => files.length > 1, now: this.now });
    return this.addSnapshot(snapshot, 'imported', snapshot.host.hostname ?? names.join(', ').slice(0, 120), null);
  }

  private async openSample(name: string): Promise<SnapshotEntry> {
    if (!listSamples().includes(name)) throw new ServiceError('not-found', `no bundled sample "${name}"; samples: ${listSamples().join(', ')}`);
    return this.addSnapshot(await loadSample(name), 'sample', `sample ${name}`, null);
  }

  private exportSnapshot(id: string): { fileName: string; json: string } {
    const { entry, snapshot } = this.snapshot(id);
    const day = snapshot.provenance.collectedAt.slice(0, 10);
    return {
      fileName: `${slug(snapshot.host.hostname ?? entry.label)}-${day}.iommu-atlas.json`,
      // The same bytes `iommu-atlas collect` writes, so the file imports back losslessly.
      json: `${JSON.stringify(snapshot, null, 1)}\n`,
    };
  }
}
