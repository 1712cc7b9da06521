/**
 * The IOMMU lab's per-function summary table (`pci-devices.tsv`): one row per PCI function with
 * the sysfs attributes the lab's capture script read, so its facts count as sysfs facts.
 *
 * Real example (lab capture `mixed`; columns are tab-separated, "-" = the file was absent):
 *   bdf  vendor  device  subsystem_vendor  subsystem_device  class  revision  driver  iommu_group  numa_node  current_link_speed  current_link_width  max_link_speed  max_link_width  reset_method  boot_vga  sriov_totalvfs  sriov_numvfs  physfn  realpath
 *   0000:00:1c.0  0x1b36  0x000c  0x1b36  0x0000  0x060400  0x00  pcieport  3  -1  2.5 GT/s PCIe  1  8.0 GT/s PCIe  4  -  -  -  -  -  sys/devices/pci0000:00/0000:00:1c.0
 */
import type { ParseIssue, ParseResult, Snapshot } from '../model/snapshot.ts';
import { normalizePciAddress, parsePciAddress } from '../model/pci-address.ts';
import type { FunctionPatch } from '../snapshot/parts.ts';
import { linkDowngraded } from '../model/link.ts';

/** The table's columns (the lab's capture script writes them in this order). */
type Column =
  | 'bdf' | 'vendor' | 'device' | 'subsystem_vendor' | 'subsystem_device' | 'class' | 'revision' | 'driver' | 'iommu_group'
  | 'numa_node' | 'current_link_speed' | 'current_link_width' | 'max_link_speed' | 'max_link_width' | 'reset_method'
  | 'boot_vga' | 'sriov_totalvfs' | 'sriov_numvfs' | 'physfn' | 'realpath';

export interface PciDevicesTable {
  functions: FunctionPatch[];
  rootBuses: Snapshot['rootBuses'];
}

const hex4 = (v: string | undefined) => (v && /^0x[0-9a-f]{4}$/i.test(v) ? v.slice(2).toLowerCase() : null);
const value = (v: string | undefined) => (v === undefined || v === '-' || v === '' ? null : v);
const int = (v: string | undefined) => {
  const t = value(v);
  return t !== null && /^-?\d+$/.test(t) ? parseInt(t, 10) : null;
};

export function parsePciDevicesTsv(text: string): ParseResult<PciDevicesTable> {
  const issues: ParseIssue[] = [];
  const functions: FunctionPatch[] = [];
  const rootBuses = new Map<string, Snapshot['rootBuses'][number]>();
  const lines = text.split('\n');
  const header = lines[0]?.split('\t') ?? [];
  if (!header.includes('bdf')) {
    issues.push({ line: 1, message: 'missing the "bdf" header column' });
    return { data: { functions, rootBuses: [] }, issues };
  }
  const index = new Map(header.map((h, i) => [h, i]));
  lines.slice(1).forEach((line, i) => {
    if (line.trim() === '') return;
    const cells = line.split('\t');
    const get = (c: Column) => {
      const at = index.get(c);
      return at === undefined ? undefined : cells[at];
    };
    const address = normalizePciAddress(get('bdf') ?? '');
    if (!address) {
      issues.push({ line: i + 2, message: `not a PCI address: "${(get('bdf') ?? '').slice(0, 40)}"` });
      return;
    }
    const cls = get('class');
    const classOk = cls !== undefined && /^0x[0-9a-f]{6}$/i.test(cls);
    const realpath = value(get('realpath'));
    const pathParts = realpath ? realpath.replace(/^sys\/devices\//, '').split('/') : [];
    const parentPart = pathParts.length >= 2 ? pathParts[pathParts.length - 2]! : null;
    const rootPart = pathParts[0];
    const rootMatch = rootPart ? /^pci([0-9a-f]{4,8}):([0-9a-f]{2})$/.exec(rootPart) : null;
    if (rootMatch && rootPart) rootBuses.set(rootPart, { name: rootPart, domain: parseInt(rootMatch[1]!, 16), bus: parseInt(rootMatch[2]!, 16) });
    const totalVfs = int(get('sriov_totalvfs'));
    // sysfs prints "Unknown" and width 0 when a link attribute cannot be read (QEMU's xio3130):
    // unknown, as the sysfs parser has it.
    const speed = (v: string | undefined) => (value(v) === 'Unknown' ? null : value(v));
    const width = (v: string | undefined) => (int(v) === 0 ? null : int(v));
    const link = {
      currentSpeed: speed(get('current_link_speed')),
      currentWidth: width(get('current_link_width')),
      maxSpeed: speed(get('max_link_speed')),
      maxWidth: width(get('max_link_width')),
      downgraded: null as boolean | null,
    };
    link.downgraded = linkDowngraded(link);
    const hasLink = link.currentSpeed !== null || link.maxSpeed !== null;
    const resets = value(get('reset_method'));
    const group = int(get('iommu_group'));
    const numa = int(get('numa_node'));
    functions.push({
      address,
      vendorId: hex4(get('vendor')),
      deviceId: hex4(get('device')),
      subsystemVendorId: hex4(get('subsystem_vendor')),
      subsystemDeviceId: hex4(get('subsystem_device')),
      classCode: classOk ? cls.slice(2, 6).toLowerCase() : null,
      progIf: classOk ? cls.slice(6, 8).toLowerCase() : null,
      revision: /^0x[0-9a-f]{2}$/i.test(get('revision') ?? '') ? get('revision')!.slice(2).toLowerCase() : null,
      driver: value(get('driver')),
      iommuGroup: group,
      numaNode: numa === null || numa < 0 ? null : numa,
      link: hasLink ? link : null,
      // The lab read every existing attribute: an absent reset_method means "cannot be reset".
      resetMethods: resets ? resets.split(/\s+/) : [],
      bootVga: value(get('boot_vga')) === null ? null : get('boot_vga') === '1',
      sriov: totalVfs !== null ? { totalVfs, numVfs: int(get('sriov_numvfs')), vfs: [] } : null,
      physfn: normalizePciAddress(value(get('physfn')) ?? '') ?? null,
      sysfsPath: realpath ? realpath.replace(/^sys\/devices\//, '') : null,
      parent: parentPart && parsePciAddress(parentPart) ? normalizePciAddress(parentPart) : null,
    });
  });
  return { data: { functions, rootBuses: [...rootBuses.values()] }, issues };
}
