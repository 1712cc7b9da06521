/**
 * Search and filter over the graph's devices. A query is words, all of which must match:
 * - a plain word matches anywhere in the device's address, vendor:device id, names, class,
 *   driver, group ("group 12") and verdict: `nvidia`, `01:00`, `10de:2206`, `vfio`;
 * - `field:value` narrows one fact: `group:12` (or g:), `driver:nvme` (d:), `class:gpu` (c:),
 *   `verdict:blocked` (v:), `id:10de` (vendor or vendor:device), `addr:0000:01` (a:).
 * The verdict chips of the legend filter too (any of the chosen verdicts).
 */
import type { GraphNode, TopologyElements, VerdictClass } from '../../../main/core/graph/elements.ts';
import type { PciFunction, Snapshot } from '../../../main/core/model/snapshot.ts';
import { VERDICT_LEGEND } from '../graph/palette.ts';

export type Field = 'group' | 'driver' | 'class' | 'verdict' | 'id' | 'addr';

const FIELD_NAMES: Record<string, Field> = {
  group: 'group', g: 'group', driver: 'driver', d: 'driver', class: 'class', c: 'class',
  verdict: 'verdict', v: 'verdict', id: 'id', addr: 'addr', address: 'addr', a: 'addr',
};

export interface ParsedQuery {
  words: string[];
  filters: { field: Field; value: string }[];
}

export function parseQuery(text: string): ParsedQuery {
  const words: string[] = [];
  const filters: ParsedQuery['filters'] = [];
  for (const token of text.toLowerCase().split(/\s+/).filter(Boolean)) {
    const colon = token.indexOf(':');
    const field = colon > 0 ? FIELD_NAMES[token.slice(0, colon)] : undefined;
    const value = colon > 0 ? token.slice(colon + 1) : '';
    if (field && value !== '') filters.push({ field, value });
    else words.push(token);
  }
  return { words, filters };
}

export interface SearchEntry {
  text: string;
  addresses: string[];
  groups: number[];
  drivers: string[];
  ids: string[];
  deviceClass: string;
  classLabel: string;
  verdict: VerdictClass | null;
}

const short = (a: string) => (a.startsWith('0000:') ? a.slice(5) : a);

/** What a search sees of each device node (functions and VF summaries). */
export function buildSearchIndex(elements: TopologyElements, snapshot: Snapshot): Map<string, SearchEntry> {
  const byAddress = new Map<string, PciFunction>(snapshot.devices.map((d) => [d.address, d]));
  const verdictWords = new Map(VERDICT_LEGEND.map((v) => [v.verdict, `${v.verdict} ${v.label}`]));
  const index = new Map<string, SearchEntry>();
  for (const node of elements.nodes) {
    if (node.kind !== 'function' && node.kind !== 'vf-summary') continue;
    const fns = node.addresses.map((a) => byAddress.get(a)).filter((d): d is PciFunction => d !== undefined);
    const ids = fns.flatMap((d) => [
      d.vendorId && d.deviceId ? `${d.vendorId}:${d.deviceId}` : null,
      d.subsystemVendorId && d.subsystemDeviceId ? `${d.subsystemVendorId}:${d.subsystemDeviceId}` : null,
    ]).filter((x): x is string => x !== null);
    const drivers = [...new Set(fns.map((d) => d.driver).filter((x): x is string => x !== null))];
    const words = [
      ...node.addresses, ...node.addresses.map(short), ...ids, node.title, node.classLabel ?? '', node.deviceClass ?? '',
      ...fns.flatMap((d) => [d.vendorName, d.deviceName, d.subsystemName, d.className, d.physicalSlot]),
      ...drivers, ...node.groups.map((g) => `group ${g}`), node.verdict ? verdictWords.get(node.verdict) : '',
    ];
    index.set(node.id, {
      text: words.filter(Boolean).join('\n').toLowerCase(),
      addresses: node.addresses, groups: node.groups, drivers: drivers.map((d) => d.toLowerCase()), ids,
      deviceClass: node.deviceClass ?? 'unknown', classLabel: (node.classLabel ?? '').toLowerCase(), verdict: node.verdict,
    });
  }
  return index;
}

function matchesFilter(e: SearchEntry, field: Field, value: string): boolean {
  switch (field) {
    case 'group':
      return e.groups.some((g) => String(g) === value);
    case 'driver':
      return e.drivers.some((d) => d === value || d.replace(/_/g, '-') === value.replace(/_/g, '-'));
    case 'class':
      return e.deviceClass === value || e.classLabel === value;
    case 'verdict':
      return e.verdict !== null && (e.verdict === value || verdictLabel(e.verdict) === value);
    case 'id':
      return e.ids.some((id) => id === value || id.startsWith(value.endsWith(':') ? value : `${value}:`) || id.startsWith(value));
    case 'addr':
      return e.addresses.some((a) => a.startsWith(value) || short(a).startsWith(value));
  }
}

function verdictLabel(v: VerdictClass): string {
  return (VERDICT_LEGEND.find((l) => l.verdict === v)?.label ?? v).toLowerCase().replace(/\s+/g, '-');
}

/** True when the query or the verdict chips restrict anything. */
export function isFiltering(query: string, verdicts: readonly VerdictClass[]): boolean {
  return query.trim() !== '' || verdicts.length > 0;
}

/** Ids of the device nodes that match every word, filter and (if any chosen) one of the verdicts. */
export function matchNodes(index: ReadonlyMap<string, SearchEntry>, query: ParsedQuery, verdicts: readonly VerdictClass[]): Set<string> {
  const out = new Set<string>();
  for (const [id, e] of index) {
    if (verdicts.length > 0 && (e.verdict === null || !verdicts.includes(e.verdict))) continue;
    if (!query.words.every((w) => e.text.includes(w))) continue;
    if (!query.filters.every((f) => matchesFilter(e, f.field, f.value))) continue;
    out.add(id);
  }
  return out;
}

/** How many PCI functions the matched nodes stand for. */
export function functionCount(nodes: Iterable<GraphNode>): number {
  let n = 0;
  for (const node of nodes) n += node.addresses.length;
  return n;
}
