/**
 * The layout benchmark's page (built by layout.ts, run in headless Chromium): one snapshot, one
 * layout engine per page load, timed from the snapshot's JSON to the first painted frame.
 * - `atlas`: layoutTopology (main/core/graph/layout.ts);
 * - `elk`: elkjs's layered algorithm (the bundled build, in this page's thread) on the same
 *   elements, group boxes as hierarchical nodes, left to right like ours;
 * - `fcose`: cytoscape-fcose on the same elements, group boxes as compound nodes (it needs them
 *   and the edges as Cytoscape elements, in a headless instance).
 * Every engine's positions are painted the same way, by the app's own graph view.
 */
import cytoscape from 'cytoscape';
import fcose from 'cytoscape-fcose';
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkNode } from 'elkjs/lib/elk-api.js';
import { snapshotToElements, type TopologyElements } from '../../main/core/graph/elements.ts';
import { layoutTopology, nodeHeight, nodeWidth, LAYOUT, type BoxPlace, type NodePlace, type TopologyLayout } from '../../main/core/graph/layout.ts';
import type { Snapshot } from '../../main/core/model/snapshot.ts';
import { GraphView } from '../../renderer/src/graph/graph-view.ts';
import { PALETTES } from '../../renderer/src/graph/palette.ts';

cytoscape.use(fcose);

export type Engine = 'atlas' | 'elk' | 'fcose';

export interface BenchResult {
  engine: Engine;
  functions: number;
  nodes: number;
  boxes: number;
  edges: number;
  elementsMs: number;
  layoutMs: number;
  /** Building the view and painting the first frame. */
  renderMs: number;
  totalMs: number;
}

const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));

/** Another engine's node positions, with the boxes drawn around their members as ours are. */
function withBoxes(elements: TopologyElements, nodes: Map<string, NodePlace>): TopologyLayout {
  const boxes = new Map<string, BoxPlace>();
  const pad = LAYOUT.boxPadding;
  for (const box of elements.boxes) {
    const r = { x1: Infinity, y1: Infinity, x2: -Infinity, y2: -Infinity };
    for (const m of box.members) {
      const p = nodes.get(m);
      if (!p) continue;
      r.x1 = Math.min(r.x1, p.x - p.width / 2 - pad);
      r.y1 = Math.min(r.y1, p.y - p.height / 2 - pad);
      r.x2 = Math.max(r.x2, p.x + p.width / 2 + pad);
      r.y2 = Math.max(r.y2, p.y + p.height / 2 + pad);
    }
    boxes.set(box.id, r);
  }
  let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
  for (const p of nodes.values()) {
    x1 = Math.min(x1, p.x - p.width / 2);
    y1 = Math.min(y1, p.y - p.height / 2);
    x2 = Math.max(x2, p.x + p.width / 2);
    y2 = Math.max(y2, p.y + p.height / 2);
  }
  for (const p of nodes.values()) {
    p.x -= x1;
    p.y -= y1;
  }
  for (const r of boxes.values()) {
    r.x1 -= x1; r.x2 -= x1; r.y1 -= y1; r.y2 -= y1;
  }
  return { nodes, boxes, width: x2 - x1, height: y2 - y1 };
}

async function elkLayout(elements: TopologyElements): Promise<TopologyLayout> {
  const root: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.layered.spacing.nodeNodeBetweenLayers': String(LAYOUT.columnGap),
      'elk.spacing.nodeNode': String(LAYOUT.blockGap),
    },
    children: [],
    edges: [],
  };
  const boxes = new Map<string, ElkNode>();
  for (const box of elements.boxes) {
    const node: ElkNode = { id: box.id, children: [], layoutOptions: { 'elk.padding': `[top=${LAYOUT.boxPadding + LAYOUT.boxLabel},left=${LAYOUT.boxPadding},bottom=${LAYOUT.boxPadding},right=${LAYOUT.boxPadding}]` } };
    boxes.set(box.id, node);
    root.children!.push(node);
  }
  for (const n of elements.nodes) {
    const node: ElkNode = { id: n.id, width: nodeWidth(n.kind), height: nodeHeight(n.kind) };
    (n.box ? boxes.get(n.box)! : root).children!.push(node);
  }
  for (const e of elements.edges) root.edges!.push({ id: e.id, sources: [e.source], targets: [e.target] });
  const laid = await new ELK().layout(root);
  const nodes = new Map<string, NodePlace>();
  const place = (container: ElkNode, dx: number, dy: number) => {
    for (const c of container.children ?? []) {
      const x = dx + (c.x ?? 0);
      const y = dy + (c.y ?? 0);
      if (boxes.has(c.id)) place(c, x, y);
      else nodes.set(c.id, { x: x + (c.width ?? 0) / 2, y: y + (c.height ?? 0) / 2, width: c.width ?? 0, height: c.height ?? 0 });
    }
  };
  place(laid, 0, 0);
  return withBoxes(elements, nodes);
}

function fcoseLayout(elements: TopologyElements): TopologyLayout {
  const cy = cytoscape({
    headless: true,
    styleEnabled: true,
    style: [
      { selector: 'node', style: { width: 'data(width)', height: 'data(height)' } },
      { selector: ':parent', style: { padding: `${LAYOUT.boxPadding}px` } },
    ],
    elements: [
      ...elements.boxes.map((b) => ({ group: 'nodes' as const, data: { id: b.id, width: 1, height: 1 } })),
      ...elements.nodes.map((n) => ({ group: 'nodes' as const, data: { id: n.id, width: nodeWidth(n.kind), height: nodeHeight(n.kind), ...(n.box ? { parent: n.box } : {}) } })),
      ...elements.edges.map((e) => ({ group: 'edges' as const, data: { id: e.id, source: e.source, target: e.target } })),
    ],
  });
  cy.layout({ name: 'fcose', animate: false, randomize: true, quality: 'default' } as cytoscape.LayoutOptions).run();
  const nodes = new Map<string, NodePlace>();
  for (const n of elements.nodes) {
    const p = cy.getElementById(n.id).position();
    nodes.set(n.id, { x: p.x, y: p.y, width: nodeWidth(n.kind), height: nodeHeight(n.kind) });
  }
  cy.destroy();
  return withBoxes(elements, nodes);
}

async function run(engine: Engine, snapshotUrl: string): Promise<BenchResult> {
  const snapshot = (await (await fetch(snapshotUrl)).json()) as Snapshot;
  const t0 = performance.now();
  const elements = snapshotToElements(snapshot, null, {});
  const t1 = performance.now();
  const layout = engine === 'atlas' ? layoutTopology(elements) : engine === 'elk' ? await elkLayout(elements) : fcoseLayout(elements);
  const t2 = performance.now();
  const view = new GraphView(document.getElementById('graph')!, PALETTES.light, { onSelect() {}, onActivate() {}, onSelectBox() {} });
  // Everything in view: the most a first frame can have to draw.
  view.setGraph(elements, layout, { fit: false });
  view.fit();
  await nextFrame();
  await nextFrame();
  const t3 = performance.now();
  const stats = view.stats();
  return {
    engine,
    functions: snapshot.devices.length,
    nodes: stats.nodes,
    boxes: stats.boxes,
    edges: stats.edges,
    elementsMs: t1 - t0,
    layoutMs: t2 - t1,
    renderMs: t3 - t2,
    totalMs: t3 - t0,
  };
}

(window as unknown as { runLayoutBench: typeof run }).runLayoutBench = run;
