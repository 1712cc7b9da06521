/**
 * The topology graph as SVG, made in Node without a browser, looking like the app's graph: the
 * nodes, edges and group boxes of `snapshotToElements`, placed by `layoutTopology` (main/core/graph,
 * the layout the app hands to Cytoscape), drawn the way the app's Cytoscape stylesheet draws them
 * (renderer/src/graph/cy-style.ts: verdict stripe and tint, class icon, two-line label; group boxes
 * with the verdict's border, shared groups highlighted; right-angled edges with the trained link
 * near the device, downgrades in orange-red), with the app's light palette (./graph-style.ts).
 * Every PCI function is one node (SR-IOV VFs expanded): `<g class="node" data-address="…">`.
 *
 * Styling is done with presentation attributes only (no `style` attributes, no `<style>`): the
 * same markup works standalone, inline in the HTML report under its strict CSP, and in resvg for
 * the PNG. Strings are built into one array and joined once: 10,000 nodes are a few megabytes.
 */
import type { Analysis } from '../analysis/analyze.ts';
import { snapshotToElements, type GraphEdge, type GraphNode, type NodeKind, type TopologyElements } from '../graph/elements.ts';
import { LAYOUT, layoutTopology, type TopologyLayout } from '../graph/layout.ts';
import type { Snapshot } from '../model/snapshot.ts';
import { escapeXml } from './escape.ts';
import { ICON_FILES, type IconName } from './graph-icons.ts';
import { clip, GRAPH_FONT, GRAPH_LEGEND, GRAPH_PALETTE as P, SUBTITLE_CHARS, TITLE_CHARS } from './graph-style.ts';

export interface SvgOptions {
  /** Wrap each function node in a link to `#fn-<address>` (the HTML report's device details). */
  linkDevices?: boolean;
  /** The drawing's accessible name. */
  title?: string;
}

const MARGIN = 16;
const LEGEND_HEIGHT = 30;
/** cy-style.ts: icon 22 px at 14 px from the left; label 11 px, 1.35 line height, at most 166 px wide, 16 px right of centre. */
const ICON = { x: 14, size: 22 };
const LABEL = { size: 11, line: 11 * 1.35, maxWidth: LAYOUT.nodeWidth - 58, shift: 16 };
/** The verdict stripe: the first 3% of the node's width (cy-style.ts gradient stops). */
const STRIPE = LAYOUT.nodeWidth * 0.03;
const RADIUS = 6;
/** Edges turn 24 px after leaving the parent; the link label sits 48 px before the device, 8 px up. */
const EDGE = { turn: 24, labelOffset: 48, labelRise: 8, labelSize: 9 };
/**
 * Average glyph width, in em, of the widest label font likely to draw the SVG (DejaVu Sans, which
 * resvg and many Linux browsers fall back to): used to centre a label block as Cytoscape does, and
 * to squeeze a line that would not fit (`textLength`) instead of letting it run out of its node.
 */
const GLYPH_EM = 0.6;

/** Anchor id of a device's details in the HTML report. */
export function deviceAnchor(address: string): string {
  return `fn-${address.replace(/[:.]/g, '-')}`;
}

const num = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

function iconOf(n: GraphNode): IconName {
  if (n.kind === 'host') return 'host';
  if (n.kind === 'root-complex' || n.kind === 'bus') return 'root-complex';
  return n.deviceClass ?? 'unknown';
}

/** The icon files as `<symbol>`s: the same drawing, referenced by every node of the class. */
function iconSymbols(used: ReadonlySet<IconName>): string {
  return [...used].sort().map((name) => ICON_FILES[name]
    .trim()
    .replace(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="\d+" height="\d+"/, `<symbol id="icon-${name}"`)
    .replace(/<\/svg>$/, '</symbol>')).join('');
}

function edgePath(e: GraphEdge, layout: TopologyLayout): { d: string; labelX: number; labelY: number } | null {
  const from = layout.nodes.get(e.source);
  const to = layout.nodes.get(e.target);
  if (!from || !to) return null;
  const x1 = from.x + from.width / 2;
  const x2 = to.x - to.width / 2;
  const turn = Math.min(x1 + EDGE.turn, x2);
  return { d: `M${num(x1)} ${num(from.y)}H${num(turn)}V${num(to.y)}H${num(x2)}`, labelX: Math.max(turn, x2 - EDGE.labelOffset), labelY: to.y - EDGE.labelRise };
}

