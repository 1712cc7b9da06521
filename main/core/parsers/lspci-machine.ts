/**
 * Parser for lspci's machine-readable output (lspci.man "Machine readable output"; lspci.c
 * `show_machine`): the tagged records of `-vmm` (`-nnvmm`, `-D -vmm -nn -k`) and the one-line
 * `-mm` form (`-Dnnmm`). Real input (QEMU lab, pciutils 3.9):
 *
 *     Slot:	0000:0b:02.0
 *     Class:	Ethernet controller [0200]
 *     Vendor:	Realtek Semiconductor Co., Ltd. [10ec]
 *     Device:	RTL-8100/8101L/8139 PCI Fast Ethernet Adapter [8139]
 *     SVendor:	Red Hat, Inc. [1af4]
 *     SDevice:	QEMU Virtual Machine [1100]
 *     PhySlot:	2
 *     Rev:	20
 *     ProgIf:	00
 *     Driver:	8139cp
 *     Module:	8139cp
 *     Module:	8139too
 *     IOMMUGroup:	19
 *
 *     0000:00:00.0 "Host bridge [0600]" "Intel Corporation [8086]" "82G33/G31/P35/P31 Express DRAM Controller [29c0]" -p00 "Red Hat, Inc. [1af4]" "QEMU Virtual Machine [1100]"
 *
 * show_machine prints Rev (and, before pciutils 3.8, ProgIf) only when non-zero, so a missing
 * one means 00. Unknown names print as the placeholders "Vendor", "Device", "Class".
 */
import { normalizePciAddress } from '../model/pci-address.ts';
import type { ParseIssue, ParseResult } from '../model/snapshot.ts';
import type { FunctionPatch } from '../snapshot/parts.ts';
import { clipLine, hexByte, isHex4, type LspciFunctions } from './lspci-common.ts';

/** "Intel Corporation [8086]" (-nn), "Intel Corporation", or "8086" (-n). Placeholder names are unknown. */
function nameAndId(value: string, placeholder: string): { name: string | null; id: string | null } {
  if (isHex4(value)) return { name: null, id: value.toLowerCase() };
  let name = value;
  let id: string | null = null;
  if (value.endsWith(']') && value.length >= 6 && value[value.length - 6] === '[' && isHex4(value.slice(-5, -1))) {
    id = value.slice(-5, -1).toLowerCase();
    name = value.slice(0, -6).trimEnd();
  }
  return { name: name === '' || name === placeholder ? null : name, id };
}

interface MachineRecord {
  patch: FunctionPatch;
  subsystemVendor: string | null;
  subsystemDevice: string | null;
  line: number;
}

function applyField(record: MachineRecord, key: string, value: string, line: number, issues: ParseIssue[]): void {
  const patch = record.patch;
  switch (key) {
    case 'Class': {
      const { name, id } = nameAndId(value, 'Class');
      patch.className = name;
      if (id) patch.classCode = id;
      return;
    }
    case 'Vendor': {
      const { name, id } = nameAndId(value, 'Vendor');
      patch.vendorName = name;
      if (id) patch.vendorId = id;
      return;
    }
    case 'Device': {
      const { name, id } = nameAndId(value, 'Device');
      patch.deviceName = name;
      if (id) patch.deviceId = id;
      return;
    }
    case 'SVendor': {
      const { name, id } = nameAndId(value, 'Vendor');
      record.subsystemVendor = name;
      if (id) patch.subsystemVendorId = id;
      return;
    }
    case 'SDevice': {
      const { name, id } = nameAndId(value, 'Device');
      record.subsystemDevice = name;
      if (id) patch.subsystemDeviceId = id;
      return;
    }
    case 'Rev':
    case 'ProgIf': {
      const byte = hexByte(value);
      if (byte === null) issues.push({ line, message: `${key} is not a hex byte: ${clipLine(value)}` });
      else if (key === 'Rev') patch.revision = byte;
      else patch.progIf = byte;
      return;
    }
    case 'Driver':
      patch.driver = value;
      return;
    case 'Module':
      patch.modules = [...(patch.modules ?? []), value];
      return;
    case 'PhySlot':
      patch.physicalSlot = value;
      return;
    case 'NUMANode':
    case 'IOMMUGroup': {
      if (!/^\d{1,9}$/.test(value)) {
        issues.push({ line, message: `${key} is not a number: ${clipLine(value)}` });
      } else if (key === 'NUMANode') {
        patch.numaNode = parseInt(value, 10);
      } else {
        patch.iommuGroup = parseInt(value, 10);
      }
      return;
    }
    default:
      // Fields this snapshot does not use (e.g. "DeviceName" in newer pciutils).
      return;
  }
}

