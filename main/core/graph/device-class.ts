/**
 * What a PCI function is, in the words the graph shows: a class (drawn as an icon and a tag),
 * and a short name a person reads before the address.
 *
 * Classes follow the PCI Code and ID Assignment Specification (base class, sub-class): the
 * snapshot keeps them as "0300" (`classCode`, sysfs `class` >> 8).
 */
import type { PciFunction } from '../model/snapshot.ts';

export type DeviceClass =
  | 'gpu' | 'nic' | 'nvme' | 'sata' | 'storage' | 'usb' | 'audio' | 'bridge' | 'host-bridge' | 'isa'
  | 'smbus' | 'serial' | 'system' | 'accelerator' | 'media' | 'other' | 'unknown';

/** The tag shown on a node of each class. */
export const CLASS_LABELS: Record<DeviceClass, string> = {
  gpu: 'GPU', nic: 'NIC', nvme: 'NVMe', sata: 'SATA', storage: 'Storage', usb: 'USB', audio: 'Audio',
  bridge: 'Bridge', 'host-bridge': 'Host bridge', isa: 'ISA bridge', smbus: 'SMBus', serial: 'Serial bus',
  system: 'System', accelerator: 'Accelerator', media: 'Media', other: 'Other', unknown: 'Unknown',
};

/** Exact base class + sub-class matches (PCI Code and ID Assignment, sections 1.1-1.19). */
const BY_CLASS_CODE: Record<string, DeviceClass> = {
  '0106': 'sata',
  '0108': 'nvme',
  '0403': 'audio', '0401': 'audio',
  '0600': 'host-bridge',
  '0601': 'isa',
  '0604': 'bridge', '0609': 'bridge',
  '0c03': 'usb',
  '0c05': 'smbus',
};

/** Base classes (first two digits) when the sub-class has no entry above. */
const BY_BASE_CLASS: Record<string, DeviceClass> = {
  '01': 'storage',
  '02': 'nic', '0d': 'nic',
  '03': 'gpu',
  '04': 'media',
  '05': 'system', '08': 'system', '0a': 'system', '11': 'system',
  '06': 'bridge',
  '0b': 'accelerator', '12': 'accelerator',
  '0c': 'serial',
};

export function deviceClassOf(classCode: string | null): DeviceClass {
  if (classCode === null) return 'unknown';
  return BY_CLASS_CODE[classCode] ?? BY_BASE_CLASS[classCode.slice(0, 2)] ?? 'other';
}

/**
 * The name to print on a node. pci.ids gives marketing names in the last brackets
 * ("GA102 [GeForce RTX 3080]" → "GeForce RTX 3080"); a "Family ... Controller" name without
 * brackets is kept as it is. Without a device name, the class name stands in.
 */
export function shortNameOf(d: Pick<PciFunction, 'deviceName' | 'vendorName' | 'className' | 'classCode'>): string {
  const name = d.deviceName?.trim() ?? '';
  if (name !== '') {
    const brackets = [...name.matchAll(/\[([^\]]+)\]/g)];
    const last = brackets[brackets.length - 1]?.[1]?.trim();
    // "[AHCI mode]" names a mode, not a product: keep the name around it.
    if (last && !/\bmode\b/i.test(last)) return last;
    const vendor = d.vendorName?.trim() ?? '';
    return vendor !== '' && name.startsWith(`${vendor} `) ? name.slice(vendor.length + 1) : name;
  }
  if (d.className) return d.className;
  return d.classCode ? `class ${d.classCode}` : 'Unknown device';
}
