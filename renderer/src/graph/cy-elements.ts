/**
 * What Cytoscape gets of a scene: one node per graph node at its preset position, with the
 * classes the stylesheet (cy-style.ts) keys on. And the two lines of text each node shows (drawn
 * by layers.ts), clipped to what fits; the report's SVG graph clips the same way.
 */
import type { ElementDefinition } from 'cytoscape';
import type { GraphNode } from '../../../main/core/graph/elements.ts';
import type { Scene } from './scene.ts';

/** Characters of a title and a subtitle that fit on one line of a node. */
export const TITLE_CHARS = 30;
export const SUBTITLE_CHARS = 34;

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

export function nodeLabel(node: Pick<GraphNode, 'title' | 'subtitle'>): string {
  return `${clip(node.title, TITLE_CHARS)}\n${clip(node.subtitle, SUBTITLE_CHARS)}`;
}

export function cytoscapeNodes(scene: Scene, context: ReadonlySet<string>): ElementDefinition[] {
  return scene.nodes.map(({ node, place }) => ({
    group: 'nodes',
    data: { id: node.id },
    position: { x: place.x, y: place.y },
    classes: [node.kind, `v-${node.verdict ?? 'none'}`, node.vfCount > 0 ? 'pf' : '', context.has(node.id) ? 'context' : ''].filter(Boolean).join(' '),
  }));
}
