import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseLspciMachine } from '../../../main/core/parsers/lspci-machine.ts';
import { parseLspciVerbose } from '../../../main/core/parsers/lspci-verbose.ts';
import type { FunctionPatch } from '../../../main/core/snapshot/parts.ts';
import { LAB_TOPOLOGIES, expectValidResult, mutatedText, readFixture, readPciDevicesTsv, sysfsHex } from './lspci-fixtures.ts';

const joinedNames = (f: FunctionPatch) => [f.vendorName, f.deviceName].filter((n) => n).join(' ');

describe('parseLspciMachine on the lab captures', () => {
  for (const topology of LAB_TOPOLOGIES) {
    const rows = readPciDevicesTsv(topology);

    it(`${topology}: lspci -D -vmm -nn -k matches sysfs`, () => {
      const result = parseLspciMachine(readFixture(`lab/${topology}/lspci-D-vmm-nn-k.txt`));
      expect(result.issues).toEqual([]);
      const functions = new Map(result.data.functions.map((f) => [f.address, f]));
      expect([...functions.keys()].sort()).toEqual(rows.map((r) => r.bdf).sort());
      for (const row of rows) {
        const fn = functions.get(row.bdf)!;
        const subsystem = row.subsystem_vendor === '0x0000' ? [undefined, undefined]
          : [sysfsHex(row.subsystem_vendor, 4), sysfsHex(row.subsystem_device, 4)];
        expect([row.bdf, fn.vendorId, fn.deviceId, `${fn.classCode}${fn.progIf}`, fn.revision, fn.subsystemVendorId, fn.subsystemDeviceId,
          fn.driver, fn.iommuGroup ?? null, fn.numaNode])
          .toEqual([row.bdf, sysfsHex(row.vendor, 4), sysfsHex(row.device, 4), sysfsHex(row.class, 6), sysfsHex(row.revision, 2),
            ...subsystem, row.driver === '-' ? null : row.driver, row.iommu_group === '-' ? null : Number(row.iommu_group),
            row.numa_node === '-1' ? undefined : Number(row.numa_node)]);
      }
    });

    it(`${topology}: lspci -Dnnmm (one line per function) matches sysfs`, () => {
      const result = parseLspciMachine(readFixture(`lab/${topology}/lspci-Dnnmm.txt`));
      expect(result.issues).toEqual([]);
      const functions = new Map(result.data.functions.map((f) => [f.address, f]));
      expect([...functions.keys()].sort()).toEqual(rows.map((r) => r.bdf).sort());
      for (const row of rows) {
        const fn = functions.get(row.bdf)!;
        expect([row.bdf, fn.vendorId, fn.deviceId, `${fn.classCode}${fn.progIf}`, fn.revision])
          .toEqual([row.bdf, sysfsHex(row.vendor, 4), sysfsHex(row.device, 4), sysfsHex(row.class, 6), sysfsHex(row.revision, 2)]);
        if (row.subsystem_vendor !== '0x0000') expect(fn.subsystemVendorId).toBe(sysfsHex(row.subsystem_vendor, 4));
      }
    });

    it(`${topology}: names, subsystem name and physical slot agree with lspci -vvv of the same boot`, () => {
      const machine = parseLspciMachine(readFixture(`lab/${topology}/lspci-D-vmm-nn-k.txt`)).data.functions;
      const verbose = new Map(parseLspciVerbose(readFixture(`lab/${topology}/lspci-vvv-nn-D.txt`)).data.functions.map((f) => [f.address, f]));
      for (const fn of machine) {
        const other = verbose.get(fn.address)!;
        expect([fn.address, joinedNames(fn), fn.className, fn.subsystemName, fn.physicalSlot, fn.modules])
          .toEqual([fn.address, joinedNames(other), other.className, other.subsystemName, other.physicalSlot, other.modules]);
      }
    });
  }

  it('mixed: the fields of one record (8139 with two modules, physical slot 2)', () => {
    const fn = parseLspciMachine(readFixture('lab/mixed/lspci-D-vmm-nn-k.txt')).data.functions.find((f) => f.address === '0000:0b:02.0');
    expect(fn).toEqual({
      address: '0000:0b:02.0', className: 'Ethernet controller', classCode: '0200',
      vendorName: 'Realtek Semiconductor Co., Ltd.', vendorId: '10ec',
      deviceName: 'RTL-8100/8101L/8139 PCI Fast Ethernet Adapter', deviceId: '8139',
      subsystemVendorId: '1af4', subsystemDeviceId: '1100', subsystemName: 'Red Hat, Inc. QEMU Virtual Machine',
      physicalSlot: '2', revision: '20', progIf: '00', driver: '8139cp', modules: ['8139cp', '8139too'], iommuGroup: 19,
    });
  });

  it('amd-flat: the emulated AMD IOMMU 00:01.0 has no group while the others have one', () => {
    const fns = parseLspciMachine(readFixture('lab/amd-flat/lspci-D-vmm-nn-k.txt')).data.functions;
    expect(fns.filter((f) => f.iommuGroup === null).map((f) => [f.address, f.className])).toEqual([['0000:00:01.0', 'IOMMU']]);
  });

  it('mixed -mm: placeholders "Vendor [1234]" / "Device [1111]" are unknown names; "" "" is no subsystem', () => {
    const fns = new Map(parseLspciMachine(readFixture('lab/mixed/lspci-Dnnmm.txt')).data.functions.map((f) => [f.address, f]));
    expect(fns.get('0000:01:00.0')!).toMatchObject({ vendorName: null, deviceName: null, vendorId: '1234', deviceId: '1111', revision: '02' });
    const bridge = fns.get('0000:0a:00.0')!;
    expect([bridge.subsystemVendorId, bridge.subsystemName, bridge.revision]).toEqual([undefined, undefined, '00']);
  });

  it('-vmm without -D/-nn, with NUMANode, and -n numbers', () => {
    const result = parseLspciMachine([
      'Slot:\t01:00.0', 'Class:\tVGA compatible controller', 'Vendor:\tNVIDIA Corporation', 'Device:\tGA102 [GeForce RTX 3080]',
      'Rev:\ta1', 'ProgIf:\t00', 'NUMANode:\t0', 'IOMMUGroup:\t14', '',
      'Slot:\t01:00.1', 'Class:\t0403', 'Vendor:\t10de', 'Device:\t1aef', 'Rev:\ta1', 'IOMMUGroup:\t14', '',
    ].join('\n'));
    expect(result.issues).toEqual([]);
    expect(result.data.functions).toEqual([
      { address: '0000:01:00.0', className: 'VGA compatible controller', vendorName: 'NVIDIA Corporation',
        deviceName: 'GA102 [GeForce RTX 3080]', revision: 'a1', progIf: '00', numaNode: 0, iommuGroup: 14 },
      { address: '0000:01:00.1', className: null, classCode: '0403', vendorName: null, vendorId: '10de', deviceName: null,
        deviceId: '1aef', revision: 'a1', progIf: '00', iommuGroup: 14 },
    ]);
  });

  it('never throws on mutated real inputs', () => {
    for (const input of [readFixture('lab/mixed/lspci-D-vmm-nn-k.txt'), readFixture('lab/mixed/lspci-Dnnmm.txt')]) {
      fc.assert(fc.property(mutatedText(input), (text) => {
        expectValidResult(parseLspciMachine(text));
      }), { numRuns: 500 });
    }
  });
});
