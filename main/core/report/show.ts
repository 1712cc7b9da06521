/**
 * `iommu-atlas show`: the groups with their devices, for a terminal and as a stable JSON contract.
 * The JSON shape is documented in the README; later versions only add fields.
 */
import type { PciFunction, Snapshot } from '../model/snapshot.ts';
import { comparePciAddresses } from '../model/pci-address.ts';

export interface ShowJson {
  host: { hostname: string | null; kernel: string | null; board: string | null };
  iommu: {
    vendor: Snapshot['iommu']['vendor'];
    enabled: boolean | null;
    interruptRemapping: boolean | null;
    defaultDomain: Snapshot['iommu']['defaultDomain'];
    faults: number;
  };
  groups: { id: number; type: string | null; devices: string[] }[];
  devices: {
    address: string;
    vendorId: string | null;
    deviceId: string | null;
    classCode: string | null;
    name: string | null;
    vendorName: string | null;
    driver: string | null;
    group: number | null;
  }[];
  unreadable: { what: string; why: string }[];
}

export function boardName(s: Snapshot): string | null {
  const { boardVendor, boardName: name, systemVendor, systemProduct } = s.host.dmi;
  const parts = [boardVendor ?? systemVendor, name ?? systemProduct].filter((p): p is string => !!p);
  return parts.length ? parts.join(' ') : null;
}

function iommuFaultCount(s: Snapshot): number {
  return s.iommu.dmesg.filter((e) => e.category === 'fault').length;
}

export function showJson(s: Snapshot): ShowJson {
  return {
    host: { hostname: s.host.hostname, kernel: s.host.kernelRelease, board: boardName(s) },
    iommu: {
      vendor: s.iommu.vendor,
      enabled: s.iommu.enabled,
      interruptRemapping: s.iommu.interruptRemapping,
      defaultDomain: s.iommu.defaultDomain,
      faults: iommuFaultCount(s),
    },
    groups: s.groups.map((g) => ({ id: g.id, type: g.type, devices: [...g.devices] })),
    devices: s.devices.map((d) => ({
      address: d.address,
      vendorId: d.vendorId,
      deviceId: d.deviceId,
      classCode: d.classCode,
      name: d.deviceName,
      vendorName: d.vendorName,
      driver: d.driver,
      group: d.iommuGroup,
    })),
    unreadable: s.provenance.unreadable.map((u) => ({ what: u.what, why: u.why })),
  };
}

function linkText(d: PciFunction): string | null {
  const l = d.link;
  if (!l || (l.currentSpeed === null && l.currentWidth === null)) return null;
  const speed = (v: string | null) => (v ?? '?').replace(/ PCIe$/, '');
  const cur = `${speed(l.currentSpeed)} x${l.currentWidth ?? '?'}`;
  const max = `${speed(l.maxSpeed)} x${l.maxWidth ?? '?'}`;
  return l.downgraded ? `${cur} (downgraded from ${max})` : cur;
}

/** "NVIDIA Corporation GA102 [GeForce RTX 3080]"; pci.ids names sometimes repeat the vendor. */
export function deviceLabel(d: PciFunction): string {
  const vendor = d.vendorName ?? '';
  const device = d.deviceName ?? '';
  if (!vendor && !device) return 'unknown device';
  if (!vendor || device.startsWith(vendor)) return device;
  return device ? `${vendor} ${device}` : vendor;
}

function describeFunction(d: PciFunction): string {
  const ids = d.vendorId && d.deviceId ? ` [${d.vendorId}:${d.deviceId}]` : '';
  const cls = d.className ?? (d.classCode ? `class ${d.classCode}` : 'unknown class');
  const name = deviceLabel(d);
  const facts: string[] = [`driver ${d.driver ?? '-'}`];
  if (d.resetMethods) facts.push(`reset ${d.resetMethods.length ? d.resetMethods.join(',') : 'none'}`);
  const link = linkText(d);
  if (link) facts.push(`link ${link}`);
  if (d.physfn) facts.push(`VF of ${d.physfn}`);
  return `${d.address} ${cls}: ${name}${ids}  (${facts.join('; ')})`;
}

export function renderShowText(s: Snapshot): string {
  const out: string[] = [];
  const byAddress = new Map(s.devices.map((d) => [d.address, d]));
  const title = [s.host.hostname ?? 'unknown host', s.host.kernelRelease && `kernel ${s.host.kernelRelease}`, boardName(s)]
    .filter(Boolean).join(' · ');
  out.push(title);
  const flag = (v: boolean | null) => (v === null ? 'unknown' : v ? 'yes' : 'no');
  out.push(`IOMMU: ${s.iommu.vendor}, enabled ${flag(s.iommu.enabled)}, interrupt remapping ${flag(s.iommu.interruptRemapping)}, default domain ${s.iommu.defaultDomain ?? 'unknown'}, faults in log ${iommuFaultCount(s)}`);
  out.push(`${s.devices.length} PCI functions, ${s.groups.length} IOMMU groups (from ${s.provenance.method}: ${s.provenance.target})`);
  out.push('');
  for (const g of s.groups) {
    const n = g.devices.length + g.otherMembers.length;
    out.push(`IOMMU Group ${g.id}${g.type ? ` (${g.type})` : ''}: ${n} device${n === 1 ? '' : 's'}`);
    for (const a of g.devices) {
      const d = byAddress.get(a);
      out.push(`  ${d ? describeFunction(d) : a}`);
    }
    for (const m of g.otherMembers) out.push(`  ${m} (not a PCI device)`);
  }
  const ungrouped = s.devices.filter((d) => d.iommuGroup === null).sort((a, b) => comparePciAddresses(a.address, b.address));
  if (ungrouped.length) {
    out.push('');
    out.push(s.groups.length ? 'Not in any IOMMU group:' : 'PCI functions (no IOMMU groups):');
    for (const d of ungrouped) out.push(`  ${describeFunction(d)}`);
  }
  out.push('');
  if (s.provenance.unreadable.length) {
    out.push('Could not read:');
    for (const u of s.provenance.unreadable) out.push(`  - ${u.what}: ${u.why}`);
  } else {
    out.push(s.provenance.method === 'import' ? 'The imported files held every kind of fact this tool reads.' : 'Everything the collector looks for was readable.');
  }
  return `${out.join('\n')}\n`;
}
