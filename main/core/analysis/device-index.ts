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
 * keeps room for 16 more entries, and an analysis holds thousands of such lists). `keep` is asked
 * twice per entry: it must answer the same both times.
 */
export function lastingFilter<T>(list: readonly T[], keep: (item: T) => boolean): readonly T[] {
  // Counted first, then filled: no list of the kept entries to copy from.
  let count = 0;
  for (let i = 0; i < list.length; i++) if (keep(list[i]!)) count++;
  if (count === 0) return EMPTY_LIST;
  const kept = new Array<T>(count);
  for (let i = 0, j = 0; j < count; i++) if (keep(list[i]!)) kept[j++] = list[i]!;
  return kept;
}

/**
 * lastingFilter(list, (x) => x !== item) without a callback: the steps that ask run per device,
 * and a callback that captures the item makes the caller allocate a context on every call.
 */
export function without<T>(list: readonly T[], item: T): readonly T[] {
  let count = 0;
  for (let i = 0; i < list.length; i++) if (list[i] !== item) count++;
  if (count === 0) return EMPTY_LIST;
  const kept = new Array<T>(count);
  for (let i = 0, j = 0; j < count; i++) if (list[i] !== item) kept[j++] = list[i]!;
  return kept;
}

/** `item` is among the first `count` entries of `list`. */
function amongFirst<T>(list: ArrayLike<T>, count: number, item: T): boolean {
  for (let i = 0; i < count; i++) if (list[i] === item) return true;
  return false;
}

/** parents: not worked out yet; -1 is none (a root bus, or unknown). */
const UNSETTLED = -2;

/**
 * What the index knows of each address is kept by the position of its first listing, in lists and
 * typed arrays rather than an object per function: the index lives as long as the analysis, and
 * every object in it is copied by the garbage collector as long as it is young.
 */
export class DeviceIndex {
  /** One function per address, the first listed, in list order. */
  readonly firstListings: readonly PciFunction[];
  /** Each address to the position of its first listing. */
  private readonly byAddress = new Map<string, number>();
  /** The position of each function of `devices` (positionOf its address), by its index in that list. */
  private readonly listingPositions: Int32Array;
  /** The busNumberKey of the bus each function sits on, by position; NaN when its address does not parse. */
  private readonly busKeys: Float64Array;
  /** The position of the bridge above each function, by position: UNSETTLED until worked out, -1 for none. */
  private readonly parents: Int32Array;
  /**
   * The functions directly below each bridge, by position: the positions childList holds from
   * childStart[bridge] up to childStart[bridge + 1], in list order.
   */
  private readonly childStart: Int32Array;
  private readonly childList: Int32Array;
  /** busResetScopeAt and nameAt of each function, by position, once worked out. */
  private readonly resetScopes: (readonly string[] | undefined)[];
  private readonly names: (string | undefined)[];
  /** Functions by busNumberKey, built on first use: only slots without a known port ask (onBus). */
  private byBusMemo: Map<number, PciFunction[]> | null = null;
  /** The position of the first bridge that states each bus (by busNumberKey) as its secondary one. */
  private readonly bridgeBySecondary = new Map<number, number>();
  /** At least one function states its parent or a bridge its secondary bus: the tree is known. */
  readonly topologyKnown: boolean;
  /** Where ancestors() keeps the positions it walks: the first entries are the walk's, the rest stale. */
  private readonly walk: number[] = [];
  /** Where the reset scope walk keeps its stack and its scope, the same way. */
  private readonly stack: number[] = [];
  private readonly scope: string[] = [];

  constructor(readonly devices: readonly PciFunction[]) {
    // One method per pass over the functions: the index is built once per analysis, so its loops
    // reach the optimizing compiler by on-stack replacement, and code compiled for one loop of a
    // longer constructor fell back to the interpreter where the next statement had never run
    // (V8 "insufficient type feedback"), once per analysis for the first analyses of a process.
    const firstListings: PciFunction[] = [];
    this.listingPositions = new Int32Array(devices.length);
    this.busKeys = new Float64Array(devices.length);
    this.topologyKnown = this.listFirst(devices, firstListings);
    this.firstListings = firstListings;
    const count = firstListings.length;
    this.resetScopes = new Array<readonly string[] | undefined>(count).fill(undefined);
    this.names = new Array<string | undefined>(count).fill(undefined);
    this.parents = new Int32Array(count).fill(UNSETTLED);
    this.childStart = this.countChildren(count);
    this.childList = this.listChildren(count);
  }

