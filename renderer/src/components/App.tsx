/**
 * The page: hosts and snapshots on the left, the graph in the middle, the inspector and the
 * readiness checklist on the right. Keyboard first: `/` search, arrows move through the graph,
 * Enter opens (or expands a PF's VFs), Esc steps back, f fits, + and - zoom.
 * Files dropped on the window, or text pasted outside a text field, are imported.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { neighbour, type Direction } from '../app/navigation.ts';
import { useApp, useAppState } from '../app/hooks.ts';
import { pathToRoot } from '../graph/scene.ts';
import type { GraphView } from '../graph/graph-view.ts';
import { GraphPanel } from './GraphPanel.tsx';
import { HostKeyDialog } from './HostKeyDialog.tsx';
import { SecretDialog } from './SecretDialog.tsx';
import { Notices } from './Notices.tsx';
import { SidePanel } from './SidePanel.tsx';
import { Sidebar } from './Sidebar.tsx';
import { TopBar } from './TopBar.tsx';
import { useDebounced, useGraphModel } from './graph-model.ts';
import { applyTheme } from './theme.ts';

const ARROWS: Record<string, Direction> = { ArrowLeft: 'left', ArrowRight: 'right', ArrowUp: 'up', ArrowDown: 'down' };

function inTextField(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

/** A button or link keeps its own Enter and arrows. */
function onControl(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && ['BUTTON', 'A', 'SUMMARY'].includes(target.tagName);
}

async function readFiles(list: FileList | File[]): Promise<{ name: string; text: string }[]> {
  return Promise.all(Array.from(list, async (f) => ({ name: f.name, text: await f.text() })));
}

export function App() {
  const { store, controller } = useApp();
  const theme = useAppState((s) => s.theme);
  const open = useAppState((s) => s.open);
  const expandedPfs = useAppState((s) => s.expandedPfs);
  const query = useAppState((s) => s.query);
  const verdicts = useAppState((s) => s.verdicts);
  const selected = useAppState((s) => s.selected);
  const prompts = useAppState((s) => s.prompts);
  const busy = useAppState((s) => s.busy);
  // The graph follows the search once typing pauses: each new query lays the graph out again.
  const settledQuery = useDebounced(query, 150);
  const model = useGraphModel(open?.snapshot ?? null, open?.analysis ?? null, expandedPfs, settledQuery, verdicts);
  const viewRef = useRef<GraphView | null>(null);
  const searchRef = useRef<HTMLInputElement | null>(null);
  const panelRef = useRef<HTMLElement | null>(null);
  const [dragging, setDragging] = useState(false);

  useEffect(() => applyTheme(theme), [theme]);

  // A selection that is no longer drawn (its VFs collapsed, filtered out) is dropped.
  useEffect(() => {
    if (selected !== null && model && !model.shown.nodes.some((n) => n.id === selected)) store.dispatch({ type: 'select', node: null });
  }, [model, selected, store]);

  const activate = useCallback((id: string) => {
    const node = model?.elements.nodes.find((n) => n.id === id);
    if (!node) return;
    if (node.vfCount > 0) store.dispatch({ type: 'toggle-vfs', pf: node.addresses[0]! });
    else if (node.kind === 'vf-summary' && node.parent) store.dispatch({ type: 'toggle-vfs', pf: node.parent.slice(3) });
    else panelRef.current?.focus();
  }, [model, store]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || prompts.length > 0) return;
      if (inTextField(e.target)) {
        if (e.key === 'Escape' && e.target === searchRef.current) {
          if (query !== '') store.dispatch({ type: 'query', query: '' });
          else searchRef.current?.blur();
          e.preventDefault();
        }
        return;
      }
      const view = viewRef.current;
      const direction = ARROWS[e.key];
      if ((direction || e.key === 'Enter') && onControl(e.target)) return;
      if (direction && view?.scene) {
        const next = neighbour(view.scene, selected, direction);
        if (next !== null) store.dispatch({ type: 'select', node: next });
        e.preventDefault();
      } else if (e.key === '/') {
        searchRef.current?.focus();
        searchRef.current?.select();
        e.preventDefault();
      } else if (e.key === 'Escape') {
        if (selected !== null || store.getState().selectedBox !== null) {
          store.dispatch({ type: 'select', node: null });
          store.dispatch({ type: 'select-box', box: null });
        } else store.dispatch({ type: 'clear-filters' });
      } else if (e.key === 'Enter' && selected !== null) {
        activate(selected);
        e.preventDefault();
      } else if (e.key === 'f') view?.fit();
      else if (e.key === '+' || e.key === '=') view?.zoomBy(1.25);
      else if (e.key === '-') view?.zoomBy(0.8);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [activate, prompts.length, query, selected, store]);

  // Keep the selected node in view and its path to the host marked.
  useEffect(() => {
    const view = viewRef.current;
    if (!view?.scene) return;
    view.select(selected, selected === null ? [] : pathToRoot(view.scene, selected));
  }, [selected, model]);

  useEffect(() => {
    const onPaste = (e: ClipboardEvent) => {
      if (inTextField(e.target)) return;
      const files = Array.from(e.clipboardData?.files ?? []);
      const text = e.clipboardData?.getData('text/plain') ?? '';
      if (files.length > 0) void readFiles(files).then((f) => controller.importFiles(f));
      else if (text.trim() !== '') void controller.importFiles([{ name: 'pasted.txt', text }]);
      else return;
      e.preventDefault();
    };
    window.addEventListener('paste', onPaste);
    return () => window.removeEventListener('paste', onPaste);
  }, [controller]);

  const onDragOver = (e: React.DragEvent) => {
    if (!e.dataTransfer.types.includes('Files')) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    setDragging(true);
  };
  const onDrop = (e: React.DragEvent) => {
    e.preventDefault();
    setDragging(false);
    if (e.dataTransfer.files.length > 0) void readFiles(e.dataTransfer.files).then((f) => controller.importFiles(f));
  };

  return (
    <div className="app" onDragOver={onDragOver} onDragLeave={(e) => { if (e.currentTarget === e.target) setDragging(false); }} onDrop={onDrop}>
      <TopBar model={model} searchRef={searchRef} />
      <div className="main">
        <Sidebar />
        <GraphPanel model={model} viewRef={viewRef} onActivate={activate} />
        <SidePanel model={model} panelRef={panelRef} />
      </div>
      {prompts[0]?.type === 'host-key' && <HostKeyDialog prompt={prompts[0]} />}
      {prompts[0]?.type === 'secret' && <SecretDialog prompt={prompts[0]} />}
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          <div>Drop command outputs (lspci, IOMMU group listings, dmesg, …) or a snapshot JSON to import them</div>
        </div>
      )}
      {busy && <div className="busy" role="status">{busy}</div>}
      <Notices />
    </div>
  );
}
