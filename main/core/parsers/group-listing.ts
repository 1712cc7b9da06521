/**
 * Pasted IOMMU group listings: the output of the many small shell loops over
 * `/sys/kernel/iommu_groups/<N>/devices/*` that people post in forums and READMEs.
 *
 * Each group directory holds one symlink per member device (spec 3.1,
 * `Documentation/ABI/testing/sysfs-kernel-iommu_groups`); the scripts print the group number
 * and, for each member, a `lspci -nns <dev>` line. Real examples of every variant read here:
 *
 *     IOMMU Group 15 00:14.3 ISA bridge [0601]: Advanced Micro Devices, Inc. [AMD] FCH LPC Bridge [1022:790e] (rev 51)
 *     IOMMU group 2 01:00.0 VGA compatible controller [0300]: NVIDIA Corporation GP108 [GeForce GT 1030] [10de:1d01] (rev a1)
 *     IOMMU Group 5:
 *     	0000:00:14.0 SMBus [0c05]: Advanced Micro Devices, Inc. [AMD] FCH SMBus Controller [1022:790b] (rev 51)
 *     ### Group 7 ###
 *         00:14.2 RAM memory: Intel Corporation Device 7aa7 (rev 11)
 *     Group 1:	[8086:4c01] [R] 00:01.0  PCI bridge                               Device 4c01
 *     USB:		[1d6b:0002]		 Bus 001 Device 001                       Linux Foundation 2.0 root hub
 *     IOMMU: dmar15
 *       IOMMU Group: 16
 *         Group Device: 0000:6a:01.0 - System peripheral [0880]: Intel Corporation Device [8086:0b25]
 *     3	DMA-FQ	3	0000:00:1f.0 0000:00:1f.2 0000:00:1f.3
 *     /sys/kernel/iommu_groups/1/devices/0000:00:02.0
 *     Bus 1 --> 0000:00:14.0 (IOMMU group 3)
 *     Bus 001 Device 003: ID 046d:c539 Logitech, Inc.
 *
 * Prompt lines, `/proc/cmdline` lines and other chatter are skipped. Authors' elisions (`<...>`)
 * and lines cut with `...` set `truncated` and are reported, so that nobody scores a prediction
 * against groups that are not there.
 */
import type { FunctionPatch } from '../snapshot/parts.ts';
import type { ParseIssue, ParseResult } from '../model/snapshot.ts';
import { comparePciAddresses, normalizePciAddress } from '../model/pci-address.ts';
import { headerPatch, parseLspciHeader, VendorNames, type LspciHeader } from './lspci-common.ts';

export interface ListedGroup {
  id: number;
  /** sysfs `<N>/type` when the listing carries it (the lab's table does): DMA, DMA-FQ, identity… */
  type?: string;
  /** PCI members, full addresses, in enumeration order. */
  devices: string[];
  /** Members that are not PCI addresses (ACPI or platform device names). */
  otherMembers: string[];
}

export interface GroupListing {
  groups: ListedGroup[];
  /** One patch per PCI member: its group plus whatever the `lspci -nn` text says. */
  functions: FunctionPatch[];
  /** USB devices printed under a USB controller (they are not group members themselves). */
  usbDevices: { group: number | null; line: string }[];
  /** The author cut the listing (`<...>`) or a line (`...`): groups or facts are missing. */
  truncated: boolean;
  /** IOMMU units (Intel `dmarN`) and the groups printed under each, for per-unit listings. */
  units?: { name: string; groups: number[] }[];
}

const ADDR = String.raw`(?:[0-9a-fA-F]{4,8}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]`;
const ADDRESS_ANYWHERE = new RegExp(String.raw`(?:^|[\s\[(])${ADDR}(?=$|[\s\]):,])`);

