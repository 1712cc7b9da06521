/**
 * Everything the page asks of the back end, through the contract's AtlasApi only: each user
 * intent is one function that calls, then dispatches what came back (or what went wrong) to the
 * store. Events (collection progress, host-key and secret prompts) are dispatched as they arrive.
 */
import type { AtlasApi, EventPayload } from '../../../main/core/contract/api.ts';
import type { Store } from './store.ts';

export interface DroppedFile {
  name: string;
  text: string;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export interface Controller {
  /** Subscribes to events and loads hosts, snapshots and samples; opens the newest snapshot. Returns the unsubscriber. */
  start(): Promise<() => void>;
  refresh(): Promise<void>;
  addHost(target: string, label?: string): Promise<boolean>;
  removeHost(id: string): Promise<void>;
  collect(hostId: string, sudo?: boolean): Promise<void>;
  answerHostKey(promptId: string, accept: boolean): Promise<void>;
  /** The secret goes to the back end's SSH login and is not kept here. null declines. */
  answerSecret(promptId: string, secret: string | null): Promise<void>;
  open(snapshotId: string): Promise<void>;
  openSample(name: string): Promise<void>;
  importFiles(files: DroppedFile[]): Promise<void>;
  exportSnapshot(snapshotId: string): Promise<{ fileName: string; json: string } | null>;
}

export function createController(api: AtlasApi, store: Store): Controller {
  const { dispatch } = store;
  const fail = (what: string, error: unknown) => dispatch({ type: 'notice', kind: 'error', text: `${what}: ${message(error)}` });

  const loadLists = async () => {
    const [hosts, snapshots, samples] = await Promise.all([
      api.call('hosts.list', {}), api.call('snapshots.list', {}), api.call('snapshots.samples', {}),
    ]);
    dispatch({ type: 'hosts-loaded', hosts });
    dispatch({ type: 'snapshots-loaded', snapshots });
    dispatch({ type: 'samples-loaded', samples });
  };

  const refresh = async () => {
    try {
      const [hosts, snapshots] = await Promise.all([api.call('hosts.list', {}), api.call('snapshots.list', {})]);
      dispatch({ type: 'hosts-loaded', hosts });
      dispatch({ type: 'snapshots-loaded', snapshots });
    } catch (error) {
      fail('Could not refresh the lists', error);
    }
  };

  const open = async (id: string) => {
    dispatch({ type: 'snapshot-opening', id });
    try {
      const snapshot = await api.call('snapshots.get', { id });
      dispatch({ type: 'snapshot-loaded', id, snapshot });
    } catch (error) {
      dispatch({ type: 'snapshot-failed', id, error: message(error) });
      return;
    }
    try {
      dispatch({ type: 'analysis-loaded', id, analysis: await api.call('snapshots.analyze', { id }) });
    } catch (error) {
      dispatch({ type: 'analysis-failed', id, error: message(error) });
    }
  };

  const onProgress = (p: EventPayload<'collect.progress'>) => dispatch({ type: 'collect-progress', hostId: p.hostId, message: p.message });
  const onDone = (p: EventPayload<'collect.done'>) => {
    dispatch({ type: 'collect-finished', hostId: p.hostId, error: p.error });
    void refresh();
  };
  const onHostKey = (p: EventPayload<'hostKey.prompt'>) => dispatch({ type: 'prompt-shown', prompt: { ...p, type: 'host-key' } });
  const onSecret = (p: EventPayload<'secret.prompt'>) => dispatch({ type: 'prompt-shown', prompt: { ...p, type: 'secret' } });
  const onClosed = (p: { promptId: string }) => dispatch({ type: 'prompt-closed', promptId: p.promptId });
  /** The dialog closes at once; the answer travels after it. */
  const answerPrompt = async (promptId: string, send: () => Promise<unknown>, what: string) => {
    dispatch({ type: 'prompt-closed', promptId });
    try {
      await send();
    } catch (error) {
      fail(`The answer to ${what} did not arrive`, error);
    }
  };

  return {
    async start() {
      const offs = [
        api.on('collect.progress', onProgress), api.on('collect.done', onDone),
        api.on('hostKey.prompt', onHostKey), api.on('secret.prompt', onSecret),
        api.on('hostKey.closed', onClosed), api.on('secret.closed', onClosed),
      ];
      try {
        await loadLists();
        dispatch({ type: 'connected' });
      } catch (error) {
        dispatch({ type: 'connection-failed', error: message(error) });
        return () => offs.forEach((off) => off());
      }
      const newest = [...store.getState().snapshots].sort((a, b) => b.collectedAt.localeCompare(a.collectedAt))[0];
      if (newest && store.getState().open === null) await open(newest.id);
      return () => offs.forEach((off) => off());
    },

    refresh,

    async addHost(target, label) {
      try {
        await api.call('hosts.add', label ? { target, label } : { target });
        await refresh();
        return true;
      } catch (error) {
        fail(`Could not add ${target}`, error);
        return false;
      }
    },

    async removeHost(id) {
      try {
        await api.call('hosts.remove', { id });
        await refresh();
      } catch (error) {
        fail('Could not remove the host', error);
      }
    },

    async collect(hostId, sudo) {
      dispatch({ type: 'collect-started', hostId });
      try {
        const entry = await api.call('hosts.collect', sudo ? { id: hostId, sudo } : { id: hostId });
        dispatch({ type: 'collect-finished', hostId, error: null });
        await refresh();
        await open(entry.id);
      } catch (error) {
        dispatch({ type: 'collect-finished', hostId, error: message(error) });
        await refresh();
      }
    },

    answerHostKey: (promptId, accept) => answerPrompt(promptId, () => api.call('hostKey.answer', { promptId, accept }), 'the host key prompt'),

    answerSecret: (promptId, secret) => answerPrompt(promptId, () => api.call('secret.answer', { promptId, secret }), 'the login prompt'),

    open,

    async openSample(name) {
      dispatch({ type: 'busy', what: `Opening the sample ${name}…` });
      try {
        const entry = await api.call('snapshots.openSample', { name });
        await refresh();
        await open(entry.id);
      } catch (error) {
        fail(`Could not open the sample ${name}`, error);
      } finally {
        dispatch({ type: 'busy', what: null });
      }
    },

    async importFiles(files) {
      if (files.length === 0) return;
      dispatch({ type: 'busy', what: `Importing ${files.length === 1 ? files[0]!.name : `${files.length} files`}…` });
      try {
        const entry = await api.call('snapshots.import', { files });
        await refresh();
        await open(entry.id);
      } catch (error) {
        fail('Import failed', error);
      } finally {
        dispatch({ type: 'busy', what: null });
      }
    },

    async exportSnapshot(id) {
      try {
        return await api.call('snapshots.export', { id });
      } catch (error) {
        fail('Export failed', error);
        return null;
      }
    },
  };
}
