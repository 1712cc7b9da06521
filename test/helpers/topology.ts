/**
 * Build synthetic PCI topologies and snapshots for predictor tests, e.g.
 *
 *     const s = snapshot([rootPort('00:1c.0', 0x01, 'none'), endpoint('01:00.0')]);
 *
 * Addresses may omit the domain. ACS shorthands follow QEMU's pcie-root-port: capability
 * SV|TB|RR|CR|UF|DT (0x5f); "enabled" = the kernel turned on SV|RR|CR|UF (0x1d).
 */
import {
  SCHEMA_VERSION, emptyPciFunction, type DmesgEvent, type PciFunction, type PcieType, type Snapshot,
} from '../../main/core/model/snapshot.ts';
import { normalizePciAddress } from '../../main/core/model/pci-address.ts';
import { parseKernelCommandLine } from '../../main/core/parsers/cmdline.ts';

export const ACS_CAP_QEMU = 0x5f;
export const ACS_CTRL_KERNEL = 0x1d;

export type AcsSpec = 'none' | 'unknown' | 'enabled' | 'disabled' | { cap: number; ctrl: number };

export interface FnOptions {
  /** PCIe type; null = unknown (non-root capture). Default 'endpoint'. */
  type?: PcieType | null;
  /** "vvvv:dddd". */
  id?: string;
  subsystem?: string;
  classCode?: string;
  progIf?: string;
  acs?: AcsSpec;
  secondary?: number;
  multifunction?: boolean;
  physfn?: string;
  driver?: string;
  sysfsPath?: string;
  parent?: string;
  headerType?: number;
}

export function addr(text: string): string {
  const a = normalizePciAddress(text);
  if (!a) throw new Error(`bad address ${text}`);
  return a;
}

function acsOf(spec: AcsSpec): PciFunction['acs'] {
  if (spec === 'none') return { state: 'absent' };
  if (spec === 'unknown') return { state: 'unknown' };
  if (spec === 'enabled') return { state: 'present', capability: ACS_CAP_QEMU, control: ACS_CTRL_KERNEL };
  if (spec === 'disabled') return { state: 'present', capability: ACS_CAP_QEMU, control: 0 };
  return { state: 'present', capability: spec.cap, control: spec.ctrl };
}

const BRIDGE_TYPES: ReadonlySet<PcieType | null> = new Set(['root-port', 'downstream-port', 'upstream-port', 'pcie-to-pci-bridge', 'pci-to-pcie-bridge']);

export function fn(address: string, o: FnOptions = {}): PciFunction {
  const f = emptyPciFunction(addr(address));
  const type = o.type === undefined ? 'endpoint' : o.type;
  const [vendor, device] = (o.id ?? '1234:0001').split(':');
  f.vendorId = vendor!;
  f.deviceId = device!;
  if (o.subsystem) [f.subsystemVendorId, f.subsystemDeviceId] = o.subsystem.split(':') as [string, string];
  const bridge = o.secondary !== undefined || BRIDGE_TYPES.has(type);
  f.classCode = o.classCode ?? (bridge ? '0604' : '0200');
  f.progIf = o.progIf ?? '00';
  f.headerType = o.headerType ?? (bridge ? 1 : 0);
  f.pcieType = type;
  f.acs = acsOf(o.acs ?? 'none');
  if (o.secondary !== undefined) {
    f.secondaryBus = o.secondary;
    f.subordinateBus = o.secondary;
  }
  f.multifunction = o.multifunction ?? null;
  f.physfn = o.physfn ? addr(o.physfn) : null;
  f.driver = o.driver ?? null;
  f.sysfsPath = o.sysfsPath ?? null;
  f.parent = o.parent ? addr(o.parent) : null;
  f.sources = ['lspci-vvv'];
  return f;
}

export const rootPort = (a: string, secondary: number, acs: AcsSpec = 'enabled', o: FnOptions = {}) =>
  fn(a, { type: 'root-port', id: '1b36:000c', secondary, acs, ...o });
export const downstreamPort = (a: string, secondary: number, acs: AcsSpec = 'enabled', o: FnOptions = {}) =>
  fn(a, { type: 'downstream-port', id: '104c:8233', secondary, acs, ...o });
export const upstreamPort = (a: string, secondary: number, o: FnOptions = {}) =>
  fn(a, { type: 'upstream-port', id: '104c:8232', secondary, ...o });
export const pcieToPciBridge = (a: string, secondary: number, o: FnOptions = {}) =>
  fn(a, { type: 'pcie-to-pci-bridge', id: '1b36:000e', secondary, ...o });
export const pciBridge = (a: string, secondary: number, o: FnOptions = {}) =>
  fn(a, { type: 'conventional', id: '1b36:0001', secondary, ...o });
export const endpoint = (a: string, o: FnOptions = {}) => fn(a, { type: 'endpoint', ...o });
export const conventional = (a: string, o: FnOptions = {}) => fn(a, { type: 'conventional', ...o });

export function dmesgEvent(id: string, device: string | null, text: string, fields: Record<string, string> = {}): DmesgEvent {
  return { id, category: 'other', time: null, device: device === null ? null : addr(device), fields, text };
}

export interface SnapshotOptions {
  cmdline?: string;
  dmesg?: DmesgEvent[];
  /** The kernel's groups (addresses may be short); numbered in the given order. */
  groups?: string[][];
  iommu?: Partial<Snapshot['iommu']>;
}

export function snapshot(devices: PciFunction[], o: SnapshotOptions = {}): Snapshot {
  const groups = (o.groups ?? []).map((g, id) => ({
    id, type: 'DMA', devices: g.map(addr), otherMembers: [], reservedRegions: null,
  }));
  for (const g of groups) for (const d of g.devices) {
    const f = devices.find((x) => x.address === d);
    if (f) f.iommuGroup = g.id;
  }
  return {
    schemaVersion: SCHEMA_VERSION,
    host: {
      hostname: null, kernelRelease: null, kernelVersion: null, distro: null,
      cpu: { model: null, vendor: null, virtualization: null, count: null },
      dmi: {
        systemVendor: null, systemProduct: null, boardVendor: null, boardName: null, boardVersion: null,
        biosVendor: null, biosVersion: null, biosDate: null,
      },
      modules: null, kvm: null,
    },
    cmdline: o.cmdline === undefined ? null : parseKernelCommandLine(o.cmdline).data,
    iommu: {
      vendor: 'intel', enabled: true, firmwareTables: null, units: [], interruptRemapping: null, defaultDomain: null,
      dmesg: o.dmesg ?? [],
      ...o.iommu,
    },
    devices,
    groups,
    rootBuses: [],
    slots: [],
    libvirt: null,
    hostUsage: null,
    provenance: {
      collectedAt: '2025-01-01T00:00:00Z', method: 'import', target: 'synthetic', user: null, root: true, durationMs: null,
      inputs: [], unreadable: [], warnings: [], tool: 'test',
    },
  };
}

/** A partition as sorted lists of short addresses ("01:00.0"), for readable assertions. */
export function shortPartition(groups: readonly { devices: readonly string[] }[] | readonly (readonly string[])[]): string[][] {
  const lists = groups.map((g) => ('devices' in g ? g.devices : g) as readonly string[]);
  return lists
    .map((g) => g.map((a) => (a.startsWith('0000:') ? a.slice(5) : a)).sort())
    .sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0));
}
