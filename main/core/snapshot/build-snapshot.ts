/**
 * Merge what the parsers found into one Snapshot, and derive what follows from it.
 *
 * Precedence: for each fact of a PCI function the most direct source wins (sysfs is what the
 * running kernel says; lspci -vvv decodes config space; pasted listings and trees come last).
 * A later source only fills facts the earlier ones left unknown, so nothing is overwritten by a
 * guess. Derived facts (parent bridge from bus numbers, multifunction from siblings, group
 * membership from per-device links) are computed only where no source stated them.
 */
import {
  SCHEMA_VERSION, emptyPciFunction,
  type DmesgEvent, type IommuGroup, type PciFunction, type Slot, type Snapshot, type SourceName,
} from '../model/snapshot.ts';
import { comparePciAddresses, parsePciAddress } from '../model/pci-address.ts';
import type { FunctionPatch, SnapshotParts } from './parts.ts';
import { linkDowngraded } from '../model/link.ts';
import { pciAddressOf } from '../parsers/canonical-address.ts';
import { summarizeDmesg } from '../parsers/dmesg.ts';

/** Most direct first. */
const SOURCE_PRECEDENCE: SourceName[] = [
  'sysfs', 'lspci-vvv', 'lspci-x', 'lspci-vmm', 'lspci-nnk', 'libvirt', 'group-listing', 'lspci-tree', 'dmesg', 'inferred',
];

export type ProvenanceInput = Omit<Snapshot['provenance'], 'unreadable' | 'warnings'> & {
  unreadable?: Snapshot['provenance']['unreadable'];
  warnings?: string[];
};

function mergeFunctions(parts: SnapshotParts): Map<string, PciFunction> {
  const byAddress = new Map<string, PciFunction>();
  const rank = (s: SourceName) => {
    const i = SOURCE_PRECEDENCE.indexOf(s);
    return i < 0 ? SOURCE_PRECEDENCE.length : i;
  };
  const slices = [...parts.functions].sort((a, b) => rank(a.source) - rank(b.source));
  // The function of each patch of the slice before, by the patch's position: sources list the
  // same functions in the same order (sysfs and lspci both by address), and a patch then finds
  // its function at its own position, without a lookup in a big host's map.
  let previous: PciFunction[] = [];
  for (const slice of slices) {
    // Indexed, as the loops of deriveTopology (see there).
    const patches = slice.functions;
    const met = new Array<PciFunction>(patches.length);
    for (let i = 0; i < patches.length; i++) {
      const patch = patches[i]!;
      const atPosition = previous[i];
      let fn = atPosition !== undefined && atPosition.address === patch.address ? atPosition : byAddress.get(patch.address);
      if (!fn && slice.whole) {
        fn = takeWholePatch(patch, slice.source);
        byAddress.set(patch.address, fn);
        met[i] = fn;
        continue;
      }
      if (!fn) {
        fn = emptyPciFunction(patch.address);
        byAddress.set(patch.address, fn);
      }
      applyPatch(fn, patch);
      if (!fn.sources.includes(slice.source)) fn.sources = withSource(fn.sources, slice.source);
      met[i] = fn;
    }
    previous = met;
  }
  return byAddress;
}

/**
 * A whole patch (FunctionSlice.whole: every field of PciFunction but `sources`, in its order) made
 * the function itself: each fact it leaves unknown (undefined) set as emptyPciFunction sets it,
 * and its source added last, where PciFunction has `sources`. Field by field, as applyPatch.
 */
function takeWholePatch(patch: FunctionPatch, source: SourceName): PciFunction {
  patch.vendorId ??= null;
  patch.deviceId ??= null;
  patch.subsystemVendorId ??= null;
  patch.subsystemDeviceId ??= null;
  patch.vendorName ??= null;
  patch.deviceName ??= null;
  patch.subsystemName ??= null;
  patch.classCode ??= null;
  patch.progIf ??= null;
  patch.className ??= null;
  patch.revision ??= null;
  patch.headerType ??= null;
  patch.multifunction ??= null;
  patch.pcieType ??= null;
  patch.driver ??= null;
  patch.driverOverride ??= null;
  patch.modules ??= null;
  patch.iommuGroup ??= null;
  patch.numaNode ??= null;
  patch.link ??= null;
  patch.resetMethods ??= null;
  patch.bootVga ??= null;
  patch.sriov ??= null;
  patch.physfn ??= null;
  patch.acs ??= { state: 'unknown' };
  patch.flr ??= null;
  patch.parent ??= null;
  patch.sysfsPath ??= null;
  patch.physicalSlot ??= null;
  patch.secondaryBus ??= null;
  patch.subordinateBus ??= null;
  patch.slotImplemented ??= null;
  patch.slotNumber ??= null;
  // Every field is set now.
  const fn = patch as PciFunction;
  fn.sources = [source];
  return fn;
}

