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

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** parseInt(text, 16), without its general parsing for the usual four lower-case hex digits. */
function hexId(text: string | null): number | null {
  if (text === null) return null;
  if (text.length === 4) {
    const a = hexDigit(text.charCodeAt(0));
    const b = hexDigit(text.charCodeAt(1));
    const c = hexDigit(text.charCodeAt(2));
    const d = hexDigit(text.charCodeAt(3));
    if ((a | b | c | d) >= 0) return (a << 12) | (b << 8) | (c << 4) | d;
  }
  return parseInt(text, 16);
}

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

/** "0000:01:00": bus and device number of a function (the kernel's slot). */
export function slotOf(f: TopoFunction): string {
  return `${f.address.slice(0, f.address.lastIndexOf(':') + 1)}${hex2(f.device)}`;
}

export function busKeyOf(domain: number, bus: number): string {
  return `${domain}:${bus}`;
}

/** What the walks up the tree ask of a bus, worked out once per bus. */
interface BusLinks {
  /** Kernel `bus->self` (see bridgeAbove). */
  bridge: TopoFunction | null;
  /** The bus above, null for a root bus (see parentBus). */
  parent: string | null;
}

const NO_FUNCTIONS: readonly TopoFunction[] = [];

/** `t` is another function of `f`'s slot that the slot scan finds (VFs are not scanned). */
export const isSlotSibling = (f: TopoFunction, t: TopoFunction) => t !== f && t.device === f.device && !t.isVf;

