/**
 * Reads the sysfs-walk sections of the collector output (main/io/collector/collect.sh):
 * `pci`, `iommu-groups`, `iommu-class`, `pci-slots`, `acpi-tables`, `dmi-id` and `hostusage`.
 * The files and links it interprets are described in spec section 3 (sysfs reference) and the
 * kernel's Documentation/ABI/testing/sysfs-bus-pci and sysfs-kernel-iommu_groups.
 *
 * Real example (from the lab's `mixed` capture; one block of the `pci` section, one of
 * `iommu-groups`):
 * ```
 * P 0000:02:00.0 /sys/devices/pci0000:00/0000:00:1c.0/0000:02:00.0
 * A vendor 0x1b36
 * A device 0x0010
 * A class 0x010802
 * A numa_node -1
 * A current_link_speed 2.5 GT/s PCIe
 * A current_link_width 1
 * A max_link_speed 2.5 GT/s PCIe
 * A max_link_width 1
 * A reset_method flr bus
 * A sriov_totalvfs 4
 * A sriov_numvfs 2
 * A driver_override (null)
 * L driver /sys/bus/pci/drivers/nvme
 * L iommu_group /sys/kernel/iommu_groups/12
 * L iommu /sys/devices/virtual/iommu/dmar0
 * L virtfn0 /sys/devices/pci0000:00/0000:00:1c.0/0000:02:00.1
 * L virtfn1 /sys/devices/pci0000:00/0000:00:1c.0/0000:02:00.2
 *
 * G 10
 * A type DMA-FQ
 * F reserved_regions
 * R 0x0000000000000000 0x0000000000ffffff direct-relaxable
 * R 0x00000000fee00000 0x00000000feefffff msi
 * M 0000:00:1f.0 /sys/devices/pci0000:00/0000:00:1f.0
 * ```
 * Lines `! <missing|empty|unreadable|dangling> <path>` are the collector's reasons for what it
 * could not read; they become `unreadable` entries.
 *
 * A function patch sets only what sysfs knows (parts.ts): the PCIe port type, ACS, FLR and the
 * header type are not in sysfs attributes (spec 2.1) and are left to lspci.
 */
import { comparePciAddresses, normalizePciAddress } from '../model/pci-address.ts';
import type {
  Host, HostUsage, IommuGroup, Link, ParseIssue, ParseResult, Slot, Snapshot, Unreadable,
} from '../model/snapshot.ts';
import type { FunctionPatch } from '../snapshot/parts.ts';
import type { CollectorSection } from './collector-output.ts';

export type IommuUnitInfo = Snapshot['iommu']['units'][number];

export interface SysfsDump {
  functions: FunctionPatch[];
  /** Groups from /sys/kernel/iommu_groups; [] when the directory is empty or absent; null when not collected. */
  groups: IommuGroup[] | null;
  rootBuses: Snapshot['rootBuses'];
  /** Units from /sys/class/iommu; null when not collected. */
  units: IommuUnitInfo[] | null;
  slots: Slot[];
  hostUsage: HostUsage | null;
  /** DMAR / IVRS when listed in /sys/firmware/acpi/tables; null when not collected. */
  firmwareTables: string[] | null;
  dmi: Host['dmi'] | null;
  unreadable: Unreadable[];
}

type SectionInput = Pick<CollectorSection, 'name' | 'content'>;

interface Ctx {
  section: string;
  issues: ParseIssue[];
  unreadable: Unreadable[];
}

interface RecordLine {
  tag: string;
  /** Text after the tag and one space. */
  rest: string;
  line: number;
}

/** Non-empty lines as (tag, rest); the first space separates them. */
function recordLines(content: string): RecordLine[] {
  const out: RecordLine[] = [];
  content.split('\n').forEach((raw, i) => {
    const text = raw.replace(/\r$/, '');
    if (text === '') return;
    const sp = text.indexOf(' ');
    out.push({ tag: sp < 0 ? text : text.slice(0, sp), rest: sp < 0 ? '' : text.slice(sp + 1), line: i + 1 });
  });
  return out;
}