/**
 * `sources` and then `source`, in a new array of exactly that size: an array grown by push keeps
 * room for 17 entries, and every function keeps its list of one or two sources in the snapshot.
 * Short lists are written out: concat with a value that is not an array takes V8's generic path.
 */
function withSource(sources: readonly SourceName[], source: SourceName): SourceName[] {
  if (sources.length === 0) return [source];
  if (sources.length === 1) return [sources[0]!, source];
  return sources.concat([source]);
}

/**
 * Fills the facts the function does not know yet (null; ACS in state "unknown") with those the
 * patch knows. Field by field, every field of PciFunction but `address` and `sources`: a loop
 * over each patch's keys (patches of many shapes) costs a dictionary lookup per field.
 */
function applyPatch(fn: PciFunction, patch: FunctionPatch): void {
  if (fn.vendorId === null && patch.vendorId != null) fn.vendorId = patch.vendorId;
  if (fn.deviceId === null && patch.deviceId != null) fn.deviceId = patch.deviceId;
  if (fn.subsystemVendorId === null && patch.subsystemVendorId != null) fn.subsystemVendorId = patch.subsystemVendorId;
  if (fn.subsystemDeviceId === null && patch.subsystemDeviceId != null) fn.subsystemDeviceId = patch.subsystemDeviceId;
  if (fn.vendorName === null && patch.vendorName != null) fn.vendorName = patch.vendorName;
  if (fn.deviceName === null && patch.deviceName != null) fn.deviceName = patch.deviceName;
  if (fn.subsystemName === null && patch.subsystemName != null) fn.subsystemName = patch.subsystemName;
  if (fn.classCode === null && patch.classCode != null) fn.classCode = patch.classCode;
  if (fn.progIf === null && patch.progIf != null) fn.progIf = patch.progIf;
  if (fn.className === null && patch.className != null) fn.className = patch.className;
  if (fn.revision === null && patch.revision != null) fn.revision = patch.revision;
  if (fn.headerType === null && patch.headerType != null) fn.headerType = patch.headerType;
  if (fn.multifunction === null && patch.multifunction != null) fn.multifunction = patch.multifunction;
  if (fn.pcieType === null && patch.pcieType != null) fn.pcieType = patch.pcieType;
  if (fn.driver === null && patch.driver != null) fn.driver = patch.driver;
  if (fn.driverOverride === null && patch.driverOverride != null) fn.driverOverride = patch.driverOverride;
  if (fn.modules === null && patch.modules != null) fn.modules = patch.modules;
  if (fn.iommuGroup === null && patch.iommuGroup != null) fn.iommuGroup = patch.iommuGroup;
  if (fn.numaNode === null && patch.numaNode != null) fn.numaNode = patch.numaNode;
  if (fn.link === null && patch.link != null) fn.link = patch.link;
  if (fn.resetMethods === null && patch.resetMethods != null) fn.resetMethods = patch.resetMethods;
  if (fn.bootVga === null && patch.bootVga != null) fn.bootVga = patch.bootVga;
  if (fn.sriov === null && patch.sriov != null) fn.sriov = patch.sriov;
  if (fn.physfn === null && patch.physfn != null) fn.physfn = patch.physfn;
  if (fn.flr === null && patch.flr != null) fn.flr = patch.flr;
  if (fn.parent === null && patch.parent != null) fn.parent = patch.parent;
  if (fn.sysfsPath === null && patch.sysfsPath != null) fn.sysfsPath = patch.sysfsPath;
  if (fn.physicalSlot === null && patch.physicalSlot != null) fn.physicalSlot = patch.physicalSlot;
  if (fn.secondaryBus === null && patch.secondaryBus != null) fn.secondaryBus = patch.secondaryBus;
  if (fn.subordinateBus === null && patch.subordinateBus != null) fn.subordinateBus = patch.subordinateBus;
  if (fn.slotImplemented === null && patch.slotImplemented != null) fn.slotImplemented = patch.slotImplemented;
  if (fn.slotNumber === null && patch.slotNumber != null) fn.slotNumber = patch.slotNumber;
  if (fn.acs.state === 'unknown' && patch.acs != null && patch.acs.state !== 'unknown') fn.acs = patch.acs;
}

