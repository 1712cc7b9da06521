/**
 * The PCI tree as the kernel's grouping code sees it: buses, the bridge above each bus
 * (kernel `bus->self`), the parent of each bus, multifunction flags and the order in which the
 * IOMMU core meets the devices (spec 1.1).
 */
import { pciAddressOf } from '../../parsers/canonical-address.ts';
import type { PciFunction, PcieType } from '../../model/snapshot.ts';

export interface TopoFunction {
  address: string;
  source: PciFunction;
  domain: number;
  bus: number;
  device: number;
  function: number;
  /** (device << 3) | function. */
  devfn: number;
  /** "domain:bus" in decimal: the key of the bus the function sits on. */
  busKey: string;
  /** "0000:01:00": bus and device number. */
  slot: string;
  vendorId: number | null;
  deviceId: number | null;
  subsystemVendorId: number | null;
  subsystemDeviceId: number | null;
  /** PCIe port/device type: stated, or inferred from the position (spec 2.4), or null. */
  type: PcieType | null;
  typeInferred: boolean;
  /** Has a type-1 header or a secondary bus. */
  isBridge: boolean;
  /** Kernel `pdev->multifunction` (spec 1.3 note). */
  multifunction: boolean;
  isVf: boolean;
  /** Added for a what-if question (a card), not present on the host. */
  hypothetical: boolean;
}

const hexId = (text: string | null): number | null => (text === null ? null : parseInt(text, 16));
const hex2 = (n: number) => n.toString(16).padStart(2, '0');

export function busKeyOf(domain: number, bus: number): string {
  return `${domain}:${bus}`;
}

export class Topology {
  readonly functions: TopoFunction[];
  private readonly byAddress = new Map<string, TopoFunction>();
  private readonly byBus = new Map<string, TopoFunction[]>();
  private readonly bridgeBySecondary = new Map<string, TopoFunction>();
  private readonly typeMemo = new Map<string, { type: PcieType | null; inferred: boolean }>();
  private orderCache: TopoFunction[] | null = null;

  constructor(devices: readonly PciFunction[], hypothetical: ReadonlySet<string>) {
    const parsed: TopoFunction[] = [];
    for (const d of devices) {
      const a = pciAddressOf(d.address);
      if (!a || this.byAddress.has(d.address)) continue;
      const f: TopoFunction = {
        address: d.address, source: d,
        domain: a.domain, bus: a.bus, device: a.device, function: a.function,
        devfn: (a.device << 3) | a.function,
        busKey: busKeyOf(a.domain, a.bus),
        slot: `${d.address.slice(0, d.address.lastIndexOf(':') + 1)}${hex2(a.device)}`,
        vendorId: hexId(d.vendorId), deviceId: hexId(d.deviceId),
        subsystemVendorId: hexId(d.subsystemVendorId), subsystemDeviceId: hexId(d.subsystemDeviceId),
        type: null, typeInferred: false,
        isBridge: d.headerType === 1 || d.secondaryBus !== null,
        multifunction: false,
        isVf: d.physfn !== null,
        hypothetical: hypothetical.has(d.address),
      };
      parsed.push(f);
      this.byAddress.set(f.address, f);
      const list = this.byBus.get(f.busKey) ?? [];
      list.push(f);
      this.byBus.set(f.busKey, list);
    }
    for (const list of this.byBus.values()) list.sort((x, y) => x.devfn - y.devfn);
    for (const f of parsed) {
      const sec = f.source.secondaryBus;
      if (sec !== null && !this.bridgeBySecondary.has(busKeyOf(f.domain, sec))) {
        this.bridgeBySecondary.set(busKeyOf(f.domain, sec), f);
      }
    }
    for (const f of parsed) {
      f.multifunction = this.computeMultifunction(f);
      const t = this.typeOf(f);
      f.type = t.type;
      f.typeInferred = t.inferred;
    }
    this.functions = parsed;
  }

  get(address: string): TopoFunction | undefined {
    return this.byAddress.get(address);
  }

  onBus(busKey: string): readonly TopoFunction[] {
    return this.byBus.get(busKey) ?? [];
  }

  /**
   * Kernel `bus->self`: the bridge whose secondary bus this is. When no bridge states its bus
   * numbers, a `parent` given by the source (sysfs path, lspci tree) stands in. SR-IOV virtual
   * buses have none.
   */
  bridgeAbove(busKey: string): TopoFunction | null {
    const bridge = this.bridgeBySecondary.get(busKey);
    if (bridge) return bridge;
    if (this.virtualBusParent(busKey) !== null) return null;
    for (const f of this.onBus(busKey)) {
      const parent = f.source.parent !== null ? this.byAddress.get(f.source.parent) : undefined;
      if (parent && parent.busKey !== busKey) return parent;
    }
    return null;
  }

  /** The bus above `busKey`, or null for a root bus. */
  parentBus(busKey: string): string | null {
    const bridge = this.bridgeAbove(busKey);
    if (bridge) return bridge.busKey;
    return this.virtualBusParent(busKey);
  }

  isRootBus(busKey: string): boolean {
    return this.parentBus(busKey) === null;
  }

  /**
   * VFs that do not fit on their PF's bus sit on a "virtual" bus with no bridge; its parent is
   * the PF's bus (kernel `virtfn_add_bus`), so the walk upwards continues there (spec 1.8 rule 8).
   */
  private virtualBusParent(busKey: string): string | null {
    if (this.bridgeBySecondary.has(busKey)) return null;
    for (const f of this.onBus(busKey)) {
      if (!f.isVf) continue;
      const pf = this.byAddress.get(f.source.physfn!);
      if (pf && pf.busKey !== busKey) return pf.busKey;
    }
    return null;
  }

