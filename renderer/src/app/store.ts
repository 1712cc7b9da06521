/**
 * The page's state: one reducer (every change is an action, so the tests can replay what a user
 * does) and a store small enough to read in one sitting. React reads it through
 * `useSyncExternalStore` (hooks.ts); the back end is reached only by controller.ts.
 */
import type { AnalysisResult, EventPayload, HostEntry, SnapshotEntry } from '../../../main/core/contract/api.ts';
import type { VerdictClass } from '../../../main/core/graph/elements.ts';
import type { Snapshot } from '../../../main/core/model/snapshot.ts';
import type { Theme } from '../graph/palette.ts';

export type HostKeyPrompt = EventPayload<'hostKey.prompt'> & { type: 'host-key' };
export type SecretPrompt = EventPayload<'secret.prompt'> & { type: 'secret' };
/** A question of an SSH login that the person answers in a dialog. */
export type Prompt = HostKeyPrompt | SecretPrompt;

export interface CollectStatus {
  running: boolean;
  /** Progress messages of the current (or last) collection, oldest first. */
  messages: string[];
  error: string | null;
}

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  text: string;
}

export interface OpenSnapshot {
  id: string;
  snapshot: Snapshot | null;
  error: string | null;
  analysis: AnalysisResult | null;
  analysisLoading: boolean;
  /** Why there is no analysis: the graph is then drawn without verdict colours. */
  analysisError: string | null;
}

export type Panel = 'details' | 'checklist';

export interface State {
  connection: 'connecting' | 'ready' | 'failed';
  connectionError: string | null;
  hosts: HostEntry[];
  snapshots: SnapshotEntry[];
  samples: string[];
  collect: Record<string, CollectStatus>;
  /** Unknown host keys and secrets (passphrases, passwords) waiting for an answer, oldest first. */
  prompts: Prompt[];
  open: OpenSnapshot | null;
  /** The graph node shown in the inspector. */
  selected: string | null;
  /** A group box clicked in the graph. */
  selectedBox: string | null;
  query: string;
  /** Show only these verdicts (empty: all). */
  verdicts: VerdictClass[];
  /** PFs whose VFs are drawn one node each. */
  expandedPfs: string[];
  theme: Theme;
  panel: Panel;
  notices: Notice[];
  /** What the page is waiting for ("Importing 2 files…"), or null. */
  busy: string | null;
}

export type Action =
  | { type: 'connected' }
  | { type: 'connection-failed'; error: string }
  | { type: 'hosts-loaded'; hosts: HostEntry[] }
  | { type: 'snapshots-loaded'; snapshots: SnapshotEntry[] }
  | { type: 'samples-loaded'; samples: string[] }
  | { type: 'collect-started'; hostId: string }
  | { type: 'collect-progress'; hostId: string; message: string }
  | { type: 'collect-finished'; hostId: string; error: string | null }
  | { type: 'prompt-shown'; prompt: Prompt }
  /** Answered here, or closed by the back end (answered in another window, or timed out). */
  | { type: 'prompt-closed'; promptId: string }
  | { type: 'snapshot-opening'; id: string }
  | { type: 'snapshot-loaded'; id: string; snapshot: Snapshot }
  | { type: 'snapshot-failed'; id: string; error: string }
  | { type: 'analysis-loaded'; id: string; analysis: AnalysisResult }
  | { type: 'analysis-failed'; id: string; error: string }
  | { type: 'select'; node: string | null }
  | { type: 'select-box'; box: string | null }
  | { type: 'query'; query: string }
  | { type: 'toggle-verdict'; verdict: VerdictClass }
  | { type: 'clear-filters' }
  | { type: 'toggle-vfs'; pf: string }
  | { type: 'theme'; theme: Theme }
  | { type: 'panel'; panel: Panel }
  | { type: 'notice'; kind: Notice['kind']; text: string }
  | { type: 'dismiss'; id: number }
  | { type: 'busy'; what: string | null };

/** Keep at most this many progress lines per host and notices on screen. */
const MAX_MESSAGES = 50;
const MAX_NOTICES = 4;

export function initialState(theme: Theme = 'light'): State {
  return {
    connection: 'connecting', connectionError: null,
    hosts: [], snapshots: [], samples: [], collect: {}, prompts: [],
    open: null, selected: null, selectedBox: null, query: '', verdicts: [], expandedPfs: [],
    theme, panel: 'details', notices: [], busy: null,
  };
}