/**
 * A bus as one number, for the maps of a big host's buses (no string built per device): 8-bit
 * bus numbers below a domain of up to 32 bits, exact in a double. null for numbers no PCI address
 * has (a malformed source's), which name no bus an address is on.
 */
function busKey(domain: number, bus: number): number | null {
  const valid = Number.isInteger(domain) && domain >= 0 && domain <= 0xffffffff && Number.isInteger(bus) && bus >= 0 && bus <= 0xff;
  return valid ? domain * 0x100 + bus : null;
}

/**
 * Fill in what the sources did not state but the topology implies. The loops are indexed, over
 * numbers kept per device index: this runs once per snapshot, largely before the optimiser has
 * compiled it, and there a for-of allocates an iterator result per element (and a list per slot
 * or an address object per device would be kept for the whole pass).
 */
function deriveTopology(
  devices: PciFunction[], byAddress: ReadonlyMap<string, PciFunction>, rootBuses: Snapshot['rootBuses'],
): void {
  const n = devices.length;
  // Per device: its bus (busKey), its slot (bus * 32 + device number) and its function number,
  // each address parsed once; NaN for an address that does not parse.
  const buses = new Float64Array(n);
  const slots = new Float64Array(n);
  const functionNumbers = new Uint8Array(n);
  const bridgeForBus = new Map<number, PciFunction>();
  for (let i = 0; i < n; i++) {
    const d = devices[i]!;
    const a = pciAddressOf(d.address);
    if (!a) {
      buses[i] = NaN;
      slots[i] = NaN;
      continue;
    }
    // A parsed address has an 8-bit bus and a 5-bit device number.
    const bus = busKey(a.domain, a.bus)!;
    buses[i] = bus;
    slots[i] = bus * 32 + a.device;
    functionNumbers[i] = a.function;
    const key = d.secondaryBus !== null ? busKey(a.domain, d.secondaryBus) : null;
    if (key !== null) bridgeForBus.set(key, d);
  }
  const rootBusKeys = new Set(rootBuses.map((r) => busKey(r.domain, r.bus)));
  /** How many functions that are not VFs each slot has. */
  const slotFunctions = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const d = devices[i]!;
    const bus = buses[i]!;
    if (Number.isNaN(bus)) continue;
    if (d.physfn === null) slotFunctions.set(slots[i]!, (slotFunctions.get(slots[i]!) ?? 0) + 1);
    // The bridge above a bus is the one whose secondary bus it is (kernel `bus->self`).
    if (d.parent === null && !rootBusKeys.has(bus) && d.sysfsPath === null) {
      const bridge = bridgeForBus.get(bus);
      if (bridge && bridge !== d) {
        d.parent = bridge.address;
        if (!d.sources.includes('inferred')) d.sources = withSource(d.sources, 'inferred');
      }
    }
  }
  // Kernel `pdev->multifunction` (drivers/pci/probe.c): header bit 7 of function 0, and every
  // function > 0 found while scanning a slot, whatever its own header says (QEMU sets the bit on
  // function 0 only). Function 0 with siblings must have had the bit, or they would not be
  // scanned. VFs are never multifunction (spec 1.3).
  for (let i = 0; i < n; i++) {
    const d = devices[i]!;
    if (Number.isNaN(slots[i]!)) continue;
    if (d.physfn !== null) {
      d.multifunction = false;
      continue;
    }
    if (functionNumbers[i]! > 0 || slotFunctions.get(slots[i]!)! > 1) d.multifunction = true;
    else if (d.multifunction === null && d.headerType !== null) d.multifunction = false;
  }
  for (let i = 0; i < n; i++) {
    const d = devices[i]!;
    // PF → VF list, when only the VFs said who their PF is.
    if (d.physfn !== null) {
      const pf = byAddress.get(d.physfn);
      if (pf?.sriov && !pf.sriov.vfs.includes(d.address)) pf.sriov.vfs.push(d.address);
    }
    const l = d.link;
    if (l && l.downgraded === null) l.downgraded = linkDowngraded(l);
  }
}

