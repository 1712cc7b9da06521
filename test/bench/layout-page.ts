/**
 * The layout benchmark's page (built by layout.ts, run in headless Chromium): one snapshot, one
 * layout engine per page load, timed from the snapshot's JSON to the first painted frame.
 * - `atlas`: layoutTopology (main/core/graph/layout.ts), positions handed to Cytoscape as `preset`;
 * - `elk`: elkjs's layered algorithm (the bundled build, in this page's thread) on the same
 *   elements, group boxes as hierarchical nodes, left to right like ours;
 * - `fcose`: cytoscape-fcose on the same elements (compound boxes included).
 * Every engine paints with the app's own stylesheet (renderer/src/graph/cy-style.ts).
 */
import cytoscape from 'cytoscape';
import fcose from 'cytoscape-fcose';
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkNode } from 'elkjs/lib/elk-api.js';
import { snapshotToElements, type TopologyElements } from '../../main/core/graph/elements.ts';
import { layoutTopology, nodeHeight, LAYOUT, type TopologyLayout } from '../../main/core/graph/layout.ts';
import type { Snapshot } from '../../main/core/model/snapshot.ts';
import { toCytoscape } from '../../renderer/src/graph/cy-elements.ts';
import { graphStyle } from '../../renderer/src/graph/cy-style.ts';
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
  /** Building the Cytoscape instance and painting the first frame. */
  renderMs: number;
  totalMs: number;
}

const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));

/** Positions from ELK: nodes in a box are relative to the box. */
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
    const node: ElkNode = { id: n.id, width: LAYOUT.nodeWidth, height: nodeHeight(n.kind) };
    (n.box ? boxes.get(n.box)! : root).children!.push(node);
  }
  for (const e of elements.edges) root.edges!.push({ id: e.id, sources: [e.source], targets: [e.target] });
  const laid = await new ELK().layout(root);
  const nodes = new Map<string, { x: number; y: number; width: number; height: number }>();
  const place = (container: ElkNode, dx: number, dy: number) => {
    for (const c of container.children ?? []) {
      const x = dx + (c.x ?? 0);
      const y = dy + (c.y ?? 0);
      if (c.children && c.children.length > 0) place(c, x, y);
      else nodes.set(c.id, { x: x + (c.width ?? 0) / 2, y: y + (c.height ?? 0) / 2, width: c.width ?? 0, height: c.height ?? 0 });
    }
  };
  place(laid, 0, 0);
  return { nodes, boxes: new Map(), width: laid.width ?? 0, height: laid.height ?? 0 };
}

async function run(engine: Engine, snapshotUrl: string): Promise<BenchResult> {
  const snapshot = (await (await fetch(snapshotUrl)).json()) as Snapshot;
  const container = document.getElementById('graph')!;
  const t0 = performance.now();
  const elements = snapshotToElements(snapshot, null, {});
  const t1 = performance.now();
  let layout: TopologyLayout;
  let layoutMs: number;
  let cy: cytoscape.Core;
  const options = {
    container,
    style: graphStyle(PALETTES.light),
    autoungrabify: true,
    boxSelectionEnabled: false,
  };
  if (engine === 'fcose') {
    const empty: TopologyLayout = { nodes: new Map(), boxes: new Map(), width: 0, height: 0 };
    const tBuild = performance.now();
    cy = cytoscape({ ...options, elements: toCytoscape(elements, empty), layout: { name: 'preset' } });
    const buildMs = performance.now() - tBuild;
    const tLayout = performance.now();
    cy.layout({ name: 'fcose', animate: false, randomize: true, quality: 'default' } as cytoscape.LayoutOptions).run();
    layoutMs = performance.now() - tLayout;
    cy.fit(undefined, 20);
    const tPaint = performance.now();
    await nextFrame();
    await nextFrame();
    const renderMs = buildMs + performance.now() - tPaint;
    return summary(engine, snapshot, cy, t1 - t0, layoutMs, renderMs);
  }
  const tLayout = performance.now();
  layout = engine === 'atlas' ? layoutTopology(elements) : await elkLayout(elements);
  layoutMs = performance.now() - tLayout;
  const tRender = performance.now();
  const V = (window as any).VARIANT ?? {};
  let defs = toCytoscape(elements, layout);
  if (V.noCompound) defs = defs.filter((d) => !(d.classes ?? '').toString().includes('box')).map((d) => { if (d.data.parent) delete d.data.parent; return d; });
  let style = graphStyle(PALETTES.light) as any[];
  if (V.plain) style = style.map((r) => ({ selector: r.selector, style: Object.fromEntries(Object.entries(r.style).filter(([k]) => !k.startsWith('background-gradient') && k !== 'background-fill' && !k.startsWith('background-image') ))}));
  if (V.noLabels) style = [...style, { selector: 'node, edge', style: { label: '', 'target-label': '' } }];
  if (V.straight) style = [...style, { selector: 'edge', style: { 'curve-style': 'straight' } }];
  cy = cytoscape({ ...options, style, elements: defs, layout: { name: 'preset', fit: true, padding: 20 }, ...(V.webgl ? { renderer: { name: 'canvas', webgl: true } } : {}), ...(V.opts ?? {}) } as any);
  console.log('construct', performance.now() - tRender);
  await nextFrame();
  await nextFrame();
  return summary(engine, snapshot, cy, t1 - t0, layoutMs, performance.now() - tRender);
}

function summary(engine: Engine, snapshot: Snapshot, cy: cytoscape.Core, elementsMs: number, layoutMs: number, renderMs: number): BenchResult {
  return {
    engine,
    functions: snapshot.devices.length,
    nodes: cy.nodes().not('.box').length,
    boxes: cy.nodes('.box').length,
    edges: cy.edges().length,
    elementsMs, layoutMs, renderMs,
    totalMs: elementsMs + layoutMs + renderMs,
  };
}

(window as unknown as { runLayoutBench: typeof run }).runLayoutBench = run;
