import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseLspciNnk } from '../../../main/core/parsers/lspci-nnk.ts';
import { parseLspciTree } from '../../../main/core/parsers/lspci-tree.ts';
import { parseLspciVerbose } from '../../../main/core/parsers/lspci-verbose.ts';
import {
  LAB_TOPOLOGIES, expectValidResult, mutatedText, parentFromRealpath, readFixture, readPciDevicesTsv, sysfsHex,
} from './lspci-fixtures.ts';

describe('parseLspciTree on the lab captures (parents vs the sysfs device paths)', () => {
  for (const topology of LAB_TOPOLOGIES) {
    for (const file of ['lspci-tv.txt', 'lspci-tvnn.txt']) {
      it(`${topology} ${file}: every function, its parent bridge and the bridge bus ranges`, () => {
        const rows = readPciDevicesTsv(topology);
        const result = parseLspciTree(readFixture(`lab/${topology}/${file}`));
        expect(result.issues).toEqual([]);
        expect(result.data.rootBuses).toEqual([{ name: 'pci0000:00', domain: 0, bus: 0 }]);
        expect(result.data.functions.map((f) => f.address).sort()).toEqual(rows.map((r) => r.bdf).sort());
        const tree = new Map(result.data.functions.map((f) => [f.address, f]));
        for (const row of rows) expect([row.bdf, tree.get(row.bdf)!.parent]).toEqual([row.bdf, parentFromRealpath(row.realpath)]);
        // The bus ranges printed for bridges equal the bridges' Bus: lines in lspci -vvv.
        const verbose = parseLspciVerbose(readFixture(`lab/${topology}/lspci-vvv-nn-D.txt`)).data.functions;
        const bridges = verbose.filter((f) => f.secondaryBus !== undefined);
        for (const bridge of bridges) {
          const fn = tree.get(bridge.address)!;
          expect([bridge.address, fn.secondaryBus, fn.subordinateBus]).toEqual([bridge.address, bridge.secondaryBus, bridge.subordinateBus]);
        }
        expect(result.data.functions.filter((f) => f.secondaryBus !== undefined)).toHaveLength(bridges.length);
      });
    }

    it(`${topology} lspci -tvnn: ids of the leaf devices equal sysfs`, () => {
      const rows = new Map(readPciDevicesTsv(topology).map((r) => [r.bdf, r]));
      const functions = parseLspciTree(readFixture(`lab/${topology}/lspci-tvnn.txt`)).data.functions;
      const leaves = functions.filter((f) => f.secondaryBus === undefined);
      for (const fn of leaves) {
        const row = rows.get(fn.address)!;
        expect([fn.address, fn.vendorId, fn.deviceId]).toEqual([fn.address, sysfsHex(row.vendor, 4), sysfsHex(row.device, 4)]);
      }
    });
  }

  it('mixed lspci -tv: names as printed ("Device 1234:1111" = both names unknown)', () => {
    const fns = new Map(parseLspciTree(readFixture('lab/mixed/lspci-tv.txt')).data.functions.map((f) => [f.address, f]));
    expect(fns.get('0000:01:00.0')!).toMatchObject({ vendorId: '1234', deviceId: '1111', parent: '0000:00:01.0' });
    expect(fns.get('0000:01:00.0')!.deviceName).toBeUndefined();
    expect(fns.get('0000:07:00.0')!).toMatchObject({ parent: '0000:06:00.0', deviceName: 'Red Hat, Inc. QEMU NVM Express Controller' });
    // The empty downstream port: "\-02.0-[09]--".
    expect(fns.get('0000:06:02.0')!).toMatchObject({ parent: '0000:05:00.0', secondaryBus: 9, subordinateBus: 9 });
  });

  it('amd lspci -tv: "Advanced Micro Devices, Inc. [AMD] Device 0008" names only the vendor', () => {
    const fns = new Map(parseLspciTree(readFixture('lab/amd/lspci-tv.txt')).data.functions.map((f) => [f.address, f]));
    expect(fns.get('0000:00:01.0')!).toMatchObject({ vendorName: 'Advanced Micro Devices, Inc. [AMD]', deviceName: null, deviceId: '0008' });
  });
});

