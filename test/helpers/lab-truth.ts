/**
 * What the lab's own capture script recorded about a capture, read straight from its summary
 * files (not through any of our parsers), so tests compare our snapshots with the kernel's word.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAB_DIR } from './fstree.ts';

export interface LabDevice {
  address: string;
  vendor: string;
  device: string;
  classCode: string;
  driver: string | null;
  group: number | null;
  resetMethod: string | null;
  physfn: string | null;
  realpath: string;
}

export function labDevices(topology: string): LabDevice[] {
  const lines = readFileSync(join(LAB_DIR, topology, 'pci-devices.tsv'), 'utf8').trim().split('\n');
  const header = lines[0]!.split('\t');
  const col = (cells: string[], name: string) => {
    const v = cells[header.indexOf(name)]!;
    return v === '-' ? null : v;
  };
  return lines.slice(1).map((line) => {
    const c = line.split('\t');
    return {
      address: col(c, 'bdf')!,
      vendor: col(c, 'vendor')!.slice(2),
      device: col(c, 'device')!.slice(2),
      classCode: col(c, 'class')!.slice(2, 6),
      driver: col(c, 'driver'),
      group: col(c, 'iommu_group') === null ? null : Number(col(c, 'iommu_group')),
      resetMethod: col(c, 'reset_method'),
      physfn: col(c, 'physfn'),
      realpath: col(c, 'realpath')!,
    };
  });
}

/** The kernel's groups: id → sorted members, from the lab's iommu-groups.txt. */
export function labGroups(topology: string): Map<number, { type: string; devices: string[] }> {
  const lines = readFileSync(join(LAB_DIR, topology, 'iommu-groups.txt'), 'utf8').trim().split('\n').slice(1);
  const groups = new Map<number, { type: string; devices: string[] }>();
  for (const line of lines) {
    const [id, type, , devices] = line.split('\t');
    groups.set(Number(id), { type: type!, devices: devices!.split(' ').sort() });
  }
  return groups;
}

/** A partition as a canonical string, to compare group membership regardless of group numbers. */
export function partitionKey(groups: Iterable<{ devices: string[] }>): string[] {
  return [...groups].map((g) => [...g.devices].sort().join(' ')).sort();
}