/** "A name value" / "L name value": split the rest at its first space. */
function nameValue(rest: string): [string, string] {
  const sp = rest.indexOf(' ');
  return sp < 0 ? [rest, ''] : [rest.slice(0, sp), rest.slice(sp + 1)];
}

const NOTE_WHY = new Map<string, string | null>([
  ['missing', 'does not exist on the host'],
  ['unreadable', 'not readable by the collecting user'],
  ['dangling', 'symlink whose target does not exist'],
  ['empty', null],
]);

/** A `!` line: record why something could not be read; `empty` is a fact, not a gap. */
function note(ctx: Ctx, r: RecordLine): void {
  const [kind, path] = nameValue(r.rest);
  const why = NOTE_WHY.get(kind);
  if (why === undefined) ctx.issues.push({ line: r.line, message: `${ctx.section}: unknown note "${r.rest}"` });
  else if (why !== null) ctx.unreadable.push({ what: path, why });
}

function unknownLine(ctx: Ctx, r: RecordLine): void {
  ctx.issues.push({ line: r.line, message: `${ctx.section}: unexpected line "${r.tag} ${r.rest}"` });
}

const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);

/** The last PCI address among the components of a sysfs path: the device that path belongs to. */
function pciOfPath(path: string): string | null {
  const parts = path.split('/');
  for (let i = parts.length - 1; i >= 0; i--) {
    const a = normalizePciAddress(parts[i]!);
    if (a) return a;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// pci

interface RawFunction {
  name: string;
  realPath: string;
  line: number;
  attrs: Map<string, string>;
  /** Line of each attribute, for issues. */
  attrLines: Map<string, number>;
  links: Map<string, string>;
  unreadable: Set<string>;
}

function readPciBlocks(ctx: Ctx, content: string): RawFunction[] {
  const blocks: RawFunction[] = [];
  let cur: RawFunction | null = null;
  for (const r of recordLines(content)) {
    if (r.tag === 'P') {
      const [name, realPath] = nameValue(r.rest);
      cur = { name, realPath, line: r.line, attrs: new Map(), attrLines: new Map(), links: new Map(), unreadable: new Set() };
      blocks.push(cur);
    } else if (r.tag === '!') {
      note(ctx, r);
      // An unreadable attribute of the current function: its value is unknown, not absent.
      const [kind, path] = nameValue(r.rest);
      if (cur && kind === 'unreadable' && path.startsWith(`${cur.realPath}/`)) cur.unreadable.add(baseName(path));
    } else if ((r.tag === 'A' || r.tag === 'L') && cur) {
      const [name, value] = nameValue(r.rest);
      (r.tag === 'A' ? cur.attrs : cur.links).set(name, value);
      if (r.tag === 'A') cur.attrLines.set(name, r.line);
    } else {
      unknownLine(ctx, r);
    }
  }
  return blocks;
}

/** sysfs `0x%04x` / `0x%06x` / `0x%02x` values → "8086"; null when not exactly that form. */
function hexId(value: string | undefined, digits: number): string | null {
  if (value === undefined) return null;
  const m = /^0x([0-9a-fA-F]+)$/.exec(value.trim());
  return m && m[1]!.length === digits ? m[1]!.toLowerCase() : null;
}

function decimal(value: string | undefined): number | null {
  if (value === undefined || !/^-?\d{1,10}$/.test(value.trim())) return null;
  return Number(value.trim());
}

/** "8.0 GT/s PCIe" → 8; "Unknown" (and anything unparsable) → null. */
function speedGts(speed: string | null): number | null {
  const m = speed ? /^(\d+(?:\.\d+)?) GT\/s/.exec(speed) : null;
  return m ? Number(m[1]) : null;
}

/**
 * PCIe link attributes exist only for PCIe functions (spec 3.2). "Unknown" speeds and width 0
 * (QEMU's xio3130 downstream ports report both as their maximum) are unknown, never a downgrade.
 */
function linkOf(attrs: Map<string, string>): Link | null {
  const names = ['current_link_speed', 'current_link_width', 'max_link_speed', 'max_link_width'];
  if (!names.some((n) => attrs.has(n))) return null;
  const speed = (n: string) => {
    const v = attrs.get(n)?.trim();
    return v && v !== 'Unknown' ? v : null;
  };
  const width = (n: string) => {
    const v = decimal(attrs.get(n));
    return v && v > 0 ? v : null;
  };
  const link = {
    currentSpeed: speed('current_link_speed'),
    currentWidth: width('current_link_width'),
    maxSpeed: speed('max_link_speed'),
    maxWidth: width('max_link_width'),
  };
  const cs = speedGts(link.currentSpeed);
  const ms = speedGts(link.maxSpeed);
  const speedKnown = cs !== null && ms !== null;
  const widthKnown = link.currentWidth !== null && link.maxWidth !== null;
  const slower = speedKnown && cs < ms;
  const narrower = widthKnown && link.currentWidth! < link.maxWidth!;
  const downgraded = slower || narrower ? true : speedKnown && widthKnown ? false : null;
  return { ...link, downgraded };
}

/** `pci_is_vga()`: VGA-compatible display controller, or the pre-2.0 "not defined, VGA" class. */
const isVgaClass = (classCode: string) => classCode === '0300' || classCode === '0001';

function toPatch(ctx: Ctx, raw: RawFunction, kernelHasResetMethod: boolean): FunctionPatch | null {
  const address = normalizePciAddress(raw.name);
  if (!address) {
    ctx.issues.push({ line: raw.line, message: `pci: "${raw.name}" is not a PCI address; block skipped` });
    return null;
  }
  const a = raw.attrs;
  const patch: FunctionPatch = { address };
  const bad = (attr: string) =>
    ctx.issues.push({ line: raw.attrLines.get(attr) ?? raw.line, message: `pci: ${address} ${attr} "${a.get(attr)}" is malformed` });

  for (const [attr, key] of [
    ['vendor', 'vendorId'], ['device', 'deviceId'], ['subsystem_vendor', 'subsystemVendorId'], ['subsystem_device', 'subsystemDeviceId'],
  ] as const) {
    if (!a.has(attr)) continue;
    patch[key] = hexId(a.get(attr), 4);
    if (patch[key] === null) bad(attr);
  }
  if (a.has('class')) {
    const cls = hexId(a.get('class'), 6);
    if (cls === null) bad('class');
    patch.classCode = cls ? cls.slice(0, 4) : null;
    patch.progIf = cls ? cls.slice(4) : null;
  }
  if (a.has('revision')) {
    patch.revision = hexId(a.get('revision'), 2);
    if (patch.revision === null) bad('revision');
  }
  if (a.has('numa_node')) {
    const node = decimal(a.get('numa_node'));
    if (node === null) bad('numa_node');
    patch.numaNode = node !== null && node >= 0 ? node : null;
  }
  patch.link = linkOf(a);

  // reset_method (Linux 5.15+) exists only for resettable functions; on a kernel that has it
  // (some function lists it) an absent file means "cannot be reset", on an older one: unknown.
  if (raw.unreadable.has('reset_method')) patch.resetMethods = null;
  else if (a.has('reset_method')) patch.resetMethods = a.get('reset_method')!.split(/\s+/).filter(Boolean);
  else patch.resetMethods = kernelHasResetMethod ? [] : null;

  // boot_vga is created for VGA-class functions only (pci-sysfs.c): absent elsewhere = not the boot VGA.
  if (a.has('boot_vga')) patch.bootVga = a.get('boot_vga')!.trim() === '1';
  else if (patch.classCode) patch.bootVga = isVgaClass(patch.classCode) ? null : false;

  const vfLinks = [...raw.links.keys()]
    .filter((n) => /^virtfn\d+$/.test(n))
    .sort((x, y) => Number(x.slice(6)) - Number(y.slice(6)));
  if (a.has('sriov_totalvfs') || vfLinks.length > 0) {
    const vfs: string[] = [];
    for (const n of vfLinks) {
      const vf = normalizePciAddress(baseName(raw.links.get(n)!));
      if (vf) vfs.push(vf);
      else ctx.issues.push({ line: raw.line, message: `pci: ${address} ${n} does not point at a PCI function` });
    }
    patch.sriov = { totalVfs: decimal(a.get('sriov_totalvfs')), numVfs: decimal(a.get('sriov_numvfs')), vfs };
  } else {
    patch.sriov = null;
  }
  const physfn = raw.links.get('physfn');
  patch.physfn = physfn ? normalizePciAddress(baseName(physfn)) : null;

  const driver = raw.links.get('driver');
  patch.driver = driver ? baseName(driver) : null;
  if (a.has('driver_override')) {
    const o = a.get('driver_override')!.trim();
    patch.driverOverride = o === '' || o === '(null)' ? null : o;
  }
  const group = raw.links.get('iommu_group');
  if (group) {
    const id = decimal(baseName(group));
    if (id === null) ctx.issues.push({ line: raw.line, message: `pci: ${address} iommu_group "${group}" is not a group directory` });
    patch.iommuGroup = id;
  } else {
    patch.iommuGroup = null;
  }

  if (raw.realPath.startsWith('/sys/devices/')) {
    patch.sysfsPath = raw.realPath.slice('/sys/devices/'.length);
    const parts = patch.sysfsPath.split('/');
    // The directory above the function: a bridge's address, or pciDDDD:BB for a root bus.
    patch.parent = parts.length >= 2 ? normalizePciAddress(parts[parts.length - 2]!) : null;
  } else {
    ctx.issues.push({ line: raw.line, message: `pci: ${address} resolves outside /sys/devices: "${raw.realPath}"` });
  }
  // secondary_bus_number / subordinate_bus_number are decimal (spec 3.2), bridges only.
  patch.secondaryBus = decimal(a.get('secondary_bus_number'));
  patch.subordinateBus = decimal(a.get('subordinate_bus_number'));
  return patch;
}

function rootBusesOf(paths: string[]): Snapshot['rootBuses'] {
  const seen = new Map<string, Snapshot['rootBuses'][number]>();
  for (const path of paths) {
    for (const part of path.split('/')) {
      const m = /^pci([0-9a-f]{4,8}):([0-9a-f]{2})$/.exec(part);
      if (m && !seen.has(part)) seen.set(part, { name: part, domain: parseInt(m[1]!, 16), bus: parseInt(m[2]!, 16) });
    }
  }
  return [...seen.values()].sort((x, y) => x.domain - y.domain || x.bus - y.bus);
}

// ---------------------------------------------------------------------------------------------
// iommu-groups, iommu-class

function parseGroups(ctx: Ctx, content: string): IommuGroup[] {
  const groups: IommuGroup[] = [];
  let cur: IommuGroup | null = null;
  for (const r of recordLines(content)) {
    if (r.tag === 'G') {
      const id = decimal(r.rest);
      if (id === null) {
        ctx.issues.push({ line: r.line, message: `iommu-groups: "${r.rest}" is not a group number` });
        cur = null;
        continue;
      }
      cur = { id, type: null, devices: [], otherMembers: [], reservedRegions: null };
      groups.push(cur);
    } else if (r.tag === '!') {
      note(ctx, r);
    } else if (!cur) {
      unknownLine(ctx, r);
    } else if (r.tag === 'A') {
      const [name, value] = nameValue(r.rest);
      if (name === 'type') cur.type = value.trim() || null;
    } else if (r.tag === 'F' && r.rest === 'reserved_regions') {
      cur.reservedRegions = [];
    } else if (r.tag === 'R') {
      // `0x%016llx 0x%016llx <type>` (spec 3.1).
      const m = /^(0x[0-9a-fA-F]+) (0x[0-9a-fA-F]+) (\S+)$/.exec(r.rest.trim());
      if (m) (cur.reservedRegions ??= []).push({ start: m[1]!, end: m[2]!, type: m[3]! });
      else ctx.issues.push({ line: r.line, message: `iommu-groups: reserved region "${r.rest}" is malformed` });
    } else if (r.tag === 'M') {
      const [name] = nameValue(r.rest);
      const address = normalizePciAddress(name);
      if (address) cur.devices.push(address);
      else cur.otherMembers.push(name);
    } else {
      unknownLine(ctx, r);
    }
  }
  for (const g of groups) g.devices.sort(comparePciAddresses);
  return groups.sort((x, y) => x.id - y.id);
}

/** Unit kind: the attribute directory the driver creates; SMMU units are named smmu3.<addr> / smmu.<addr>. */
function unitKind(name: string, attrDir: string | null): IommuUnitInfo['kind'] {
  if (attrDir === 'intel-iommu') return 'intel';
  if (attrDir === 'amd-iommu') return 'amd';
  if (/^smmu/.test(name)) return 'arm-smmu';
  return 'other';
}

function parseUnits(ctx: Ctx, content: string): IommuUnitInfo[] {
  const units: { unit: IommuUnitInfo; attrDir: string | null; attributes: Map<string, string> }[] = [];
  let cur: (typeof units)[number] | null = null;
  for (const r of recordLines(content)) {
    if (r.tag === 'U') {
      const [name] = nameValue(r.rest);
      cur = { unit: { name, kind: 'other', devices: [], attributes: {} }, attrDir: null, attributes: new Map() };
      units.push(cur);
    } else if (r.tag === '!') {
      note(ctx, r);
    } else if (!cur) {
      unknownLine(ctx, r);
    } else if (r.tag === 'K') {
      cur.attrDir = r.rest;
    } else if (r.tag === 'A') {
      // Always `<attribute dir>/<file>` (intel-iommu/cap): never a bare key such as "constructor".
      const [name, value] = nameValue(r.rest);
      if (/^[\w-]+\/[\w.-]+$/.test(name)) cur.attributes.set(name, value);
      else unknownLine(ctx, r);
    } else if (r.tag === 'M') {
      cur.unit.devices.push(nameValue(r.rest)[0]);
    } else {
      unknownLine(ctx, r);
    }
  }
  // fromEntries defines own properties, so a file named "__proto__" cannot reach the prototype.
  return units.map(({ unit, attrDir, attributes }) => ({
    ...unit, kind: unitKind(unit.name, attrDir), attributes: Object.fromEntries(attributes),
  }));
}

// ---------------------------------------------------------------------------------------------
// pci-slots, acpi-tables, dmi-id

function parseSlots(ctx: Ctx, content: string, addresses: string[]): Slot[] {
  const slots: Slot[] = [];
  let cur: Slot | null = null;
  for (const r of recordLines(content)) {
    if (r.tag === 'S') {
      cur = {
        name: r.rest, source: 'sysfs', designation: null, type: null, width: null, inUse: null,
        busAddress: null, rootPort: null, devices: [],
      };
      slots.push(cur);
    } else if (r.tag === '!') {
      note(ctx, r);
    } else if (r.tag === 'A' && cur) {
      const [name, value] = nameValue(r.rest);
      if (name === 'address') cur.busAddress = value.trim() || null;
      // `adapter` exists for hotplug slots only: 1 = a card is present (spec 3.3).
      else if (name === 'adapter') cur.inUse = value.trim() === '1' ? true : value.trim() === '0' ? false : null;
    } else {
      unknownLine(ctx, r);
    }
  }
  for (const slot of slots) {
    // `DDDD:BB:SS` names one slot; `DDDD:BB` (slot number unknown) matches no function, as in lspci.
    const m = slot.busAddress ? /^([0-9a-f]{4,8}):([0-9a-f]{2}):([0-9a-f]{2})$/i.exec(slot.busAddress) : null;
    if (m) {
      const prefix = `${m[1]!.toLowerCase().padStart(4, '0')}:${m[2]!.toLowerCase()}:${m[3]!.toLowerCase()}.`;
      slot.devices = addresses.filter((a) => a.startsWith(prefix)).sort(comparePciAddresses);
    }
  }
  return slots;
}

const IOMMU_TABLES = ['DMAR', 'IVRS'];

function parseAcpiTables(ctx: Ctx, content: string): string[] | null {
  const names: string[] = [];
  let readable = true;
  for (const r of recordLines(content)) {
    if (r.tag === 'T') names.push(r.rest);
    else if (r.tag === '!') {
      note(ctx, r);
      if (r.rest.startsWith('unreadable')) readable = false;
    } else unknownLine(ctx, r);
  }
  return readable ? IOMMU_TABLES.filter((t) => names.includes(t)) : null;
}

const DMI_FIELDS = new Map<string, keyof Host['dmi']>([
  ['sys_vendor', 'systemVendor'], ['product_name', 'systemProduct'], ['board_vendor', 'boardVendor'],
  ['board_name', 'boardName'], ['board_version', 'boardVersion'], ['bios_vendor', 'biosVendor'],
  ['bios_version', 'biosVersion'], ['bios_date', 'biosDate'],
]);

function parseDmi(ctx: Ctx, content: string): Host['dmi'] | null {
  const dmi: Host['dmi'] = {
    systemVendor: null, systemProduct: null, boardVendor: null, boardName: null, boardVersion: null,
    biosVendor: null, biosVersion: null, biosDate: null,
  };
  let any = false;
  for (const r of recordLines(content)) {
    if (r.tag === '!') {
      note(ctx, r);
      continue;
    }
    const [name, value] = nameValue(r.rest);
    const field = DMI_FIELDS.get(name);
    if (r.tag !== 'A' || !field) {
      unknownLine(ctx, r);
      continue;
    }
    dmi[field] = value.trim() || null;
    any = true;
  }
  return any ? dmi : null;
}

// ---------------------------------------------------------------------------------------------
// hostusage

/** /proc/mounts escapes space, tab, newline and backslash as octal (`\040`). */
const unescapeMount = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

function ipv4ToInt(ip: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return null;
  const b = m.slice(1).map(Number);
  return b.some((x) => x > 255) ? null : ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

const byteSwap = (n: number) => (((n & 0xff) << 24) | ((n & 0xff00) << 8) | ((n >>> 8) & 0xff00) | (n >>> 24)) >>> 0;

/** IPv6 text → 32 lowercase hex digits (the /proc/net/if_inet6 form); null when not IPv6. */
function ipv6Hex(ip: string): string | null {
  if (!/^[0-9a-fA-F:]+$/.test(ip) || ip.split('::').length > 2) return null;
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, null];
  const groups = (s: string | undefined) => (s ? s.split(':') : []);
  const h = groups(head);
  const t = tail === null ? [] : groups(tail);
  const missing = 8 - h.length - t.length;
  if (missing < 0 || (tail === null && missing !== 0)) return null;
  const all = [...h, ...Array<string>(missing).fill('0'), ...t];
  if (all.some((g) => g.length < 1 || g.length > 4)) return null;
  return all.map((g) => g.toLowerCase().padStart(4, '0')).join('');
}

interface Route { iface: string; dest: number; gateway: number; mask: number }

/**
 * The interface holding the SSH server address: `ip -o addr` when it ran; else the most specific
 * directly connected route in /proc/net/route (IPv4; its hex words are in host byte order, so
 * both orders are tried) or the address list in /proc/net/if_inet6 (IPv6).
 */
function sshInterfaceName(serverIp: string, ipAddrs: { iface: string; ip: string }[], routes: Route[], inet6: { hex: string; iface: string }[]): string | null {
  const [bare, zone] = serverIp.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '').split('%') as [string, string | undefined];
  if (zone) return zone;
  const byIp = ipAddrs.find((a) => a.ip.toLowerCase() === bare.toLowerCase());
  if (byIp) return byIp.iface;
  const v4 = ipv4ToInt(bare);
  if (v4 !== null) {
    for (const order of [byteSwap, (n: number) => n]) {
      const ip = order(v4);
      const hit = routes
        .filter((r) => r.gateway === 0 && ((ip & r.mask) >>> 0) === r.dest)
        .sort((x, y) => order(y.mask) - order(x.mask))[0];
      if (hit) return hit.iface;
    }
    return null;
  }
  const hex = ipv6Hex(bare);
  return (hex && inet6.find((a) => a.hex === hex)?.iface) || null;
}

function parseHostUsage(ctx: Ctx, content: string): HostUsage {
  const mounts: { source: string; mountPoint: string }[] = [];
  const blocks = new Map<string, { path: string; slaves: string[]; dmName: string | null }>();
  const nets: { name: string; pciDevice: string | null }[] = [];
  const ipAddrs: { iface: string; ip: string }[] = [];
  const routes: Route[] = [];
  const inet6: { hex: string; iface: string }[] = [];
  const consoles = new Set<string>();
  let ssh: string | null = null;

  const block = (name: string) => {
    let b = blocks.get(name);
    if (!b) blocks.set(name, (b = { path: '', slaves: [], dmName: null }));
    return b;
  };
  for (const r of recordLines(content)) {
    const f = r.rest.split(/\s+/);
    switch (r.tag) {
      case 'mount':
        if (f.length >= 2) mounts.push({ source: unescapeMount(f[0]!), mountPoint: unescapeMount(f[1]!) });
        else unknownLine(ctx, r);
        break;
      case 'block': block(f[0]!).path = f[1] ?? ''; break;
      case 'slave': if (f[1]) block(f[0]!).slaves.push(f[1]); break;
      case 'dm': block(f[0]!).dmName = nameValue(r.rest)[1] || null; break;
      case 'net': nets.push({ name: f[0]!, pciDevice: f[1] ? pciOfPath(f[1]) : null }); break;
      case 'ssh': ssh = r.rest; break;
      case 'ipaddr': {
        const m = /^\d+:\s+(\S+)\s+inet6?\s+([0-9a-fA-F:.]+)\//.exec(r.rest);
        if (m) ipAddrs.push({ iface: m[1]!, ip: m[2]! });
        break;
      }
      case 'route': {
        // Iface Destination Gateway Flags RefCnt Use Metric Mask …; the header line has no hex.
        const hex = (s: string | undefined) => (s && /^[0-9A-Fa-f]{8}$/.test(s) ? parseInt(s, 16) : null);
        const [dest, gateway, mask] = [hex(f[1]), hex(f[2]), hex(f[7])];
        if (dest !== null && gateway !== null && mask !== null) routes.push({ iface: f[0]!, dest, gateway, mask });
        break;
      }
      case 'inet6':
        if (f.length >= 6 && /^[0-9a-f]{32}$/.test(f[0]!)) inet6.push({ hex: f[0]!, iface: f[5]! });
        break;
      case 'fb':
      case 'drm': {
        const pci = f[1] ? pciOfPath(f[1]) : null;
        if (pci) consoles.add(pci);
        break;
      }
      case '!': note(ctx, r); break;
      default: unknownLine(ctx, r);
    }
  }

  // A filesystem's PCI devices: the controller in its block device's path, or, for device-mapper
  // and md devices (virtual paths), those of the devices in its `slaves/`.
  const pciOfBlock = (name: string, seen: Set<string>): string[] => {
    const b = blocks.get(name);
    if (!b || seen.has(name)) return [];
    seen.add(name);
    const own = pciOfPath(b.path);
    return own ? [own] : b.slaves.flatMap((s) => pciOfBlock(s, seen));
  };
  const blockOfSource = (source: string): string | null => {
    const mapper = /^\/dev\/mapper\/(.+)$/.exec(source);
    if (mapper) return [...blocks].find(([, b]) => b.dmName === mapper[1])?.[0] ?? null;
    const dev = /^\/dev\/([^/]+)$/.exec(source);
    return dev && blocks.has(dev[1]!) ? dev[1]! : null;
  };

  let sshInterface: HostUsage['sshInterface'] = null;
  if (ssh !== null) {
    const serverIp = (ssh as string).split(/\s+/)[2];
    const name = serverIp ? sshInterfaceName(serverIp, ipAddrs, routes, inet6) : null;
    if (name) sshInterface = { name, pciDevice: nets.find((n) => n.name === name)?.pciDevice ?? null };
    else ctx.unreadable.push({ what: 'SSH interface', why: `no interface found holding the SSH server address in "${ssh}"` });
  }

  return {
    mounts: mounts.map((m) => {
      const name = blockOfSource(m.source);
      const pci = name ? [...new Set(pciOfBlock(name, new Set()))].sort(comparePciAddresses) : [];
      return { mountPoint: m.mountPoint, source: m.source, pciDevices: pci };
    }),
    sshInterface,
    consoleDevices: [...consoles].sort(comparePciAddresses),
    netInterfaces: nets,
  };
}

// ---------------------------------------------------------------------------------------------

/** Parse the sysfs sections of one collector run; sections that are absent yield null / []. */
export function parseSysfsSections(sections: readonly SectionInput[]): ParseResult<SysfsDump> {
  const issues: ParseIssue[] = [];
  const unreadable: Unreadable[] = [];
  const ctx = (section: string): Ctx => ({ section, issues, unreadable });
  const content = (name: string) => sections.find((s) => s.name === name)?.content ?? null;

  const pci = content('pci');
  const pciCtx = ctx('pci');
  const raw = pci === null ? [] : readPciBlocks(pciCtx, pci);
  const kernelHasResetMethod = raw.some((f) => f.attrs.has('reset_method') || f.unreadable.has('reset_method'));
  const functions = raw.flatMap((f) => toPatch(pciCtx, f, kernelHasResetMethod) ?? []);

  const slotsText = content('pci-slots');
  const slots = slotsText === null ? [] : parseSlots(ctx('pci-slots'), slotsText, functions.map((f) => f.address));
  // Set only where a sysfs slot names the function (as lspci's "Physical Slot:"); elsewhere
  // DMI may still know the slot, so sysfs says nothing.
  for (const f of functions) {
    const slot = slots.find((s) => s.devices.includes(f.address));
    if (slot) f.physicalSlot = slot.name;
  }

  const groupsText = content('iommu-groups');
  const unitsText = content('iommu-class');
  const acpiText = content('acpi-tables');
  const dmiText = content('dmi-id');
  const hostText = content('hostusage');
  return {
    data: {
      functions,
      groups: groupsText === null ? null : parseGroups(ctx('iommu-groups'), groupsText),
      rootBuses: rootBusesOf(raw.map((f) => f.realPath)),
      units: unitsText === null ? null : parseUnits(ctx('iommu-class'), unitsText),
      slots,
      hostUsage: hostText === null ? null : parseHostUsage(ctx('hostusage'), hostText),
      firmwareTables: acpiText === null ? null : parseAcpiTables(ctx('acpi-tables'), acpiText),
      dmi: dmiText === null ? null : parseDmi(ctx('dmi-id'), dmiText),
      unreadable,
    },
    issues,
  };
}