  /**
   * Fills byAddress, listingPositions, busKeys and bridgeBySecondary, and `firstListings` with
   * the first function listed at each address; true when the tree is known (topologyKnown).
   * Indexed loops: for...of allocates an iteration result per entry until the loop is optimised.
   */
  private listFirst(devices: readonly PciFunction[], firstListings: PciFunction[]): boolean {
    let known = false;
    for (let i = 0; i < devices.length; i++) {
      const d = devices[i]!;
      const first = this.byAddress.get(d.address);
      if (first !== undefined) {
        this.listingPositions[i] = first;
        continue;
      }
      const position = firstListings.length;
      this.byAddress.set(d.address, position);
      this.listingPositions[i] = position;
      firstListings.push(d);
      const a = pciAddressOf(d.address);
      if (!a) {
        this.busKeys[position] = NaN;
        continue;
      }
      this.busKeys[position] = busNumberKey(a.domain, a.bus);
      if (d.secondaryBus !== null) {
        known = true;
        // A secondary bus outside 0-255 has no functions to be the bridge of.
        const sec = isBusNumber(d.secondaryBus) ? busNumberKey(a.domain, d.secondaryBus) : undefined;
        if (sec !== undefined && !this.bridgeBySecondary.has(sec)) this.bridgeBySecondary.set(sec, position);
      }
      if (d.parent !== null) known = true;
    }
    return known;
  }

  /** childStart: children counted per bridge (settling every parent), then summed into start positions. */
  private countChildren(count: number): Int32Array {
    const start = new Int32Array(count + 1);
    for (let p = 0; p < count; p++) {
      const parent = this.parentPosition(p);
      if (parent >= 0) start[parent + 1]!++;
    }
    for (let p = 0; p < count; p++) start[p + 1]! += start[p]!;
    return start;
  }

  /** childList: the children of each bridge set out from its childStart, in list order. */
  private listChildren(count: number): Int32Array {
    const list = new Int32Array(this.childStart[count]!);
    const next = this.childStart.slice(0, count);
    for (let p = 0; p < count; p++) {
      const parent = this.parents[p]!;
      if (parent >= 0) list[next[parent]!++] = p;
    }
    return list;
  }

  get(address: string): PciFunction | undefined {
    const p = this.byAddress.get(address);
    return p === undefined ? undefined : this.firstListings[p];
  }

  /**
   * The position of the address's first listing in firstListings, -1 when the index lacks it: a
   * step can keep what it works out per function in a list by position rather than a map by address.
   */
  positionOf(address: string): number {
    return this.byAddress.get(address) ?? -1;
  }

  /**
   * positionOf the address of `devices[listIndex]`, without a lookup by address: a step that
   * walks `devices` finds what it keeps by position straight away.
   */
  positionAt(listIndex: number): number {
    return this.listingPositions[listIndex]!;
  }

  /** The PCI domain (segment) of the function at a position; -1 when its address does not parse. */
  domainAt(position: number): number {
    const key = this.busKeys[position]!;
    return Number.isNaN(key) ? -1 : Math.floor(key / 0x100);
  }

  /** nameOf for an address (an address not in the index names itself). */
  name(address: string): string {
    const p = this.byAddress.get(address);
    return p === undefined ? nameOf(undefined, address) : this.nameAt(p);
  }

  /** name() of the address at a position of firstListings. */
  nameAt(position: number): string {
    let name = this.names[position];
    if (name === undefined) {
      const d = this.firstListings[position]!;
      name = nameOf(d, d.address);
      this.names[position] = name;
    }
    return name;
  }

  /**
   * The bridge above a function: the one whose secondary bus the function sits on, else the
   * `parent` a source stated. A VF hangs below its PF's bridge. null on a root bus (or unknown).
   * A function listed twice gets the answer of the first listing of its address.
   */
  parentOf(d: PciFunction): PciFunction | null {
    const p = this.parentPositionOf(d);
    return p < 0 ? null : this.firstListings[p]!;
  }

  /** parentOf by position; a function the index lacks is judged by its own fields, as if on a bus of its own. */
  private parentPositionOf(d: PciFunction): number {
    const p = this.byAddress.get(d.address);
    return p === undefined ? this.statedParent(d, -1) : this.parentPosition(p);
  }

