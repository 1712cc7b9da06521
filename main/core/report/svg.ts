/**
 * The topology graph as SVG, made in Node without a browser: the nodes, edges and group boxes of
 * `snapshotToElements` placed by `layoutTopology` (main/core/graph), the same layout the app hands
 * to Cytoscape, drawn with the palette of ./graph-style.ts. Every PCI function is one node (VFs
 * expanded), `<g class="node" data-address="…">`, so a reader (or a test) can find each device.
 *
 * Styling is done with presentation attributes only (no `style` attributes, no `<style>`): the
 * same markup works standalone, inline in the HTML report under its strict CSP, and in resvg for
 * the PNG.
 */
import type { Analysis } from '../analysis/analyze.ts';
import { snapshotToElements, type GraphEdge, type GraphNode, type TopologyElements } from '../graph/elements.ts';
import { LAYOUT, layoutTopology, type TopologyLayout } from '../graph/layout.ts';
import type { Snapshot } from '../model/snapshot.ts';
import { escapeXml } from './escape.ts';
import { GRAPH_FONT, KIND_FILL, LEGEND, VERDICT_COLORS, VERDICT_TINTS } from './graph-style.ts';

export interface SvgOptions {
  /** Wrap each function node in a link to `#fn-<address>` (the HTML report's device details). */
  linkDevices?: boolean;
  /** Standalone file: XML declaration-free root with xmlns; inline in HTML it is the same markup. */
  title?: string;
}

const MARGIN = 16;
const LEGEND_HEIGHT = 28;
const TITLE_SIZE = 12;
const SUBTITLE_SIZE = 10.5;

/** Anchor id of a device's details in the HTML report. */
export function deviceAnchor(address: string): string {
  return `fn-${address.replace(/[:.]/g, '-')}`;
}

