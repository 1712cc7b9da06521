import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseLspciNnk } from '../../../main/core/parsers/lspci-nnk.ts';
import { LAB_TOPOLOGIES, expectValidResult, mutatedText, readFixture, readPciDevicesTsv, sysfsHex } from './lspci-fixtures.ts';

describe('parseLspciNnk on the lab captures (lspci -nnk vs sysfs pci-devices.tsv)', () => {
  for (const topology of LAB_TOPOLOGIES) {
    it(`${topology}: ids, class, revision, subsystem and driver of every function`, () => {
      const rows = readPciDevicesTsv(topology);
      const result = parseLspciNnk(readFixture(`lab/${topology}/lspci-nnk.txt`));
      expect(result.issues).toEqual([]);
      const functions = new Map(result.data.functions.map((f) => [f.address, f]));
      expect([...functions.keys()].sort()).toEqual(rows.map((r) => r.bdf).sort());
      for (const row of rows) {
        const fn = functions.get(row.bdf)!;
        const subsystem = sysfsHex(row.subsystem_vendor, 4) === '0000' ? [undefined, undefined]
          : [sysfsHex(row.subsystem_vendor, 4), sysfsHex(row.subsystem_device, 4)];
        expect([row.bdf, fn.vendorId, fn.deviceId, fn.classCode, fn.revision, fn.subsystemVendorId, fn.subsystemDeviceId, fn.driver])
          .toEqual([row.bdf, sysfsHex(row.vendor, 4), sysfsHex(row.device, 4), sysfsHex(row.class, 6)!.slice(0, 4),
            sysfsHex(row.revision, 2), ...subsystem, row.driver === '-' ? null : row.driver]);
        // Without -v lspci prints no prog-if, so it stays unknown.
        expect(fn.progIf).toBeUndefined();
      }
    });
  }
});

