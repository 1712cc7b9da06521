/**
 * The two canvases around Cytoscape's own, drawn in the same viewport (model × zoom + pan):
 * - under it: the IOMMU group boxes with their labels, and the edges with their link labels;
 * - over it: each node's verdict stripe, class icon, name and address · driver.
 * Only what intersects the view is drawn, text only when it would be readable; each frame is a
 * few batched paths, so panning a 10,000-function graph stays smooth.
 */
import type { VerdictClass } from '../../../main/core/graph/elements.ts';
import { LAYOUT } from '../../../main/core/graph/layout.ts';
import { clip, SUBTITLE_CHARS, TITLE_CHARS } from './cy-elements.ts';
import type { Palette } from './palette.ts';
import type { Scene, SceneNode } from './scene.ts';

export interface Viewport {
  zoom: number;
  panX: number;
  panY: number;
  /** CSS pixels. */
  width: number;
  height: number;
  dpr: number;
}

export interface Marks {
  /** Node ids on the path from the selected node to the host (its edges are highlighted). */
  path: ReadonlySet<string>;
  /** Ancestors shown only as context for a search (drawn faded). */
  context: ReadonlySet<string>;
  /** A group whose box is highlighted (selected through its box or from the inspector). */
  box: string | null;
}

const FONT_FAMILY = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif';
const TITLE_FONT = `600 11px ${FONT_FAMILY}`;
const SUBTITLE_FONT = `10px ${FONT_FAMILY}`;
const TAG_FONT = `600 9px ${FONT_FAMILY}`;
const BOX_FONT = `10px ${FONT_FAMILY}`;
const BOX_FONT_SHARED = `600 10px ${FONT_FAMILY}`;
const LINK_FONT = `9px ${FONT_FAMILY}`;
const LINK_FONT_DOWNGRADED = `700 9px ${FONT_FAMILY}`;

/** Below this zoom, text would be under ~5 px tall: it is not drawn. */
const TEXT_ZOOM = 0.42;
const ICON = { x: 14, size: 22 };
const TEXT_LEFT = 44;

