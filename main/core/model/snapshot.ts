/**
 * The snapshot: one host at one time, the object every other part of IOMMU Atlas consumes.
 *
 * Rules the schema encodes:
 * - JSON-serialisable, validated with zod, versioned by `schemaVersion` (later versions only add).
 * - Unknown is `null`, never an empty list or `false`: a non-root collection cannot see ACS, so
 *   `acs` is `{ state: 'unknown' }`, not "absent". Why something is unknown goes to
 *   `provenance.unreadable`.
 * - PCI addresses are always the full "0000:01:00.0" form (see pci-address.ts).
 */
import { z } from 'zod';

export const SCHEMA_VERSION = 1 as const;

const hex4 = z.string().regex(/^[0-9a-f]{4}$/);
const address = z.string().regex(/^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/);

/** Where a fact came from, so the UI can say "inferred" or "from lspci". */
export const SourceName = z.enum([
  'sysfs', 'lspci-vvv', 'lspci-nnk', 'lspci-vmm', 'lspci-tree', 'lspci-x', 'group-listing', 'dmesg', 'cmdline',
  'dmidecode', 'libvirt', 'cpuinfo', 'os-release', 'inferred', 'snapshot',
]);
export type SourceName = z.infer<typeof SourceName>;

/**
 * PCIe Device/Port Type (PCIe Capabilities register bits 7:4), named; `conventional` = no PCIe
 * capability (kernel `pci_is_pcie()` false). See spec 1.3 and 2.3.
 */
export const PcieType = z.enum([
  'endpoint', 'legacy-endpoint', 'root-port', 'upstream-port', 'downstream-port',
  'pcie-to-pci-bridge', 'pci-to-pcie-bridge', 'rciep', 'rcec', 'unknown-pcie', 'conventional',
]);
export type PcieType = z.infer<typeof PcieType>;

/** ACS capability/control as 16-bit register values (bit 0 SV, 1 TB, 2 RR, 3 CR, 4 UF, 5 EC, 6 DT). */
export const Acs = z.discriminatedUnion('state', [
  z.object({ state: z.literal('present'), capability: z.number().int(), control: z.number().int() }),
  /** The device's extended capabilities were read and hold no ACS capability. */
  z.object({ state: z.literal('absent') }),
  /** Not readable (non-root, pasted text without capabilities). */
  z.object({ state: z.literal('unknown') }),
]);
export type Acs = z.infer<typeof Acs>;

export const Link = z.object({
  currentSpeed: z.string().nullable(),
  currentWidth: z.number().int().nullable(),
  maxSpeed: z.string().nullable(),
  maxWidth: z.number().int().nullable(),
  /** Trained below what both ends could do: speed or width lower than the capability. */
  downgraded: z.boolean().nullable(),
});
export type Link = z.infer<typeof Link>;

export const SrIov = z.object({
  totalVfs: z.number().int().nullable(),
  numVfs: z.number().int().nullable(),
  /** Addresses of the enabled VFs (from `virtfnN` links). */
  vfs: z.array(address),
});