/** Text cut to fit `width` px at `size` px: an average glyph of a sans font is ~0.58 em wide. */
function fit(text: string, width: number, size: number): string {
  const max = Math.max(4, Math.floor(width / (size * 0.58)));
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const num = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

function edgePath(e: GraphEdge, layout: TopologyLayout): string | null {
  const from = layout.nodes.get(e.source);
  const to = layout.nodes.get(e.target);
  if (!from || !to) return null;
  const x1 = from.x + from.width / 2;
  const x2 = to.x - to.width / 2;
  const mid = x1 + Math.min(LAYOUT.columnGap / 2, Math.max(0, (x2 - x1) / 2));
  return `M${num(x1)} ${num(from.y)}H${num(mid)}V${num(to.y)}H${num(x2)}`;
}

function nodeTooltip(n: GraphNode, groupText: string): string {
  const lines = [n.title, n.subtitle];
  if (n.addresses.length === 1 && n.kind === 'function') lines.push(`${n.addresses[0]}${n.ids ? ` [${n.ids}]` : ''}`);
  if (groupText) lines.push(groupText);
  if (n.verdict) lines.push(`verdict: ${n.verdict}`);
  return lines.join('\n');
}

/**
 * One node, drawn at the origin and moved into place: every node of a kind has the same inner
 * coordinates, so the markup of 10,000 nodes stays small. Text colour and size come from the
 * enclosing `<g class="nodes">`; only what differs is written per node.
 */
function drawNode(n: GraphNode, layout: TopologyLayout, options: SvgOptions): string {
  const p = layout.nodes.get(n.id);
  if (!p) return '';
  const kind = KIND_FILL[n.kind];
  const color = n.verdict ? VERDICT_COLORS[n.verdict] : kind.stroke;
  const groupText = n.groups.length ? `IOMMU group ${n.groups.join(', ')}` : '';
  const isFunction = n.kind === 'function';
  const attrs = isFunction ? ` class="node" data-address="${escapeXml(n.addresses[0]!)}"` : ` class="node-${n.kind}"`;
  const link = options.linkDevices && isFunction;
  const w = p.width;
  const h = p.height;
  const textX = n.verdict ? 14 : 10;
  const tag = n.classLabel ?? '';
  const tagWidth = tag ? tag.length * 6 + 10 : 0;
  const sub = groupText && isFunction ? `${n.subtitle} · g${n.groups.join(',')}` : n.subtitle;
  return `<g${attrs} transform="translate(${num(p.x - w / 2)} ${num(p.y - h / 2)})">${link ? `<a href="#${deviceAnchor(n.addresses[0]!)}">` : ''}`
    + `<title>${escapeXml(nodeTooltip(n, groupText))}</title>`
    + `<rect width="${w}" height="${h}" rx="6" fill="${kind.fill}" stroke="${color}"${isFunction ? '' : ' stroke-width="1"'}/>`
    + (n.verdict ? `<rect width="6" height="${h}" rx="3" fill="${color}" stroke="none"/>` : '')
    + (tag
      ? `<rect x="${w - tagWidth - 6}" y="5" width="${tagWidth}" height="14" rx="7" fill="#eef2f7" stroke="none"/>`
        + `<text x="${num(w - tagWidth / 2 - 6)}" y="15.5" font-size="9.5" text-anchor="middle">${escapeXml(tag)}</text>`
      : '')
    + `<text x="${textX}" y="${num(h / 2 - 3)}" font-size="${TITLE_SIZE}" font-weight="600" fill="${kind.title}">${escapeXml(fit(n.title, w - textX - tagWidth - 12, TITLE_SIZE))}</text>`
    + `<text x="${textX}" y="${num(h / 2 + 13)}"${kind.subtitle === KIND_FILL.function.subtitle ? '' : ` fill="${kind.subtitle}"`}>${escapeXml(fit(sub, w - textX - 8, SUBTITLE_SIZE))}</text>`
    + `${link ? '</a>' : ''}</g>`;
}

export interface TopologyDrawing {
  elements: TopologyElements;
  layout: TopologyLayout;
  svg: string;
}

export function renderTopologySvg(s: Snapshot, a: Analysis | null, options: SvgOptions = {}): TopologyDrawing {
  const elements = snapshotToElements(s, a, { expandedPfs: 'all' });
  const layout = layoutTopology(elements);
  const width = Math.ceil(layout.width + 2 * MARGIN);
  const height = Math.ceil(layout.height + 2 * MARGIN + LEGEND_HEIGHT);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" class="topology" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${GRAPH_FONT}" role="img" aria-label="${escapeXml(options.title ?? 'PCI topology and IOMMU groups')}">`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);

  // Legend: what the colours mean.
  let lx = MARGIN;
  out.push('<g class="legend">');
  for (const item of LEGEND) {
    out.push(`<rect x="${lx}" y="${MARGIN - 4}" width="12" height="12" rx="3" fill="${VERDICT_COLORS[item.verdict]}"/>`);
    out.push(`<text x="${lx + 17}" y="${MARGIN + 6}" font-size="11" fill="#334155">${escapeXml(item.label)}</text>`);
    lx += 17 + item.label.length * 6.4 + 16;
  }
  out.push('</g>');

  out.push(`<g transform="translate(${MARGIN} ${MARGIN + LEGEND_HEIGHT})">`);
  out.push('<g class="boxes">');
  for (const box of elements.boxes) {
    const b = layout.boxes.get(box.id);
    if (!b) continue;
    const color = box.verdict ? VERDICT_COLORS[box.verdict] : VERDICT_COLORS.unknown;
    const tint = box.verdict ? VERDICT_TINTS[box.verdict] : VERDICT_TINTS.unknown;
    const label = `${box.label}${box.type ? ` · ${box.type}` : ''}${box.verdict ? ` · ${box.verdict}` : ''}`;
    out.push(`<g class="group" data-group="${box.group}"><rect x="${num(b.x1)}" y="${num(b.y1)}" width="${num(b.x2 - b.x1)}" height="${num(b.y2 - b.y1)}" rx="8" fill="${tint}" stroke="${color}" stroke-dasharray="5 3"/>`);
    out.push(`<text x="${num(b.x1 + 6)}" y="${num(b.y1 - 4)}" font-size="10.5" font-weight="600" fill="${color}">${escapeXml(fit(label, b.x2 - b.x1 - 8, 10.5))}</text></g>`);
  }
  out.push('</g><g class="edges" fill="none">');
  for (const e of elements.edges) {
    const d = edgePath(e, layout);
    if (!d) continue;
    const stroke = e.downgraded ? VERDICT_COLORS.blocked : e.kind === 'sriov' ? '#94a3b8' : '#64748b';
    const dash = e.downgraded ? ' stroke-dasharray="6 3"' : e.kind === 'sriov' ? ' stroke-dasharray="2 3"' : '';
    const why = e.downgraded ? `<title>link ${escapeXml(e.link ?? '?')}, both ends capable of ${escapeXml(e.capable ?? '?')}: downgraded</title>` : '';
    out.push(why ? `<path d="${d}" stroke="${stroke}" stroke-width="2"${dash}>${why}</path>` : `<path d="${d}" stroke="${stroke}" stroke-width="1.2"${dash}/>`);
    if (e.link) {
      const to = layout.nodes.get(e.target)!;
      // The capability goes in the tooltip: a longer label would run into the column on the left.
      const label = e.downgraded ? `↓ ${e.link}` : e.link;
      out.push(`<text x="${num(to.x - to.width / 2 - 4)}" y="${num(to.y - 4)}" font-size="9.5" text-anchor="end" fill="${e.downgraded ? VERDICT_COLORS.blocked : '#64748b'}" stroke="none">${escapeXml(label)}</text>`);
    }
  }
  out.push(`</g><g class="nodes" font-size="${SUBTITLE_SIZE}" fill="${KIND_FILL.function.subtitle}" stroke-width="1.5">`);
  for (const n of elements.nodes) out.push(drawNode(n, layout, options));
  out.push('</g></g></svg>');
  return { elements, layout, svg: out.join('') };
}