/** Only the snapshot that is open takes what arrives for it: a slow answer for one opened before is dropped. */
function forOpen(state: State, id: string, change: (open: OpenSnapshot) => OpenSnapshot): State {
  return state.open?.id === id ? { ...state, open: change(state.open) } : state;
}

let nextNoticeId = 1;

export function reducer(state: State, action: Action): State {
  switch (action.type) {
    case 'connected':
      return { ...state, connection: 'ready', connectionError: null };
    case 'connection-failed':
      return { ...state, connection: 'failed', connectionError: action.error };
    case 'hosts-loaded':
      return { ...state, hosts: action.hosts };
    case 'snapshots-loaded':
      return { ...state, snapshots: action.snapshots };
    case 'samples-loaded':
      return { ...state, samples: action.samples };
    case 'collect-started':
      return { ...state, collect: { ...state.collect, [action.hostId]: { running: true, messages: [], error: null } } };
    case 'collect-progress': {
      const current = state.collect[action.hostId] ?? { running: true, messages: [], error: null };
      const messages = [...current.messages, action.message].slice(-MAX_MESSAGES);
      return { ...state, collect: { ...state.collect, [action.hostId]: { ...current, messages } } };
    }
    case 'collect-finished': {
      const current = state.collect[action.hostId] ?? { running: false, messages: [], error: null };
      // A prompt of this host can no longer be answered once its collection is over.
      const prompts = state.prompts.filter((p) => p.hostId !== action.hostId);
      return { ...state, prompts, collect: { ...state.collect, [action.hostId]: { ...current, running: false, error: action.error } } };
    }
    case 'prompt-shown':
      if (state.prompts.some((p) => p.promptId === action.prompt.promptId)) return state;
      return { ...state, prompts: [...state.prompts, action.prompt] };
    case 'prompt-closed':
      return { ...state, prompts: state.prompts.filter((p) => p.promptId !== action.promptId) };
    case 'snapshot-opening':
      return {
        ...state,
        open: { id: action.id, snapshot: null, error: null, analysis: null, analysisLoading: false, analysisError: null },
        selected: null, selectedBox: null, query: '', verdicts: [], expandedPfs: [],
      };
    case 'snapshot-loaded':
      return forOpen(state, action.id, (open) => ({ ...open, snapshot: action.snapshot, analysisLoading: true }));
    case 'snapshot-failed':
      return forOpen(state, action.id, (open) => ({ ...open, error: action.error }));
    case 'analysis-loaded':
      return forOpen(state, action.id, (open) => ({ ...open, analysis: action.analysis, analysisLoading: false, analysisError: null }));
    case 'analysis-failed':
      return forOpen(state, action.id, (open) => ({ ...open, analysis: null, analysisLoading: false, analysisError: action.error }));
    case 'select':
      return { ...state, selected: action.node, selectedBox: null, panel: action.node === null ? state.panel : 'details' };
    case 'select-box':
      return { ...state, selectedBox: action.box, selected: null, panel: action.box === null ? state.panel : 'details' };
    case 'query':
      return { ...state, query: action.query };
    case 'toggle-verdict':
      return {
        ...state,
        verdicts: state.verdicts.includes(action.verdict) ? state.verdicts.filter((v) => v !== action.verdict) : [...state.verdicts, action.verdict],
      };
    case 'clear-filters':
      return { ...state, query: '', verdicts: [] };
    case 'toggle-vfs': {
      const expanded = state.expandedPfs.includes(action.pf);
      return { ...state, expandedPfs: expanded ? state.expandedPfs.filter((p) => p !== action.pf) : [...state.expandedPfs, action.pf] };
    }
    case 'theme':
      return { ...state, theme: action.theme };
    case 'panel':
      return { ...state, panel: action.panel };
    case 'notice': {
      const notice = { id: nextNoticeId++, kind: action.kind, text: action.text };
      return { ...state, notices: [...state.notices, notice].slice(-MAX_NOTICES) };
    }
    case 'dismiss':
      return { ...state, notices: state.notices.filter((n) => n.id !== action.id) };
    case 'busy':
      return { ...state, busy: action.what };
  }
}

export interface Store {
  getState(): State;
  dispatch(action: Action): void;
  subscribe(listener: () => void): () => void;
}

export function createStore(initial: State = initialState()): Store {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    getState: () => state,
    dispatch(action) {
      const next = reducer(state, action);
      if (next === state) return;
      state = next;
      for (const listener of [...listeners]) listener();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