function deriveGroups(parts: SnapshotParts, devices: Map<string, PciFunction>): IommuGroup[] {
  if (parts.groups) {
    // A function no source gave a group is in the first group that lists it. Only those are
    // looked up, in a map of their own: sysfs gives every function it lists its group, and on a
    // big host a lookup per member in the map of all functions costs a cache miss or two.
    const ungrouped = new Map<string, PciFunction>();
    devices.forEach((d) => {
      if (d.iommuGroup === null) ungrouped.set(d.address, d);
    });
    // Indexed, as the loops of deriveTopology (see there).
    const groups = parts.groups.groups;
    for (let i = 0; i < groups.length && ungrouped.size > 0; i++) {
      const { id, devices: members } = groups[i]!;
      for (let k = 0; k < members.length; k++) {
        const d = ungrouped.get(members[k]!);
        if (d) {
          d.iommuGroup = id;
          ungrouped.delete(d.address);
        }
      }
    }
    return [...parts.groups.groups].sort((a, b) => a.id - b.id);
  }
  const byId = new Map<number, IommuGroup>();
  for (const d of devices.values()) {
    if (d.iommuGroup === null) continue;
    const g = byId.get(d.iommuGroup) ?? { id: d.iommuGroup, type: null, devices: [], otherMembers: [], reservedRegions: null };
    g.devices.push(d.address);
    byId.set(d.iommuGroup, g);
  }
  for (const g of byId.values()) g.devices.sort(comparePciAddresses);
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

/**
 * Join slots to the port that serves them. sysfs gives `DDDD:BB[:SS]` where BB is the port's
 * secondary bus (spec 3.3); DMI's "Bus Address" is usually the device in the slot, but some
 * firmware gives the root port itself (ASUS X570) or a bogus address on empty slots.
 */
function joinSlots(slots: Slot[], devices: Map<string, PciFunction>): Slot[] {
  const list = [...devices.values()];
  const portForBus = (domain: number, bus: number) =>
    list.find((d) => d.secondaryBus === bus && parsePciAddress(d.address)?.domain === domain) ?? null;
  const joined: Slot[] = [];
  // The same record twice is one slot read from two inputs (a full dmidecode and its `-t 9`
  // extract, pasted together): nothing tells two such records apart, so they are one slot.
  const records = new Set<string>();
  for (const s of slots) {
    const record = JSON.stringify(s);
    if (records.has(record)) continue;
    records.add(record);
    const slot: Slot = { ...s, devices: [...s.devices] };
    if (slot.rootPort === null && slot.busAddress) {
      const sysfsForm = /^([0-9a-f]{4,8}):([0-9a-f]{2})(?::([0-9a-f]{2}))?$/i.exec(slot.busAddress);
      if (sysfsForm) {
        slot.rootPort = portForBus(parseInt(sysfsForm[1]!, 16), parseInt(sysfsForm[2]!, 16))?.address ?? null;
      } else {
        const a = parsePciAddress(slot.busAddress);
        const d = a ? devices.get(slot.busAddress) : undefined;
        if (d && d.secondaryBus !== null) slot.rootPort = d.address;
        else if (d) slot.rootPort = d.parent;
        else if (a && a.device === 0) slot.rootPort = portForBus(a.domain, a.bus)?.address ?? null;
      }
    }
    // A sysfs slot with a device number names its devices exactly (the parser matched them);
    // a DMI slot or a bus-only address holds whatever sits directly below its port.
    const exactSysfsSlot = slot.source === 'sysfs' && /^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}$/i.test(slot.busAddress ?? '');
    if (slot.rootPort && slot.devices.length === 0 && !exactSysfsSlot) {
      const port = devices.get(slot.rootPort);
      if (port && port.secondaryBus !== null) {
        for (const d of list) {
          if (d.parent === port.address) slot.devices.push(d.address);
        }
      }
    }
    joined.push(slot);
  }
  // One physical slot seen by both sysfs and DMI: keep one record.
  const merged: Slot[] = [];
  for (const s of joined) {
    const twin = merged.find((m) => m.rootPort !== null && m.rootPort === s.rootPort && m.source !== s.source && m.source !== 'both');
    if (!twin) {
      merged.push(s);
      continue;
    }
    const [sys, dmi] = twin.source === 'sysfs' ? [twin, s] : [s, twin];
    Object.assign(twin, {
      ...dmi,
      name: sys.name,
      source: 'both',
      busAddress: sys.busAddress ?? dmi.busAddress,
      devices: twin.devices.length ? twin.devices : s.devices,
    });
  }
  for (const s of merged) s.devices.sort(comparePciAddresses);
  return merged;
}

