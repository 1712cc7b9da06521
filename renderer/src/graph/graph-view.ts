/**
 * The topology graph on screen: Cytoscape for the device nodes (drawing, hit testing, selection,
 * pan and zoom) with preset positions from layoutTopology, and two canvases of our own in the
 * same viewport for the group boxes and edges (below) and the node text and icons (above).
 */
import cytoscape, { type Core } from 'cytoscape';
import type { TopologyElements } from '../../../main/core/graph/elements.ts';
import type { TopologyLayout } from '../../../main/core/graph/layout.ts';
import { cytoscapeNodes } from './cy-elements.ts';
import { graphStyle } from './cy-style.ts';
import { ICONS, type IconName } from './icons.ts';
import { drawOverlay, drawUnderlay, TextFitter, type Marks, type Viewport } from './layers.ts';
import type { Palette } from './palette.ts';
import { buildScene, type Scene, type SceneNode } from './scene.ts';

export interface GraphViewEvents {
  /** A node was clicked (null: the background). */
  onSelect(id: string | null): void;
  /** A node was double-clicked (a PF: expand or collapse its VFs). */
  onActivate(id: string): void;
  /** A group box was clicked outside its members. */
  onSelectBox(boxId: string): void;
}

export interface GraphStats {
  nodes: number;
  boxes: number;
  edges: number;
  /** PCI functions the drawn nodes stand for. */
  functions: number;
  /** IOMMU groups drawn: those with a box and those inside a VF summary. */
  groups: number;
}

/**
 * Cytoscape adds a one-rule <style> element to <head> unless an element with this id exists; a
 * strict `style-src 'self'` refuses it, so the view provides the id (the rule it would add,
 * `position: relative` on the container, is in the app's stylesheet).
 */
/** The smallest zoom at which node text is comfortable to read (11 px type at ~8 px). */
const READABLE_ZOOM = 0.75;
/** Room left around the drawing when it is framed or fitted, in screen pixels. */
const VIEW_PADDING = 24;
/** Zoom used to bring a selected node into view. */
const FOCUS_ZOOM = 0.9;

const CYTOSCAPE_STYLESHEET_ID = '__________cytoscape_stylesheet';

const iconName = (sn: SceneNode): IconName => {
  const { node } = sn;
  if (node.kind === 'host') return 'host';
  if (node.kind === 'root-complex' || node.kind === 'bus') return 'root-complex';
  return node.deviceClass ?? 'unknown';
};

function loadIcons(onLoad: () => void): Map<string, HTMLImageElement> {
  const icons = new Map<string, HTMLImageElement>();
  for (const [name, url] of Object.entries(ICONS)) {
    const img = new Image();
    img.onload = onLoad;
    img.src = url;
    icons.set(name, img);
  }
  return icons;
}

export class GraphView {
  private readonly cy: Core;
  private readonly cyContainer: HTMLDivElement;
  private readonly under: HTMLCanvasElement;
  private readonly over: HTMLCanvasElement;
  private readonly icons: Map<string, HTMLImageElement>;
  private readonly resizeObserver: ResizeObserver;
  private palette: Palette;
  private current: Scene | null = null;
  private fitter = new TextFitter();
  private marks: Marks = { path: new Set(), context: new Set(), box: null };
  private pendingFrame = 0;

  constructor(private readonly root: HTMLElement, palette: Palette, private readonly events: GraphViewEvents) {
    this.palette = palette;
    if (!document.getElementById(CYTOSCAPE_STYLESHEET_ID)) {
      const marker = document.createElement('meta');
      marker.id = CYTOSCAPE_STYLESHEET_ID;
      document.head.append(marker);
    }
    this.under = document.createElement('canvas');
    this.under.className = 'graph-layer graph-under';
    this.cyContainer = document.createElement('div');
    this.cyContainer.className = 'graph-cy';
    this.over = document.createElement('canvas');
    this.over.className = 'graph-layer graph-over';
    root.append(this.under, this.cyContainer, this.over);
    this.cy = this.createCytoscape();
    this.icons = loadIcons(() => this.redraw());
    // The wheel scrolls the drawing (a tall tree reads top to bottom); with Ctrl (or a trackpad
    // pinch, which arrives as Ctrl+wheel) it zooms, as Cytoscape does by itself.
    root.addEventListener('wheel', (e) => {
      if (e.ctrlKey || e.metaKey) return;
      e.preventDefault();
      e.stopPropagation();
      const scale = e.deltaMode === WheelEvent.DOM_DELTA_LINE ? 16 : 1;
      this.cy.panBy({ x: -(e.shiftKey && e.deltaX === 0 ? e.deltaY : e.deltaX) * scale, y: -(e.shiftKey ? 0 : e.deltaY) * scale });
    }, { capture: true, passive: false });
    this.resizeObserver = new ResizeObserver(() => {
      this.cy.resize();
      this.redraw();
    });
    this.resizeObserver.observe(root);
  }