function nodeTooltip(n: GraphNode): string {
  const lines = [n.title, n.subtitle];
  if (n.kind === 'function') lines.push(`${n.addresses[0]}${n.ids ? ` [${n.ids}]` : ''}`);
  if (n.groups.length) lines.push(`IOMMU group ${n.groups.join(', ')}`);
  if (n.verdict) lines.push(`verdict: ${n.verdict}`);
  return lines.join('\n');
}

const OUTLINE: Record<NodeKind, { width: number; dash: string }> = {
  host: { width: 2, dash: '' },
  'root-complex': { width: 1.5, dash: '' },
  bus: { width: 1.5, dash: ' stroke-dasharray="5 3"' },
  function: { width: 1.5, dash: '' },
  'vf-summary': { width: 1.5, dash: ' stroke-dasharray="5 3"' },
};

/** One node, drawn at the origin and moved into place, so nodes of one kind share their inner markup. */
function drawNode(n: GraphNode, layout: TopologyLayout, options: SvgOptions): string {
  const p = layout.nodes.get(n.id);
  if (!p) return '';
  const w = p.width;
  const h = p.height;
  const device = n.kind === 'function' || n.kind === 'vf-summary';
  const colours = device ? P.verdicts[n.verdict ?? 'unknown'] : { stroke: P.muted, fill: P.nodeFill };
  const outline = n.vfCount > 0 ? { width: 3, dash: '' } : OUTLINE[n.kind];
  const isFunction = n.kind === 'function';
  const link = options.linkDevices && isFunction;
  const title = clip(n.title, TITLE_CHARS);
  const subtitle = clip(n.subtitle, SUBTITLE_CHARS);
  const size = n.kind === 'host' ? 12 : LABEL.size;
  const block = Math.min(LABEL.maxWidth, Math.max(title.length, subtitle.length) * size * GLYPH_EM);
  const textX = w / 2 + LABEL.shift - block / 2;
  const fitted = (line: string) => (line.length * size * GLYPH_EM > LABEL.maxWidth ? ` textLength="${LABEL.maxWidth}" lengthAdjust="spacingAndGlyphs"` : '');
  const stripe = device
    ? `<path d="M${RADIUS} 0H${num(STRIPE)}V${h}H${RADIUS}A${RADIUS} ${RADIUS} 0 0 1 0 ${h - RADIUS}V${RADIUS}A${RADIUS} ${RADIUS} 0 0 1 ${RADIUS} 0Z" fill="${colours.stroke}"/>`
    : '';
  // Cytoscape's "double" border of a PF with VFs: the wide outline with a line of the fill inside.
  const double = n.vfCount > 0 ? `<rect x="1" y="1" width="${w - 2}" height="${h - 2}" rx="${RADIUS - 1}" fill="none" stroke="${colours.fill}" stroke-width="1"/>` : '';
  return `<g${isFunction ? ` class="node" data-address="${escapeXml(n.addresses[0]!)}"` : ` class="node-${n.kind}"`} transform="translate(${num(p.x - w / 2)} ${num(p.y - h / 2)})">`
    + (link ? `<a href="#${deviceAnchor(n.addresses[0]!)}">` : '')
    + `<title>${escapeXml(nodeTooltip(n))}</title>`
    + `<rect width="${w}" height="${h}" rx="${RADIUS}" fill="${colours.fill}" stroke="${colours.stroke}" stroke-width="${outline.width}"${outline.dash}/>`
    + stripe + double
    + `<use href="#icon-${iconOf(n)}" x="${ICON.x}" y="${num((h - ICON.size) / 2)}" width="${ICON.size}" height="${ICON.size}"/>`
    + `<text x="${num(textX)}" y="${num(h / 2 - 3)}"${n.kind === 'host' ? ' font-size="12" font-weight="bold"' : ''}${fitted(title)}>${escapeXml(title)}</text>`
    + `<text x="${num(textX)}" y="${num(h / 2 - 3 + LABEL.line)}"${n.kind === 'host' ? ' font-size="12" font-weight="bold"' : ''}${fitted(subtitle)}>${escapeXml(subtitle)}</text>`
    + (link ? '</a>' : '')
    + '</g>';
}

export interface TopologyDrawing {
  elements: TopologyElements;
  layout: TopologyLayout;
  svg: string;
}