const ELISION = /^\s*(?:<\s*(?:\.\.\.|…)\s*>|\[\s*(?:\.\.\.|…)\s*\]|\.\.\.|…)\s*$/;
/** The lab's `iommu-groups.txt`: group, type, member count, space-separated members. */
const TABLE_HEADER = /^group\ttype\tndevices\tdevices\s*$/;
const TABLE_ROW = /^(\d+)\t([^\t]*)\t(\d+)\t(.*)$/;
/** `find /sys/kernel/iommu_groups/ -type l` (also matches `ls -l` lines that contain the path). */
const FIND_LINK = /\/sys\/kernel\/iommu_groups\/(\d+)\/devices\/([^\s/]+)/;
/** Intel per-unit listing: `IOMMU: dmar3`. */
const UNIT_HEADER = /^\s*IOMMU:\s*(\S+)\s*$/;
/** `IOMMU Group 1:`, `IOMMU group 0`, `  IOMMU Group: 50`, optionally followed by a device line. */
const GROUP_PREFIX = /^\s*IOMMU\s+[Gg]roup:?\s*(\d+)\s*:?(?:\s+(.*))?$/;
/** The "lsgroup" script (Arch forum): `### Group 17 ###`. */
const HASH_GROUP_HEADER = /^\s*#+\s*Group\s+(\d+)\s*#+\s*$/;
/** The "IOMMU groups and connected USB devices" script: `Group 3:\t<device>`. */
const SHORT_GROUP_PREFIX = /^Group\s+(\d+):\s*(.*)$/;
/** Scripts that map USB buses to controllers: `Bus 1 --> 0000:00:14.0 (IOMMU group 3)`. */
const USB_BUS_MAP = new RegExp(String.raw`^\s*Bus\s+\d+\s+-->\s+(${ADDR})\s+\(IOMMU group (\d+)\)`);
/** `lsusb` lines (`Bus 001 Device 002: ID 8087:0029 …`) and that script's `USB:` lines. */
const USB_DEVICE = /\bBus \d{3} Device \d{3}\b/;
/**
 * A member line: optional `Group Device:` label (per-unit listing), optional `[vvvv:dddd] [R]`
 * columns (USB-devices script), the address, then the description.
 */
const DEVICE_LINE = new RegExp(
  String.raw`^\s*(?:Group Device:\s*)?` +
    String.raw`(?:\[([0-9a-fA-F]{4}):([0-9a-fA-F]{4})\]\s(?:(\[R\])|\s{3})\s)?` +
    String.raw`(${ADDR})(?:\s+-\s+|\s+|$)(.*)$`,
);

/** What a member line says besides its address. */
type Description =
  /** A `lspci -nns`/`lspci -s` line, read by the shared lspci header parser. */
  | { kind: 'lspci'; header: LspciHeader }
  /** A line the author's paste cut short: only the class (before the cut) is reliable. */
  | { kind: 'cut'; className: string | null; classCode: string | null }
  /** The USB-devices script: `[vvvv:dddd] [R] BB:DD.F  <class>  <device name>` (no vendor name). */
  | { kind: 'columns'; vendorId: string; deviceId: string; className: string | null; deviceName: string | null; resettable: boolean }
  /** Only the address is known (table, `find` output). */
  | { kind: 'address' };

/** pciutils names.c prints "Device" or "Device 4c53" when pci.ids does not know the device. */
const UNKNOWN_DEVICE_NAME = /^Device(?: [0-9a-fA-F]{4})?$/;

interface Member {
  address: string;
  group: number;
  line: number;
  description: Description;
}

interface GroupState {
  id: number;
  type?: string;
  devices: Set<string>;
  others: Set<string>;
}

const MAX_GROUP_ID = 0x7fffffff;