export const PciFunction = z.object({
  address,
  vendorId: hex4.nullable(),
  deviceId: hex4.nullable(),
  subsystemVendorId: hex4.nullable(),
  subsystemDeviceId: hex4.nullable(),
  vendorName: z.string().nullable(),
  deviceName: z.string().nullable(),
  subsystemName: z.string().nullable(),
  /** Base class + subclass, "0300". */
  classCode: hex4.nullable(),
  progIf: z.string().regex(/^[0-9a-f]{2}$/).nullable(),
  className: z.string().nullable(),
  revision: z.string().regex(/^[0-9a-f]{2}$/).nullable(),
  /** Header type without the multifunction bit: 0 endpoint, 1 PCI bridge, 2 CardBus. */
  headerType: z.number().int().nullable(),
  /** Kernel `pdev->multifunction`: header bit 7, or any function > 0 exists in the slot. */
  multifunction: z.boolean().nullable(),
  pcieType: PcieType.nullable(),
  driver: z.string().nullable(),
  driverOverride: z.string().nullable(),
  modules: z.array(z.string()).nullable(),
  iommuGroup: z.number().int().nullable(),
  numaNode: z.number().int().nullable(),
  link: Link.nullable(),
  /** sysfs `reset_method` in kernel order, e.g. ["flr", "bus"]; [] = not resettable; null unknown. */
  resetMethods: z.array(z.string()).nullable(),
  bootVga: z.boolean().nullable(),
  sriov: SrIov.nullable(),
  /** Address of the PF when this function is an SR-IOV VF. */
  physfn: address.nullable(),
  acs: Acs,
  /** Function Level Reset advertised in DevCap (or AF cap). */
  flr: z.boolean().nullable(),
  /** The bridge above this function's bus; null on a root bus (or unknown, see `parentKnown`). */
  parent: address.nullable(),
  /** The real sysfs path below /sys/devices, e.g. "pci0000:00/0000:00:1c.0/0000:01:00.0". */
  sysfsPath: z.string().nullable(),
  /** Name of the physical slot (`/sys/bus/pci/slots/*` or lspci "Physical Slot:"). */
  physicalSlot: z.string().nullable(),
  /** For bridges: bus numbers behind the bridge. */
  secondaryBus: z.number().int().nullable(),
  subordinateBus: z.number().int().nullable(),
  /** PCIe slot capability on a port: implemented, and its number (SltCap "Slot #N"). */
  slotImplemented: z.boolean().nullable(),
  slotNumber: z.number().int().nullable(),
  /** Which sources contributed facts to this function. */
  sources: z.array(SourceName),
});
export type PciFunction = z.infer<typeof PciFunction>;

export const IommuGroup = z.object({
  id: z.number().int(),
  /** sysfs `type`: DMA, DMA-FQ, identity, blocked, unmanaged, unknown; null when not known. */
  type: z.string().nullable(),
  /** PCI members (full addresses), sorted in enumeration order. */
  devices: z.array(address),
  /** Members that are not PCI functions (ACPI or platform device names). */
  otherMembers: z.array(z.string()),
  reservedRegions: z.array(z.object({ start: z.string(), end: z.string(), type: z.string() })).nullable(),
});
export type IommuGroup = z.infer<typeof IommuGroup>;

export const IommuUnit = z.object({
  /** dmar0, ivhd0, … */
  name: z.string(),
  kind: z.enum(['intel', 'amd', 'arm-smmu', 'virtio', 'other']),
  /** Devices this unit translates for (PCI addresses and other names). */
  devices: z.array(z.string()),
  /** Attribute files of the unit (intel-iommu/cap, amd-iommu/features, …). */
  attributes: z.record(z.string(), z.string()),
});

export const DmesgCategory = z.enum([
  'enabled', 'disabled', 'firmware-present', 'interrupt-remapping', 'interrupt-remapping-off', 'default-domain',
  'firmware-bug', 'rmrr', 'fault', 'group-add', 'group-remove', 'acs', 'alias', 'acs-override', 'vfio', 'unknown-params',
  'pci-enum', 'other',
]);
export type DmesgCategory = z.infer<typeof DmesgCategory>;

export const DmesgEvent = z.object({
  /** Message id from the spec's catalogue (section 5.2), e.g. "core.groupAdd". */
  id: z.string(),
  category: DmesgCategory,
  /** Seconds since boot when the line carried a timestamp. */
  time: z.number().nullable(),
  /** PCI address or device name the line is about. */
  device: z.string().nullable(),
  /** Named fields from the matching pattern (group, type, mode, reason…). */
  fields: z.record(z.string(), z.string()),
  /** The normalised line (prefix stripped). */
  text: z.string(),
});
export type DmesgEvent = z.infer<typeof DmesgEvent>;