/** The quoted fields and -r/-p options of one `-mm` line after the slot. */
function parseSingleLine(rest: string): { quoted: string[]; options: string[] } | null {
  const quoted: string[] = [];
  const options: string[] = [];
  let i = 0;
  while (i < rest.length) {
    if (rest[i] === ' ') {
      i++;
    } else if (rest[i] === '"') {
      // pciutils does not escape quotes; a field ends at a quote followed by a space or the end.
      let close = rest.indexOf('"', i + 1);
      while (close >= 0 && close + 1 < rest.length && rest[close + 1] !== ' ') close = rest.indexOf('"', close + 1);
      if (close < 0) return null;
      quoted.push(rest.slice(i + 1, close));
      i = close + 1;
    } else {
      let end = rest.indexOf(' ', i);
      if (end < 0) end = rest.length;
      options.push(rest.slice(i, end));
      i = end;
    }
  }
  return { quoted, options };
}

export function parseLspciMachine(text: string): ParseResult<LspciFunctions> {
  const issues: ParseIssue[] = [];
  const records: MachineRecord[] = [];
  const seen = new Set<string>();
  let current: MachineRecord | null = null;

  const add = (address: string, line: number): MachineRecord | null => {
    if (seen.has(address)) {
      issues.push({ line, message: `device ${address} appears twice; the later record is ignored` });
      return null;
    }
    seen.add(address);
    const record: MachineRecord = { patch: { address }, subsystemVendor: null, subsystemDevice: null, line };
    records.push(record);
    return record;
  };

  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.replace(/\r$/, '');
    const lineNumber = index + 1;
    if (line.trim() === '') {
      current = null;
      continue;
    }
    const tagged = /^([A-Za-z]+):\s+(.*)$/.exec(line);
    if (tagged) {
      const key = tagged[1]!;
      const value = tagged[2]!.trim();
      if (key === 'Slot') {
        const address = normalizePciAddress(value);
        if (!address) {
          issues.push({ line: lineNumber, message: `Slot is not a PCI address: ${clipLine(value)}` });
          current = null;
          continue;
        }
        current = add(address, lineNumber);
      } else if (current) {
        applyField(current, key, value, lineNumber, issues);
      }
      continue;
    }
    const space = line.indexOf(' ');
    const address = space > 0 ? normalizePciAddress(line.slice(0, space)) : null;
    const single = address ? parseSingleLine(line.slice(space + 1)) : null;
    if (!address || !single || single.quoted.length < 3) {
      issues.push({ line: lineNumber, message: `not lspci -mm/-vmm output, skipped: ${clipLine(line)}` });
      current = null;
      continue;
    }
    current = null;
    const record = add(address, lineNumber);
    if (!record) continue;
    const [cls, vendor, device, svendor, sdevice] = single.quoted;
    applyField(record, 'Class', cls!, lineNumber, issues);
    applyField(record, 'Vendor', vendor!, lineNumber, issues);
    applyField(record, 'Device', device!, lineNumber, issues);
    // `"" ""` = no subsystem ids (0000 or ffff): nothing to record.
    if (svendor) applyField(record, 'SVendor', svendor, lineNumber, issues);
    if (sdevice) applyField(record, 'SDevice', sdevice, lineNumber, issues);
    for (const option of single.options) {
      if (option.startsWith('-r')) applyField(record, 'Rev', option.slice(2), lineNumber, issues);
      else if (option.startsWith('-p')) applyField(record, 'ProgIf', option.slice(2), lineNumber, issues);
      else issues.push({ line: lineNumber, message: `unknown -mm option ${clipLine(option)}` });
    }
  }

  const kernelShown = records.some((r) => r.patch.driver !== undefined || r.patch.modules !== undefined);
  const groupsShown = records.some((r) => r.patch.iommuGroup !== undefined);
  const functions = records.map((record) => {
    const patch = record.patch;
    patch.revision ??= '00';
    patch.progIf ??= '00';
    if (record.subsystemVendor !== null || record.subsystemDevice !== null) {
      patch.subsystemName = [record.subsystemVendor, record.subsystemDevice].filter((n) => n !== null).join(' ');
    }
    if (kernelShown) patch.driver ??= null;
    if (groupsShown) patch.iommuGroup ??= null;
    return patch;
  });
  return { data: { functions, accessDenied: false }, issues };
}
