/**
 * One pass over a snapshot's functions that every analysis step shares: functions by address and
 * by bus, the bridge above each bus (kernel `bus->self`, spec conventions), children, ancestors
 * and subtrees. Built once per analysis so nothing walks the whole device list per device
 * (a 10,000-function host must stay linear).
 */
import { pciAddressOf } from '../parsers/canonical-address.ts';
import type { IommuGroup, PciFunction, PcieType } from '../model/snapshot.ts';
import { deviceLabel } from '../report/show.ts';
import { shortAddress } from './predictor/index.ts';
import { busNumberKey, isBusNumber } from './predictor/topology.ts';

const BRIDGE_TYPES: ReadonlySet<PcieType> = new Set([
  'root-port', 'upstream-port', 'downstream-port', 'pcie-to-pci-bridge', 'pci-to-pcie-bridge',
]);

/**
 * A PCI-to-PCI bridge (class 0604, 0609 semi-transparent, or a bridge port type): VFIO does not
 * need it assigned; it may stay on `pcieport` or without a driver (vfio.rst "viable group").
 * Host bridges (0600) and ISA bridges (0601) are not PCI-to-PCI bridges.
 */
export function isPciBridge(d: PciFunction): boolean {
  if (d.classCode === '0604' || d.classCode === '0609') return true;
  if (d.classCode !== null) return false;
  return (d.pcieType !== null && BRIDGE_TYPES.has(d.pcieType)) || d.headerType === 1;
}

/**
 * Labels of named devices by vendor name, then device name: a host has a few dozen models, and
 * every device's name holds its label, so devices of one model share the one string.
 */
const modelLabels = new Map<string | null, Map<string, string | null>>();

/** " (label)" by label, the end of every name (nameOf): one string per model, not one per device. */
const nameEndings = new Map<string, string>();

/** "NVIDIA Corporation GA102 [GeForce RTX 3080]", else vendor and class; null when nothing is known. */
export function labelOf(d: PciFunction): string | null {
  if (d.deviceName === null) return knownLabel([d.vendorName, d.className].filter((x) => x !== null).join(' '));
  let byDevice = modelLabels.get(d.vendorName);
  if (!byDevice) {
    byDevice = new Map();
    // Bound the memo against odd inputs.
    if (modelLabels.size < 256) modelLabels.set(d.vendorName, byDevice);
  }
  let label = byDevice.get(d.deviceName);
  if (label === undefined) {
    label = knownLabel(deviceLabel(d));
    if (byDevice.size < 256) byDevice.set(d.deviceName, label);
  }
  return label;
}

const knownLabel = (label: string) => (label === '' || label === 'unknown device' ? null : label);

/** "01:00.0 (NVIDIA Corporation GA102 …)", the way reasons name a device. */
export function nameOf(d: PciFunction | undefined, address: string): string {
  const label = d ? labelOf(d) : null;
  if (label === null) return shortAddress(address);
  let ending = nameEndings.get(label);
  if (ending === undefined) {
    ending = ` (${label})`;
    // Bound the memo against odd inputs.
    if (nameEndings.size < 256) nameEndings.set(label, ending);
  }
  return shortAddress(address) + ending;
}