  private createCytoscape(): Core {
    const cy = cytoscape({
      container: this.cyContainer,
      style: graphStyle(this.palette),
      autoungrabify: true,
      boxSelectionEnabled: false,
      selectionType: 'single',
      minZoom: 0.005,
      maxZoom: 3,
    });
    cy.on('viewport', () => this.redraw());
    cy.on('tap', (e) => {
      if (e.target === cy) {
        const box = this.boxAt(e.position.x, e.position.y);
        if (box) this.events.onSelectBox(box);
        else this.events.onSelect(null);
      } else if (e.target.isNode()) this.events.onSelect(e.target.id());
    });
    cy.on('dbltap', 'node', (e) => this.events.onActivate(e.target.id()));
    cy.on('mouseover', 'node', () => this.cyContainer.classList.add('pointing'));
    cy.on('mouseout', 'node', () => this.cyContainer.classList.remove('pointing'));
    return cy;
  }

  /**
   * Shows a graph. `fit`: frame it for reading (a new snapshot or a new search), else keep the
   * viewport (VFs expanded, analysis arrived).
   */
  setGraph(elements: TopologyElements, layout: TopologyLayout, options: { fit: boolean; context?: ReadonlySet<string> }): void {
    this.current = buildScene(elements, layout);
    this.fitter = new TextFitter();
    this.marks = { ...this.marks, context: options.context ?? new Set() };
    const selected = this.cy.$('node:selected').map((n) => n.id());
    const viewport = { zoom: this.cy.zoom(), pan: this.cy.pan() };
    this.cy.batch(() => {
      this.cy.elements().remove();
      this.cy.add(cytoscapeNodes(this.current!, this.marks.context));
      for (const id of selected) this.cy.getElementById(id).select();
    });
    if (options.fit) this.frame();
    else this.cy.viewport(viewport);
    this.redraw();
  }

  /** What is drawn (positions included), for keyboard navigation. */
  get scene(): Scene | null {
    return this.current;
  }

  setPalette(palette: Palette): void {
    this.palette = palette;
    this.cy.style(graphStyle(palette));
    this.redraw();
  }

  /** Selects a node (and marks its path to the host); centres it when it is out of view. */
  select(id: string | null, path: readonly string[] = []): void {
    this.cy.batch(() => {
      this.cy.$('node:selected').unselect();
      this.cy.$('node.path').removeClass('path');
      if (id === null) return;
      const node = this.cy.getElementById(id);
      node.select();
      for (const p of path) if (p !== id) this.cy.getElementById(p).addClass('path');
    });
    this.marks = { ...this.marks, path: new Set(path) };
    if (id !== null) this.reveal(id);
    this.redraw();
  }

  /** Marks search matches. */
  setMatches(ids: ReadonlySet<string>): void {
    this.cy.batch(() => {
      this.cy.$('node.match').removeClass('match');
      for (const id of ids) this.cy.getElementById(id).addClass('match');
    });
  }

  highlightBox(boxId: string | null): void {
    this.marks = { ...this.marks, box: boxId };
    this.redraw();
  }

  /** Pans so the node is in view (with a margin), without changing the zoom unless it is tiny. */
  reveal(id: string): void {
    const sn = this.current?.byId.get(id);
    if (!sn) return;
    const zoom = Math.max(this.cy.zoom(), FOCUS_ZOOM);
    const pan = this.cy.pan();
    const w = this.cy.width();
    const h = this.cy.height();
    const x = sn.place.x * zoom + pan.x;
    const y = sn.place.y * zoom + pan.y;
    const margin = (sn.place.width / 2) * zoom + 40;
    if (zoom === this.cy.zoom() && x > margin && x < w - margin && y > 60 && y < h - 60) return;
    this.cy.viewport({ zoom, pan: { x: w / 2 - sn.place.x * zoom, y: h / 2 - sn.place.y * zoom } });
  }

