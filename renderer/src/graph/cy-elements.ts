/**
 * The graph's elements and layout as Cytoscape element definitions: group boxes become compound
 * parents, nodes get `preset` positions from layoutTopology.
 */
import type { ElementDefinition } from 'cytoscape';
import type { GraphNode, TopologyElements } from '../../../main/core/graph/elements.ts';
import type { TopologyLayout } from '../../../main/core/graph/layout.ts';
import { ICONS } from './icons.ts';

/** Characters of a title that fit on one line of a node (the label font at 11px). */
const TITLE_CHARS = 30;
const SUBTITLE_CHARS = 34;

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

export function nodeLabel(node: Pick<GraphNode, 'title' | 'subtitle'>): string {
  return `${clip(node.title, TITLE_CHARS)}\n${clip(node.subtitle, SUBTITLE_CHARS)}`;
}

function iconOf(node: GraphNode): string {
  if (node.kind === 'host') return ICONS.host;
  if (node.kind === 'root-complex' || node.kind === 'bus') return ICONS['root-complex'];
  return ICONS[node.deviceClass ?? 'unknown'];
}

export function toCytoscape(elements: TopologyElements, layout: TopologyLayout): ElementDefinition[] {
  const out: ElementDefinition[] = [];
  for (const box of elements.boxes) {
    const shared = box.devices.length > 1;
    out.push({
      group: 'nodes',
      data: { id: box.id, label: shared ? `${box.label} · ${box.devices.length} devices` : box.label, verdict: box.verdict ?? 'none' },
      classes: shared ? 'box shared' : 'box',
      selectable: false,
    });
  }
  for (const node of elements.nodes) {
    const place = layout.nodes.get(node.id);
    const data: Record<string, unknown> = {
      id: node.id, label: nodeLabel(node), kind: node.kind, verdict: node.verdict ?? 'none', icon: iconOf(node),
    };
    if (node.box) data.parent = node.box;
    out.push({
      group: 'nodes',
      data,
      position: place ? { x: place.x, y: place.y } : { x: 0, y: 0 },
      classes: node.vfCount > 0 ? `${node.kind} pf` : node.kind,
    });
  }
  for (const edge of elements.edges) {
    const label = edge.link === null ? '' : edge.downgraded ? `↓ ${edge.link} (${edge.capable})` : edge.link;
    const classes = [edge.kind, edge.downgraded ? 'downgraded' : ''].filter(Boolean).join(' ');
    out.push({ group: 'edges', data: { id: edge.id, source: edge.source, target: edge.target, label }, classes });
  }
  return out;
}
