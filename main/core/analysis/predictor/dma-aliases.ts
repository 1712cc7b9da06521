/**
 * DMA aliases (spec 1.6 and 1.10): the requester IDs the IOMMU may see for a device besides its
 * own. Sources: the kernel's alias quirks (by vendor/device ID), the "Enabling fixed DMA alias"
 * lines of dmesg (quirks and AMD IVRS alias entries alike), Intel VMD, and the bridges on the way
 * up (PCIe-to-PCI, conventional, "PCIe bridge alias" flag).
 */
import type { DmesgEvent } from '../../model/snapshot.ts';
import { hexId, isRootBus, type Topology, type TopoBus, type TopoFunction } from './topology.ts';

export interface AliasEntry {
  devfn: number;
  source: string;
}

const devfnOf = (device: number, fn: number) => ((device & 0x1f) << 3) | (fn & 7);
const key = (vendor: number, device: number) => (vendor << 16) | device;
const keys = (vendor: number, devices: number[]) => devices.map((d) => key(vendor, d));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Ricoh, Glenfly: the non-zero functions also use function 0's requester ID. */
const ALIAS_TO_FN0 = new Set([...keys(0x1180, [0xe832, 0xe476]), ...keys(0x6766, [0x3d40, 0x3d41])]);

/** Marvell, HighPoint, JMicron, Lite-On/Plextor: the device also uses function 1's requester ID. */
const ALIAS_TO_FN1 = new Set([
  ...keys(0x1b4b, [0x9120, 0x9123, 0x9125, 0x9128, 0x9130, 0x9170, 0x9172, 0x917a, 0x9182, 0x9183, 0x91a0, 0x9215, 0x9220, 0x9230, 0x9235]),
  ...keys(0x1103, [0x0642, 0x0645]),
  ...keys(0x197b, [0x2392]),
  ...keys(0x1c28, [0x0122]),
]);

/** Conventional bridges that are really PCIe-to-PCI bridges without a PCIe capability. */
const PCIE_BRIDGE_ALIAS = new Set([
  ...keys(0x1b21, [0x1080]), ...keys(0x10e3, [0x8113]), ...keys(0x1283, [0x8892, 0x8893]), ...keys(0x8086, [0x244e]),
]);

const INTEL_MIC_X200 = new Set(keys(0x8086, [0x2260, 0x2264]));
const INTEL_VCA = new Set(keys(0x8086, [0x2954, 0x2955, 0x2956, 0x2958, 0x2959, 0x295a]));
const PLX_NTB = new Set(keys(0x10b5, [0x87b0, 0x87b1]));
const THUNDERX2_ROOT = new Set(keys(0x14e4, [0x9000, 0x9084]));

const SWITCHTEC_FAMILY = (prefix: number, suffixes: number[]) => suffixes.map((s) => prefix * 0x100 + s);
const SWITCHTEC_NTB = new Set([
  ...keys(0x11f8, [
    ...range(0x8531, 0x8536), ...range(0x8541, 0x8546), ...range(0x8551, 0x8556), ...range(0x8561, 0x8566), ...range(0x8571, 0x8576),
    ...[0x40, 0x41, 0x42, 0x50, 0x51, 0x52, 0x53, 0x54, 0x55].flatMap((p) => SWITCHTEC_FAMILY(p, [0x00, 0x84, 0x68, 0x52, 0x36, 0x28])),
    ...[0x43, 0x44, 0x45].flatMap((p) => SWITCHTEC_FAMILY(p, [0x52, 0x36, 0x28])),
  ]),
  ...keys(0x1055, range(0x1001, 0x1006)),
]);

/** Every ID fromQuirks answers for (the Adaptec entry also needs its subsystem IDs). */
const ALIAS_QUIRK_IDS = new Set([
  ...ALIAS_TO_FN0, ...ALIAS_TO_FN1, key(0x9005, 0x0285), ...INTEL_MIC_X200, ...INTEL_VCA, ...PLX_NTB,
]);