/** Parse any of the group listing variants described above; never throws. */
export function parseIommuGroupListing(text: string): ParseResult<GroupListing> {
  const issues: ParseIssue[] = [];
  const groups = new Map<number, GroupState>();
  const members = new Map<string, Member>();
  const usbDevices: { group: number | null; line: string }[] = [];
  const units: { name: string; groups: number[] }[] = [];
  let truncated = false;
  let currentGroup: number | null = null;
  let currentUnit: { name: string; groups: number[] } | null = null;

  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n|\r/);

  const openGroup = (rawId: string, lineNo: number): number | null => {
    const id = Number(rawId);
    if (!Number.isSafeInteger(id) || id > MAX_GROUP_ID) {
      issues.push({ line: lineNo, message: `group number ${rawId} is out of range; line ignored` });
      return null;
    }
    if (!groups.has(id)) groups.set(id, { id, devices: new Set(), others: new Set() });
    if (currentUnit && !currentUnit.groups.includes(id)) currentUnit.groups.push(id);
    return id;
  };

  const addMember = (group: number, member: Omit<Member, 'group'>): void => {
    const state = groups.get(group)!;
    const known = members.get(member.address);
    if (known && known.group !== group) {
      issues.push({
        line: member.line,
        message: `${member.address} is listed in group ${group} but already in group ${known.group} (line ${known.line}); kept group ${known.group}`,
      });
      return;
    }
    state.devices.add(member.address);
    // Per-unit listings print a group's members once per member: keep the first, fill gaps.
    if (!known) members.set(member.address, { ...member, group });
  };

  /** A bare member name (table, `find` output): a PCI address or another device's name. */
  const addNamedMember = (group: number, name: string, lineNo: number): void => {
    const address = normalizePciAddress(name);
    if (address) addMember(group, { address, line: lineNo, description: { kind: 'address' } });
    else groups.get(group)!.others.add(name);
  };

  /** A member line (address first); returns false when the text is not one. */
  const readDeviceLine = (body: string, group: number | null, lineNo: number): boolean => {
    const m = DEVICE_LINE.exec(body);
    if (!m) return false;
    const address = normalizePciAddress(m[4]!);
    if (!address) return false;
    if (group === null) {
      issues.push({ line: lineNo, message: `device ${address} appears before any group header; ignored` });
      return true;
    }
    const rest = m[5]!.trim();
    const cut = /(?:\.\.\.|…)$/.test(rest);
    let description: Description;
    if (m[1] !== undefined) {
      const columns = rest.split(/\s{2,}/);
      const name = cut ? '' : columns.slice(1).join('  ').trim();
      description = {
        kind: 'columns',
        vendorId: m[1].toLowerCase(),
        deviceId: m[2]!.toLowerCase(),
        className: columns[0] || null,
        deviceName: name && !UNKNOWN_DEVICE_NAME.test(name) ? name : null,
        resettable: m[3] !== undefined,
      };
    } else if (cut) {
      // The tail is lost (ids, revision, half a name): keep only the class before the cut.
      const header = parseLspciHeader(`${address} ${rest.replace(/\s*(?:\.\.\.|…)$/, '')}`);
      description = { kind: 'cut', className: header?.className ?? null, classCode: header?.classCode ?? null };
    } else {
      const header = rest ? parseLspciHeader(`${address} ${rest}`) : null;
      description = header ? { kind: 'lspci', header } : { kind: 'address' };
    }
    if (cut) {
      truncated = true;
      issues.push({ line: lineNo, message: `line is cut short ("..."): kept ${address} and what precedes the cut` });
    }
    addMember(group, { address, line: lineNo, description });
    return true;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const lineNo = i + 1;
    if (!line.trim()) continue;

    if (ELISION.test(line)) {
      truncated = true;
      issues.push({ line: lineNo, message: 'the author elided part of the listing here: groups or members are missing' });
      continue;
    }
    if (TABLE_HEADER.test(line)) continue;

    const row = TABLE_ROW.exec(line);
    if (row) {
      const id = openGroup(row[1]!, lineNo);
      if (id === null) continue;
      const type = row[2]!.trim();
      if (type) groups.get(id)!.type = type;
      const names = row[4]!.trim() ? row[4]!.trim().split(/\s+/) : [];
      if (Number(row[3]) !== names.length) {
        issues.push({ line: lineNo, message: `group ${id} says ${row[3]} devices but lists ${names.length}` });
      }
      for (const name of names) addNamedMember(id, name, lineNo);
      currentGroup = id;
      continue;
    }

    const link = FIND_LINK.exec(line);
    if (link) {
      const id = openGroup(link[1]!, lineNo);
      if (id !== null) addNamedMember(id, link[2]!, lineNo);
      continue;
    }

    const unit = UNIT_HEADER.exec(line);
    if (unit) {
      currentUnit = units.find((u) => u.name === unit[1]) ?? null;
      if (!currentUnit) {
        currentUnit = { name: unit[1]!, groups: [] };
        units.push(currentUnit);
      }
      currentGroup = null;
      continue;
    }

    const prefixed = GROUP_PREFIX.exec(line) ?? SHORT_GROUP_PREFIX.exec(line) ?? HASH_GROUP_HEADER.exec(line);
    if (prefixed) {
      currentGroup = openGroup(prefixed[1]!, lineNo);
      const rest = prefixed[2]?.trim();
      if (rest && currentGroup !== null && !readDeviceLine(rest, currentGroup, lineNo)) {
        issues.push({ line: lineNo, message: `group ${currentGroup}: text after the group number is not a device line; ignored` });
      }
      continue;
    }

    const busMap = USB_BUS_MAP.exec(line);
    if (busMap) {
      const id = openGroup(busMap[2]!, lineNo);
      if (id !== null) addNamedMember(id, busMap[1]!, lineNo);
      currentGroup = id;
      continue;
    }

    if (USB_DEVICE.test(line)) {
      usbDevices.push({ group: currentGroup, line: line.trim() });
      continue;
    }

    if (readDeviceLine(line, currentGroup, lineNo)) continue;

    // Prompts, /proc/cmdline and prose are expected noise; a line naming a PCI address is not.
    if (ADDRESS_ANYWHERE.test(line)) {
      issues.push({ line: lineNo, message: 'line mentions a PCI address but is not in a known listing format; ignored' });
    }
  }

  if (groups.size === 0 && text.trim()) {
    issues.push({ line: null, message: 'no IOMMU group found in the text' });
  }

  const functions = buildPatches([...members.values()]);
  const listed: ListedGroup[] = [...groups.values()]
    .sort((a, b) => a.id - b.id)
    .map((g) => ({
      id: g.id,
      ...(g.type !== undefined ? { type: g.type } : {}),
      devices: [...g.devices].sort(comparePciAddresses),
      otherMembers: [...g.others].sort(),
    }));

  return {
    data: {
      groups: listed,
      functions,
      usbDevices,
      truncated,
      ...(units.length > 0 ? { units } : {}),
    },
    issues,
  };
}

