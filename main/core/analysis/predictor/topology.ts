/**
 * The PCI tree as the kernel's grouping code sees it: buses, the bridge above each bus
 * (kernel `bus->self`), the parent of each bus, multifunction flags and the order in which the
 * IOMMU core meets the devices (spec 1.1).
 */
import { pciAddressOf } from '../../parsers/canonical-address.ts';
import type { PciFunction, PcieType } from '../../model/snapshot.ts';

export interface TopoFunction {
  /** Position in Topology.functions: per-run facts about functions are kept in arrays by it. */
  index: number;
  address: string;
  source: PciFunction;
  domain: number;
  bus: number;
  device: number;
  function: number;
  /** (device << 3) | function. */
  devfn: number;
  /** Kernel `pdev->bus`: the bus the function sits on. */
  onBus: TopoBus;
  /**
   * Every function's quirks are looked up by vendor and device ID. The subsystem IDs, which only
   * a few quirks and parameters match on, are read from `source` where asked (hexId).
   */
  vendorId: number | null;
  deviceId: number | null;
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
export function hexId(text: string | null): number | null {
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

const NO_FUNCTIONS: readonly TopoFunction[] = [];

/**
 * A bus as the grouping code walks it (kernel `struct pci_bus`): its functions, the bridge above
 * it and the bus above it, linked once per snapshot so that no walk looks a bus up again.
 */
export interface TopoBus {
  domain: number;
  number: number;
  /** The functions on the bus, in devfn order. */
  functions: TopoFunction[];
  /**
   * Kernel `bus->self`: the bridge whose secondary bus this is. When no bridge states its bus
   * numbers, a `parent` given by the source (sysfs path, lspci tree) stands in. SR-IOV virtual
   * buses have none.
   */
  bridge: TopoFunction | null;
  /** Kernel `bus->parent`: the bus above, null for a root bus. */
  parent: TopoBus | null;
  /**
   * Whether the walk up from the bus (parent until a root bus) never meets a bus twice. Only
   * contradictory parent facts make it loop; every other walk needs no set of visited buses.
   */
  walkEnds: boolean;
}

/** Kernel `pci_is_root_bus()`. */
export const isRootBus = (bus: TopoBus) => bus.parent === null;

/** `t` is another function of `f`'s slot that the slot scan finds (VFs are not scanned). */
export const isSlotSibling = (f: TopoFunction, t: TopoFunction) => t !== f && t.device === f.device && !t.isVf;

export class Topology {
  /** The functions, each at its `index`. */
  readonly functions: TopoFunction[];
  private readonly byAddress = new Map<string, TopoFunction>();
  /** Every bus with a function on it, in order of first appearance, by busNumberKey. */
  private readonly buses = new Map<number, TopoBus>();
  /** Types inferred so far (functions that state theirs are not in it). */
  private readonly inferredTypes = new Map<TopoFunction, PcieType | null>();
  /** Buses below each bridge that states no secondary bus, built on first use. */
  private busesBelowMemo: Map<TopoFunction, TopoBus[]> | null = null;
  private orderCache: TopoFunction[] | null = null;

  /**
   * Each pass over every function is a method of its own, with nothing after its loop: a loop the
   * optimizing compiler takes over while it runs (on-stack replacement) is compiled with only what
   * the code after it had seen by then, and code after it that had not yet run sent every topology
   * built (one per prediction, several per slot) back to the interpreter there. Indexed loops and
   * forEach rather than for...of: until the compiler has a pass, for...of allocates an iteration
   * result per entry.
   */
  constructor(devices: readonly PciFunction[], hypothetical: ReadonlySet<string>) {
    const parsed = this.addFunctions(devices, hypothetical);
    // Functions mostly come in address order already: sort only the buses that are not.
    this.buses.forEach(({ functions: list }) => {
      if (!inDevfnOrder(list)) list.sort((x, y) => x.devfn - y.devfn);
    });
    const statedBridges = this.statedBridges(parsed);
    this.buses.forEach((bus) => this.link(bus, statedBridges.get(bus)));
    markWalkEnds(this.buses);
    this.settleFunctions(parsed, statedBridges);
    this.functions = parsed;
  }

  /** The functions (one per address, the first listed) and the buses they sit on. */
  private addFunctions(devices: readonly PciFunction[], hypothetical: ReadonlySet<string>): TopoFunction[] {
    const parsed: TopoFunction[] = [];
    for (let i = 0; i < devices.length; i++) {
      const d = devices[i]!;
      const a = pciAddressOf(d.address);
      if (!a || this.byAddress.has(d.address)) continue;
      const n = busNumberKey(a.domain, a.bus);
      let onBus = this.buses.get(n);
      if (!onBus) {
        onBus = { domain: a.domain, number: a.bus, functions: [], bridge: null, parent: null, walkEnds: true };
        this.buses.set(n, onBus);
      }
      const f: TopoFunction = {
        index: parsed.length, address: d.address, source: d,
        domain: a.domain, bus: a.bus, device: a.device, function: a.function,
        devfn: (a.device << 3) | a.function,
        onBus,
        vendorId: hexId(d.vendorId), deviceId: hexId(d.deviceId),
        type: null, typeInferred: false,
        isBridge: d.headerType === 1 || d.secondaryBus !== null,
        multifunction: false,
        isVf: d.physfn !== null,
        hypothetical: hypothetical.size > 0 && hypothetical.has(d.address),
      };
      parsed.push(f);
      this.byAddress.set(f.address, f);
      // Most buses hold one function: a list grown from empty by push would keep room for 16 more.
      if (onBus.functions.length === 0) onBus.functions = [f];
      else onBus.functions.push(f);
    }
    return parsed;
  }

  /** The first bridge that states a bus as its secondary one is that bus's `bus->self`. */
  private statedBridges(parsed: readonly TopoFunction[]): Map<TopoBus, TopoFunction> {
    const stated = new Map<TopoBus, TopoFunction>();
    for (let i = 0; i < parsed.length; i++) {
      const f = parsed[i]!;
      const below = f.source.secondaryBus === null ? undefined : this.busAt(f.domain, f.source.secondaryBus);
      if (below && !stated.has(below)) stated.set(below, f);
    }
    return stated;
  }

  /** Multifunction flags and PCIe types, once the buses are linked. */
  private settleFunctions(parsed: readonly TopoFunction[], statedBridges: ReadonlyMap<TopoBus, TopoFunction>): void {
    for (let i = 0; i < parsed.length; i++) {
      const f = parsed[i]!;
      f.multifunction = computeMultifunction(f, statedBridges);
      f.type = this.typeOf(f);
      f.typeInferred = f.source.pcieType === null;
    }
  }

  /** The bus with that number, if a function sits on it. */
  private busAt(domain: number, bus: number): TopoBus | undefined {
    // A stated secondary bus outside 0-255 has no functions.
    return isBusNumber(bus) ? this.buses.get(busNumberKey(domain, bus)) : undefined;
  }

  get(address: string): TopoFunction | undefined {
    return this.byAddress.get(address);
  }

  /** Sets the bus's bridge and parent: the bridge stating it, else a VF's PF bus, else a stated `parent`. */
  private link(bus: TopoBus, stated: TopoFunction | undefined): void {
    if (stated) {
      bus.bridge = stated;
      bus.parent = stated.onBus;
      return;
    }
    const virtual = this.virtualBusParent(bus);
    bus.bridge = virtual === null ? this.statedParentBridge(bus) : null;
    bus.parent = bus.bridge ? bus.bridge.onBus : virtual;
  }

  /** The first `parent` a function on the bus names that sits on another bus. */
  private statedParentBridge(bus: TopoBus): TopoFunction | null {
    for (const f of bus.functions) {
      const parent = f.source.parent !== null ? this.byAddress.get(f.source.parent) : undefined;
      if (parent && parent.onBus !== bus) return parent;
    }
    return null;
  }

  /**
   * VFs that do not fit on their PF's bus sit on a "virtual" bus with no bridge; its parent is
   * the PF's bus (kernel `virtfn_add_bus`), so the walk upwards continues there (spec 1.8 rule 8).
   * Only asked for buses that no bridge states as its secondary bus.
   */
  private virtualBusParent(bus: TopoBus): TopoBus | null {
    for (const f of bus.functions) {
      if (!f.isVf) continue;
      const pf = this.byAddress.get(f.source.physfn!);
      if (pf && pf.onBus !== bus) return pf.onBus;
    }
    return null;
  }

  /** Kernel `pci_upstream_bridge()`: the bridge above the bus of the device (of its PF for a VF). */
  upstreamBridge(f: TopoFunction): TopoFunction | null {
    const base = f.isVf ? this.byAddress.get(f.source.physfn!) ?? f : f;
    return base.onBus.bridge;
  }

  /** Devices directly below a bridge (on the bus it is `bus->self` of). */
  childrenOf(bridge: TopoFunction): readonly TopoFunction[] {
    const sec = bridge.source.secondaryBus;
    if (sec !== null) return this.busAt(bridge.domain, sec)?.functions ?? NO_FUNCTIONS;
    const buses = this.busesBelow().get(bridge);
    return buses ? buses.flatMap((b) => b.functions) : NO_FUNCTIONS;
  }

  /** The buses whose `bus->self` is each bridge, in bus order of first appearance. */
  private busesBelow(): Map<TopoFunction, TopoBus[]> {
    if (!this.busesBelowMemo) {
      const below = new Map<TopoFunction, TopoBus[]>();
      for (const bus of this.buses.values()) {
        if (!bus.bridge) continue;
        const list = below.get(bus.bridge);
        if (list) list.push(bus);
        else below.set(bus.bridge, [bus]);
      }
      this.busesBelowMemo = below;
    }
    return this.busesBelowMemo;
  }

  /** Other functions share the bus and device number (VFs do not count: the slot scan never finds them). */
  hasSlotSiblings(f: TopoFunction): boolean {
    return hasSlotSiblings(f);
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
    const above = f.onBus.bridge ?? (f.isVf ? this.upstreamBridge(f) : null);
    const aboveType = above ? this.typeOf(above) : null;
    let type: PcieType | null = null;
    // A subtractive-decode bridge (prog-if 01) on a root bus is the classic conventional
    // "DMI-to-PCI" bridge (Intel 00:1e.0), not a Root Port.
    if (!above && isRootBus(f.onBus)) {
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
    const visitedBuses = new Set<TopoBus>();
    // Each bus is visited once and every function sits on one bus: the boot functions of the
    // visited buses are listed exactly once, and they are all that is listed.
    const visitBus = (bus: TopoBus) => {
      if (visitedBuses.has(bus)) return;
      visitedBuses.add(bus);
      for (const f of bus.functions) if (!f.isVf) order.push(f);
      for (const f of bus.functions) {
        if (f.isVf) continue;
        const sec = f.source.secondaryBus;
        if (sec !== null) {
          const below = this.busAt(f.domain, sec);
          if (below) visitBus(below);
        } else if (f.isBridge) {
          // Buses known only through `parent` links (no bus numbers stated).
          for (const child of this.childrenOf(f)) visitBus(child.onBus);
        }
      }
    };
    const roots = [...this.buses.values()].filter(isRootBus).sort((a, b) => a.domain - b.domain || a.number - b.number);
    for (const bus of roots) visitBus(bus);
    const rest = this.functions.filter((f) => f.isVf || !visitedBuses.has(f.onBus));
    if (rest.length > 0) {
      // VFs follow their PF's position in the order (after everything for a PF not in it).
      const unranked = order.length;
      const position = new Array<number>(this.functions.length).fill(unranked);
      order.forEach((f, i) => {
        position[f.index] = i;
      });
      const pfRank = new Map<TopoFunction, number>();
      for (const f of rest) {
        const pf = f.isVf ? this.byAddress.get(f.source.physfn!) : undefined;
        pfRank.set(f, pf ? position[pf.index]! : unranked);
      }
      rest.sort((x, y) => pfRank.get(x)! - pfRank.get(y)! || x.domain - y.domain || x.bus - y.bus || x.devfn - y.devfn);
      for (const f of rest) order.push(f);
    }
    this.orderCache = order;
    return order;
  }
}

/** A loop rather than some() with a callback that captures the list: every bus asks. */
function inDevfnOrder(list: readonly TopoFunction[]): boolean {
  for (let i = 1; i < list.length; i++) if (list[i]!.devfn < list[i - 1]!.devfn) return false;
  return true;
}

/** Bus numbers from addresses are 0-255: only those can have functions. */
export const isBusNumber = (bus: number) => Number.isInteger(bus) && bus >= 0 && bus <= 0xff;

/**
 * A bus's map key: unique per domain and bus number (0-255, see isBusNumber), and a small integer
 * for every domain below 0x800000, which keeps the lookups cheap.
 */
export const busNumberKey = (domain: number, bus: number) => domain * 0x100 + bus;

/** Sets `walkEnds` on every bus, each walk stopping at the first bus an earlier walk went through. */
function markWalkEnds(buses: ReadonlyMap<number, TopoBus>): void {
  // The bus each walk started from, by the buses it went through.
  const walkOf = new Map<TopoBus, TopoBus>();
  // The walk's buses, the first `length` of them: overwritten walk by walk, as emptying a list
  // (length = 0) drops its storage and every bus starts a walk.
  const path: TopoBus[] = [];
  buses.forEach((start) => {
    let length = 0;
    let ends = true;
    for (let bus: TopoBus | null = start; bus !== null && !isRootBus(bus); bus = bus.parent) {
      const walk = walkOf.get(bus);
      if (walk !== undefined) {
        // Met again on this walk: a loop. Met on an earlier walk: that walk's answer.
        ends = walk !== start && bus.walkEnds;
        break;
      }
      walkOf.set(bus, start);
      path[length++] = bus;
    }
    for (let i = 0; i < length; i++) path[i]!.walkEnds = ends;
  });
}

/**
 * Kernel `pdev->multifunction` (spec 1.3 note, drivers/pci/probe.c `pci_scan_slot`): every
 * function > 0 the slot scan finds is marked multifunction whatever its header says; function 0
 * has its header bit (the `multifunction` fact when known, else "another function shares the
 * slot"). Below a Root or Downstream Port (as the bridge stating the bus as its secondary one
 * says) only device 0 is scanned, so a function at any other devfn there is an ARI function > 0
 * (spec 1.8 rule 9). VFs never.
 */
function computeMultifunction(f: TopoFunction, statedBridges: ReadonlyMap<TopoBus, TopoFunction>): boolean {
  if (f.isVf) return false;
  if (f.function > 0) return true;
  const stated = f.devfn > 0 ? statedBridges.get(f.onBus) : undefined;
  if (stated && (stated.source.pcieType === 'root-port' || stated.source.pcieType === 'downstream-port')) return true;
  if (f.source.multifunction !== null) return f.source.multifunction;
  return hasSlotSiblings(f);
}

/**
 * Topology.hasSlotSiblings. A loop rather than some() with a callback: a callback that captures
 * `f` makes every call allocate a context, and every function of a topology asks.
 */
function hasSlotSiblings(f: TopoFunction): boolean {
  const onBus = f.onBus.functions;
  for (let i = 0; i < onBus.length; i++) if (isSlotSibling(f, onBus[i]!)) return true;
  return false;
}
