/**
 * The look of the app's graph (renderer/src/graph: palette.ts light theme, cy-style.ts,
 * cy-elements.ts), as plain values the SVG writer can use: main/core cannot import the renderer,
 * so the values are repeated here and test/core/report/graph-style.test.ts checks they are the
 * app's. Printed reports use the light theme.
 */
import type { VerdictClass } from '../graph/elements.ts';

/** The app's label font (cy-style.ts); resvg and browsers without system-ui fall to DejaVu Sans. */
export const GRAPH_FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif';

/** palette.ts PALETTES.light. */
export const GRAPH_PALETTE = {
  canvas: '#f7f8fa',
  text: '#1d232b',
  muted: '#5c6670',
  nodeFill: '#ffffff',
  edge: '#a3acb6',
  edgeDowngraded: '#d9480f',
  boxFill: '#eef1f5',
  boxStroke: '#c3cad3',
  sharedBoxFill: '#fff6e8',
  accent: '#3b5bdb',
  verdicts: {
    ready: { stroke: '#2b8a3e', fill: '#ebf7ee' },
    'whole-group': { stroke: '#d97706', fill: '#fff4e0' },
    blocked: { stroke: '#d6336c', fill: '#fdecf2' },
    'host-critical': { stroke: '#6741d9', fill: '#f1edfd' },
    vfio: { stroke: '#1971c2', fill: '#e8f2fc' },
    vm: { stroke: '#0c8599', fill: '#e3f6f8' },
    bridge: { stroke: '#868e96', fill: '#f4f5f7' },
    unknown: { stroke: '#adb5bd', fill: '#ffffff' },
  } satisfies Record<VerdictClass, { stroke: string; fill: string }>,
};

/** palette.ts VERDICT_LEGEND: the legend's order and words. */
export const GRAPH_LEGEND: readonly { verdict: VerdictClass; label: string }[] = [
  { verdict: 'ready', label: 'Ready' },
  { verdict: 'whole-group', label: 'Whole group' },
  { verdict: 'blocked', label: 'Blocked' },
  { verdict: 'host-critical', label: 'Host-critical' },
  { verdict: 'vfio', label: 'vfio-pci' },
  { verdict: 'vm', label: 'Owned by a VM' },
  { verdict: 'bridge', label: 'Bridge' },
  { verdict: 'unknown', label: 'No verdict' },
];

/** cy-elements.ts: characters of a title and a subtitle that fit on one line of a node. */
export const TITLE_CHARS = 30;
export const SUBTITLE_CHARS = 34;

/** cy-elements.ts `clip`. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}
