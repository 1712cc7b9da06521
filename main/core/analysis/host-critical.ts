/**
 * What the host itself needs (issue 3 "Passthrough verdicts"): a device is host-critical when
 * taking it away would break the host, either by what it is (host bridge, ISA/LPC bridge, SMBus,
 * memory controller, the IOMMU) or by what the host was seen using at collection time (the
 * controller under a mounted filesystem, the NIC carrying the SSH connection, the console GPU).
 * A PCI bridge counts only when something critical sits below it: a bridge itself is never
 * assigned to a VM, but resetting or rebinding it would cut the host off from that device.
 */
import type { HostUsage, PciFunction, Snapshot } from '../model/snapshot.ts';
import { boundToVfio } from './device-facts.ts';
import { isPciBridge, listing, type DeviceIndex } from './device-index.ts';
import { shortAddress } from './predictor/index.ts';

export type CriticalKind =
  | 'root-filesystem' | 'mounted-filesystem' | 'management-nic' | 'console-gpu'
  | 'host-bridge' | 'isa-bridge' | 'smbus' | 'memory-controller' | 'iommu' | 'bridge-above-critical';

/** Read, never changed: the reason of a critical class is one object for every device of the class. */
export interface CriticalReason {
  readonly kind: CriticalKind;
  /** A few words for other devices' reasons: "SMBus controller", "holds the root filesystem". */
  readonly short: string;
  readonly text: string;
}

function classReason(kind: CriticalKind, short: string, text: string): CriticalReason {
  return Object.freeze({ kind, short, text });
}

/**
 * Class codes the platform cannot give away (PCI Code and ID Assignment spec: 0600 host bridge,
 * 0601 ISA bridge (Intel LPC/eSPI, AMD FCH LPC), 0c05 SMBus, 0580 "other memory controller"
 * (Intel/AMD memory controller and data-fabric functions), 0806 IOMMU). The IOMMU's own function
 * is included: it provides the isolation every assignment relies on.
 */
const CRITICAL_CLASSES: ReadonlyMap<string, CriticalReason> = new Map([
  ['0600', classReason('host-bridge', 'host bridge', 'host bridge, part of the CPU or chipset that connects the PCI hierarchy to memory')],
  ['0601', classReason('isa-bridge', 'ISA/LPC bridge', 'ISA/LPC bridge, which carries the platform\'s legacy devices (firmware flash, TPM, super I/O, embedded controller)')],
  ['0c05', classReason('smbus', 'SMBus controller', 'SMBus controller, through which the host reads memory SPD, sensors and clock chips')],
  ['0580', classReason('memory-controller', 'memory controller', 'memory controller')],
  ['0806', classReason('iommu', 'the IOMMU', 'the IOMMU itself, which provides the DMA isolation that device assignment relies on')],
]);

export interface HostCriticalFacts {
  /** Why each device is host-critical (absent = not critical). */
  reasons: Map<string, CriticalReason[]>;
  /** Remarks that are not verdicts: a boot VGA GPU whose console use is not known, and so on. */
  cautions: Map<string, string[]>;
  /** What the host was seen using could not be collected. */
  hostUsageKnown: boolean;
}

function add<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function usageReasons(usage: HostUsage, index: DeviceIndex, reasons: Map<string, CriticalReason[]>, cautions: Map<string, string[]>): void {
  // Every mounted filesystem, not only /: yanking the controller under /home or /var corrupts
  // it just the same. The root filesystem is named as such because it cannot be unmounted.
  const mountsByDevice = new Map<string, { mountPoint: string; source: string }[]>();
  for (const m of usage.mounts) for (const pci of m.pciDevices) add(mountsByDevice, pci, m);
  for (const [pci, mounts] of mountsByDevice) {
    const root = mounts.find((m) => m.mountPoint === '/');
    if (root) {
      add(reasons, pci, { kind: 'root-filesystem', short: 'holds the root filesystem', text: `holds the root filesystem (/ on ${root.source})` });
    }
    const others = mounts.filter((m) => m.mountPoint !== '/');
    if (others.length > 0) {
      const shown = others.slice(0, 4).map((m) => `${m.mountPoint} on ${m.source}`);
      const more = others.length > shown.length ? ` and ${others.length - shown.length} more` : '';
      add(reasons, pci, {
        kind: 'mounted-filesystem',
        short: 'holds mounted filesystems',
        text: `holds mounted filesystems (${shown.join(', ')}${more}); unmount them and remove them from /etc/fstab before passing it through`,
      });
    }
  }
  if (usage.sshInterface?.pciDevice) {
    add(reasons, usage.sshInterface.pciDevice, {
      kind: 'management-nic',
      short: 'carries the SSH connection',
      text: `carries the SSH connection the snapshot was collected over (interface ${usage.sshInterface.name}); the host loses that connection when it goes to a VM`,
    });
  }
  // The collector lists every device with a framebuffer or DRM card. Only the one that is (or
  // may be) the boot VGA device carries the console; another GPU merely has a host driver.
  for (const pci of usage.consoleDevices) {
    const d = index.get(pci);
    if (d?.bootVga === false) {
      add(cautions, pci, 'a host display driver is using it (framebuffer/DRM device): unbind it or bind vfio-pci before starting the VM');
    } else {
      add(reasons, pci, {
        kind: 'console-gpu',
        short: 'drives the host console',
        text: `drives the host console (framebuffer/DRM device${d?.bootVga ? ', firmware boot VGA device' : ''}); to pass it through, move the console off it first (another GPU, or a serial/SSH console and \`video=efifb:off\`)`,
      });
    }
  }
}

