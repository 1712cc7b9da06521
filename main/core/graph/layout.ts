/**
 * `layoutTopology`: positions for the graph of `snapshotToElements`, made for a PCI tree with
 * IOMMU group boxes. Deterministic (no randomness, no iteration to convergence), linear in the
 * number of nodes, and free of the DOM, so the renderer (Cytoscape, `preset` positions) and the
 * report writer (SVG in Node) draw the same picture.
 *
 * The tree runs left to right like `lspci -tv`: host, root complexes, root-bus functions,
 * bridges, devices, one column per level, each as wide as its widest node (nodes left-aligned).
 * A group box is laid out as one block: its members are placed as a small tidy tree of their
 * own (functions of one device closer together), the box drawn around them, and whatever hangs
 * below a member but belongs to another group is placed to the right of the box. Blocks are
 * then placed as one tidy tree (tidy.ts), each taking the full height of its box, so no box
 * ever covers a node or a box of another group.
 */
import type { GraphBox, GraphNode, NodeKind } from './elements.ts';
import { tidyTree } from './tidy.ts';

/** Sizes and spacing in graph units (CSS pixels at zoom 1). */
export const LAYOUT = {
  /** The width of a device; the host, root complexes and bus placeholders say less and are narrower. */
  nodeWidth: 224,
  widths: { host: 192, 'root-complex': 192, bus: 192, function: 224, 'vf-summary': 224 } satisfies Record<NodeKind, number>,
  heights: { host: 64, 'root-complex': 48, bus: 40, function: 52, 'vf-summary': 44 } satisfies Record<NodeKind, number>,
  /** Between columns: room for the edges and their link labels. */
  columnGap: 100,
  /** Between a group box and its members. */
  boxPadding: 8,
  /** Above a box, for its label. */
  boxLabel: 16,
  /** Between the subtrees of two siblings. */
  blockGap: 10,
  /** Between members of one box that are different devices, and functions of one device. */
  memberGap: 8,
  functionGap: 3,
} as const;

