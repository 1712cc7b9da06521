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

/** "NVIDIA Corporation GA102 [GeForce RTX 3080]", else vendor and class; null when nothing is known. */
export function labelOf(d: PciFunction): string | null {
  const label = d.deviceName !== null ? deviceLabel(d) : [d.vendorName, d.className].filter((x) => x !== null).join(' ');
  return label === '' || label === 'unknown device' ? null : label;
}

/** "01:00.0 (NVIDIA Corporation GA102 …)", the way reasons name a device. */
export function nameOf(d: PciFunction | undefined, address: string): string {
  const label = d ? labelOf(d) : null;
  return label === null ? shortAddress(address) : `${shortAddress(address)} (${label})`;
}

/** "a, b and c". */
export function listing(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

const busKey = (domain: number, bus: number) => `${domain}:${bus}`;

export class DeviceIndex {
  readonly byAddress = new Map<string, PciFunction>();
  private readonly byBus = new Map<string, PciFunction[]>();
  private readonly busOf = new Map<string, string>();
  private readonly bridgeBySecondary = new Map<string, PciFunction>();
  private readonly childrenByParent = new Map<string, PciFunction[]>();
  private readonly parentMemo = new Map<string, PciFunction | null>();
  /** At least one function states its parent or a bridge its secondary bus: the tree is known. */
  readonly topologyKnown: boolean;

  constructor(readonly devices: readonly PciFunction[]) {
    let known = false;
    for (const d of devices) {
      if (this.byAddress.has(d.address)) continue;
      this.byAddress.set(d.address, d);
      const a = pciAddressOf(d.address);
      if (!a) continue;
      const key = busKey(a.domain, a.bus);
      this.busOf.set(d.address, key);
      const list = this.byBus.get(key);
      if (list) list.push(d);
      else this.byBus.set(key, [d]);
      if (d.secondaryBus !== null) {
        known = true;
        const sec = busKey(a.domain, d.secondaryBus);
        if (!this.bridgeBySecondary.has(sec)) this.bridgeBySecondary.set(sec, d);
      }
      if (d.parent !== null) known = true;
    }
    this.topologyKnown = known;
    for (const d of this.byAddress.values()) {
      const p = this.parentOf(d);
      if (!p) continue;
      const list = this.childrenByParent.get(p.address);
      if (list) list.push(d);
      else this.childrenByParent.set(p.address, [d]);
    }
  }

  get(address: string): PciFunction | undefined {
    return this.byAddress.get(address);
  }

  private readonly nameMemo = new Map<string, string>();

  /** nameOf for an address, computed once: reasons name the same devices over and over. */
  name(address: string): string {
    let name = this.nameMemo.get(address);
    if (name === undefined) {
      name = nameOf(this.byAddress.get(address), address);
      this.nameMemo.set(address, name);
    }
    return name;
  }

  /**
   * The bridge above a function: the one whose secondary bus the function sits on, else the
   * `parent` a source stated. A VF hangs below its PF's bridge. null on a root bus (or unknown).
   */
  parentOf(d: PciFunction): PciFunction | null {
    const memo = this.parentMemo.get(d.address);
    if (memo !== undefined) return memo;
    let parent: PciFunction | null = null;
    const key = this.busOf.get(d.address);
    const bySecondary = key !== undefined ? this.bridgeBySecondary.get(key) : undefined;
    if (bySecondary && bySecondary !== d) parent = bySecondary;
    else if (d.parent !== null) parent = this.byAddress.get(d.parent) ?? null;
    else if (d.physfn !== null) {
      const pf = this.byAddress.get(d.physfn);
      parent = pf && pf !== d ? this.parentOf(pf) : null;
    }
    this.parentMemo.set(d.address, parent);
    return parent;
  }

  /** Bridges from the function's parent up to the root bus, nearest first. */
  ancestors(d: PciFunction): PciFunction[] {
    const out: PciFunction[] = [];
    const seen = new Set<string>([d.address]);
    for (let p = this.parentOf(d); p && !seen.has(p.address); p = this.parentOf(p)) {
      seen.add(p.address);
      out.push(p);
    }
    return out;
  }

  childrenOf(bridge: PciFunction): readonly PciFunction[] {
    return this.childrenByParent.get(bridge.address) ?? [];
  }

  /** Everything below a bridge, depth first. */
  subtree(bridge: PciFunction): PciFunction[] {
    const out: PciFunction[] = [];
    const seen = new Set<string>([bridge.address]);
    const stack = [...this.childrenOf(bridge)].reverse();
    while (stack.length > 0) {
      const d = stack.pop()!;
      if (seen.has(d.address)) continue;
      seen.add(d.address);
      out.push(d);
      stack.push(...[...this.childrenOf(d)].reverse());
    }
    return out;
  }

  private readonly resetScopeMemo = new Map<string, string[]>();

  /**
   * Everything a secondary bus reset by `bridge` resets: the functions on its secondary bus and
   * everything below them (cached per bridge: every function on that bus asks).
   */
  busResetScope(bridge: PciFunction): readonly string[] {
    const memo = this.resetScopeMemo.get(bridge.address);
    if (memo) return memo;
    const scope = this.subtree(bridge).map((d) => d.address);
    this.resetScopeMemo.set(bridge.address, scope);
    return scope;
  }

  /** Functions on the bus `domain:bus`. */
  onBus(domain: number, bus: number): readonly PciFunction[] {
    return this.byBus.get(busKey(domain, bus)) ?? [];
  }
}

/**
 * The kernel's groups when the snapshot has any (the group list, else per-device numbers), as
 * IommuGroup-like records in id order.
 */
export function kernelGroups(snapshot: { groups: readonly IommuGroup[]; devices: readonly PciFunction[] }): { id: number; type: string | null; devices: string[] }[] {
  if (snapshot.groups.length > 0) {
    return [...snapshot.groups].sort((a, b) => a.id - b.id).map((g) => ({ id: g.id, type: g.type, devices: [...g.devices] }));
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