/** `lspci -nns` lines of the IOMMU group listing of the same machine: address → "vvvv:dddd". */
function listingIds(text: string): Map<string, string> {
  return new Map([...text.matchAll(/(?:^|\s)([0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) .*\[([0-9a-f]{4}):([0-9a-f]{4})\]/gm)]
    .map((m) => [`0000:${m[1]}`, `${m[2]}:${m[3]}`]));
}

describe('parseLspciNnk on real machines (ids cross-checked with the group listing of the same machine)', () => {
  const cases: [string, number][] = [
    ['ashtonian-alderlake-rx6700xt', 43],
    ['asokolsky-asrock-z370m-itx-ac', 20],
    ['asokolsky-fujitsu-primergy-tx1320m3', 21],
    ['asokolsky-supermicro-a2sdi-4c-hln4f', 24],
    ['asokolsky-supermicro-x11scl-if', 27],
  ];
  for (const [name, count] of cases) {
    it(`${name}: ${count} functions, only the pasted prompt is not lspci output`, () => {
      const result = parseLspciNnk(readFixture(`realworld/${name}/lspci-nnk.txt`));
      expect(result.issues.map((i) => i.line)).toEqual([1]);
      expect(result.data.functions).toHaveLength(count);
      const listing = listingIds(readFixture(`realworld/${name}/iommu-groups.txt`));
      const differing = result.data.functions.filter((f) => listing.get(f.address) !== `${f.vendorId}:${f.deviceId}`).map((f) => f.address);
      // The Z370 listing was taken with a GT 1030 (10de:1d01) where the lspci paste shows an RTX 3050.
      expect(differing).toEqual(name === 'asokolsky-asrock-z370m-itx-ac' ? ['0000:01:00.0', '0000:01:00.1'] : []);
      expectValidResult(result);
    });
  }

  it('ashtonian: drivers, modules, subsystem and learnt vendor names', () => {
    const fns = new Map(parseLspciNnk(readFixture('realworld/ashtonian-alderlake-rx6700xt/lspci-nnk.txt')).data.functions
      .map((f) => [f.address, f]));
    expect(fns.get('0000:04:00.0')!).toMatchObject({
      vendorId: '1002', deviceId: '67ff', classCode: '0300', className: 'VGA compatible controller', revision: 'cf',
      driver: 'vfio-pci', modules: ['amdgpu'], subsystemVendorId: '1462', subsystemDeviceId: '8a91',
      subsystemName: 'Micro-Star International Co., Ltd. [MSI] Baffin [Radeon RX 550 640SP / RX 560/560X]',
    });
    expect(fns.get('0000:03:00.0')!).toMatchObject({ driver: 'amdgpu', revision: 'c1' });
    // "Intel Corporation Device [8086:4660]" teaches the vendor name, so other 8086 names split.
    expect(fns.get('0000:00:00.0')!).toMatchObject({ vendorName: 'Intel Corporation', deviceName: null, subsystemName: 'ASUSTeK Computer Inc.' });
    expect(fns.get('0000:00:01.0')!).toMatchObject({ vendorName: 'Intel Corporation', deviceName: '12th Gen Core Processor PCI Express x16 Controller #1' });
    // No "(rev" printed: revision 00. No driver line under -k: no driver.
    expect(fns.get('0000:02:00.0')!).toMatchObject({ revision: '00', driver: 'pcieport' });
    expect(fns.get('0000:00:0e.0')!).toMatchObject({ revision: '00' });
    const withoutDriver = [...fns.values()].filter((f) => f.driver === null).map((f) => f.address);
    expect(withoutDriver).toHaveLength(43 - 39);
  });

  it('z370: modules list of the NVIDIA card, spaces instead of tabs', () => {
    const fns = new Map(parseLspciNnk(readFixture('realworld/asokolsky-asrock-z370m-itx-ac/lspci-nnk.txt')).data.functions
      .map((f) => [f.address, f]));
    expect(fns.get('0000:01:00.0')!).toMatchObject({
      driver: 'nvidia', modules: ['nvidiafb', 'nouveau', 'nvidia_drm', 'nvidia'], subsystemVendorId: '1458',
    });
  });

  it('asokolsky-dell-latitude-7490 plain lspci: names and classes without ids, driver unknown', () => {
    const result = parseLspciNnk(readFixture('realworld/asokolsky-dell-latitude-7490/lspci.txt'));
    expect(result.issues.map((i) => i.line)).toEqual([1]);
    expect(result.data.functions).toHaveLength(22);
    const fns = new Map(result.data.functions.map((f) => [f.address, f]));
    expect(fns.get('0000:00:1f.6')!).toMatchObject({
      className: 'Ethernet controller', revision: '21', deviceName: 'Intel Corporation Ethernet Connection (4) I219-LM',
    });
    // An unnamed subclass prints its number even without -nn.
    expect(fns.get('0000:01:00.0')!).toMatchObject({ className: 'Unassigned class', classCode: 'ff00', revision: '01' });
    for (const fn of result.data.functions) {
      expect(fn.vendorId).toBeUndefined();
      expect(fn.driver).toBeUndefined();
    }
  });

  it('kitakar-surface3 lspci -nn: 9 functions, one PCI bridge', () => {
    const result = parseLspciNnk(readFixture('realworld/kitakar-surface3-lspci-tree/lspci-nn.txt'));
    expect(result.data.functions).toHaveLength(9);
    expect(result.data.functions.filter((f) => f.classCode === '0604').map((f) => f.address)).toEqual(['0000:00:1c.0']);
    expect(result.data.functions.find((f) => f.address === '0000:01:00.0')).toMatchObject({ vendorId: '11ab', deviceId: '2b38', revision: '00' });
  });

  it('plain lspci spellings for unknown names: "Intel Corporation Device 0d57", "Device 1234:1111"', () => {
    const result = parseLspciNnk([
      '00:00.0 Host bridge: Intel Corporation Device 0d57',
      '00:01.0 VGA compatible controller: Device 1234:1111 (rev 02)',
      '0000:00:02.0 0108: 1b36:0010 (rev 02)',
    ].join('\n'));
    expect(result.issues).toEqual([]);
    expect(result.data.functions).toEqual([
      { address: '0000:00:00.0', className: 'Host bridge', deviceId: '0d57', revision: '00', vendorName: 'Intel Corporation', deviceName: null },
      { address: '0000:00:01.0', className: 'VGA compatible controller', vendorId: '1234', deviceId: '1111', revision: '02' },
      { address: '0000:00:02.0', classCode: '0108', vendorId: '1b36', deviceId: '0010', revision: '02' },
    ]);
  });

  it('never throws on mutated real inputs', () => {
    for (const input of [readFixture('realworld/ashtonian-alderlake-rx6700xt/lspci-nnk.txt'), readFixture('realworld/asokolsky-dell-latitude-7490/lspci.txt')]) {
      fc.assert(fc.property(mutatedText(input), (text) => {
        expectValidResult(parseLspciNnk(text));
      }), { numRuns: 500 });
    }
  });
});
