/**
 * Snapshots of any size for the layout benchmark, made by replicating a real snapshot (a lab
 * capture imported as the CLI imports it) under synthetic PCI segments: copy k is the whole
 * hierarchy under domain k (as an Intel VMD or a multi-segment server shows it), with every
 * address rewritten and group g becoming g + k × stride. Copy 0 is the capture itself.
 */
import { join } from 'node:path';
import { importPaths } from '../../main/io/import.ts';
import type { PciFunction, Snapshot } from '../../main/core/model/snapshot.ts';
import { LAB_DIR } from '../helpers/fstree.ts';

const DOMAIN_0 = /^0000:/;

function inDomain(address: string, copy: number): string {
  return address.replace(DOMAIN_0, `${copy.toString(16).padStart(4, '0')}:`);
}

export async function labSnapshot(topology = 'mixed'): Promise<Snapshot> {
  return importPaths([join(LAB_DIR, topology)], () => new Date('2026-01-01T00:00:00Z'));
}

/** `copies` copies of `base` (which must sit in domain 0000), one domain each. */
export function replicateSnapshot(base: Snapshot, copies: number): Snapshot {
  const stride = Math.max(0, ...base.groups.map((g) => g.id), ...base.devices.map((d) => d.iommuGroup ?? 0)) + 1;
  const devices: PciFunction[] = [];
  const groups: Snapshot['groups'] = [];
  const rootBuses: Snapshot['rootBuses'] = [];
  for (let k = 0; k < copies; k++) {
    const at = (a: string) => inDomain(a, k);
    const domainHex = k.toString(16).padStart(4, '0');
    for (const d of base.devices) {
      devices.push({
        ...d,
        address: at(d.address),
        parent: d.parent === null ? null : at(d.parent),
        physfn: d.physfn === null ? null : at(d.physfn),
        sriov: d.sriov === null ? null : { ...d.sriov, vfs: d.sriov.vfs.map(at) },
        iommuGroup: d.iommuGroup === null ? null : d.iommuGroup + k * stride,
        sysfsPath: d.sysfsPath === null ? null : d.sysfsPath.replaceAll('0000:', `${domainHex}:`).replace(/^pci0000:/, `pci${domainHex}:`),
      });
    }
    for (const g of base.groups) groups.push({ ...g, id: g.id + k * stride, devices: g.devices.map(at) });
    for (const r of base.rootBuses) rootBuses.push({ ...r, name: r.name.replace('pci0000:', `pci${domainHex}:`), domain: k });
  }
  return {
    ...base,
    devices,
    groups,
    rootBuses,
    slots: [],
    hostUsage: null,
    libvirt: null,
    iommu: { ...base.iommu, units: [], dmesg: [] },
    provenance: { ...base.provenance, target: `${base.provenance.target} ×${copies}` },
  };
}

/** A snapshot of about `functions` PCI functions made of whole copies of `base`. */
export function snapshotOfSize(base: Snapshot, functions: number): Snapshot {
  return replicateSnapshot(base, Math.max(1, Math.round(functions / base.devices.length)));
}