export class Topology {
  readonly functions: TopoFunction[];
  private readonly byAddress = new Map<string, TopoFunction>();
  private readonly byBus = new Map<string, TopoFunction[]>();
  private readonly bridgeBySecondary = new Map<string, TopoFunction>();
  private readonly links = new Map<string, BusLinks>();
  private readonly walkEndsMemo = new Map<string, boolean>();
  /** Types inferred so far (functions that state theirs are not in it). */
  private readonly inferredTypes = new Map<TopoFunction, PcieType | null>();
  /** One key string per bus: keys are built for every function and compared in every lookup. */
  private readonly busKeys = new Map<number, string>();
  /** Buses below each bridge that states no secondary bus, built on first use. */
  private busesBelowMemo: Map<TopoFunction, string[]> | null = null;
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
        busKey: this.busKey(a.domain, a.bus),
        vendorId: hexId(d.vendorId), deviceId: hexId(d.deviceId),
        subsystemVendorId: hexId(d.subsystemVendorId), subsystemDeviceId: hexId(d.subsystemDeviceId),
        type: null, typeInferred: false,
        isBridge: d.headerType === 1 || d.secondaryBus !== null,
        multifunction: false,
        isVf: d.physfn !== null,
        hypothetical: hypothetical.size > 0 && hypothetical.has(d.address),
      };
      parsed.push(f);
      this.byAddress.set(f.address, f);
      const list = this.byBus.get(f.busKey);
      if (list) list.push(f);
      else this.byBus.set(f.busKey, [f]);
    }
    // Functions mostly come in address order already: sort only the buses that are not.
    for (const list of this.byBus.values()) {
      if (list.some((f, i) => i > 0 && f.devfn < list[i - 1]!.devfn)) list.sort((x, y) => x.devfn - y.devfn);
    }
    for (const f of parsed) {
      const sec = f.source.secondaryBus;
      if (sec === null) continue;
      const key = this.busKey(f.domain, sec);
      if (!this.bridgeBySecondary.has(key)) this.bridgeBySecondary.set(key, f);
    }
    for (const f of parsed) {
      f.multifunction = this.computeMultifunction(f);
      f.type = this.typeOf(f);
      f.typeInferred = f.source.pcieType === null;
    }
    this.functions = parsed;
  }

  /** busKeyOf, the same string for every function of a bus. */
  private busKey(domain: number, bus: number): string {
    // Bus numbers from addresses are 0-255; a stated secondary bus outside that gets its own string.
    if (!Number.isInteger(bus) || bus < 0 || bus > 0xff) return busKeyOf(domain, bus);
    const n = domain * 0x100 + bus;
    let key = this.busKeys.get(n);
    if (key === undefined) {
      key = busKeyOf(domain, bus);
      this.busKeys.set(n, key);
    }
    return key;
  }

  get(address: string): TopoFunction | undefined {
    return this.byAddress.get(address);
  }

  onBus(busKey: string): readonly TopoFunction[] {
    return this.byBus.get(busKey) ?? NO_FUNCTIONS;
  }

  /**
   * Kernel `bus->self`: the bridge whose secondary bus this is. When no bridge states its bus
   * numbers, a `parent` given by the source (sysfs path, lspci tree) stands in. SR-IOV virtual
   * buses have none.
   */
  bridgeAbove(busKey: string): TopoFunction | null {
    return this.linksOf(busKey).bridge;
  }

  /** The bus above `busKey`, or null for a root bus. */
  parentBus(busKey: string): string | null {
    return this.linksOf(busKey).parent;
  }

  isRootBus(busKey: string): boolean {
    return this.linksOf(busKey).parent === null;
  }

  /** Every walk up the tree asks these for every bus on the way: worked out once per bus. */
  private linksOf(busKey: string): BusLinks {
    let links = this.links.get(busKey);
    if (!links) {
      const stated = this.bridgeBySecondary.get(busKey);
      if (stated) links = { bridge: stated, parent: stated.busKey };
      else {
        const virtual = this.virtualBusParent(busKey);
        const bridge = virtual === null ? this.statedParentBridge(busKey) : null;
        links = { bridge, parent: bridge ? bridge.busKey : virtual };
      }
      this.links.set(busKey, links);
    }
    return links;
  }

  /**
   * Whether the walk up from the bus (parentBus until a root bus) never meets a bus twice. Only
   * contradictory parent facts make it loop; every other walk needs no set of visited buses.
   */
  walkUpEnds(busKey: string): boolean {
    if (this.isRootBus(busKey)) return true;
    const memo = this.walkEndsMemo.get(busKey);
    if (memo !== undefined) return memo;
    const path = new Set<string>();
    let ends: boolean;
    for (let bus: string | null = busKey; ; bus = this.parentBus(bus)) {
      if (bus === null || this.isRootBus(bus)) {
        ends = true;
        break;
      }
      const known = this.walkEndsMemo.get(bus);
      if (known !== undefined) {
        ends = known;
        break;
      }
      if (path.has(bus)) {
        ends = false;
        break;
      }
      path.add(bus);
    }
    for (const bus of path) this.walkEndsMemo.set(bus, ends);
    return ends;
  }

  /** The first `parent` a function on the bus names that sits on another bus. */
  private statedParentBridge(busKey: string): TopoFunction | null {
    for (const f of this.onBus(busKey)) {
      const parent = f.source.parent !== null ? this.byAddress.get(f.source.parent) : undefined;
      if (parent && parent.busKey !== busKey) return parent;
    }
    return null;
  }

  /**
   * VFs that do not fit on their PF's bus sit on a "virtual" bus with no bridge; its parent is
   * the PF's bus (kernel `virtfn_add_bus`), so the walk upwards continues there (spec 1.8 rule 8).
   * Only asked for buses that no bridge states as its secondary bus.
   */
  private virtualBusParent(busKey: string): string | null {
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
    if (sec !== null) return this.onBus(this.busKey(bridge.domain, sec));
    const buses = this.busesBelow().get(bridge);
    return buses ? buses.flatMap((k) => this.onBus(k)) : [];
  }

  /** The buses whose `bus->self` is each bridge, in bus order of first appearance. */
  private busesBelow(): Map<TopoFunction, string[]> {
    if (!this.busesBelowMemo) {
      const below = new Map<TopoFunction, string[]>();
      for (const key of this.byBus.keys()) {
        const bridge = this.bridgeAbove(key);
        if (!bridge) continue;
        const list = below.get(bridge);
        if (list) list.push(key);
        else below.set(bridge, [key]);
      }
      this.busesBelowMemo = below;
    }
    return this.busesBelowMemo;
  }

  /** Other functions share the bus and device number (VFs do not count: the slot scan never finds them). */
  hasSlotSiblings(f: TopoFunction): boolean {
    return this.onBus(f.busKey).some((t) => isSlotSibling(f, t));
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
    return this.hasSlotSiblings(f);
  }

  /**
   * The stated PCIe type, or one inferred from the position (spec 2.4): a bridge on a root bus is
   * a Root Port, below a Root/Downstream Port an Upstream Port, below an Upstream Port a
   * Downstream Port; anything below a PCIe-to-PCI or conventional bridge is conventional; an
   * endpoint below a PCIe port is an Endpoint. Integrated devices on a root bus stay unknown.
   */
  private typeOf(f: TopoFunction): PcieType | null {
    if (f.source.pcieType !== null) return f.source.pcieType;
    const memo = this.inferredTypes.get(f);
    if (memo !== undefined) return memo;
    // Unknown while it is being worked out: a loop of bridges ends there.
    this.inferredTypes.set(f, null);
    const above = this.bridgeAbove(f.busKey) ?? (f.isVf ? this.upstreamBridge(f) : null);
    const aboveType = above ? this.typeOf(above) : null;
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
    this.inferredTypes.set(f, type);
    return type;
  }

  /**
   * Registration order (spec 1.1, `pci_bus_add_devices`): on each bus every device in devfn order,
   * then the subtree of each bridge in turn; root buses by domain and number. VFs come after all
   * boot devices, because they are created later by `sriov_numvfs`.
   */
  enumerationOrder(): TopoFunction[] {
    if (this.orderCache) return this.orderCache;
    const order: TopoFunction[] = [];
    const visitedBuses = new Set<string>();
    // Each bus is visited once and every function sits on one bus: the boot functions of the
    // visited buses are listed exactly once, and they are all that is listed.
    const visitBus = (busKey: string) => {
      if (visitedBuses.has(busKey)) return;
      visitedBuses.add(busKey);
      const functions = this.onBus(busKey);
      for (const f of functions) if (!f.isVf) order.push(f);
      for (const f of functions) {
        if (f.isVf) continue;
        const sec = f.source.secondaryBus;
        if (sec !== null) visitBus(this.busKey(f.domain, sec));
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
    const rest = this.functions.filter((f) => f.isVf || !visitedBuses.has(f.busKey));
    if (rest.length > 0) {
      // VFs follow their PF's position; only the PFs' positions are needed.
      const pfs = new Set<TopoFunction>();
      for (const f of rest) {
        const pf = f.isVf ? this.byAddress.get(f.source.physfn!) : undefined;
        if (pf) pfs.add(pf);
      }
      const rank = new Map<TopoFunction, number>();
      order.forEach((f, i) => {
        if (pfs.has(f)) rank.set(f, i);
      });
      const unranked = order.length;
      const pfRank = (f: TopoFunction) => {
        const pf = f.isVf ? this.byAddress.get(f.source.physfn!) : undefined;
        return (pf ? rank.get(pf) : undefined) ?? unranked;
      };
      rest.sort((x, y) => pfRank(x) - pfRank(y) || x.domain - y.domain || x.bus - y.bus || x.devfn - y.devfn);
      for (const f of rest) order.push(f);
    }
    this.orderCache = order;
    return order;
  }
}