const NO_ALIASES: readonly AliasEntry[] = [];

const idKey = (f: TopoFunction) => (f.vendorId === null || f.deviceId === null ? -1 : key(f.vendorId, f.deviceId));

export interface AliasFacts {
  /** The device's DMA-alias set (devfns on its own bus), with where each entry comes from. */
  aliases(f: TopoFunction): readonly AliasEntry[];
  /** Kernel `pci_real_dma_dev()`: the Intel VMD endpoint for devices behind it, else null. */
  vmdOwner(f: TopoFunction): TopoFunction | null;
  /** Kernel `PCI_DEV_FLAG_PCIE_BRIDGE_ALIAS`. */
  hasPcieBridgeAliasFlag(f: TopoFunction): boolean;
  /** Kernel `PCI_DEV_FLAGS_BRIDGE_XLATE_ROOT` (Cavium ThunderX2 root bridges). */
  isTranslationRoot(f: TopoFunction): boolean;
  /** Devices whose aliases cannot be known offline, with why. */
  unpredictable(f: TopoFunction): string | null;
  /**
   * Whether a function on the bus has aliases or unpredictable ones: on every other bus (nearly
   * all of them) the same-bus alias search has nothing to find or to note.
   */
  anyOnBus(bus: TopoBus): boolean;
}

/** Aliases announced in dmesg, by device address. */
function dmesgAliases(events: readonly DmesgEvent[]): { byDevice: Map<string, AliasEntry[]>; ntb: Set<string> } {
  const byDevice = new Map<string, AliasEntry[]>();
  const ntb = new Set<string>();
  const add = (device: string, entry: AliasEntry) => {
    const list = byDevice.get(device) ?? [];
    if (!list.some((e) => e.devfn === entry.devfn)) list.push(entry);
    byDevice.set(device, list);
  };
  const hex = (text: string | undefined) => (text === undefined ? NaN : parseInt(text, 16));
  // Indexed loops over every log line and function: they run once per prediction, largely before
  // the optimizing compiler has them, where for...of allocates an iteration result per entry.
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (e.device === null) continue;
    if (e.id === 'pci.alias') {
      const slot = hex(e.fields.slot);
      const fn = Number(e.fields.fn);
      if (Number.isInteger(slot) && Number.isInteger(fn)) add(e.device, { devfn: devfnOf(slot, fn), source: `dmesg "${e.text}"` });
    } else if (e.id === 'pci.aliasRange') {
      const from = devfnOf(hex(e.fields.slot1), Number(e.fields.fn1));
      const to = devfnOf(hex(e.fields.slot2), Number(e.fields.fn2));
      if (Number.isInteger(from) && Number.isInteger(to)) {
        for (let d = from; d <= to; d++) add(e.device, { devfn: d, source: `dmesg "${e.text}"` });
      }
    } else if (e.id === 'pci.ntbAlias') ntb.add(e.device);
  }
  return { byDevice, ntb };
}

/** The VMD endpoint above a device in a VMD domain: from its sysfs path, else the only `vmd`-bound device. */
function findVmdOwner(f: TopoFunction, topology: Topology): TopoFunction | null {
  if (f.domain <= 0xffff) return null;
  const path = f.source.sysfsPath;
  if (path) {
    const parts = path.split('/');
    const i = parts.findIndex((p) => /^pci[0-9a-f]{5,8}:[0-9a-f]{2}$/.test(p));
    const owner = i > 0 ? topology.get(parts[i - 1]!) : undefined;
    if (owner) return owner;
  }
  const vmds = topology.functions.filter((t) => t.source.driver === 'vmd' && t.domain <= 0xffff);
  return vmds.length === 1 ? vmds[0]! : null;
}

