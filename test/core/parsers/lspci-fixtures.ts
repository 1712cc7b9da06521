/**
 * Fixture access for the lspci parser tests: lab captures (one directory per QEMU topology, each
 * with the sysfs truth in `pci-devices.tsv`) and real-world cases.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import fc from 'fast-check';
import { expect } from 'vitest';
import { Acs, Link, PcieType } from '../../../main/core/model/snapshot.ts';
import type { ParseResult } from '../../../main/core/model/snapshot.ts';
import type { FunctionPatch } from '../../../main/core/snapshot/parts.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));

export function readFixture(relative: string): string {
  return readFileSync(join(FIXTURES, relative), 'utf8');
}

export const LAB_TOPOLOGIES: string[] = readdirSync(join(FIXTURES, 'lab'))
  .filter((name) => statSync(join(FIXTURES, 'lab', name)).isDirectory())
  .sort();

const TSV_COLUMNS = [
  'bdf', 'vendor', 'device', 'subsystem_vendor', 'subsystem_device', 'class', 'revision', 'driver', 'iommu_group',
  'numa_node', 'current_link_speed', 'current_link_width', 'max_link_speed', 'max_link_width', 'reset_method',
  'boot_vga', 'sriov_totalvfs', 'sriov_numvfs', 'physfn', 'realpath',
] as const;

/** One row of a lab capture's `pci-devices.tsv` (sysfs attributes; "-" = absent). */
export type SysfsRow = Record<(typeof TSV_COLUMNS)[number], string>;

export function readPciDevicesTsv(topology: string): SysfsRow[] {
  const [head, ...rows] = readFixture(`lab/${topology}/pci-devices.tsv`).trimEnd().split('\n');
  expect(head?.split('\t')).toEqual([...TSV_COLUMNS]);
  return rows.map((row) => {
    const cells = row.split('\t');
    return Object.fromEntries(TSV_COLUMNS.map((column, i) => [column, cells[i] ?? ''])) as SysfsRow;
  });
}

/** The parent bridge according to the sysfs path ("sys/devices/pci0000:00/0000:00:1c.0/0000:02:00.0"). */
export function parentFromRealpath(realpath: string): string | null {
  const parts = realpath.split('/');
  const parent = parts[parts.length - 2]!;
  return parent.startsWith('pci') ? null : parent;
}

/** sysfs value → what the parsers report: "0x8086" → "8086", "-" → null. */
export function sysfsHex(value: string, digits: number): string | null {
  return value === '-' ? null : value.replace(/^0x/, '').padStart(digits, '0');
}

const HEX4 = /^[0-9a-f]{4}$/;
const ADDRESS = /^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

/**
 * The basic shape every lspci parser result must have, whatever the input. Checked with plain
 * conditions and one assertion at the end: fuzz runs call this thousands of times.
 */
export function expectValidResult(result: ParseResult<{ functions: FunctionPatch[]; accessDenied: boolean }>): void {
  const problems: string[] = [];
  for (const issue of result.issues) {
    if (!(issue.line === null || (Number.isInteger(issue.line) && issue.line >= 1)) || typeof issue.message !== 'string') {
      problems.push(`bad issue ${JSON.stringify(issue)}`);
    }
  }
  if (typeof result.data.accessDenied !== 'boolean') problems.push('accessDenied is not a boolean');
  const addresses = new Set<string>();
  for (const fn of result.data.functions) {
    if (!ADDRESS.test(fn.address) || addresses.has(fn.address)) problems.push(`bad or repeated address ${fn.address}`);
    addresses.add(fn.address);
    for (const key of ['vendorId', 'deviceId', 'subsystemVendorId', 'subsystemDeviceId', 'classCode'] as const) {
      const value = fn[key];
      if (value !== undefined && value !== null && !HEX4.test(value)) problems.push(`${fn.address} ${key} ${value}`);
    }
    if (fn.parent && !ADDRESS.test(fn.parent)) problems.push(`${fn.address} parent ${fn.parent}`);
    if (fn.acs !== undefined && !Acs.safeParse(fn.acs).success) problems.push(`${fn.address} acs ${JSON.stringify(fn.acs)}`);
    if (fn.link !== undefined && fn.link !== null && !Link.safeParse(fn.link).success) problems.push(`${fn.address} link`);
    if (fn.pcieType !== undefined && fn.pcieType !== null && !PcieType.safeParse(fn.pcieType).success) problems.push(`${fn.address} pcieType`);
    for (const key of ['iommuGroup', 'numaNode', 'secondaryBus', 'subordinateBus', 'slotNumber', 'headerType'] as const) {
      const value = fn[key];
      if (value !== undefined && value !== null && !Number.isSafeInteger(value)) problems.push(`${fn.address} ${key} ${value}`);
    }
  }
  expect(problems).toEqual([]);
}

/**
 * Mutations of a real input: truncation, shuffled/dropped/duplicated lines, flipped bytes,
 * huge numbers and junk lines spliced in.
 */
export function mutatedText(base: string): fc.Arbitrary<string> {
  const lines = base.split('\n');
  const junk = fc.oneof(
    fc.string(),
    fc.constantFrom('\t', '\t\t', '        ', '-', '+-', '\\-', '|', '[', ']', ':', '"', '00:', 'Capabilities: ', '\tLnkSta:\tSpeed ',
      'Slot:\t', '0000:00:00.0 ', '-[0000:00]-+-', '99999999999999999999', '\r'),
  );
  const byLines = fc.tuple(
    fc.array(fc.nat({ max: Math.max(0, lines.length - 1) }), { maxLength: 40 }),
    fc.array(fc.tuple(fc.nat({ max: lines.length }), junk), { maxLength: 10 }),
  ).map(([picks, inserts]) => {
    const out = picks.length > 0 ? picks.map((i) => lines[i]!) : [...lines];
    for (const [at, text] of inserts) out.splice(Math.min(at, out.length), 0, text);
    return out.join('\n');
  });
  const truncated = fc.nat({ max: base.length }).map((n) => base.slice(0, n));
  const flipped = fc.array(fc.tuple(fc.nat({ max: Math.max(0, base.length - 1) }), fc.integer({ min: 0, max: 0xffff })), { minLength: 1, maxLength: 30 })
    .map((flips) => {
      let out = base;
      for (const [at, code] of flips) out = out.slice(0, at) + String.fromCharCode(code) + out.slice(at + 1);
      return out;
    });
  const hugeNumbers = fc.bigInt({ min: 0n, max: 10n ** 30n }).map((n) => base.replace(/\b\d+\b/g, (m) => (m.length % 2 === 0 ? n.toString() : m)));
  return fc.oneof(byLines, truncated, flipped, hugeNumbers);
}