export interface NodePlace {
  /** Centre, as Cytoscape positions nodes. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface BoxPlace {
  /** The box's border: its members' outline plus the padding. The label sits above y1. */
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface TopologyLayout {
  nodes: Map<string, NodePlace>;
  boxes: Map<string, BoxPlace>;
  /** The drawing spans [0, width] × [0, height]. */
  width: number;
  height: number;
}

type LayoutNode = Pick<GraphNode, 'id' | 'kind' | 'parent' | 'box' | 'device'>;

export function nodeWidth(kind: NodeKind): number {
  return LAYOUT.widths[kind];
}

export function nodeHeight(kind: NodeKind): number {
  return LAYOUT.heights[kind];
}

/**
 * Lays out `nodes` (parents before children, siblings in drawing order, as snapshotToElements
 * gives them). A box whose top members do not share one parent cannot be one block; its members
 * are then placed one by one (snapshotToElements never makes such a box).
 */
export function layoutTopology(elements: { nodes: readonly LayoutNode[]; boxes: readonly Pick<GraphBox, 'id' | 'members'>[] }): TopologyLayout {
  const { nodes } = elements;
  const n = nodes.length;
  const indexOf = new Map<string, number>();
  nodes.forEach((node, i) => indexOf.set(node.id, i));
  const parentOf = new Int32Array(n).fill(-1);
  nodes.forEach((node, i) => {
    const p = node.parent === null ? undefined : indexOf.get(node.parent);
    if (p !== undefined && p !== i) parentOf[i] = p;
  });
  const height = (i: number) => nodeHeight(nodes[i]!.kind);

  // Blocks: a box whose top members share a parent, or a single node.
  const boxMembers = new Map<string, number[]>();
  for (const box of elements.boxes) {
    const members = box.members.map((m) => indexOf.get(m)).filter((i): i is number => i !== undefined && nodes[i]!.box === box.id);
    if (members.length > 0) boxMembers.set(box.id, members);
  }
  const blockOf = new Int32Array(n).fill(-1);
  const blockMembers: number[][] = [];
  const blockBoxed: boolean[] = [];
  for (const members of boxMembers.values()) {
    const inBox = new Set(members);
    const topParents = new Set(members.filter((m) => !inBox.has(parentOf[m]!)).map((m) => parentOf[m]!));
    if (topParents.size !== 1) continue;
    const b = blockMembers.length;
    blockMembers.push(members);
    blockBoxed.push(true);
    for (const m of members) blockOf[m] = b;
  }
  for (let i = 0; i < n; i++) {
    if (blockOf[i] !== -1) continue;
    blockOf[i] = blockMembers.length;
    blockMembers.push([i]);
    blockBoxed.push(false);
  }
  const blocks = blockMembers.length;

  // Inside each block: its members as a tidy tree of their own.
  const memberColumn = new Int32Array(n);
  const memberY = new Float64Array(n);
  const blockSpan = new Int32Array(blocks);
  const blockTop = new Float64Array(blocks);
  const blockBottom = new Float64Array(blocks);
  const pad = LAYOUT.boxPadding;
  for (let b = 0; b < blocks; b++) {
    const members = blockMembers[b]!;
    if (members.length === 1) {
      const h = height(members[0]!);
      blockSpan[b] = 1;
      blockTop[b] = -h / 2 - (blockBoxed[b] ? pad + LAYOUT.boxLabel : 0);
      blockBottom[b] = h / 2 + (blockBoxed[b] ? pad : 0);
      continue;
    }
    const local = new Map<number, number>();
    members.forEach((m, k) => local.set(m, k));
    const children: number[][] = members.map(() => []);
    const roots: number[] = [];
    members.forEach((m, k) => {
      const p = local.get(parentOf[m]!);
      if (p === undefined) roots.push(k);
      else children[p]!.push(k);
    });
    const heights = members.map(height);
    const placed = tidyTree({
      children, roots, span: members.map(() => 1),
      top: heights.map((h) => -h / 2), bottom: heights.map((h) => h / 2),
      gap: (a, c) => {
        const da = nodes[members[a]!]!.device;
        return da !== null && da === nodes[members[c]!]!.device ? LAYOUT.functionGap : LAYOUT.memberGap;
      },
    });
    let top = Infinity;
    let bottom = -Infinity;
    let span = 0;
    members.forEach((_, k) => {
      top = Math.min(top, placed.y[k]! - heights[k]! / 2);
      bottom = Math.max(bottom, placed.y[k]! + heights[k]! / 2);
      span = Math.max(span, placed.column[k]! + 1);
    });
    const anchor = (top + bottom) / 2;
    members.forEach((m, k) => {
      memberColumn[m] = placed.column[k]!;
      memberY[m] = placed.y[k]! - anchor;
    });
    blockSpan[b] = span;
    blockTop[b] = top - anchor - pad - LAYOUT.boxLabel;
    blockBottom[b] = bottom - anchor + pad;
  }

  // The tree of blocks: a block hangs from the block of its first member's parent. Children are
  // met in node order, which is the order of the members they hang from.
  const blockChildren: number[][] = Array.from({ length: blocks }, () => []);
  const blockRoots: number[] = [];
  const placedBlock = new Uint8Array(blocks);
  for (let i = 0; i < n; i++) {
    const b = blockOf[i]!;
    if (placedBlock[b]) continue;
    placedBlock[b] = 1;
    const p = parentOf[i]!;
    if (p === -1 || blockOf[p] === b) blockRoots.push(b);
    else blockChildren[blockOf[p]!]!.push(b);
  }
  const outer = tidyTree({
    children: blockChildren, roots: blockRoots, span: blockSpan, top: blockTop, bottom: blockBottom,
    gap: () => LAYOUT.blockGap,
  });

  let minY = Infinity;
  let maxY = -Infinity;
  for (let b = 0; b < blocks; b++) {
    minY = Math.min(minY, outer.y[b]! + blockTop[b]!);
    maxY = Math.max(maxY, outer.y[b]! + blockBottom[b]!);
  }
  if (n === 0) minY = maxY = 0;
  const columnOf = new Int32Array(n);
  let columns = 0;
  for (let i = 0; i < n; i++) {
    columnOf[i] = outer.column[blockOf[i]!]! + memberColumn[i]!;
    columns = Math.max(columns, columnOf[i]! + 1);
  }
  const columnWidth = new Float64Array(columns);
  for (let i = 0; i < n; i++) columnWidth[columnOf[i]!] = Math.max(columnWidth[columnOf[i]!]!, nodeWidth(nodes[i]!.kind));
  const columnX = new Float64Array(columns + 1);
  columnX[0] = pad;
  for (let c = 0; c < columns; c++) columnX[c + 1] = columnX[c]! + columnWidth[c]! + LAYOUT.columnGap;
  const places = new Map<string, NodePlace>();
  for (let i = 0; i < n; i++) {
    const width = nodeWidth(nodes[i]!.kind);
    places.set(nodes[i]!.id, {
      x: columnX[columnOf[i]!]! + width / 2,
      y: outer.y[blockOf[i]!]! + memberY[i]! - minY,
      width,
      height: height(i),
    });
  }

  const boxes = new Map<string, BoxPlace>();
  for (const [id, members] of boxMembers) {
    let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
    for (const m of members) {
      const p = places.get(nodes[m]!.id)!;
      x1 = Math.min(x1, p.x - p.width / 2 - pad);
      x2 = Math.max(x2, p.x + p.width / 2 + pad);
      y1 = Math.min(y1, p.y - p.height / 2 - pad);
      y2 = Math.max(y2, p.y + p.height / 2 + pad);
    }
    boxes.set(id, { x1, y1, x2, y2 });
  }
  return { nodes: places, boxes, width: n === 0 ? 0 : columnX[columns]! - LAYOUT.columnGap + pad, height: maxY - minY };
}