  /** Kernel `pci_upstream_bridge()`: the bridge above the bus of the device (of its PF for a VF). */
  upstreamBridge(f: TopoFunction): TopoFunction | null {
    const base = f.isVf ? this.byAddress.get(f.source.physfn!) ?? f : f;
    return this.bridgeAbove(base.busKey);
  }

  /** Devices directly below a bridge (on the bus it is `bus->self` of). */
  childrenOf(bridge: TopoFunction): readonly TopoFunction[] {
    const sec = bridge.source.secondaryBus;
    if (sec !== null) return this.onBus(busKeyOf(bridge.domain, sec));
    return [...this.byBus.keys()].filter((k) => this.bridgeAbove(k) === bridge).flatMap((k) => this.onBus(k));
  }

  /** Other functions with the same bus and device number (VFs excluded: the slot scan never finds them). */
  slotSiblings(f: TopoFunction): TopoFunction[] {
    return this.onBus(f.busKey).filter((t) => t !== f && t.device === f.device && !t.isVf);
  }

  /**
   * Kernel `pdev->multifunction` (spec 1.3 note, drivers/pci/probe.c `pci_scan_slot`): every
   * function > 0 the slot scan finds is marked multifunction whatever its header says; function 0
   * has its header bit (the `multifunction` fact when known, else "another function shares the
   * slot"). Below a Root or Downstream Port only device 0 is scanned, so a function at any other
   * devfn there is an ARI function > 0 (spec 1.8 rule 9). VFs never.
   */
  private computeMultifunction(f: TopoFunction): boolean {
    if (f.isVf) return false;
    if (f.function > 0) return true;
    const above = this.bridgeBySecondary.get(f.busKey);
    if (f.devfn > 0 && above && (above.source.pcieType === 'root-port' || above.source.pcieType === 'downstream-port')) return true;
    if (f.source.multifunction !== null) return f.source.multifunction;
    return this.slotSiblings(f).length > 0;
  }

  /**
   * The stated PCIe type, or one inferred from the position (spec 2.4): a bridge on a root bus is
   * a Root Port, below a Root/Downstream Port an Upstream Port, below an Upstream Port a
   * Downstream Port; anything below a PCIe-to-PCI or conventional bridge is conventional; an
   * endpoint below a PCIe port is an Endpoint. Integrated devices on a root bus stay unknown.
   */
  private typeOf(f: TopoFunction): { type: PcieType | null; inferred: boolean } {
    const memo = this.typeMemo.get(f.address);
    if (memo) return memo;
    let result: { type: PcieType | null; inferred: boolean };
    if (f.source.pcieType !== null) result = { type: f.source.pcieType, inferred: false };
    else {
      this.typeMemo.set(f.address, { type: null, inferred: true });
      const above = this.bridgeAbove(f.busKey) ?? (f.isVf ? this.upstreamBridge(f) : null);
      const aboveType = above ? this.typeOf(above).type : null;
      let type: PcieType | null = null;
      // A subtractive-decode bridge (prog-if 01) on a root bus is the classic conventional
      // "DMI-to-PCI" bridge (Intel 00:1e.0), not a Root Port.
      if (!above && this.isRootBus(f.busKey)) {
        if (f.isBridge) type = f.source.progIf === '01' ? 'conventional' : 'root-port';
      }
      else if (aboveType === 'pcie-to-pci-bridge' || aboveType === 'conventional') type = 'conventional';
      else if (f.isBridge) {
        if (aboveType === 'root-port' || aboveType === 'downstream-port') type = 'upstream-port';
        else if (aboveType === 'upstream-port') type = 'downstream-port';
      } else if (aboveType !== null) type = 'endpoint';
      result = { type, inferred: true };
    }
    this.typeMemo.set(f.address, result);
    return result;
  }

  /**
   * Registration order (spec 1.1, `pci_bus_add_devices`): on each bus every device in devfn order,
   * then the subtree of each bridge in turn; root buses by domain and number. VFs come after all
   * boot devices, because they are created later by `sriov_numvfs`.
   */
  enumerationOrder(): TopoFunction[] {
    if (this.orderCache) return this.orderCache;
    const order: TopoFunction[] = [];
    const seen = new Set<string>();
    const visitedBuses = new Set<string>();
    const visitBus = (busKey: string) => {
      if (visitedBuses.has(busKey)) return;
      visitedBuses.add(busKey);
      const boot = this.onBus(busKey).filter((f) => !f.isVf);
      for (const f of boot) {
        if (!seen.has(f.address)) { seen.add(f.address); order.push(f); }
      }
      for (const f of boot) {
        const sec = f.source.secondaryBus;
        if (sec !== null) visitBus(busKeyOf(f.domain, sec));
        else if (f.isBridge) {
          // Buses known only through `parent` links (no bus numbers stated).
          for (const child of this.childrenOf(f)) visitBus(child.busKey);
        }
      }
    };
    const rootKeys = [...this.byBus.keys()].filter((k) => this.isRootBus(k)).sort((a, b) => {
      const [da, ba] = a.split(':').map(Number) as [number, number];
      const [db, bb] = b.split(':').map(Number) as [number, number];
      return da - db || ba - bb;
    });
    for (const key of rootKeys) visitBus(key);
    const rank = new Map(order.map((f, i) => [f.address, i]));
    const unranked = order.length;
    const pfRank = (f: TopoFunction) => (f.isVf ? rank.get(f.source.physfn!) ?? unranked : unranked);
    const rest = this.functions.filter((f) => !seen.has(f.address));
    rest.sort((x, y) => pfRank(x) - pfRank(y) || x.domain - y.domain || x.bus - y.bus || x.devfn - y.devfn);
    order.push(...rest);
    this.orderCache = order;
    return order;
  }
}
