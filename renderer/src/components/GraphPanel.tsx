/**
 * The middle of the page: the topology graph (GraphView), its zoom controls and the legend, whose
 * verdict chips filter the graph. Says so when the analysis is unavailable (no verdict colours).
 */
import { useEffect, useRef, type RefObject } from 'react';
import type { VerdictClass } from '../../../main/core/graph/elements.ts';
import { useApp, useAppState } from '../app/hooks.ts';
import { GraphView } from '../graph/graph-view.ts';
import { PALETTES, VERDICT_LEGEND } from '../graph/palette.ts';
import type { GraphModel } from './graph-model.ts';

declare global {
  interface Window {
    /** Read-only view of what the graph drew, for the browser tests and for debugging from the console. */
    atlasGraph?: {
      stats: GraphView['stats'];
      renderedPosition: GraphView['renderedPosition'];
      nodeIds(): string[];
    };
  }
}

function Welcome() {
  const { controller } = useApp();
  const samples = useAppState((s) => s.samples);
  const hosts = useAppState((s) => s.hosts);
  const local = hosts.find((h) => h.kind === 'local');
  return (
    <div className="welcome">
      <h1>See which devices you can pass through to a VM</h1>
      <p>Collect a host (this machine, or any machine you reach over SSH), drop or paste the outputs of <code>lspci -vvv</code>,
        an IOMMU group listing or <code>dmesg</code>, or open one of the bundled samples from real hardware.</p>
      <div className="welcome-actions">
        {local && <button type="button" className="primary" onClick={() => void controller.collect(local.id)}>Collect this machine</button>}
        {samples.map((name) => (
          <button type="button" key={name} onClick={() => void controller.openSample(name)}>Open sample {name}</button>
        ))}
      </div>
    </div>
  );
}

function Legend({ model }: { model: GraphModel }) {
  const { store } = useApp();
  const chosen = useAppState((s) => s.verdicts);
  const counts = new Map<VerdictClass, number>();
  for (const n of model.elements.nodes) if (n.verdict !== null && n.kind !== 'host') counts.set(n.verdict, (counts.get(n.verdict) ?? 0) + n.addresses.length);
  return (
    <div className="legend" role="group" aria-label="Verdicts (click to filter)">
      {VERDICT_LEGEND.filter((l) => counts.has(l.verdict)).map((l) => (
        <button
          type="button"
          key={l.verdict}
          className={`chip${chosen.includes(l.verdict) ? ' on' : ''}`}
          aria-pressed={chosen.includes(l.verdict)}
          title={l.meaning}
          onClick={() => store.dispatch({ type: 'toggle-verdict', verdict: l.verdict })}
        >
          <span className={`swatch v-${l.verdict}`} aria-hidden="true" />
          {l.label}
          <span className="count">{counts.get(l.verdict)}</span>
        </button>
      ))}
      <span className="legend-note"><span className="swatch box-shared" aria-hidden="true" />shared group</span>
      <span className="legend-note"><span className="swatch edge-down" aria-hidden="true" />link downgraded</span>
    </div>
  );
}

export function GraphPanel({ model, viewRef, onActivate }: { model: GraphModel | null; viewRef: RefObject<GraphView | null>; onActivate(id: string): void }) {
  const { store } = useApp();
  const open = useAppState((s) => s.open);
  const theme = useAppState((s) => s.theme);
  const matches = model?.matches ?? null;
  const host = useRef<HTMLDivElement | null>(null);
  const activateRef = useRef(onActivate);
  activateRef.current = onActivate;
  const framed = useRef<string | null>(null);

  useEffect(() => {
    const view = new GraphView(host.current!, PALETTES[store.getState().theme], {
      onSelect: (id) => store.dispatch({ type: 'select', node: id }),
      onSelectBox: (id) => store.dispatch({ type: 'select-box', box: id }),
      onActivate: (id) => activateRef.current(id),
    });
    viewRef.current = view;
    window.atlasGraph = {
      stats: () => view.stats(),
      renderedPosition: (id) => view.renderedPosition(id),
      nodeIds: () => view.scene?.nodes.map((n) => n.node.id) ?? [],
    };
    return () => {
      delete window.atlasGraph;
      viewRef.current = null;
      view.destroy();
    };
  }, [store, viewRef]);

  useEffect(() => viewRef.current?.setPalette(PALETTES[theme]), [theme, viewRef]);

  // Frame the graph when a snapshot opens or the search changes what is shown; keep the view
  // when only the VFs or the analysis change.
  useEffect(() => {
    const view = viewRef.current;
    if (!view || !model) return;
    const key = `${open?.id}|${matches ? [...matches].join(',') : ''}`;
    view.setGraph(model.shown, model.layout, { fit: framed.current !== key, context: model.context });
    framed.current = key;
  }, [model, open?.id, matches, viewRef]);

  useEffect(() => viewRef.current?.setMatches(matches ?? new Set()), [matches, viewRef]);
  const selectedBox = useAppState((s) => s.selectedBox);
  useEffect(() => viewRef.current?.highlightBox(selectedBox), [selectedBox, viewRef, model]);

  const noMatches = matches !== null && matches.size === 0;
  return (
    <main className="graph-panel" aria-label="Topology graph">
      <div className="graph" ref={host} data-testid="graph" />
      {!open && <Welcome />}
      {open?.error && <div className="banner error" role="alert">Could not open the snapshot: {open.error}</div>}
      {open && !open.snapshot && !open.error && <div className="banner" role="status">Loading the snapshot…</div>}
      {open?.analysisError && (
        <div className="banner warn" role="status">
          Analysis unavailable ({open.analysisError}): the graph is shown without verdict colours.
        </div>
      )}
      {open?.analysisLoading && <div className="banner" role="status">Analysing…</div>}
      {noMatches && <div className="banner" role="status">Nothing matches the search.</div>}
      {model && (
        <>
          <div className="zoom" role="toolbar" aria-label="Zoom">
            <button type="button" title="Zoom in (+)" aria-label="Zoom in" onClick={() => viewRef.current?.zoomBy(1.25)}>+</button>
            <button type="button" title="Zoom out (-)" aria-label="Zoom out" onClick={() => viewRef.current?.zoomBy(0.8)}>−</button>
            <button type="button" title="Fit the graph (f)" aria-label="Fit" onClick={() => viewRef.current?.fit()}>Fit</button>
          </div>
          <Legend model={model} />
          <div className="keys muted" aria-hidden="true">
            <kbd>/</kbd> search <kbd>←↑↓→</kbd> move <kbd>Enter</kbd> open · VFs <kbd>Esc</kbd> back <kbd>f</kbd> fit
          </div>
        </>
      )}
    </main>
  );
}
