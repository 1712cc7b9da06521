/**
 * What the graph view draws, in model coordinates: the nodes with their places, the group boxes
 * and the edges as orthogonal routes (the "bus" lines of `lspci -tv`), computed once per layout.
 * Also the narrowing of a graph to what a search matched (and the path up to the host, kept as
 * context), which is laid out again so the result reads as a compact tree. Pure: no DOM.
 */
import type { GraphBox, GraphEdge, GraphNode, TopologyElements } from '../../../main/core/graph/elements.ts';
import { LAYOUT, type BoxPlace, type NodePlace, type TopologyLayout } from '../../../main/core/graph/layout.ts';

export interface SceneNode {
  node: GraphNode;
  place: NodePlace;
}

export interface SceneBox {
  box: GraphBox;
  rect: BoxPlace;
}

export interface SceneEdge {
  edge: GraphEdge;
  /** x0, y0, x1, y1, …: from the parent's right side to the child's left side. */
  points: number[];
  /** Where the link label is centred (on the last horizontal run, above it). */
  labelX: number;
  labelY: number;
}

export interface Scene {
  elements: TopologyElements;
  nodes: SceneNode[];
  boxes: SceneBox[];
  edges: SceneEdge[];
  byId: Map<string, SceneNode>;
  width: number;
  height: number;
}

/** Distance from a parent's right side to the vertical run shared by its children's edges. */
export const TRUNK_OFFSET = LAYOUT.boxPadding + 10;

export function edgeRoute(from: NodePlace, to: NodePlace): Pick<SceneEdge, 'points' | 'labelX' | 'labelY'> {
  const x0 = from.x + from.width / 2;
  const x3 = to.x - to.width / 2;
  const trunk = Math.min(x0 + TRUNK_OFFSET, (x0 + x3) / 2);
  const points = from.y === to.y ? [x0, from.y, x3, to.y] : [x0, from.y, trunk, from.y, trunk, to.y, x3, to.y];
  return { points, labelX: (trunk + x3 - LAYOUT.boxPadding) / 2, labelY: to.y - 7 };
}

export function buildScene(elements: TopologyElements, layout: TopologyLayout): Scene {
  const nodes: SceneNode[] = [];
  const byId = new Map<string, SceneNode>();
  for (const node of elements.nodes) {
    const place = layout.nodes.get(node.id);
    if (!place) continue;
    const sn = { node, place };
    nodes.push(sn);
    byId.set(node.id, sn);
  }
  const boxes: SceneBox[] = [];
  for (const box of elements.boxes) {
    const rect = layout.boxes.get(box.id);
    if (rect) boxes.push({ box, rect });
  }
  const edges: SceneEdge[] = [];
  for (const edge of elements.edges) {
    const from = byId.get(edge.source);
    const to = byId.get(edge.target);
    if (from && to) edges.push({ edge, ...edgeRoute(from.place, to.place) });
  }
  return { elements, nodes, boxes, edges, byId, width: layout.width, height: layout.height };
}

/**
 * The graph narrowed to `keep` and every node above them (those not in `keep` are returned as
 * `context`, drawn faded). Boxes keep the members that remain; a box left empty goes.
 */
export function narrowElements(elements: TopologyElements, keep: ReadonlySet<string>): { elements: TopologyElements; context: Set<string> } {
  const parentOf = new Map(elements.nodes.map((n) => [n.id, n.parent]));
  const shown = new Set<string>();
  const context = new Set<string>();
  for (const id of keep) {
    if (!parentOf.has(id)) continue;
    shown.add(id);
    for (let p = parentOf.get(id) ?? null; p !== null && !shown.has(p); p = parentOf.get(p) ?? null) {
      shown.add(p);
      if (!keep.has(p)) context.add(p);
    }
  }
  const nodes = elements.nodes.filter((n) => shown.has(n.id));
  const boxes = elements.boxes
    .map((b) => ({ ...b, members: b.members.filter((m) => shown.has(m)) }))
    .filter((b) => b.members.length > 0);
  const edges = elements.edges.filter((e) => shown.has(e.source) && shown.has(e.target));
  return { elements: { ...elements, nodes, boxes, edges }, context };
}

/** Node ids from `id` up to the host. */
export function pathToRoot(scene: Scene, id: string): string[] {
  const path: string[] = [];
  for (let cur: string | null = id; cur !== null && !path.includes(cur); cur = scene.byId.get(cur)?.node.parent ?? null) {
    if (!scene.byId.has(cur)) break;
    path.push(cur);
  }
  return path;
}