export function renderTopologySvg(s: Snapshot, a: Analysis | null, options: SvgOptions = {}): TopologyDrawing {
  const elements = snapshotToElements(s, a, { expandedPfs: 'all' });
  const layout = layoutTopology(elements);
  const width = Math.ceil(Math.max(layout.width, 760) + 2 * MARGIN);
  const height = Math.ceil(layout.height + 2 * MARGIN + LEGEND_HEIGHT);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" class="topology" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${escapeXml(GRAPH_FONT)}" role="img" aria-label="${escapeXml(options.title ?? 'PCI topology and IOMMU groups')}">`);
  out.push(`<defs>${iconSymbols(new Set(elements.nodes.map(iconOf)))}</defs>`);
  out.push(`<rect width="${width}" height="${height}" fill="${P.canvas}"/>`);

  // The legend of the app's graph (palette.ts VERDICT_LEGEND), for the SVG and PNG on their own.
  let lx = MARGIN;
  out.push(`<g class="legend" font-size="11" fill="${P.text}">`);
  for (const item of GRAPH_LEGEND) {
    const c = P.verdicts[item.verdict];
    out.push(`<rect x="${num(lx)}" y="${MARGIN - 4}" width="14" height="14" rx="3" fill="${c.fill}" stroke="${c.stroke}" stroke-width="1.5"/><text x="${num(lx + 19)}" y="${MARGIN + 7}">${escapeXml(item.label)}</text>`);
    lx += 19 + item.label.length * 11 * GLYPH_EM + 16;
  }
  out.push('</g>');

  out.push(`<g transform="translate(${MARGIN} ${MARGIN + LEGEND_HEIGHT})">`);
  out.push(`<g class="boxes" font-size="10" text-anchor="middle">`);
  for (const box of elements.boxes) {
    const b = layout.boxes.get(box.id);
    if (!b) continue;
    const shared = box.devices.length > 1;
    const stroke = box.verdict ? P.verdicts[box.verdict].stroke : P.boxStroke;
    const label = shared ? `${box.label} · ${box.devices.length} devices` : box.label;
    out.push(`<g class="group" data-group="${box.group}"><rect x="${num(b.x1)}" y="${num(b.y1)}" width="${num(b.x2 - b.x1)}" height="${num(b.y2 - b.y1)}" rx="6" fill="${shared ? P.sharedBoxFill : P.boxFill}" stroke="${stroke}" stroke-width="${shared ? 2 : 1}"/>`
      + `<text x="${num((b.x1 + b.x2) / 2)}" y="${num(b.y1 - 4)}" fill="${shared ? P.text : P.muted}"${shared ? ' font-weight="bold"' : ''}>${escapeXml(label)}</text></g>`);
  }
  out.push('</g>');

  out.push(`<g class="edges" fill="none" stroke="${P.edge}" stroke-width="1.5">`);
  const labels: string[] = [];
  for (const e of elements.edges) {
    const path = edgePath(e, layout);
    if (!path) continue;
    const style = e.downgraded ? ` stroke="${P.edgeDowngraded}" stroke-width="2.5"` : e.kind === 'sriov' ? ' stroke-dasharray="4 3"' : '';
    const why = e.downgraded ? `<title>link ${escapeXml(e.link ?? '?')}, both ends capable of ${escapeXml(e.capable ?? '?')}: downgraded</title>` : '';
    out.push(why ? `<path d="${path.d}"${style}>${why}</path>` : `<path d="${path.d}"${style}/>`);
    if (e.link) {
      // cy-elements.ts label; a background of the canvas colour keeps it readable over lines.
      const text = e.downgraded ? `↓ ${e.link} (${e.capable ?? '?'})` : e.link;
      const tw = text.length * EDGE.labelSize * GLYPH_EM + 2;
      labels.push(`<rect x="${num(path.labelX - tw / 2)}" y="${num(path.labelY - EDGE.labelSize + 1)}" width="${num(tw)}" height="${EDGE.labelSize + 2}" fill="${P.canvas}"/>`
        + `<text x="${num(path.labelX)}" y="${num(path.labelY + 1)}"${e.downgraded ? ` fill="${P.edgeDowngraded}" font-weight="bold"` : ''}>${escapeXml(text)}</text>`);
    }
  }
  out.push('</g>');
  out.push(`<g class="link-labels" font-size="${EDGE.labelSize}" text-anchor="middle" fill="${P.muted}">${labels.join('')}</g>`);

  out.push(`<g class="nodes" font-size="${LABEL.size}" fill="${P.text}">`);
  for (const n of elements.nodes) out.push(drawNode(n, layout, options));
  out.push('</g></g></svg>');
  return { elements, layout, svg: out.join('') };
}