/** "a, b and c". */
export function listing(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * The one empty list of every analysis result that has nothing to list (a device's other
 * endpoints, links without downgrade, …). Frozen: thousands of results share it.
 */
export const EMPTY_LIST: readonly never[] = Object.freeze([]);

/**
 * list.filter(keep) for a result that lasts as long as the analysis: the shared EMPTY_LIST when
 * nothing is kept, else a list of its exact size (filter's own result, like a list grown by push,
 * keeps room for 16 more entries, and an analysis holds thousands of such lists).
 */
export function lastingFilter<T>(list: readonly T[], keep: (item: T) => boolean): readonly T[] {
  const kept = list.filter(keep);
  return kept.length === 0 ? EMPTY_LIST : kept.slice();
}

/**
 * What the index knows of one address (its first listing). A function is looked up by its own
 * address string: the map's key is that very string for the first listing, and a string caches
 * its hash, so the lookup is as cheap as one by object, without a second map of every function.
 */
interface Entry {
  fn: PciFunction;
  /** Its position in firstListings. */
  position: number;
  /** The busNumberKey of the bus the function sits on; undefined when its address does not parse. */
  busKey: number | undefined;
  /**
   * The entry of the bridge above, undefined until worked out. An entry rather than a function:
   * walks up the tree then need no lookup per step.
   */
  parent: Entry | null | undefined;
  children: PciFunction[] | null;
  resetScope: string[] | null;
  /** nameOf the address, once worked out: reasons name the same devices over and over. */
  name: string | undefined;
}

export class DeviceIndex {
  /** One function per address, the first listed, in list order. */
  readonly firstListings: readonly PciFunction[];
  /**
   * Each address to the entry of its first listing. Entries rather than functions, here and in
   * bridgeBySecondary: one lookup then gives the parent, children and name without another.
   */
  private readonly byAddress = new Map<string, Entry>();
  /** Functions by busNumberKey, built on first use: only slots without a known port ask (onBus). */
  private byBusMemo: Map<number, PciFunction[]> | null = null;
  private readonly bridgeBySecondary = new Map<number, Entry>();
  /** At least one function states its parent or a bridge its secondary bus: the tree is known. */
  readonly topologyKnown: boolean;

  constructor(readonly devices: readonly PciFunction[]) {
    let known = false;
    const canonical: Entry[] = [];
    for (const d of devices) {
      if (this.byAddress.has(d.address)) continue;
      const entry: Entry = { fn: d, position: canonical.length, busKey: undefined, parent: undefined, children: null, resetScope: null, name: undefined };
      this.byAddress.set(d.address, entry);
      canonical.push(entry);
      const a = pciAddressOf(d.address);
      if (!a) continue;
      entry.busKey = busNumberKey(a.domain, a.bus);
      if (d.secondaryBus !== null) {
        known = true;
        // A secondary bus outside 0-255 has no functions to be the bridge of.
        const sec = isBusNumber(d.secondaryBus) ? busNumberKey(a.domain, d.secondaryBus) : undefined;
        if (sec !== undefined && !this.bridgeBySecondary.has(sec)) this.bridgeBySecondary.set(sec, entry);
      }
      if (d.parent !== null) known = true;
    }
    this.topologyKnown = known;
    this.firstListings = canonical.map((entry) => entry.fn);
    for (const entry of canonical) {
      const parent = this.parentOfEntry(entry);
      if (!parent) continue;
      if (parent.children) parent.children.push(entry.fn);
      else parent.children = [entry.fn];
    }
  }

  get(address: string): PciFunction | undefined {
    return this.byAddress.get(address)?.fn;
  }

  /**
   * The position of the address's first listing in firstListings, -1 when the index lacks it: a
   * step can keep what it works out per function in a list by position rather than a map by address.
   */
  positionOf(address: string): number {
    return this.byAddress.get(address)?.position ?? -1;
  }

  /** nameOf for an address (an address not in the index names itself). */
  name(address: string): string {
    const entry = this.byAddress.get(address);
    return entry ? this.nameOfEntry(entry) : nameOf(undefined, address);
  }

  private nameOfEntry(entry: Entry): string {
    return (entry.name ??= nameOf(entry.fn, entry.fn.address));
  }

  /** The entry of a function's address: a repeated listing gets its first listing's. */
  private entryOf(d: PciFunction): Entry | undefined {
    return this.byAddress.get(d.address);
  }

  /**
   * The bridge above a function: the one whose secondary bus the function sits on, else the
   * `parent` a source stated. A VF hangs below its PF's bridge. null on a root bus (or unknown).
   * A function listed twice gets the answer of the first listing of its address.
   */
  parentOf(d: PciFunction): PciFunction | null {
    return this.parentOfEntry(this.entryOrDetached(d))?.fn ?? null;
  }

  /** A function of another list is judged by its own fields, as if on a bus of its own. */
  private entryOrDetached(d: PciFunction): Entry {
    return this.entryOf(d) ?? { fn: d, position: -1, busKey: undefined, parent: undefined, children: null, resetScope: null, name: undefined };
  }

  private parentOfEntry(entry: Entry): Entry | null {
    if (entry.parent !== undefined) return entry.parent;
    // Settled before recursing, so that a PF chain that loops ends.
    entry.parent = null;
    const d = entry.fn;
    let parent: Entry | null = null;
    const bySecondary = entry.busKey !== undefined ? this.bridgeBySecondary.get(entry.busKey) : undefined;
    if (bySecondary && bySecondary.fn !== d) parent = bySecondary;
    else if (d.parent !== null) parent = this.byAddress.get(d.parent) ?? null;
    else if (d.physfn !== null) {
      const pf = this.byAddress.get(d.physfn);
      parent = pf && pf.fn !== d ? this.parentOfEntry(pf) : null;
    }
    entry.parent = parent;
    return parent;
  }

  /**
   * Bridges from the function's parent up to the root bus, nearest first; the walk ends early
   * where the parents loop back (to the function's address or to a bridge already listed).
   */
  ancestors(d: PciFunction): PciFunction[] {
    const out: PciFunction[] = [];
    for (let p = this.parentOfEntry(this.entryOrDetached(d)); p && p.fn.address !== d.address && !out.includes(p.fn); p = this.parentOfEntry(p)) {
      out.push(p.fn);
    }
    return out;
  }

  childrenOf(bridge: PciFunction): readonly PciFunction[] {
    return this.entryOf(bridge)?.children ?? EMPTY_LIST;
  }

  /**
   * Everything a secondary bus reset by `bridge` resets: the functions on its secondary bus and
   * everything below them, depth first (cached per bridge: every function on that bus asks).
   * Children lists hold first listings only, each in the list of its one parent, so the walk can
   * meet a function twice only by looping back to the bridge's own address: that is the one stop
   * needed (no set of seen addresses).
   */
  busResetScope(bridge: PciFunction): readonly string[] {
    const entry = this.entryOf(bridge);
    if (entry?.resetScope) return entry.resetScope;
    const scope: string[] = [];
    const stack = this.childrenOf(bridge).slice().reverse();
    while (stack.length > 0) {
      const d = stack.pop()!;
      if (d.address === bridge.address) continue;
      scope.push(d.address);
      const children = this.childrenOf(d);
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
    }
    if (entry) entry.resetScope = scope;
    return scope;
  }

  /** Functions on the bus `domain:bus`, in list order. */
  onBus(domain: number, bus: number): readonly PciFunction[] {
    if (!this.byBusMemo) {
      const byBus = new Map<number, PciFunction[]>();
      for (const entry of this.byAddress.values()) {
        if (entry.busKey === undefined) continue;
        const list = byBus.get(entry.busKey);
        if (list) list.push(entry.fn);
        else byBus.set(entry.busKey, [entry.fn]);
      }
      this.byBusMemo = byBus;
    }
    return this.byBusMemo.get(busNumberKey(domain, bus)) ?? EMPTY_LIST;
  }
}

/**
 * The kernel's groups when the snapshot has any (the group list, else per-device numbers), as
 * IommuGroup-like records in id order.
 */
export function kernelGroups(snapshot: { groups: readonly IommuGroup[]; devices: readonly PciFunction[] }): { id: number; type: string | null; devices: string[] }[] {
  if (snapshot.groups.length > 0) {
    // Snapshots list their groups in id order already: no sorted copy of the list then.
    const inOrder = snapshot.groups.every((g, i, list) => i === 0 || list[i - 1]!.id <= g.id);
    const byId = inOrder ? snapshot.groups : [...snapshot.groups].sort((a, b) => a.id - b.id);
    return byId.map((g) => ({ id: g.id, type: g.type, devices: [...g.devices] }));
  }
  const byId = new Map<number, string[]>();
  for (const d of snapshot.devices) {
    if (d.iommuGroup === null) continue;
    const list = byId.get(d.iommuGroup);
    if (list) list.push(d.address);
    else byId.set(d.iommuGroup, [d.address]);
  }
  return [...byId.entries()].sort((a, b) => a[0] - b[0]).map(([id, devices]) => ({ id, type: null, devices }));
}
