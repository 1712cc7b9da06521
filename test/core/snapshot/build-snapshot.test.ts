import { describe, expect, it } from 'vitest';
import { buildSnapshot, type ProvenanceInput } from '../../../main/core/snapshot/build-snapshot.ts';
import { PciFunction, Snapshot, emptyPciFunction, type Slot } from '../../../main/core/model/snapshot.ts';
import type { FunctionPatch, SnapshotParts } from '../../../main/core/snapshot/parts.ts';

const provenance: ProvenanceInput = {
  collectedAt: '2026-11-21T00:00:00.000Z', method: 'import', target: 't', user: null, root: null, durationMs: 1, inputs: [], tool: 'test',
};
const build = (parts: SnapshotParts) => {
  const s = buildSnapshot(parts, provenance);
  expect(Snapshot.safeParse(s).success).toBe(true);
  return s;
};
const dmiSlot = (name: string, busAddress: string | null): Slot => ({
  name, source: 'dmi', designation: name, type: 'x16 PCI Express 4 x16', width: 'x16', inUse: true, busAddress, rootPort: null, devices: [],
});

describe('merging sources', () => {
  it('sysfs wins over lspci; lspci fills what sysfs does not know; unknown never overwrites', () => {
    const s = build({
      functions: [
        { source: 'lspci-vvv', functions: [{ address: '0000:01:00.0', driver: 'nouveau', pcieType: 'endpoint', acs: { state: 'absent' }, deviceName: 'GA102' }] },
        { source: 'sysfs', functions: [{ address: '0000:01:00.0', driver: 'vfio-pci', iommuGroup: 3 }] },
        { source: 'group-listing', functions: [{ address: '0000:01:00.0', acs: { state: 'unknown' }, deviceName: 'other name' }] },
      ],
    });
    const d = s.devices[0]!;
    expect(d.driver).toBe('vfio-pci');
    expect(d.pcieType).toBe('endpoint');
    expect(d.acs).toEqual({ state: 'absent' });
    expect(d.deviceName).toBe('GA102');
    expect(d.sources).toEqual(['sysfs', 'lspci-vvv', 'group-listing']);
    // Groups come from the devices' own group numbers when no group list was given.
    expect(s.groups).toEqual([{ id: 3, type: null, devices: ['0000:01:00.0'], otherMembers: [], reservedRegions: null }]);
  });
});

describe('every field merges', () => {
  // applyPatch names each field (a loop over patch keys is slow on thousands of functions): a
  // field added to PciFunction must be added there too, or no source could ever set it.
  const sample: Omit<PciFunction, 'address' | 'sources'> = {
    vendorId: '10de', deviceId: '2204', subsystemVendorId: '1462', subsystemDeviceId: '3880', vendorName: 'NVIDIA Corporation',
    deviceName: 'GA102', subsystemName: 'Micro-Star International', classCode: '0300', progIf: '00', className: 'VGA compatible controller',
    revision: 'a1', headerType: 0, multifunction: false, pcieType: 'legacy-endpoint', driver: 'vfio-pci', driverOverride: 'vfio-pci',
    modules: ['nouveau'], iommuGroup: 14, numaNode: 0,
    link: { currentSpeed: '16.0 GT/s PCIe', currentWidth: 16, maxSpeed: '16.0 GT/s PCIe', maxWidth: 16, downgraded: false },
    resetMethods: ['bus'], bootVga: true, sriov: { totalVfs: 4, numVfs: 0, vfs: [] }, physfn: '0000:00:01.0',
    acs: { state: 'absent' }, flr: false, parent: '0000:00:01.1', sysfsPath: 'pci0000:00/0000:00:01.1/0000:01:00.0',
    physicalSlot: '1', secondaryBus: 2, subordinateBus: 3, slotImplemented: false, slotNumber: 7,
  };

  it('a fact of any PciFunction field reaches the snapshot', () => {
    expect(Object.keys(sample).sort()).toEqual(Object.keys(PciFunction.shape).filter((k) => k !== 'address' && k !== 'sources').sort());
    const s = build({ functions: [{ source: 'lspci-vvv', functions: [{ address: '0000:01:00.0', ...sample }] }] });
    expect(s.devices[0]).toEqual({ address: '0000:01:00.0', ...sample, sources: ['lspci-vvv'] });
    // A VF is never multifunction (derived); a PF alone in its slot keeps its header bit.
    const pf = build({ functions: [{ source: 'lspci-vvv', functions: [{ address: '0000:01:00.0', ...sample, physfn: null, multifunction: true }] }] });
    expect(pf.devices[0]!.multifunction).toBe(true);
  });
});

