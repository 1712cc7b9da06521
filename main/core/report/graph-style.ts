/**
 * The graph's colours and font, as plain values so that the SVG writer (./svg.ts) and a
 * Cytoscape stylesheet can share them: one colour per verdict class of the graph
 * (graph/elements.ts `VerdictClass`), a light tint of it for group boxes, and the fills of the
 * structural nodes (host, root complex, bus placeholder).
 *
 * The colours are Tailwind's 600 shades (and 50 shades for tints): distinguishable for the common
 * colour-vision deficiencies when paired with the legend's words, and dark enough for white text.
 */
import type { NodeKind, VerdictClass } from '../graph/elements.ts';

export const GRAPH_FONT = "'DejaVu Sans', 'Liberation Sans', 'Segoe UI', Helvetica, Arial, sans-serif";

export const VERDICT_COLORS: Record<VerdictClass, string> = {
  ready: '#16a34a',
  'whole-group': '#d97706',
  blocked: '#dc2626',
  'host-critical': '#7c3aed',
  vfio: '#2563eb',
  vm: '#0891b2',
  bridge: '#64748b',
  unknown: '#94a3b8',
};

export const VERDICT_TINTS: Record<VerdictClass, string> = {
  ready: '#f0fdf4',
  'whole-group': '#fffbeb',
  blocked: '#fef2f2',
  'host-critical': '#f5f3ff',
  vfio: '#eff6ff',
  vm: '#ecfeff',
  bridge: '#f8fafc',
  unknown: '#f8fafc',
};

const DARK_TEXT = { title: '#0f172a', subtitle: '#475569' };

export const KIND_FILL: Record<NodeKind, { fill: string; stroke: string; title: string; subtitle: string }> = {
  host: { fill: '#1e293b', stroke: '#1e293b', title: '#ffffff', subtitle: '#cbd5e1' },
  'root-complex': { fill: '#e2e8f0', stroke: '#94a3b8', ...DARK_TEXT },
  bus: { fill: '#f1f5f9', stroke: '#cbd5e1', ...DARK_TEXT },
  function: { fill: '#ffffff', stroke: '#94a3b8', ...DARK_TEXT },
  'vf-summary': { fill: '#ffffff', stroke: '#94a3b8', ...DARK_TEXT },
};

/** The legend, in the order a reader scans it: can go, can go with others, cannot, host needs. */
export const LEGEND: { verdict: VerdictClass; label: string }[] = [
  { verdict: 'ready', label: 'ready' },
  { verdict: 'whole-group', label: 'whole group' },
  { verdict: 'blocked', label: 'blocked' },
  { verdict: 'host-critical', label: 'host-critical' },
  { verdict: 'vfio', label: 'bound to vfio-pci' },
  { verdict: 'vm', label: 'assigned to a VM' },
  { verdict: 'bridge', label: 'bridge (stays on the host)' },
];