describe('parseLspciTree on real machines', () => {
  it('asokolsky-dell-latitude-7490 lspci -tv: 22 functions, three root ports with one device each', () => {
    const result = parseLspciTree(readFixture('realworld/asokolsky-dell-latitude-7490/lspci-tv.txt'));
    expect(result.issues.map((i) => i.line)).toEqual([1]);
    const flat = parseLspciNnk(readFixture('realworld/asokolsky-dell-latitude-7490/lspci.txt')).data.functions;
    expect(result.data.functions.map((f) => f.address).sort()).toEqual(flat.map((f) => f.address).sort());
    const children = result.data.functions.filter((f) => f.parent !== null).map((f) => [f.address, f.parent]);
    expect(children).toEqual([
      ['0000:01:00.0', '0000:00:1c.0'], ['0000:02:00.0', '0000:00:1c.2'], ['0000:03:00.0', '0000:00:1d.0'],
    ]);
    expect(result.data.functions.find((f) => f.address === '0000:00:1f.6')!.deviceName).toBe('Intel Corporation Ethernet Connection (4) I219-LM');
  });

  it('kitakar-surface3 lspci -nntv: 9 functions, Marvell Wi-Fi behind 00:1c.0, ids equal lspci -nn', () => {
    const result = parseLspciTree(readFixture('realworld/kitakar-surface3-lspci-tree/lspci-nntv.txt'));
    expect(result.issues.map((i) => i.line)).toEqual([1]);
    const flat = parseLspciNnk(readFixture('realworld/kitakar-surface3-lspci-tree/lspci-nn.txt')).data.functions;
    expect(result.data.functions.map((f) => f.address).sort()).toEqual(flat.map((f) => f.address).sort());
    // ls-tree.c prints no name for a bridge with devices below it; every other line carries the ids.
    const ids = new Map(flat.map((f) => [f.address, [f.vendorId, f.deviceId]]));
    for (const fn of result.data.functions.filter((f) => f.address !== '0000:00:1c.0')) {
      expect([fn.address, fn.vendorId, fn.deviceId]).toEqual([fn.address, ...ids.get(fn.address)!]);
    }
    expect(result.data.functions.find((f) => f.address === '0000:01:00.0')).toMatchObject({ parent: '0000:00:1c.0', vendorId: '11ab' });
    expect(result.data.functions.find((f) => f.address === '0000:00:1c.0')).toMatchObject({ secondaryBus: 1, subordinateBus: 1, parent: null });
  });
});

describe('parseLspciTree: other shapes ls-tree.c prints', () => {
  it('several root buses, nested bridges, an empty bus', () => {
    const text = [
      '-+-[0000:40]-+-00.0  Advanced Micro Devices, Inc. [AMD] Starship/Matisse Root Complex',
      ' |           \\-01.1-[41]----00.0  Samsung Electronics Co Ltd NVMe SSD Controller SM981/PM981/PM983',
      ' \\-[0000:00]-+-00.0  Advanced Micro Devices, Inc. [AMD] Starship/Matisse Root Complex',
      '             +-01.1-[01-02]----00.0-[02]--',
      '             \\-08.0  Advanced Micro Devices, Inc. [AMD] Starship/Matisse PCIe Dummy Host Bridge',
    ].join('\n');
    const result = parseLspciTree(text);
    expect(result.issues).toEqual([]);
    expect(result.data.rootBuses).toEqual([
      { name: 'pci0000:40', domain: 0, bus: 0x40 }, { name: 'pci0000:00', domain: 0, bus: 0 },
    ]);
    expect(result.data.functions.map((f) => [f.address, f.parent])).toEqual([
      ['0000:40:00.0', null], ['0000:40:01.1', null], ['0000:41:00.0', '0000:40:01.1'],
      ['0000:00:00.0', null], ['0000:00:01.1', null], ['0000:01:00.0', '0000:00:01.1'], ['0000:00:08.0', null],
    ]);
  });

  it('the "dd.[a-b]" function shorthand, -tvv region lines, a VMD domain', () => {
    const text = [
      '-[10000:e0]-+-01.0-[e1]----00.[0-1]',
      '            \\-02.0  Intel Corporation Device 9a0b',
      '                   Memory at 603e100000 (64-bit, non-prefetchable) [size=1M]',
    ].join('\n');
    const result = parseLspciTree(text);
    expect(result.issues).toEqual([]);
    expect(result.data.functions.map((f) => [f.address, f.parent])).toEqual([
      ['10000:e0:01.0', null], ['10000:e1:00.0', '10000:e0:01.0'], ['10000:e1:00.1', '10000:e0:01.0'], ['10000:e0:02.0', null],
    ]);
    expect(result.data.rootBuses).toEqual([{ name: 'pci10000:e0', domain: 0x10000, bus: 0xe0 }]);
  });

  it('a filtered tree (lspci -t -s 1c.0) starts at the bridge, whose own parent stays unknown', () => {
    const result = parseLspciTree('0000:00:1c.0-[01]----00.0  Realtek Semiconductor Co., Ltd. RTS525A PCI Express Card Reader');
    expect(result.issues).toEqual([]);
    expect(result.data.functions.map((f) => [f.address, f.parent])).toEqual([['0000:00:1c.0', undefined], ['0000:01:00.0', '0000:00:1c.0']]);
  });

  it('reports lines that continue no bus of the tree', () => {
    const result = parseLspciTree('-[0000:00]-+-00.0\n                 +-03.0\n           \\-1f.0');
    expect(result.issues.map((i) => i.line)).toEqual([2]);
    expect(result.data.functions.map((f) => f.address)).toEqual(['0000:00:00.0', '0000:00:1f.0']);
  });

  it('never throws on mutated real inputs', () => {
    for (const input of [readFixture('lab/mixed/lspci-tvnn.txt'), readFixture('realworld/asokolsky-dell-latitude-7490/lspci-tv.txt')]) {
      fc.assert(fc.property(mutatedText(input), (text) => {
        const result = parseLspciTree(text);
        expectValidResult(result);
        for (const root of result.data.rootBuses) expect(root.name).toMatch(/^pci[0-9a-f]{4,8}:[0-9a-f]{2}$/);
      }), { numRuns: 800 });
    }
  });
});
