/**
 * The one API contract between the app's UI and its back end. Every request, response and event
 * is a zod schema here; the Electron IPC handlers, the preload's single exposed object, the
 * WebSocket server (`iommu-atlas serve`) and the renderer's clients are all derived from it, and
 * every door validates its inputs against it (never trust the other side of a channel).
 */
import { z } from 'zod';
import { Snapshot } from '../model/snapshot.ts';

/** Ids we hand out (hosts, snapshots, prompts): short, URL-safe, never paths. */
export const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

/** An SSH target as a user types it (`user@host:port`, an ssh-config alias) or "local". */
export const TargetText = z.string().min(1).max(255).regex(/^[^\s\0-\x1f'"`$;&|<>\\]+$/, 'not a host name, alias or user@host[:port]');

export const HostEntry = z.object({
  id: Id,
  label: z.string().max(120),
  /** "local" for this machine, else the SSH target. */
  target: z.string(),
  kind: z.enum(['local', 'ssh']),
  /** Where the entry comes from: the app's own list, or a `Host` block of ~/.ssh/config. */
  origin: z.enum(['builtin', 'manual', 'ssh-config']),
  lastCollectedAt: z.string().nullable(),
  lastSnapshotId: Id.nullable(),
  lastError: z.string().nullable(),
});
export type HostEntry = z.infer<typeof HostEntry>;

export const SnapshotEntry = z.object({
  id: Id,
  label: z.string(),
  /** How it came: collected from a host, imported from pasted/dropped text, a bundled sample. */
  origin: z.enum(['collected', 'imported', 'sample', 'opened']),
  hostId: Id.nullable(),
  collectedAt: z.string(),
  devices: z.number().int(),
  groups: z.number().int(),
});
export type SnapshotEntry = z.infer<typeof SnapshotEntry>;

/** A text the user dropped or pasted: the import detects what it is. */
export const ImportFile = z.object({
  name: z.string().min(1).max(255),
  text: z.string().max(64 * 1024 * 1024),
});

const Check = z.object({
  id: z.string(),
  status: z.enum(['pass', 'warn', 'fail', 'unknown']),
  evidence: z.string(),
  remedy: z.string(),
}).loose();

/** `analyze --json`'s stable shape; the analysis may carry more fields. */
export const AnalysisResult = z.object({
  checks: z.array(Check),
  devices: z.array(z.object({ address: z.string(), verdict: z.string(), reasons: z.array(z.string()) }).loose()),
  slots: z.array(z.object({ name: z.string(), rootPort: z.string().nullable(), occupied: z.boolean().nullable(), predictedGroup: z.array(z.string()).nullable() }).loose()),
}).loose();
export type AnalysisResult = z.infer<typeof AnalysisResult>;

/**
 * Requests: method name → params and result schemas. Adding a method here is all it takes for it
 * to exist (typed) in the preload, the IPC handlers, the WebSocket server and the clients.
 */
export const Methods = {
  'hosts.list': { params: z.object({}), result: z.array(HostEntry) },
  'hosts.add': { params: z.object({ target: TargetText, label: z.string().max(120).optional() }), result: HostEntry },
  'hosts.remove': { params: z.object({ id: Id }), result: z.object({ removed: z.boolean() }) },
  /** Collects and returns the new snapshot's entry; progress, host-key and secret prompts come as events. */
  'hosts.collect': { params: z.object({ id: Id, sudo: z.boolean().optional() }), result: SnapshotEntry },
  /** The answer to a `hostKey.prompt` event. */
  'hostKey.answer': { params: z.object({ promptId: Id, accept: z.boolean() }), result: z.object({ ok: z.boolean() }) },
  /**
   * The answer to a `secret.prompt` event: the passphrase, password or keyboard-interactive reply,
   * or null to decline (that key or method is skipped). Used for the login only, never stored.
   */
  'secret.answer': { params: z.object({ promptId: Id, secret: z.string().max(4096).nullable() }), result: z.object({ ok: z.boolean() }) },
  'snapshots.list': { params: z.object({}), result: z.array(SnapshotEntry) },
  'snapshots.get': { params: z.object({ id: Id }), result: Snapshot },
  'snapshots.import': { params: z.object({ files: z.array(ImportFile).min(1).max(64) }), result: SnapshotEntry },
  'snapshots.samples': { params: z.object({}), result: z.array(z.string()) },
  'snapshots.openSample': { params: z.object({ name: z.string().regex(/^[a-z0-9-]{1,64}$/) }), result: SnapshotEntry },
  /** The snapshot as the JSON file `iommu-atlas import` reads back. */
  'snapshots.export': { params: z.object({ id: Id }), result: z.object({ fileName: z.string(), json: z.string() }) },
  'snapshots.analyze': { params: z.object({ id: Id }), result: AnalysisResult },
} as const;
export type MethodName = keyof typeof Methods;
export type Params<M extends MethodName> = z.input<(typeof Methods)[M]['params']>;
export type Result<M extends MethodName> = z.infer<(typeof Methods)[M]['result']>;

/** Menu items of the desktop app that act on the page's state (the shown snapshot, the graph view). */
export const MenuCommand = z.enum(['save-snapshot', 'export-image', 'paste-outputs', 'find', 'fit', 'zoom-in', 'zoom-out', 'toggle-theme']);
export type MenuCommand = z.infer<typeof MenuCommand>;

/** Events the back end pushes to the UI. */
export const Events = {
  'collect.progress': z.object({ hostId: Id, message: z.string() }),
  'collect.done': z.object({ hostId: Id, snapshotId: Id.nullable(), error: z.string().nullable() }),
  /** An unknown host key: the UI shows the fingerprint and answers with `hostKey.answer`. */
  'hostKey.prompt': z.object({ promptId: Id, hostId: Id, host: z.string(), keyType: z.string(), fingerprint: z.string() }),
  /** A prompt is over (answered, perhaps from another window, or timed out as "declined"): hide it. */
  'hostKey.closed': z.object({ promptId: Id }),
  /**
   * The SSH login needs a secret the agent and unencrypted keys could not give: a key's passphrase,
   * a password, or a keyboard-interactive question (`echo`: the answer may be shown as typed).
   * `prompt` is what ssh would print; `attempt` counts from 1 (ssh asks up to 3 times).
   */
  'secret.prompt': z.object({
    promptId: Id, hostId: Id, kind: z.enum(['passphrase', 'password', 'prompt']), prompt: z.string(),
    instructions: z.string(), echo: z.boolean(), attempt: z.number().int().min(1),
  }),
  /** As hostKey.closed, for a secret prompt. */
  'secret.closed': z.object({ promptId: Id }),
  /** A snapshot joined the list (collected, imported, a sample, or opened from a file through the desktop menu). */
  'snapshots.added': z.object({ entry: SnapshotEntry }),
  /** A desktop menu item that the page carries out on what it shows (the desktop app's File and View menus). */
  'menu.command': z.object({ command: MenuCommand }),
} as const;
export type EventName = keyof typeof Events;
export type EventPayload<E extends EventName> = z.infer<(typeof Events)[E]>;

/** What the UI calls: one typed function per method, one subscription for events. */
export type AtlasApi = {
  call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
};

/** An error crossing a door: a message for the person, and a kind for the UI to act on. */
export const ApiError = z.object({
  kind: z.enum(['invalid-request', 'not-found', 'input', 'connection', 'host-key', 'internal']),
  message: z.string(),
});
export type ApiError = z.infer<typeof ApiError>;

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(Methods, name);
}

/** Validate a request at a door: the method must exist and its params must match. */
export function parseRequest(method: unknown, params: unknown):
  | { ok: true; method: MethodName; params: unknown }
  | { ok: false; error: ApiError } {
  if (!isMethodName(method)) return { ok: false, error: { kind: 'invalid-request', message: `unknown method ${JSON.stringify(method)?.slice(0, 80)}` } };
  const parsed = Methods[method].params.safeParse(params ?? {});
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return { ok: false, error: { kind: 'invalid-request', message: `${method}: ${first ? `${first.path.join('.') || 'params'}: ${first.message}` : 'invalid params'}` } };
  }
  return { ok: true, method, params: parsed.data };
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(Events, name);
}