export function aliasFacts(topology: Topology, dmesg: readonly DmesgEvent[]): AliasFacts {
  const announced = dmesgAliases(dmesg);
  // Each function's aliases, by TopoFunction.index.
  const memo = new Array<readonly AliasEntry[] | undefined>(topology.functions.length).fill(undefined);

  const fromQuirks = (f: TopoFunction): AliasEntry[] => {
    const id = idKey(f);
    const out: AliasEntry[] = [];
    if (ALIAS_TO_FN0.has(id) && f.function !== 0) out.push({ devfn: devfnOf(f.device, 0), source: 'quirk: DMA alias to function 0' });
    if (ALIAS_TO_FN1.has(id) && f.function !== 1) out.push({ devfn: devfnOf(f.device, 1), source: 'quirk: DMA alias to function 1' });
    if (id === key(0x9005, 0x0285) && hexId(f.source.subsystemVendorId) === 0x9005
      && (hexId(f.source.subsystemDeviceId) === 0x02bb || hexId(f.source.subsystemDeviceId) === 0x02bc)) {
      out.push({ devfn: devfnOf(1, 0), source: 'quirk: Adaptec fixed DMA alias 01.0' });
    }
    if (INTEL_MIC_X200.has(id)) {
      for (const devfn of [devfnOf(0x10, 0), devfnOf(0x11, 0), devfnOf(0x12, 3)]) out.push({ devfn, source: 'quirk: Intel MIC x200 aliases' });
    }
    if (INTEL_VCA.has(id)) {
      for (let slot = 0; slot < 32; slot++) {
        for (let fn = 0; fn < 5; fn++) out.push({ devfn: devfnOf(slot, fn), source: 'quirk: Intel VCA aliases functions 0-4 of every slot' });
      }
    }
    if (PLX_NTB.has(id)) {
      for (let devfn = 0; devfn < 256; devfn++) out.push({ devfn, source: 'quirk: PLX NTB aliases every devfn of its bus' });
    }
    return out;
  };

  // The aliases of a function that has some. A function of its own: its callbacks capture `f`,
  // which in aliases() would make every call (memoized ones too) allocate a context.
  const collect = (f: TopoFunction, fromDmesg: readonly AliasEntry[] | undefined): AliasEntry[] => {
    const all = fromQuirks(f);
    for (const e of fromDmesg ?? []) if (!all.some((x) => x.devfn === e.devfn)) all.push(e);
    return all.filter((e) => e.devfn !== f.devfn);
  };

  const busesWithAliases = new Set<TopoBus>();
  const facts: AliasFacts = {
    aliases(f) {
      let list = memo[f.index];
      if (!list) {
        const fromDmesg = announced.byDevice.get(f.address);
        // Nearly every device has no alias: no lists to build for it.
        list = !fromDmesg && !ALIAS_QUIRK_IDS.has(idKey(f)) ? NO_ALIASES : collect(f, fromDmesg);
        memo[f.index] = list;
      }
      return list;
    },
    vmdOwner: (f) => findVmdOwner(f, topology),
    hasPcieBridgeAliasFlag(f) {
      if (!PCIE_BRIDGE_ALIAS.has(idKey(f)) || !f.isBridge) return false;
      if (f.type !== null && f.type !== 'conventional') return false;
      if (isRootBus(f.onBus)) return false;
      const above = f.onBus.bridge;
      return above !== null && above.type !== null && above.type !== 'conventional' && above.type !== 'pcie-to-pci-bridge';
    },
    isTranslationRoot: (f) => THUNDERX2_ROOT.has(idKey(f)),
    unpredictable(f) {
      const id = idKey(f);
      if (SWITCHTEC_NTB.has(id) && f.source.classCode === '0680' && !announced.ntb.has(f.address)) {
        return 'Switchtec NTB: its DMA aliases are read from the switch at boot and cannot be predicted offline (no dmesg lines)';
      }
      return null;
    },
    anyOnBus(bus) {
      return busesWithAliases.has(bus);
    },
  };
  for (let i = 0; i < topology.functions.length; i++) {
    const f = topology.functions[i]!;
    if (facts.aliases(f).length > 0 || facts.unpredictable(f) !== null) busesWithAliases.add(f.onBus);
  }
  return facts;
}