export const IommuVendor = z.enum(['intel', 'amd', 'arm-smmu', 'virtio', 'none', 'unknown']);

export const IommuState = z.object({
  vendor: IommuVendor,
  /** IOMMU translating for devices: groups exist or units registered. null = cannot tell. */
  enabled: z.boolean().nullable(),
  /** ACPI DMAR/IVRS table names present in /sys/firmware/acpi/tables. null = not read. */
  firmwareTables: z.array(z.string()).nullable(),
  units: z.array(IommuUnit),
  interruptRemapping: z.boolean().nullable(),
  /** Default domain for host devices, from dmesg or group types. */
  defaultDomain: z.enum(['translated', 'passthrough', 'lazy', 'blocked']).nullable(),
  dmesg: z.array(DmesgEvent),
});

export const KernelParam = z.object({ name: z.string(), value: z.string().nullable() });

export const KernelCommandLine = z.object({
  raw: z.string(),
  params: z.array(KernelParam),
  /** The IOMMU-relevant parameters, values as given (several occurrences kept in order). */
  iommu: z.object({
    intelIommu: z.array(z.string()),
    amdIommu: z.array(z.string()),
    iommu: z.array(z.string()),
    iommuPassthrough: z.string().nullable(),
    iommuStrict: z.string().nullable(),
    vfioPciIds: z.array(z.string()),
    pcieAcsOverride: z.array(z.string()),
    pciOptions: z.array(z.string()),
    video: z.array(z.string()),
    intremap: z.string().nullable(),
    other: z.array(KernelParam),
  }),
  /** Parameters that are not IOMMU-relevant, verbatim. */
  unknown: z.array(z.string()),
});
export type KernelCommandLine = z.infer<typeof KernelCommandLine>;

export const Slot = z.object({
  /** Slot name: sysfs directory name or DMI designation. */
  name: z.string(),
  source: z.enum(['sysfs', 'dmi', 'both']),
  designation: z.string().nullable(),
  /** DMI type and width, e.g. "x16 PCI Express 3 x16", "x16". */
  type: z.string().nullable(),
  width: z.string().nullable(),
  /** DMI current usage: true in use, false available, null unknown. */
  inUse: z.boolean().nullable(),
  /** "0000:01:00" (sysfs address, DDDD:BB:SS) or the DMI bus address "0000:01:00.0". */
  busAddress: z.string().nullable(),
  /** The port (bridge) whose secondary bus is the slot's bus. */
  rootPort: address.nullable(),
  /** Devices seen in the slot. */
  devices: z.array(address),
});
export type Slot = z.infer<typeof Slot>;

export const LibvirtHostdev = z.object({
  address,
  managed: z.boolean().nullable(),
});

export const LibvirtDomain = z.object({
  name: z.string(),
  uuid: z.string().nullable(),
  state: z.string().nullable(),
  hostdevs: z.array(LibvirtHostdev),
});
export type LibvirtDomain = z.infer<typeof LibvirtDomain>;

export const LibvirtNodeDevice = z.object({
  name: z.string(),
  address: address.nullable(),
  driver: z.string().nullable(),
  iommuGroup: z.number().int().nullable(),
  capability: z.string().nullable(),
});

export const Libvirt = z.object({
  domains: z.array(LibvirtDomain),
  nodeDevices: z.array(LibvirtNodeDevice),
});
export type Libvirt = z.infer<typeof Libvirt>;

export const Unreadable = z.object({
  /** What could not be read: "ACS capabilities", "dmesg", "/sys/…/config". */
  what: z.string(),
  /** Why, in words a person understands. */
  why: z.string(),
});
export type Unreadable = z.infer<typeof Unreadable>;

