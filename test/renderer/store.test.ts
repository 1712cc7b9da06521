import { describe, expect, it } from 'vitest';
import { createStore, initialState, reducer, type Action, type State } from '../../renderer/src/app/store.ts';
import type { Snapshot } from '../../main/core/model/snapshot.ts';
import type { AnalysisResult } from '../../main/core/contract/api.ts';

const snapshot = { devices: [], groups: [] } as unknown as Snapshot;
const analysis: AnalysisResult = { checks: [], devices: [], slots: [] };
const run = (actions: Action[], from: State = initialState()) => actions.reduce(reducer, from);
const prompt = (promptId: string, hostId = 'h1') => ({ type: 'host-key' as const, promptId, hostId, host: '127.0.0.1:2222', keyType: 'ssh-ed25519', fingerprint: 'SHA256:abc' });

describe('the renderer store', () => {
  it('starts connecting, light or dark as asked, with nothing open', () => {
    const s = initialState('dark');
    expect(s).toMatchObject({ connection: 'connecting', theme: 'dark', open: null, selected: null, panel: 'details', prompts: [], notices: [] });
  });

  it('opening a snapshot forgets the selection, search, chips and expanded VFs of the one before', () => {
    const s = run([
      { type: 'snapshot-opening', id: 'a' },
      { type: 'select', node: 'fn:0000:01:00.0' },
      { type: 'query', query: 'nvme' },
      { type: 'toggle-verdict', verdict: 'ready' },
      { type: 'toggle-vfs', pf: '0000:02:00.0' },
      { type: 'snapshot-opening', id: 'b' },
    ]);
    expect(s).toMatchObject({ selected: null, selectedBox: null, query: '', verdicts: [], expandedPfs: [] });
    expect(s.open).toEqual({ id: 'b', snapshot: null, error: null, analysis: null, analysisLoading: false, analysisError: null });
  });

  it('loads the snapshot, then the analysis; an analysis error keeps the snapshot', () => {
    const loaded = run([{ type: 'snapshot-opening', id: 'a' }, { type: 'snapshot-loaded', id: 'a', snapshot }]);
    expect(loaded.open).toMatchObject({ snapshot, analysisLoading: true });
    expect(reducer(loaded, { type: 'analysis-loaded', id: 'a', analysis }).open).toMatchObject({ snapshot, analysis, analysisLoading: false });
    const failed = reducer(loaded, { type: 'analysis-failed', id: 'a', error: 'boom' });
    expect(failed.open).toMatchObject({ snapshot, analysis: null, analysisLoading: false, analysisError: 'boom' });
  });

  it('drops what arrives late for a snapshot that is no longer open', () => {
    const s = run([{ type: 'snapshot-opening', id: 'a' }, { type: 'snapshot-opening', id: 'b' }]);
    expect(reducer(s, { type: 'snapshot-loaded', id: 'a', snapshot })).toBe(s);
    expect(reducer(s, { type: 'analysis-loaded', id: 'a', analysis })).toBe(s);
    expect(reducer(s, { type: 'snapshot-failed', id: 'a', error: 'x' })).toBe(s);
  });

  it('follows a collection: progress lines (the last 50), then its end with or without an error', () => {
    const progress: Action[] = Array.from({ length: 60 }, (_, i) => ({ type: 'collect-progress', hostId: 'h1', message: `step ${i}` }));
    const s = run([{ type: 'collect-started', hostId: 'h1' }, ...progress]);
    expect(s.collect['h1']!.running).toBe(true);
    expect(s.collect['h1']!.messages).toHaveLength(50);
    expect(s.collect['h1']!.messages.at(-1)).toBe('step 59');
    expect(reducer(s, { type: 'collect-finished', hostId: 'h1', error: 'host key rejected' }).collect['h1']).toMatchObject({ running: false, error: 'host key rejected' });
    const again = run([{ type: 'collect-finished', hostId: 'h1', error: 'x' }, { type: 'collect-started', hostId: 'h1' }], s);
    expect(again.collect['h1']).toEqual({ running: true, messages: [], error: null });
  });

  it('queues prompts once each; answering or the end of the collection removes them', () => {
    const s = run([
      { type: 'prompt-shown', prompt: prompt('p1') },
      { type: 'prompt-shown', prompt: prompt('p1') },
      { type: 'prompt-shown', prompt: prompt('p2', 'h2') },
    ]);
    expect(s.prompts.map((p) => p.promptId)).toEqual(['p1', 'p2']);
    expect(reducer(s, { type: 'prompt-closed', promptId: 'p1' }).prompts.map((p) => p.promptId)).toEqual(['p2']);
    expect(reducer(s, { type: 'collect-finished', hostId: 'h2', error: 'timed out' }).prompts.map((p) => p.promptId)).toEqual(['p1']);
  });

  it('toggles verdict chips and expanded PFs, and clears the filters', () => {
    let s = run([{ type: 'toggle-verdict', verdict: 'ready' }, { type: 'toggle-verdict', verdict: 'blocked' }, { type: 'toggle-verdict', verdict: 'ready' }]);
    expect(s.verdicts).toEqual(['blocked']);
    s = run([{ type: 'query', query: 'group:9' }, { type: 'clear-filters' }], s);
    expect(s).toMatchObject({ query: '', verdicts: [] });
    s = run([{ type: 'toggle-vfs', pf: 'a' }, { type: 'toggle-vfs', pf: 'b' }, { type: 'toggle-vfs', pf: 'a' }], s);
    expect(s.expandedPfs).toEqual(['b']);
  });

  it('selecting a node or a box shows the inspector; a node and a box are never selected together', () => {
    let s = run([{ type: 'panel', panel: 'checklist' }, { type: 'select', node: 'fn:x' }]);
    expect(s).toMatchObject({ panel: 'details', selected: 'fn:x', selectedBox: null });
    s = reducer(s, { type: 'select-box', box: 'box:9' });
    expect(s).toMatchObject({ selected: null, selectedBox: 'box:9' });
    s = run([{ type: 'panel', panel: 'checklist' }, { type: 'select', node: null }], s);
    expect(s.panel).toBe('checklist');
  });

  it('keeps the last four notices, each dismissable', () => {
    const s = run(Array.from({ length: 6 }, (_, i): Action => ({ type: 'notice', kind: 'error', text: `e${i}` })));
    expect(s.notices.map((n) => n.text)).toEqual(['e2', 'e3', 'e4', 'e5']);
    expect(reducer(s, { type: 'dismiss', id: s.notices[0]!.id }).notices.map((n) => n.text)).toEqual(['e3', 'e4', 'e5']);
  });

  it('the store tells its subscribers about changes only, until they leave', () => {
    const store = createStore();
    let calls = 0;
    const off = store.subscribe(() => calls++);
    store.dispatch({ type: 'query', query: 'a' });
    store.dispatch({ type: 'snapshot-loaded', id: 'nothing-open', snapshot });
    expect(calls).toBe(1);
    expect(store.getState().query).toBe('a');
    off();
    store.dispatch({ type: 'query', query: 'b' });
    expect(calls).toBe(1);
  });
});