describe('whole patches (FunctionSlice.whole)', () => {
  // Every field of PciFunction but `sources`, in its order, unknown: as parseSysfsSections makes them.
  const whole = (facts: FunctionPatch): FunctionPatch => ({
    ...Object.fromEntries(Object.keys(emptyPciFunction('')).filter((k) => k !== 'sources').map((k) => [k, undefined])),
    ...facts,
  }) as FunctionPatch;

  it('a whole patch alone is the function with every unknown fact as emptyPciFunction has it, fields in order', () => {
    const s = build({ functions: [{ source: 'sysfs', whole: true, functions: [whole({ address: '0000:01:00.0', driver: 'nvme', link: null })] }] });
    expect(s.devices[0]).toStrictEqual({ ...emptyPciFunction('0000:01:00.0'), driver: 'nvme', sources: ['sysfs'] });
    expect(Object.keys(s.devices[0]!)).toEqual(Object.keys(emptyPciFunction('')));
  });

  it('merges as a copy would: it wins over later sources, which fill what it leaves unknown', () => {
    const s = build({
      functions: [
        { source: 'lspci-vvv', functions: [{ address: '0000:01:00.0', driver: 'nouveau', pcieType: 'endpoint', acs: { state: 'absent' }, link: null }] },
        { source: 'sysfs', whole: true, functions: [whole({ address: '0000:01:00.0', driver: 'vfio-pci', iommuGroup: 3, link: null })] },
      ],
    });
    expect(s.devices[0]).toMatchObject({ driver: 'vfio-pci', pcieType: 'endpoint', acs: { state: 'absent' }, iommuGroup: 3, link: null });
    expect(s.devices[0]!.sources).toEqual(['sysfs', 'lspci-vvv']);
    expect(Object.keys(s.devices[0]!)).toEqual(Object.keys(emptyPciFunction('')));
  });
});

describe('derived topology', () => {
  const parts = (): SnapshotParts => ({
    functions: [{
      source: 'lspci-vvv',
      functions: [
        { address: '0000:00:1c.0', secondaryBus: 2, subordinateBus: 2, pcieType: 'root-port' },
        { address: '0000:02:00.0', sriov: { totalVfs: 4, numVfs: 2, vfs: [] } },
        { address: '0000:02:00.1', physfn: '0000:02:00.0' },
        { address: '0000:02:00.2', physfn: '0000:02:00.0' },
        { address: '0000:00:1f.0', headerType: 0, multifunction: true },
        { address: '0000:00:1f.3', headerType: 0, multifunction: false },
        { address: '0000:00:14.0', headerType: 0, multifunction: false },
      ],
    }],
    rootBuses: [{ name: 'pci0000:00', domain: 0, bus: 0 }],
  });

  it('the parent of a device is the bridge whose secondary bus it sits on', () => {
    const s = build(parts());
    expect(s.devices.find((d) => d.address === '0000:02:00.0')?.parent).toBe('0000:00:1c.0');
    expect(s.devices.find((d) => d.address === '0000:02:00.0')?.sources).toContain('inferred');
    expect(s.devices.find((d) => d.address === '0000:00:1c.0')?.parent).toBeNull();
  });

  it('multifunction as the kernel sets it: any function > 0, function 0 with siblings, never a VF', () => {
    const s = build(parts());
    const mf = (a: string) => s.devices.find((d) => d.address === a)?.multifunction;
    expect(mf('0000:00:1f.0')).toBe(true);
    expect(mf('0000:00:1f.3')).toBe(true);
    expect(mf('0000:00:14.0')).toBe(false);
    expect(mf('0000:02:00.1')).toBe(false);
    // A PF alone in its slot (VFs do not count) whose header was not read: not known.
    expect(mf('0000:02:00.0')).toBeNull();
  });

  it('a PF lists the VFs that name it', () => {
    const s = build(parts());
    expect(s.devices.find((d) => d.address === '0000:02:00.0')?.sriov?.vfs).toEqual(['0000:02:00.1', '0000:02:00.2']);
  });

  it('a link below its capability is marked downgraded; unknown speeds are not', () => {
    const s = build({ functions: [{ source: 'sysfs', functions: [
      { address: '0000:01:00.0', link: { currentSpeed: '2.5 GT/s PCIe', currentWidth: 16, maxSpeed: '16.0 GT/s PCIe', maxWidth: 16, downgraded: null } },
      { address: '0000:02:00.0', link: { currentSpeed: '2.5 GT/s PCIe', currentWidth: 1, maxSpeed: null, maxWidth: null, downgraded: null } },
    ] }] });
    expect(s.devices[0]!.link?.downgraded).toBe(true);
    expect(s.devices[1]!.link?.downgraded).toBeNull();
  });
});

