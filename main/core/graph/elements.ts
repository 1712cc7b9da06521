/**
 * `snapshotToElements`: a snapshot (and its analysis, when there is one) as the nodes, edges and
 * IOMMU group boxes the topology graph draws. Pure data: the renderer turns it into Cytoscape
 * elements, the report writer into SVG, both placed by `layoutTopology` (layout.ts).
 *
 * The tree is the one the kernel enumerates: host → root complexes (one per root bus, sysfs
 * `pci0000:00`) → the functions on each root bus → bridges → the functions on their secondary
 * buses (spec 1.1). SR-IOV VFs hang below their PF and are drawn as one "N VFs" node unless the
 * PF is expanded. A function whose bridge is not in the data hangs below a placeholder node for
 * its bus, so an import of a bare group listing still draws every function.
 *
 * An IOMMU group is drawn as boxes over the parts of the tree it covers. The kernel's groups are
 * closed upwards to the first isolating bridge and take whole subtrees below a non-isolating one
 * (spec 1.8), so a group is nearly always one run of siblings with some of their subtrees: one
 * box. Anything else (a DMA alias reaching across buses, a garbled capture) is split into one box
 * per run of siblings, so a box never has to hold a device of another group.
 */
import { DeviceIndex, isPciBridge, kernelGroups } from '../analysis/device-index.ts';
import { shortAddress } from '../analysis/predictor/index.ts';
import { linkSpeedGts } from '../model/link.ts';
import { parsePciAddress } from '../model/pci-address.ts';
import type { PciFunction, Snapshot } from '../model/snapshot.ts';
import { CLASS_LABELS, deviceClassOf, shortNameOf, type DeviceClass } from './device-class.ts';

export type NodeKind = 'host' | 'root-complex' | 'bus' | 'function' | 'vf-summary';

/**
 * What a device's colour says. The four passthrough verdicts of the analysis (verdicts.ts), and
 * three states that say more than the verdict: `vfio` bound to vfio-pci, `vm` listed as a
 * libvirt `<hostdev>`, `bridge` a PCI bridge (never assigned: it stays with the host).
 * `unknown`: no analysis, or the analysis has no verdict for it.
 */
export type VerdictClass = 'ready' | 'whole-group' | 'blocked' | 'host-critical' | 'vfio' | 'vm' | 'bridge' | 'unknown';

const ANALYSIS_VERDICTS: ReadonlySet<string> = new Set(['ready', 'whole-group', 'blocked', 'host-critical']);

/** The part of `analyze --json` the graph reads (the contract's AnalysisResult fits). */
export interface GraphAnalysis {
  devices: readonly { address: string; verdict: string }[];
  groups?: readonly { id: number; verdict: string }[];
}

export interface ElementOptions {
  /** PFs whose VFs are drawn one node each ('all': every PF). Others get one "N VFs" node. */
  expandedPfs?: ReadonlySet<string> | 'all';
}

export interface GraphNode {
  /** "host", "rc:pci0000:00", "bus:0000:05", "fn:0000:01:00.0", "vfs:0000:02:00.0" (the PF). */
  id: string;
  kind: NodeKind;
  /** The node above in the tree; null for the host. */
  parent: string | null;
  /** The group box the node is drawn in; null outside any group. */
  box: string | null;
  /** Bus and device ("0000:01:00"): functions sharing it are one device, drawn together. */
  device: string | null;
  title: string;
  /** "01:00.0 · nvidia" */
  subtitle: string;
  deviceClass: DeviceClass | null;
  classLabel: string | null;
  verdict: VerdictClass | null;
  /** PCI functions the node stands for: one, or a PF's collapsed VFs. */
  addresses: string[];
  /** IOMMU groups of those functions. */
  groups: number[];
  driver: string | null;
  /** "10de:2206" */
  ids: string | null;
  /** On a PF: how many VFs the snapshot has below it. */
  vfCount: number;
  /** On a PF: its VFs are drawn one node each. */
  vfsExpanded: boolean;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  /** `sriov`: PF to its VFs; `tree`: everything else. */
  kind: 'tree' | 'sriov';
  /** The trained link, "8 GT/s x4", on an edge from a Root or Downstream Port. */
  link: string | null;
  /** Trained below what both ends can do (spec 2.5 link downgrade). */
  downgraded: boolean;
  /** What both ends could do, when downgraded. */
  capable: string | null;
}