function buildPatches(members: Member[]): FunctionPatch[] {
  // Vendor names are learnt from the listing's own "<vendor> Device [vvvv:dddd]" lines first.
  const vendors = new VendorNames();
  for (const { description: d } of members) {
    if (d.kind === 'lspci') vendors.learn(d.header.vendorId, d.header.names);
  }

  return members
    .sort((a, b) => comparePciAddresses(a.address, b.address))
    .map(({ address, group, description: d }) => {
      switch (d.kind) {
        case 'lspci': {
          const patch: FunctionPatch = { ...headerPatch(d.header), iommuGroup: group };
          const { vendorName, deviceName } = vendors.split(d.header.vendorId, d.header.names);
          if (d.header.names !== null) Object.assign(patch, { vendorName, deviceName });
          return patch;
        }
        case 'cut': {
          const patch: FunctionPatch = { address, iommuGroup: group };
          if (d.className !== null) patch.className = d.className;
          if (d.classCode !== null) patch.classCode = d.classCode;
          return patch;
        }
        case 'columns': {
          const patch: FunctionPatch = { address, iommuGroup: group, vendorId: d.vendorId, deviceId: d.deviceId, deviceName: d.deviceName };
          if (d.className !== null) patch.className = d.className;
          // `[R]` is printed when `/sys/bus/pci/devices/<dev>/reset` exists, and that file exists
          // only when the device has at least one reset method (spec 3.2, pci-sysfs.c). A blank
          // column therefore means "not resettable" ([]); the marker says "resettable" but not
          // how, and inventing method names would be worse than leaving resetMethods unknown.
          if (!d.resettable) patch.resetMethods = [];
          return patch;
        }
        case 'address':
          return { address, iommuGroup: group };
      }
    });
}