interface View {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

function prepare(ctx: CanvasRenderingContext2D, vp: Viewport): View {
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  ctx.setTransform(vp.dpr * vp.zoom, 0, 0, vp.dpr * vp.zoom, vp.dpr * vp.panX, vp.dpr * vp.panY);
  return { x1: -vp.panX / vp.zoom, y1: -vp.panY / vp.zoom, x2: (vp.width - vp.panX) / vp.zoom, y2: (vp.height - vp.panY) / vp.zoom };
}

/** A line width in model units that never gets thinner than `screen` CSS pixels. */
const lineWidth = (vp: Viewport, model: number, screen = 0.75) => Math.max(model, screen / vp.zoom);

export function drawUnderlay(ctx: CanvasRenderingContext2D, scene: Scene, vp: Viewport, p: Palette, marks: Marks): void {
  const view = prepare(ctx, vp);
  const text = vp.zoom >= TEXT_ZOOM;

  // Group boxes: shared groups (more than one device) stand out; their border takes the group's verdict.
  for (const { box, rect } of scene.boxes) {
    if (rect.x2 < view.x1 || rect.x1 > view.x2 || rect.y2 < view.y1 - LAYOUT.boxLabel || rect.y1 > view.y2) continue;
    const shared = box.devices.length > 1;
    const highlighted = marks.box === box.id;
    ctx.beginPath();
    ctx.roundRect(rect.x1, rect.y1, rect.x2 - rect.x1, rect.y2 - rect.y1, 6);
    ctx.fillStyle = shared ? p.sharedBoxFill : p.boxFill;
    ctx.fill();
    ctx.lineWidth = lineWidth(vp, highlighted ? 3 : shared ? 2 : 1);
    ctx.strokeStyle = highlighted ? p.accent : shared && box.verdict ? p.verdicts[box.verdict].stroke : p.boxStroke;
    ctx.stroke();
    if (text) {
      ctx.font = shared ? BOX_FONT_SHARED : BOX_FONT;
      ctx.fillStyle = shared ? p.text : p.muted;
      ctx.textBaseline = 'alphabetic';
      ctx.textAlign = 'left';
      ctx.fillText(shared ? `${box.label} · ${box.devices.length} devices` : box.label, rect.x1 + 4, rect.y1 - 4);
    }
  }

  // Edges, one path per look.
  const looks = { tree: new Path2D(), sriov: new Path2D(), downgraded: new Path2D(), path: new Path2D() };
  const labelled: Scene['edges'] = [];
  for (const e of scene.edges) {
    const pts = e.points;
    const xa = pts[0]!, xb = pts[pts.length - 2]!;
    const ya = Math.min(pts[1]!, pts[pts.length - 1]!), yb = Math.max(pts[1]!, pts[pts.length - 1]!);
    if (xb < view.x1 || xa > view.x2 || yb < view.y1 || ya > view.y2) continue;
    const onPath = marks.path.has(e.edge.target) && marks.path.has(e.edge.source);
    const path = onPath ? looks.path : e.edge.downgraded ? looks.downgraded : e.edge.kind === 'sriov' ? looks.sriov : looks.tree;
    path.moveTo(pts[0]!, pts[1]!);
    for (let i = 2; i < pts.length; i += 2) path.lineTo(pts[i]!, pts[i + 1]!);
    if (text && e.edge.link !== null) labelled.push(e);
  }
  ctx.lineJoin = 'round';
  ctx.setLineDash([]);
  ctx.strokeStyle = p.edge;
  ctx.lineWidth = lineWidth(vp, 1.5);
  ctx.stroke(looks.tree);
  ctx.setLineDash([5, 4]);
  ctx.stroke(looks.sriov);
  ctx.setLineDash([]);
  ctx.strokeStyle = p.edgeDowngraded;
  ctx.lineWidth = lineWidth(vp, 2.5, 1.25);
  ctx.stroke(looks.downgraded);
  ctx.strokeStyle = p.accent;
  ctx.lineWidth = lineWidth(vp, 3, 1.5);
  ctx.stroke(looks.path);

  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  for (const e of labelled) {
    const label = e.edge.downgraded ? `↓ ${e.edge.link}` : e.edge.link!;
    ctx.font = e.edge.downgraded ? LINK_FONT_DOWNGRADED : LINK_FONT;
    ctx.fillStyle = e.edge.downgraded ? p.edgeDowngraded : p.muted;
    ctx.fillText(label, e.labelX, e.labelY);
    if (e.edge.downgraded && e.edge.capable) {
      ctx.font = LINK_FONT;
      ctx.fillText(`can do ${e.edge.capable}`, e.labelX, e.labelY + 14);
    }
  }
}

/**
 * A node's two lines, clipped as nodeLabel clips them and, should wide glyphs still overflow,
 * shortened to the width; cached per node since the model font never changes.
 */
export class TextFitter {
  private readonly cache = new Map<string, FittedText>();
  fit(ctx: CanvasRenderingContext2D, sn: SceneNode): FittedText {
    const hit = this.cache.get(sn.node.id);
    if (hit) return hit;
    const width = sn.place.width - TEXT_LEFT - 8;
    ctx.font = TITLE_FONT;
    const title = ellipsis(ctx, clip(sn.node.title, TITLE_CHARS), width);
    // The class, as a word at the end of the second line ("NVMe"), next to the icon's picture of it.
    const tag = sn.node.kind === 'function' || sn.node.kind === 'vf-summary' ? sn.node.classLabel ?? '' : '';
    ctx.font = TAG_FONT;
    const tagWidth = tag === '' ? 0 : ctx.measureText(tag).width + 6;
    ctx.font = SUBTITLE_FONT;
    const subtitle = ellipsis(ctx, clip(sn.node.subtitle, SUBTITLE_CHARS), width - tagWidth);
    const fitted = { title, subtitle, tag };
    this.cache.set(sn.node.id, fitted);
    return fitted;
  }
}

interface FittedText {
  title: string;
  subtitle: string;
  tag: string;
}

function ellipsis(ctx: CanvasRenderingContext2D, text: string, width: number): string {
  if (ctx.measureText(text).width <= width) return text;
  const base = text.endsWith('…') ? text.slice(0, -1) : text;
  let lo = 0;
  let hi = base.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ctx.measureText(`${base.slice(0, mid)}…`).width <= width) lo = mid;
    else hi = mid - 1;
  }
  return `${base.slice(0, lo).trimEnd()}…`;
}

export function drawOverlay(
  ctx: CanvasRenderingContext2D, scene: Scene, vp: Viewport, p: Palette, marks: Marks,
  icons: ReadonlyMap<string, HTMLImageElement>, iconOf: (sn: SceneNode) => string, fitter: TextFitter,
): void {
  const view = prepare(ctx, vp);
  if (vp.zoom < TEXT_ZOOM) return;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  for (const sn of scene.nodes) {
    const { place, node } = sn;
    const left = place.x - place.width / 2;
    const top = place.y - place.height / 2;
    if (left > view.x2 || left + place.width < view.x1 || top > view.y2 || top + place.height < view.y1) continue;
    ctx.globalAlpha = marks.context.has(node.id) ? 0.5 : 1;
    const verdict: VerdictClass | null = node.verdict;
    if (verdict !== null) {
      ctx.fillStyle = p.verdicts[verdict].stroke;
      ctx.beginPath();
      ctx.roundRect(left + 3, top + 5, 4, place.height - 10, 2);
      ctx.fill();
    }
    const icon = icons.get(iconOf(sn));
    if (icon?.complete && icon.naturalWidth > 0) ctx.drawImage(icon, left + ICON.x, place.y - ICON.size / 2, ICON.size, ICON.size);
    const { title, subtitle, tag } = fitter.fit(ctx, sn);
    ctx.font = TITLE_FONT;
    ctx.fillStyle = p.text;
    ctx.fillText(title, left + TEXT_LEFT, place.y - 7);
    ctx.font = SUBTITLE_FONT;
    ctx.fillStyle = p.muted;
    ctx.fillText(subtitle, left + TEXT_LEFT, place.y + 8);
    if (tag !== '') {
      ctx.font = TAG_FONT;
      ctx.textAlign = 'right';
      ctx.fillText(tag, left + place.width - 8, place.y + 8);
      ctx.textAlign = 'left';
    }
  }
  ctx.globalAlpha = 1;
}