export interface GraphBox {
  /** "box:12", or "box:12:2" for the second box of a group drawn in two. */
  id: string;
  group: number;
  /** 1-based part number and the number of boxes the group needed (1 nearly always). */
  part: number;
  parts: number;
  label: string;
  /** Node ids inside the box. */
  members: string[];
  /** All PCI members of the group (drawn or collapsed). */
  devices: string[];
  type: string | null;
  verdict: VerdictClass | null;
}

export interface TopologyElements {
  /** Depth first, parents before children, siblings in drawing order. */
  nodes: GraphNode[];
  edges: GraphEdge[];
  boxes: GraphBox[];
  summary: {
    /** PCI functions in the snapshot and in the graph (a VF summary counts its VFs). */
    functions: number;
    functionsShown: number;
    /** IOMMU groups in the snapshot; those with a box; those whose members are all in VF summaries. */
    groups: number;
    groupsBoxed: number;
    groupsCollapsed: number;
  };
}

const HOST_ID = 'host';
const fnId = (address: string) => `fn:${address}`;

/** "0000:01" from "0000:01:00.0"; works for addresses the parser rejects (device > 31) too. */
function busOf(address: string): string {
  return address.slice(0, address.lastIndexOf(':'));
}

function deviceOf(address: string): string {
  return address.slice(0, address.lastIndexOf('.'));
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** Sort key in the kernel's enumeration order (domain, bus, devfn), numeric for speed. */
function addressKey(address: string): number {
  const a = parsePciAddress(address);
  if (!a) return Number.MAX_SAFE_INTEGER;
  return ((a.domain * 256 + a.bus) * 256 + ((a.device << 3) | a.function));
}

function speedText(gts: number | null): string {
  return gts === null ? '?' : `${gts} GT/s`;
}

function widthOf(width: number | null | undefined): number | null {
  return width !== null && width !== undefined && width > 0 ? width : null;
}

/**
 * The link between a Root or Downstream Port and the function below it, seen from both ends:
 * the port and the device each report their capability (LnkCap) and the trained state (LnkSta,
 * the same at both ends); the link trains to the lower capability, so only less than that is a
 * downgrade (PCIe Base 6.0, 7.5.3.6 and 7.5.3.8).
 */
function linkBetween(port: PciFunction, below: PciFunction): Pick<GraphEdge, 'link' | 'downgraded' | 'capable'> {
  const none = { link: null, downgraded: false, capable: null };
  if (port.pcieType !== 'root-port' && port.pcieType !== 'downstream-port') return none;
  const speed = linkSpeedGts(below.link?.currentSpeed ?? null) ?? linkSpeedGts(port.link?.currentSpeed ?? null);
  const width = widthOf(below.link?.currentWidth) ?? widthOf(port.link?.currentWidth);
  if (speed === null && width === null) return none;
  const link = `${speedText(speed)} x${width ?? '?'}`;
  const maxSpeeds = [below.link?.maxSpeed, port.link?.maxSpeed].map((s) => linkSpeedGts(s ?? null)).filter((s): s is number => s !== null);
  const maxWidths = [below.link?.maxWidth, port.link?.maxWidth].map(widthOf).filter((w): w is number => w !== null);
  const capableSpeed = maxSpeeds.length > 0 ? Math.min(...maxSpeeds) : null;
  const capableWidth = maxWidths.length > 0 ? Math.min(...maxWidths) : null;
  const downgraded = (speed !== null && capableSpeed !== null && speed < capableSpeed)
    || (width !== null && capableWidth !== null && width < capableWidth);
  return { link, downgraded, capable: downgraded ? `${speedText(capableSpeed)} x${capableWidth ?? '?'}` : null };
}

function displayVerdict(d: PciFunction, analysisVerdict: string | undefined, owned: boolean): VerdictClass {
  if (owned) return 'vm';
  if (d.driver === 'vfio-pci') return 'vfio';
  if (isPciBridge(d)) return 'bridge';
  return analysisVerdict !== undefined && ANALYSIS_VERDICTS.has(analysisVerdict) ? (analysisVerdict as VerdictClass) : 'unknown';
}

/** The most frequent class (ties: the first met). */
function majority(verdicts: readonly VerdictClass[]): VerdictClass {
  const counts = new Map<VerdictClass, number>();
  let best: VerdictClass = 'unknown';
  let bestCount = 0;
  for (const v of verdicts) {
    const n = (counts.get(v) ?? 0) + 1;
    counts.set(v, n);
    if (n > bestCount) {
      best = v;
      bestCount = n;
    }
  }
  return best;
}

function range(items: readonly string[]): string {
  if (items.length === 0) return '';
  return items.length === 1 ? items[0]! : `${items[0]}–${items[items.length - 1]}`;
}

export function snapshotToElements(snapshot: Snapshot, analysis?: GraphAnalysis | null, options: ElementOptions = {}): TopologyElements {
  // Duplicated addresses (a garbled import) keep their first record.
  const devices: PciFunction[] = [];
  const seen = new Set<string>();
  for (const d of snapshot.devices) {
    if (seen.has(d.address)) continue;
    seen.add(d.address);
    devices.push(d);
  }
  const index = new DeviceIndex(devices);
  const verdictOf = new Map((analysis?.devices ?? []).map((d) => [d.address, d.verdict]));
  const groupVerdict = new Map((analysis?.groups ?? []).map((g) => [g.id, g.verdict]));
  const owners = new Set((snapshot.libvirt?.domains ?? []).flatMap((dom) => dom.hostdevs.map((h) => h.address)));

  // Groups: the kernel's list; a function missing from every list keeps its own group number.
  const groupOf = new Map<string, number>();
  const groupInfo = new Map<number, { type: string | null; devices: string[] }>();
  for (const g of kernelGroups({ groups: snapshot.groups, devices })) {
    groupInfo.set(g.id, { type: g.type, devices: g.devices });
    for (const a of g.devices) if (!groupOf.has(a)) groupOf.set(a, g.id);
  }
  for (const d of devices) {
    if (d.iommuGroup === null || groupOf.has(d.address)) continue;
    groupOf.set(d.address, d.iommuGroup);
    const info = groupInfo.get(d.iommuGroup);
    if (info) info.devices.push(d.address);
    else groupInfo.set(d.iommuGroup, { type: null, devices: [d.address] });
  }

  const nodes = new Map<string, GraphNode>();
  const children = new Map<string, string[]>();
  const sortKey = new Map<string, number>();
  const functionOf = new Map<string, PciFunction>();
  const addChild = (parent: string, child: string) => {
    const list = children.get(parent);
    if (list) list.push(child);
    else children.set(parent, [child]);
  };
  const plainNode = (id: string, kind: NodeKind, parent: string | null, title: string, subtitle: string): GraphNode => ({
    id, kind, parent, box: null, device: null, title, subtitle, deviceClass: null, classLabel: null, verdict: null,
    addresses: [], groups: [], driver: null, ids: null, vfCount: 0, vfsExpanded: false,
  });

  const host = snapshot.host;
  nodes.set(HOST_ID, plainNode(HOST_ID, 'host', null, host.hostname ?? 'host',
    [host.kernelRelease && `Linux ${host.kernelRelease}`, host.dmi.boardName ?? host.dmi.systemProduct].filter(Boolean).join(' · ') || snapshot.provenance.target));

  // Root complexes: the snapshot's root buses; without them (imports), bus 00 of each domain.
  const rootComplexes = new Map<string, string>();
  const rootComplex = (domain: number, bus: number): string => {
    const key = `${hex(domain, 4)}:${hex(bus, 2)}`;
    let id = rootComplexes.get(key);
    if (id) return id;
    id = `rc:pci${key}`;
    rootComplexes.set(key, id);
    nodes.set(id, plainNode(id, 'root-complex', HOST_ID, `Root complex ${key}`, `pci${key} · root bus ${hex(bus, 2)}`));
    sortKey.set(id, domain * 256 + bus);
    addChild(HOST_ID, id);
    return id;
  };
  for (const rb of [...snapshot.rootBuses].sort((a, b) => a.domain - b.domain || a.bus - b.bus)) rootComplex(rb.domain, rb.bus);
  const rootBusSet = new Set(rootComplexes.keys());

  /** Where a function without a known bridge above hangs: its root complex, or a placeholder for its bus. */
  const busPlaceholders = new Map<string, string>();
  const fallbackParent = (address: string): string => {
    const bus = busOf(address);
    const a = parsePciAddress(address);
    const domain = a?.domain ?? 0;
    const busNumber = a?.bus ?? 0;
    if (rootBusSet.has(bus) || (rootBusSet.size === 0 && busNumber === 0)) return rootComplex(domain, busNumber);
    let id = busPlaceholders.get(bus);
    if (id) return id;
    // The root complex of the domain whose root bus is the nearest below this bus number.
    let rc: string | null = null;
    let rcBus = -1;
    for (const [key, rcId] of rootComplexes) {
      const [d, b] = key.split(':').map((x) => parseInt(x, 16));
      if (d === domain && b! <= busNumber && b! > rcBus) {
        rc = rcId;
        rcBus = b!;
      }
    }
    id = `bus:${bus}`;
    busPlaceholders.set(bus, id);
    const parent = rc ?? rootComplex(domain, 0);
    nodes.set(id, plainNode(id, 'bus', parent, `Bus ${bus.startsWith('0000:') ? bus.slice(5) : bus}`, 'the bridge above it is not in the data'));
    // After the functions of lower buses, before its own (which hang below it).
    sortKey.set(id, (domain * 256 + busNumber) * 256 - 0.5);
    addChild(parent, id);
    return id;
  };

  // VFs: below their PF, one summary node per PF unless it is expanded.
  const vfsOf = new Map<string, PciFunction[]>();
  for (const d of devices) {
    if (d.physfn === null || d.physfn === d.address || !index.get(d.physfn)) continue;
    const list = vfsOf.get(d.physfn);
    if (list) list.push(d);
    else vfsOf.set(d.physfn, [d]);
  }
  for (const list of vfsOf.values()) list.sort((a, b) => addressKey(a.address) - addressKey(b.address));
  const expanded = (pf: string) => options.expandedPfs === 'all' || (options.expandedPfs?.has(pf) ?? false);
  const collapsed = new Set<string>();
  for (const [pf, vfs] of vfsOf) if (!expanded(pf)) for (const vf of vfs) collapsed.add(vf.address);

  // Tree parents of the drawn functions.
  const treeParent = new Map<string, string>();
  for (const d of devices) {
    if (collapsed.has(d.address)) continue;
    const id = fnId(d.address);
    let parent: string;
    if (d.physfn !== null && vfsOf.has(d.physfn) && d.physfn !== d.address) parent = fnId(d.physfn);
    else {
      const p = index.parentOf(d);
      if (p && p !== d) parent = collapsed.has(p.address) ? `vfs:${p.physfn}` : fnId(p.address);
      else parent = fallbackParent(d.address);
    }
    treeParent.set(id, parent);
    functionOf.set(id, d);
    sortKey.set(id, addressKey(d.address));
  }
  // A parent stated by garbled data can close a loop; each loop hangs from the fallback instead.
  // (A VF summary stands for its PF's VFs, so the walk goes on at the PF.)
  const up = (id: string): string | undefined => {
    const p = treeParent.get(id);
    return p?.startsWith('vfs:') ? fnId(p.slice(4)) : p;
  };
  const state = new Map<string, 'on-path' | 'done'>();
  for (const start of treeParent.keys()) {
    const path: string[] = [];
    let id: string | undefined = start;
    while (id !== undefined && treeParent.has(id) && state.get(id) === undefined) {
      state.set(id, 'on-path');
      path.push(id);
      id = up(id);
    }
    if (id !== undefined && state.get(id) === 'on-path') treeParent.set(id, fallbackParent(functionOf.get(id)!.address));
    for (const p of path) state.set(p, 'done');
  }

  const groupsCollapsed = new Set<number>();
  for (const d of devices) {
    const id = fnId(d.address);
    if (!functionOf.has(id)) continue;
    const group = groupOf.get(d.address) ?? null;
    const vfs = vfsOf.get(d.address) ?? [];
    const deviceClass = deviceClassOf(d.classCode);
    nodes.set(id, {
      id, kind: 'function', parent: treeParent.get(id)!, box: null, device: deviceOf(d.address),
      title: shortNameOf(d), subtitle: `${shortAddress(d.address)} · ${d.driver ?? 'no driver'}`,
      deviceClass, classLabel: CLASS_LABELS[deviceClass],
      verdict: displayVerdict(d, verdictOf.get(d.address), owners.has(d.address)),
      addresses: [d.address], groups: group === null ? [] : [group], driver: d.driver,
      ids: d.vendorId && d.deviceId ? `${d.vendorId}:${d.deviceId}` : null,
      vfCount: vfs.length, vfsExpanded: vfs.length > 0 && expanded(d.address),
    });
    addChild(treeParent.get(id)!, id);
    if (vfs.length > 0 && !expanded(d.address)) {
      const sumId = `vfs:${d.address}`;
      const addresses = vfs.map((v) => v.address);
      const groups = [...new Set(addresses.map((a) => groupOf.get(a)).filter((g): g is number => g !== undefined))].sort((a, b) => a - b);
      const drivers = [...new Set(vfs.map((v) => v.driver ?? 'no driver'))];
      nodes.set(sumId, {
        id: sumId, kind: 'vf-summary', parent: id, box: null, device: null,
        title: `${vfs.length} VF${vfs.length === 1 ? '' : 's'}`,
        subtitle: `${range(addresses.map(shortAddress))} · ${drivers.length === 1 ? drivers[0] : `${drivers.length} drivers`}`,
        deviceClass, classLabel: CLASS_LABELS[deviceClass],
        verdict: majority(vfs.map((v) => displayVerdict(v, verdictOf.get(v.address), owners.has(v.address)))),
        addresses, groups, driver: drivers.length === 1 ? vfs[0]!.driver : null,
        ids: vfs[0]!.vendorId && vfs[0]!.deviceId ? `${vfs[0]!.vendorId}:${vfs[0]!.deviceId}` : null,
        vfCount: 0, vfsExpanded: false,
      });
      sortKey.set(sumId, Number.MAX_SAFE_INTEGER);
      addChild(id, sumId);
      for (const g of groups) groupsCollapsed.add(g);
    }
  }

  // Group boxes: the connected pieces of a group in the tree; pieces whose tops share a parent
  // are siblings and share one box (drawn as one run of siblings).
  const groupOfNode = (id: string): number | undefined => {
    const d = functionOf.get(id);
    return d ? groupOf.get(d.address) : undefined;
  };
  const topMemo = new Map<string, string>();
  const topOf = (id: string): string => {
    const chain: string[] = [];
    let cur = id;
    const g = groupOfNode(id);
    for (;;) {
      const memo = topMemo.get(cur);
      if (memo) {
        cur = memo;
        break;
      }
      chain.push(cur);
      const parent = nodes.get(cur)!.parent!;
      if (groupOfNode(parent) !== g) break;
      cur = parent;
    }
    for (const c of chain) topMemo.set(c, cur);
    return cur;
  };

  // Depth-first order with sorted children; a group's sibling tops are kept together where the
  // first of them stands.
  const order: string[] = [];
  /** "12@fn:0000:00:1c.0": the box of group 12 whose tops hang below 00:1c.0. */
  const boxKeys = new Set<string>();
  const boxesByGroup = new Map<number, string[]>();
  const stack: string[] = [HOST_ID];
  while (stack.length > 0) {
    const id = stack.pop()!;
    order.push(id);
    const kids = children.get(id);
    if (!kids) continue;
    kids.sort((a, b) => sortKey.get(a)! - sortKey.get(b)! || (a < b ? -1 : a > b ? 1 : 0));
    const clusters = new Map<string, string[]>();
    for (const k of kids) {
      const g = groupOfNode(k);
      const key = g !== undefined && topOf(k) === k ? `g${g}` : k;
      const list = clusters.get(key);
      if (list) list.push(k);
      else clusters.set(key, [k]);
      const boxKey = `${g}@${id}`;
      if (g !== undefined && topOf(k) === k && !boxKeys.has(boxKey)) {
        boxKeys.add(boxKey);
        const parts = boxesByGroup.get(g);
        if (parts) parts.push(boxKey);
        else boxesByGroup.set(g, [boxKey]);
      }
    }
    const ordered = [...clusters.values()].flat();
    for (let i = ordered.length - 1; i >= 0; i--) stack.push(ordered[i]!);
  }

  const boxes: GraphBox[] = [];
  const boxByKey = new Map<string, GraphBox>();
  for (const [g, keys] of [...boxesByGroup.entries()].sort((a, b) => a[0] - b[0])) {
    const info = groupInfo.get(g)!;
    keys.forEach((key, i) => {
      const id = keys.length === 1 ? `box:${g}` : `box:${g}:${i + 1}`;
      const box: GraphBox = {
        id, group: g, part: i + 1, parts: keys.length,
        label: keys.length === 1 ? `group ${g}` : `group ${g} (${i + 1} of ${keys.length})`,
        members: [], devices: [...info.devices], type: info.type, verdict: null,
      };
      const v = groupVerdict.get(g);
      if (v !== undefined && ANALYSIS_VERDICTS.has(v)) box.verdict = v as VerdictClass;
      boxes.push(box);
      boxByKey.set(key, box);
    });
  }
  const orderedNodes: GraphNode[] = [];
  for (const id of order) {
    const node = nodes.get(id)!;
    const g = groupOfNode(id);
    if (g !== undefined) {
      const top = topOf(id);
      const box = boxByKey.get(`${g}@${nodes.get(top)!.parent}`)!;
      node.box = box.id;
      box.members.push(id);
    }
    orderedNodes.push(node);
  }
  for (const box of boxes) groupsCollapsed.delete(box.group);

  const edges: GraphEdge[] = [];
  for (const node of orderedNodes) {
    if (node.parent === null) continue;
    const parentFn = functionOf.get(node.parent);
    const childFn = functionOf.get(node.id);
    const vfOfParent = childFn !== undefined && childFn.physfn !== null && node.parent === fnId(childFn.physfn);
    const sriov = node.kind === 'vf-summary' || vfOfParent;
    const link = parentFn && childFn && !sriov ? linkBetween(parentFn, childFn) : { link: null, downgraded: false, capable: null };
    edges.push({ id: `e:${node.id}`, source: node.parent, target: node.id, kind: sriov ? 'sriov' : 'tree', ...link });
  }

  let functionsShown = 0;
  for (const n of orderedNodes) functionsShown += n.addresses.length;
  return {
    nodes: orderedNodes,
    edges,
    boxes,
    summary: {
      functions: devices.length,
      functionsShown,
      groups: groupInfo.size,
      groupsBoxed: new Set(boxes.map((b) => b.group)).size,
      groupsCollapsed: groupsCollapsed.size,
    },
  };
}