  /**
   * Frames the graph for reading: all of it when it is still readable so (zoom ≥ READABLE_ZOOM),
   * else at a readable zoom from the root complexes on (the devices are what a person came
   * for; the host is a pan away), centred on the middle of the tree.
   */
  frame(): void {
    if (!this.current) return;
    const whole = this.wholeZoom();
    if (whole >= READABLE_ZOOM) {
      this.centreAt(whole);
      return;
    }
    const zoom = READABLE_ZOOM;
    const w = this.cy.width();
    const { width, height } = this.current;
    let left = 0;
    if (width * zoom > w - 2 * VIEW_PADDING) {
      for (const { node, place } of this.current.nodes) {
        if (node.kind === 'root-complex') left = Math.max(left, place.x - place.width / 2 - 12);
      }
    }
    const x = width * zoom <= w - 2 * VIEW_PADDING ? (w - width * zoom) / 2 : VIEW_PADDING - left * zoom;
    this.cy.viewport({ zoom, pan: { x, y: this.cy.height() / 2 - (height / 2) * zoom } });
  }

  /** Everything in view, however small. */
  fit(): void {
    if (!this.current) return;
    this.centreAt(Math.max(this.cy.minZoom(), this.wholeZoom()));
  }

  /** The zoom (at most 1) at which the whole drawing fits inside the padding. */
  private wholeZoom(): number {
    const { width, height } = this.current!;
    return Math.min(1, (this.cy.width() - 2 * VIEW_PADDING) / Math.max(1, width), (this.cy.height() - 2 * VIEW_PADDING) / Math.max(1, height));
  }

  /** The drawing's middle in the middle of the view, at `zoom`. */
  private centreAt(zoom: number): void {
    const { width, height } = this.current!;
    this.cy.viewport({ zoom, pan: { x: (this.cy.width() - width * zoom) / 2, y: (this.cy.height() - height * zoom) / 2 } });
  }

  zoomBy(factor: number): void {
    const z = Math.min(this.cy.maxZoom(), Math.max(this.cy.minZoom(), this.cy.zoom() * factor));
    this.cy.zoom({ level: z, renderedPosition: { x: this.cy.width() / 2, y: this.cy.height() / 2 } });
  }

  stats(): GraphStats {
    const scene = this.current;
    if (!scene) return { nodes: 0, boxes: 0, edges: 0, functions: 0, groups: 0 };
    let functions = 0;
    const groups = new Set(scene.boxes.map((b) => b.box.group));
    for (const sn of scene.nodes) {
      functions += sn.node.addresses.length;
      if (sn.node.kind === 'vf-summary') for (const g of sn.node.groups) groups.add(g);
    }
    return { nodes: this.cy.nodes().length, boxes: scene.boxes.length, edges: scene.edges.length, functions, groups: groups.size };
  }

  /** Where a node is on screen (CSS pixels, relative to the view), or null. */
  renderedPosition(id: string): { x: number; y: number } | null {
    const node = this.cy.getElementById(id);
    if (node.empty()) return null;
    const p = node.renderedPosition();
    return { x: p.x, y: p.y };
  }

  destroy(): void {
    cancelAnimationFrame(this.pendingFrame);
    this.resizeObserver.disconnect();
    this.cy.destroy();
    this.root.replaceChildren();
  }

  private boxAt(x: number, y: number): string | null {
    for (const { box, rect } of this.current?.boxes ?? []) {
      if (x >= rect.x1 && x <= rect.x2 && y >= rect.y1 && y <= rect.y2) return box.id;
    }
    return null;
  }

  private redraw(): void {
    if (this.pendingFrame) return;
    this.pendingFrame = requestAnimationFrame(() => {
      this.pendingFrame = 0;
      this.draw();
    });
  }

  private draw(): void {
    const scene = this.current;
    const rect = this.root.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    for (const canvas of [this.under, this.over]) {
      const w = Math.round(rect.width * dpr);
      const h = Math.round(rect.height * dpr);
      if (canvas.width !== w || canvas.height !== h) {
        canvas.width = w;
        canvas.height = h;
      }
    }
    const under = this.under.getContext('2d')!;
    const over = this.over.getContext('2d')!;
    if (!scene) {
      under.clearRect(0, 0, this.under.width, this.under.height);
      over.clearRect(0, 0, this.over.width, this.over.height);
      return;
    }
    const pan = this.cy.pan();
    const vp: Viewport = { zoom: this.cy.zoom(), panX: pan.x, panY: pan.y, width: rect.width, height: rect.height, dpr };
    drawUnderlay(under, scene, vp, this.palette, this.marks);
    drawOverlay(over, scene, vp, this.palette, this.marks, this.icons, iconName, this.fitter);
  }
}