export const Provenance = z.object({
  collectedAt: z.string(),
  method: z.enum(['local', 'ssh', 'import']),
  /** "this machine", "user@host:22", or the imported file names. */
  target: z.string(),
  user: z.string().nullable(),
  root: z.boolean().nullable(),
  durationMs: z.number().nullable(),
  /** Per-source notes: which inputs were used. */
  inputs: z.array(z.object({ name: z.string(), format: z.string() })),
  unreadable: z.array(Unreadable),
  /** Non-fatal problems met while parsing (file and line). */
  warnings: z.array(z.string()),
  tool: z.string(),
});

export const Host = z.object({
  hostname: z.string().nullable(),
  kernelRelease: z.string().nullable(),
  kernelVersion: z.string().nullable(),
  distro: z.string().nullable(),
  cpu: z.object({
    model: z.string().nullable(),
    vendor: z.string().nullable(),
    /** "vmx" (Intel VT-x), "svm" (AMD-V), "none" when flags were read and neither is present. */
    virtualization: z.enum(['vmx', 'svm', 'none']).nullable(),
    count: z.number().int().nullable(),
  }),
  dmi: z.object({
    systemVendor: z.string().nullable(),
    systemProduct: z.string().nullable(),
    boardVendor: z.string().nullable(),
    boardName: z.string().nullable(),
    boardVersion: z.string().nullable(),
    biosVendor: z.string().nullable(),
    biosVersion: z.string().nullable(),
    biosDate: z.string().nullable(),
  }),
  /** Loaded kernel modules (names) when /proc/modules was read. */
  modules: z.array(z.string()).nullable(),
  /** /dev/kvm exists. */
  kvm: z.boolean().nullable(),
});
export type Host = z.infer<typeof Host>;

/**
 * What the host itself depends on, gathered for the "host-critical" verdict (issue 3 reads it):
 * block devices of mounted filesystems with their PCI parent, the network interface and PCI
 * device carrying the management (SSH) connection, and the console framebuffer's device.
 */
export const HostUsage = z.object({
  mounts: z.array(z.object({ mountPoint: z.string(), source: z.string(), pciDevices: z.array(address) })),
  sshInterface: z.object({ name: z.string(), pciDevice: address.nullable() }).nullable(),
  consoleDevices: z.array(address),
  netInterfaces: z.array(z.object({ name: z.string(), pciDevice: address.nullable() })),
});
export type HostUsage = z.infer<typeof HostUsage>;

export const RootBus = z.object({
  /** sysfs name of the host bridge: "pci0000:00". */
  name: z.string(),
  domain: z.number().int(),
  bus: z.number().int(),
});

export const Snapshot = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  host: Host,
  cmdline: KernelCommandLine.nullable(),
  iommu: IommuState,
  devices: z.array(PciFunction),
  groups: z.array(IommuGroup),
  rootBuses: z.array(RootBus),
  slots: z.array(Slot),
  libvirt: Libvirt.nullable(),
  hostUsage: HostUsage.nullable(),
  provenance: Provenance,
});
export type Snapshot = z.infer<typeof Snapshot>;

/** A PciFunction with every fact unknown: parsers fill in what they know. */
export function emptyPciFunction(address: string): PciFunction {
  return {
    address,
    vendorId: null, deviceId: null, subsystemVendorId: null, subsystemDeviceId: null,
    vendorName: null, deviceName: null, subsystemName: null,
    classCode: null, progIf: null, className: null, revision: null,
    headerType: null, multifunction: null, pcieType: null,
    driver: null, driverOverride: null, modules: null, iommuGroup: null, numaNode: null,
    link: null, resetMethods: null, bootVga: null, sriov: null, physfn: null,
    acs: { state: 'unknown' }, flr: null, parent: null, sysfsPath: null, physicalSlot: null,
    secondaryBus: null, subordinateBus: null, slotImplemented: null, slotNumber: null,
    sources: [],
  };
}

/** Parser results: data plus the problems met, never an exception for bad input. */
export interface ParseIssue {
  line: number | null;
  message: string;
}
export interface ParseResult<T> {
  data: T;
  issues: ParseIssue[];
}