/** Where the collector reads what the host uses; when one is unreadable, an empty list proves nothing. */
const USAGE_SOURCES = ['/proc/mounts', '/sys/class/block', '/sys/class/net'];

/** The host usage section, or null when it was not collected or its sources were unreadable. */
function readableHostUsage(snapshot: Snapshot): HostUsage | null {
  if (!snapshot.hostUsage) return null;
  return snapshot.provenance.unreadable.some((u) => USAGE_SOURCES.includes(u.what)) ? null : snapshot.hostUsage;
}

export function hostCriticalFacts(snapshot: Snapshot, index: DeviceIndex): HostCriticalFacts {
  const reasons = new Map<string, CriticalReason[]>();
  const cautions = new Map<string, string[]>();
  // One pass over the functions: the critical classes, and the boot VGA devices (a handful) for below.
  const bootVga: PciFunction[] = [];
  // Indexed: this runs once per analysis, largely before the optimizing compiler has it, where
  // for...of allocates an iteration result per function.
  for (let i = 0; i < index.firstListings.length; i++) {
    const d = index.firstListings[i]!;
    // A map, not an object, by class code: a property lookup by a string read from the data first
    // looks that string up in the engine's table of property names, for every function.
    const byClass = d.classCode === null ? undefined : CRITICAL_CLASSES.get(d.classCode);
    if (byClass) add(reasons, d.address, byClass);
    if (d.bootVga === true) bootVga.push(d);
  }
  // What was read is used even when part of it is missing: a mount seen is a mount.
  if (snapshot.hostUsage) usageReasons(snapshot.hostUsage, index, reasons, cautions);
  const usage = readableHostUsage(snapshot);

  for (const d of bootVga) {
    if (reasons.get(d.address)?.some((r) => r.kind === 'console-gpu')) continue;
    if (boundToVfio(d)) {
      add(cautions, d.address, `the firmware's boot VGA device, now bound to ${d.driver}: the host no longer uses it`);
    } else if (!usage && d.driver !== null) {
      add(cautions, d.address, `the firmware's boot VGA device, driven by ${d.driver}: the host console probably runs on it, but what the host uses was not collected or not readable; if it does, move the console off it before passing it through (\`video=efifb:off\`, another GPU, or a serial console)`);
    } else if (usage && !usage.consoleDevices.includes(d.address)) {
      add(cautions, d.address, 'the firmware\'s boot VGA device; no framebuffer or DRM device uses it now');
    }
  }

  // A bridge is critical when something critical sits below it.
  const below = new Map<string, Set<string>>();
  reasons.forEach((list, address) => {
    if (list.every((r) => r.kind === 'bridge-above-critical')) return;
    const d = index.get(address);
    if (!d) return;
    for (const a of index.ancestors(d)) {
      if (!isPciBridge(a)) continue;
      const set = below.get(a.address) ?? new Set<string>();
      set.add(address);
      below.set(a.address, set);
    }
  });
  for (const [bridge, critical] of below) {
    const names = [...critical].slice(0, 4).map((a) => index.name(a));
    const more = critical.size > names.length ? ` and ${critical.size - names.length} more` : '';
    add(reasons, bridge, {
      kind: 'bridge-above-critical',
      short: 'bridge above host-critical devices',
      text: `bridge above host-critical ${critical.size === 1 ? 'device' : 'devices'} ${listing(names)}${more}: resetting or rebinding it would cut the host off from ${critical.size === 1 ? 'it' : 'them'}`,
    });
  }
  return { reasons, cautions, hostUsageKnown: usage !== null };
}

/** "00:1f.0 (ISA/LPC bridge)": a critical device as other devices' reasons name it. */
export function criticalSummary(address: string, list: readonly CriticalReason[]): string {
  return `${shortAddress(address)} (${[...new Set(list.map((r) => r.short))].join(', ')})`;
}
