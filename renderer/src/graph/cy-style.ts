/**
 * Cytoscape's part of the picture: the bodies of the nodes (fill and border by verdict, size by
 * kind) and their states. Labels, icons, group boxes and edges are drawn by layers.ts, so
 * Cytoscape styles as few properties on as few elements as possible: its per-element style cost
 * is what limits a 10,000-function graph.
 */
import type { StylesheetJson } from 'cytoscape';
import type { NodeKind, VerdictClass } from '../../../main/core/graph/elements.ts';
import { LAYOUT } from '../../../main/core/graph/layout.ts';
import type { Palette } from './palette.ts';

export function graphStyle(p: Palette): StylesheetJson {
  const kinds = Object.keys(LAYOUT.heights) as NodeKind[];
  const verdicts = Object.entries(p.verdicts) as [VerdictClass, Palette['verdicts'][VerdictClass]][];
  return [
    {
      selector: 'node',
      style: {
        shape: 'round-rectangle',
        width: LAYOUT.nodeWidth,
        height: LAYOUT.heights.function,
        'background-color': p.nodeFill,
        'border-width': 1.5,
        'border-color': p.verdicts.unknown.stroke,
        'overlay-opacity': 0,
      },
    },
    ...kinds.filter((kind) => kind !== 'function').map((kind) => ({ selector: `node.${kind}`, style: { width: LAYOUT.widths[kind], height: LAYOUT.heights[kind] } })),
    ...verdicts.map(([verdict, c]) => ({ selector: `node.v-${verdict}`, style: { 'background-color': c.fill, 'border-color': c.stroke } })),
    { selector: 'node.host, node.root-complex, node.bus', style: { 'border-color': p.muted, 'border-width': 2 } },
    { selector: 'node.bus, node.vf-summary', style: { 'border-style': 'dashed' } },
    { selector: 'node.pf', style: { 'border-width': 3, 'border-style': 'double' } },
    { selector: 'node.context', style: { opacity: 0.5 } },
    { selector: 'node.match', style: { 'border-color': p.accent, 'border-width': 3 } },
    { selector: 'node.path', style: { 'border-color': p.accent, 'border-width': 2.5 } },
    { selector: 'node:active', style: { 'overlay-opacity': 0.08, 'overlay-color': p.accent, 'overlay-padding': 2 } },
    {
      selector: 'node:selected',
      style: { 'border-color': p.accent, 'border-width': 4, 'underlay-color': p.accent, 'underlay-opacity': 0.2, 'underlay-padding': 6 },
    },
  ];
}