function summarizeIommu(parts: SnapshotParts, groups: IommuGroup[], dmesg: DmesgEvent[]): Snapshot['iommu'] {
  const given = parts.iommu ?? {};
  const units = given.units ?? [];
  const log = summarizeDmesg(dmesg);

  let vendor: Snapshot['iommu']['vendor'] = given.vendor ?? 'unknown';
  if (vendor === 'unknown') {
    const kinds = new Set(units.map((u) => u.kind));
    if (kinds.has('intel')) vendor = 'intel';
    else if (kinds.has('amd')) vendor = 'amd';
    else if (kinds.has('arm-smmu')) vendor = 'arm-smmu';
    else if (kinds.has('virtio')) vendor = 'virtio';
    else if (log.vendor) vendor = log.vendor;
    else if (given.firmwareTables?.includes('DMAR')) vendor = 'intel';
    else if (given.firmwareTables?.includes('IVRS')) vendor = 'amd';
    // sysfs read, no unit, no group and no firmware table: this host has no IOMMU.
    else if (given.firmwareTables && given.units && groups.length === 0) vendor = 'none';
  }

  let enabled: boolean | null = given.enabled ?? null;
  if (enabled === null) {
    if (groups.length > 0 || units.length > 0) enabled = true;
    else if (log.enabled !== null) enabled = log.enabled;
    // sysfs was read and holds no unit and no group: nothing translates.
    else if (given.units !== undefined && parts.groups?.source === 'sysfs') enabled = false;
  }

  let defaultDomain: Snapshot['iommu']['defaultDomain'] = given.defaultDomain ?? log.defaultDomain;
  if (defaultDomain === null) {
    // Group `type` files (spec 3.1): identity = passthrough, DMA-FQ = lazy, DMA = strict.
    const types = new Set(groups.map((g) => g.type).filter((t): t is string => t !== null));
    if (types.size === 1 && types.has('identity')) defaultDomain = 'passthrough';
    else if (types.has('DMA-FQ')) defaultDomain = 'lazy';
    else if (types.has('DMA')) defaultDomain = 'translated';
  }

  return {
    vendor,
    enabled,
    firmwareTables: given.firmwareTables ?? null,
    units,
    interruptRemapping: given.interruptRemapping ?? log.interruptRemapping,
    defaultDomain,
    dmesg,
  };
}

export function buildSnapshot(parts: SnapshotParts, provenance: ProvenanceInput): Snapshot {
  const devicesByAddress = mergeFunctions(parts);
  const rootBuses = parts.rootBuses ?? [];
  const groups = deriveGroups(parts, devicesByAddress);
  const devices = [...devicesByAddress.values()].sort((a, b) => comparePciAddresses(a.address, b.address));
  deriveTopology(devices, devicesByAddress, rootBuses);
  const dmesg = parts.dmesg ?? [];
  const h = parts.host ?? {};
  const snapshot: Snapshot = {
    schemaVersion: SCHEMA_VERSION,
    host: {
      hostname: h.hostname ?? null,
      kernelRelease: h.kernelRelease ?? null,
      kernelVersion: h.kernelVersion ?? null,
      distro: h.distro ?? null,
      cpu: {
        model: h.cpu?.model ?? null,
        vendor: h.cpu?.vendor ?? null,
        virtualization: h.cpu?.virtualization ?? null,
        count: h.cpu?.count ?? null,
      },
      dmi: {
        systemVendor: h.dmi?.systemVendor ?? null,
        systemProduct: h.dmi?.systemProduct ?? null,
        boardVendor: h.dmi?.boardVendor ?? null,
        boardName: h.dmi?.boardName ?? null,
        boardVersion: h.dmi?.boardVersion ?? null,
        biosVendor: h.dmi?.biosVendor ?? null,
        biosVersion: h.dmi?.biosVersion ?? null,
        biosDate: h.dmi?.biosDate ?? null,
      },
      modules: h.modules ?? null,
      kvm: h.kvm ?? null,
    },
    cmdline: parts.cmdline ?? null,
    iommu: summarizeIommu(parts, groups, dmesg),
    devices,
    groups,
    rootBuses,
    slots: joinSlots(parts.slots ?? [], devicesByAddress),
    libvirt: parts.libvirt ?? null,
    hostUsage: parts.hostUsage ?? null,
    provenance: {
      ...provenance,
      unreadable: [...(provenance.unreadable ?? []), ...(parts.unreadable ?? [])],
      warnings: [...(provenance.warnings ?? []), ...(parts.warnings ?? [])],
    },
  };
  return snapshot;
}