  /**
   * The position of the bridge above the function at a position (parentOf), -1 for none: the
   * per-device steps ask by position, without a lookup by address.
   */
  parentPosition(position: number): number {
    const known = this.parents[position]!;
    if (known !== UNSETTLED) return known;
    // Settled before recursing, so that a PF chain that loops ends.
    this.parents[position] = -1;
    const key = this.busKeys[position]!;
    const bySecondary = Number.isNaN(key) ? undefined : this.bridgeBySecondary.get(key);
    const parent = bySecondary !== undefined && bySecondary !== position ? bySecondary : this.statedParent(this.firstListings[position]!, position);
    this.parents[position] = parent;
    return parent;
  }

  /** The parent a source states for `d` (at `position`, -1 when the index lacks it), else its PF's parent. */
  private statedParent(d: PciFunction, position: number): number {
    if (d.parent !== null) return this.byAddress.get(d.parent) ?? -1;
    if (d.physfn === null) return -1;
    const pf = this.byAddress.get(d.physfn);
    return pf !== undefined && pf !== position ? this.parentPosition(pf) : -1;
  }

  /**
   * Bridges from the function's parent up to the root bus, nearest first; the walk ends early
   * where the parents loop back (to the function's address or to a bridge already listed).
   */
  ancestors(d: PciFunction): PciFunction[] {
    return this.ancestorsFrom(this.parentPositionOf(d), d.address);
  }

  /** ancestors() of the function at a position. */
  ancestorsAt(position: number): PciFunction[] {
    return this.ancestorsFrom(this.parentPosition(position), this.firstListings[position]!.address);
  }

  private ancestorsFrom(parent: number, address: string): PciFunction[] {
    // Walked in a list kept from call to call, then copied out at its exact size: a list grown by
    // push keeps room for 16 more entries, and the link facts of every device ask.
    const walk = this.walk;
    let count = 0;
    for (let p = parent; p >= 0 && this.firstListings[p]!.address !== address && !amongFirst(walk, count, p); p = this.parentPosition(p)) {
      walk[count++] = p;
    }
    const out = new Array<PciFunction>(count);
    for (let i = 0; i < count; i++) out[i] = this.firstListings[walk[i]!]!;
    return out;
  }

  childrenOf(bridge: PciFunction): readonly PciFunction[] {
    const p = this.byAddress.get(bridge.address);
    if (p === undefined || this.childStart[p] === this.childStart[p + 1]) return EMPTY_LIST;
    return Array.from(this.childList.subarray(this.childStart[p], this.childStart[p + 1]), (c) => this.firstListings[c]!);
  }

  /**
   * Everything a secondary bus reset by the bridge at a position resets: the functions on its
   * secondary bus and everything below them, depth first (cached per bridge: every function on
   * that bus asks). Children lists hold first listings only, each in the list of its one parent,
   * so the walk can meet a function twice only by looping back to the bridge's own address: that
   * is the one stop needed (no set of seen addresses).
   */
  busResetScopeAt(position: number): readonly string[] {
    const known = this.resetScopes[position];
    if (known) return known;
    // The walk's stack and the scope so far live in lists kept from bridge to bridge, the scope
    // then copied out at its exact size (as in ancestors()): every bridge above a device asks.
    const { stack, scope, childStart, childList, firstListings } = this;
    const address = firstListings[position]!.address;
    let top = 0;
    let count = 0;
    for (let i = childStart[position + 1]! - 1; i >= childStart[position]!; i--) stack[top++] = childList[i]!;
    while (top > 0) {
      const d = stack[--top]!;
      const below = firstListings[d]!.address;
      if (below === address) continue;
      scope[count++] = below;
      for (let i = childStart[d + 1]! - 1; i >= childStart[d]!; i--) stack[top++] = childList[i]!;
    }
    const result = count > 0 ? scope.slice(0, count) : EMPTY_LIST;
    this.resetScopes[position] = result;
    return result;
  }

  /** Functions on the bus `domain:bus`, in list order. */
  onBus(domain: number, bus: number): readonly PciFunction[] {
    if (!this.byBusMemo) {
      const byBus = new Map<number, PciFunction[]>();
      for (let p = 0; p < this.firstListings.length; p++) {
        const key = this.busKeys[p]!;
        if (Number.isNaN(key)) continue;
        const list = byBus.get(key);
        if (list) list.push(this.firstListings[p]!);
        else byBus.set(key, [this.firstListings[p]!]);
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