describe('slots joined to their ports', () => {
  const topology: SnapshotParts['functions'] = [{
    source: 'lspci-vvv',
    functions: [
      { address: '0000:00:03.1', secondaryBus: 0x0b, pcieType: 'root-port' },
      { address: '0000:0b:00.0', parent: '0000:00:03.1' },
      { address: '0000:0b:00.1', parent: '0000:00:03.1' },
    ],
  }];

  it('a DMI bus address that is the device in the slot, or the port itself (ASUS X570 firmware), finds the port', () => {
    const s = build({ functions: topology, slots: [dmiSlot('PCIEX16_1', '0000:0b:00.0'), dmiSlot('PCIEX16_1b', '0000:00:03.1')] });
    for (const slot of s.slots) {
      expect(slot.rootPort, slot.name).toBe('0000:00:03.1');
      expect(slot.devices, slot.name).toEqual(['0000:0b:00.0', '0000:0b:00.1']);
    }
  });

  it('a bogus DMI address (no such device, not function 0 of a bus) joins nothing', () => {
    const s = build({ functions: topology, slots: [dmiSlot('PCIEX1_1', '0000:00:1f.7')] });
    expect(s.slots[0]!.rootPort).toBeNull();
    expect(s.slots[0]!.devices).toEqual([]);
  });

  it('the same DMI record read twice (dmidecode and its -t 9 extract) is one slot; two slots alike but for their name stay two', () => {
    const s = build({ functions: topology, slots: [dmiSlot('PCIEX16_1', '0000:0b:00.0'), dmiSlot('PCIEX16_1', '0000:0b:00.0'), dmiSlot('PCIEX16_2', '0000:0b:00.0')] });
    expect(s.slots.map((x) => x.name)).toEqual(['PCIEX16_1', 'PCIEX16_2']);
  });

  it('a sysfs slot and a DMI slot on the same port become one slot from both sources', () => {
    const sysfsSlot: Slot = { ...dmiSlot('3', '0000:0b:00'), source: 'sysfs', designation: null, type: null, width: null, inUse: null, devices: ['0000:0b:00.0', '0000:0b:00.1'] };
    const s = build({ functions: topology, slots: [sysfsSlot, dmiSlot('PCIEX16_1', '0000:0b:00.0')] });
    expect(s.slots).toHaveLength(1);
    expect(s.slots[0]).toMatchObject({ name: '3', source: 'both', designation: 'PCIEX16_1', type: 'x16 PCI Express 4 x16', rootPort: '0000:00:03.1' });
  });
});

describe('the IOMMU summary', () => {
  it('sysfs read with no unit, no group and no firmware table: no IOMMU, and off', () => {
    const s = build({ functions: [], groups: { source: 'sysfs', groups: [] }, iommu: { units: [], firmwareTables: [] } });
    expect(s.iommu.vendor).toBe('none');
    expect(s.iommu.enabled).toBe(false);
  });

  it('nothing read about the IOMMU: unknown, not "none"', () => {
    const s = build({ functions: [] });
    expect(s.iommu.vendor).toBe('unknown');
    expect(s.iommu.enabled).toBeNull();
    expect(s.iommu.interruptRemapping).toBeNull();
    expect(s.iommu.defaultDomain).toBeNull();
  });

  it('group types tell the default domain when the log does not', () => {
    const group = (id: number, type: string) => ({ id, type, devices: [], otherMembers: [], reservedRegions: null });
    expect(build({ functions: [], groups: { source: 'sysfs', groups: [group(0, 'identity')] } }).iommu.defaultDomain).toBe('passthrough');
    expect(build({ functions: [], groups: { source: 'sysfs', groups: [group(0, 'DMA-FQ')] } }).iommu.defaultDomain).toBe('lazy');
    expect(build({ functions: [], groups: { source: 'sysfs', groups: [group(0, 'DMA')] } }).iommu.defaultDomain).toBe('translated');
  });
});
