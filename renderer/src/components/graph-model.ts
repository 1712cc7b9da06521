/**
 * The graph of the open snapshot, derived step by step and memoised: elements (with the VFs the
 * user expanded), the search index, the matches of the search and verdict chips, the narrowed
 * graph and its layout. Each step reruns only when its inputs change.
 */
import { useEffect, useMemo, useState } from 'react';
import type { AnalysisResult } from '../../../main/core/contract/api.ts';
import { snapshotToElements, type TopologyElements, type VerdictClass } from '../../../main/core/graph/elements.ts';
import { layoutTopology, type TopologyLayout } from '../../../main/core/graph/layout.ts';
import type { Snapshot } from '../../../main/core/model/snapshot.ts';
import { buildSearchIndex, isFiltering, matchNodes, parseQuery } from '../app/search.ts';
import { narrowElements } from '../graph/scene.ts';

export interface GraphModel {
  /** The whole graph. */
  elements: TopologyElements;
  /** Device nodes matching the search and chips; null when nothing filters. */
  matches: Set<string> | null;
  /** What is drawn: the whole graph, or the matches with the path up to the host. */
  shown: TopologyElements;
  context: Set<string>;
  layout: TopologyLayout;
}

const NOTHING = new Set<string>();

export function useGraphModel(snapshot: Snapshot | null, analysis: AnalysisResult | null, expandedPfs: readonly string[], query: string, verdicts: readonly VerdictClass[]): GraphModel | null {
  const elements = useMemo(
    () => (snapshot ? snapshotToElements(snapshot, analysis, { expandedPfs: new Set(expandedPfs) }) : null),
    [snapshot, analysis, expandedPfs],
  );
  const index = useMemo(() => (elements && snapshot ? buildSearchIndex(elements, snapshot) : null), [elements, snapshot]);
  const matches = useMemo(
    () => (index && isFiltering(query, verdicts) ? matchNodes(index, parseQuery(query), verdicts) : null),
    [index, query, verdicts],
  );
  const narrowed = useMemo(
    () => (elements ? (matches ? narrowElements(elements, matches) : { elements, context: NOTHING }) : null),
    [elements, matches],
  );
  const layout = useMemo(() => (narrowed ? layoutTopology(narrowed.elements) : null), [narrowed]);
  // One object per change of its parts: the graph view redraws when (and only when) it changes.
  return useMemo(
    () => (elements && narrowed && layout ? { elements, matches, shown: narrowed.elements, context: narrowed.context, layout } : null),
    [elements, matches, narrowed, layout],
  );
}

/** `value`, once it has stayed the same for `ms` milliseconds (an empty value at once). */
export function useDebounced(value: string, ms: number): string {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    if (value === '') {
      setSettled('');
      return;
    }
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}
