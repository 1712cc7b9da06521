import { readdirSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseIommuGroupListing, type GroupListing } from '../../../main/core/parsers/group-listing.ts';
import { PciFunction } from '../../../main/core/model/snapshot.ts';
import { FIXTURES_DIR, fixtureText } from '../../helpers/fixture-text.ts';
import { damagedText } from '../../helpers/text-mutations.ts';

const listing = (path: string) => parseIommuGroupListing(fixtureText(path));
const members = (data: GroupListing, id: number) => data.groups.find((g) => g.id === id)?.devices;
const fn = (data: GroupListing, address: string) => data.functions.find((f) => f.address === address);
const deviceCount = (data: GroupListing) => data.groups.reduce((n, g) => n + g.devices.length, 0);
/** Group membership as a set of sorted member lists: equal partitions compare equal. */
const partition = (data: GroupListing) => data.groups.map((g) => g.devices.join(' ')).sort();

describe('parseIommuGroupListing: real-world listings (counts from each case)', () => {
  // [file, groups, PCI members]
  const cases: [string, number, number][] = [
    ['asokolsky-asrock-z370m-itx-ac/iommu-groups.txt', 15, 21],
    ['asokolsky-fujitsu-primergy-tx1320m3/iommu-groups.txt', 15, 21],
    ['asokolsky-supermicro-a2sdi-4c-hln4f/iommu-groups.txt', 20, 24],
    ['asokolsky-supermicro-x11scl-if/iommu-groups.txt', 19, 27],
    ['kram64-asrock-fatal1ty-z170-gaming-itx-ac/iommu-groups.txt', 14, 20],
    ['kram64-msi-b450m-mortar/iommu-groups.txt', 13, 33],
    ['kram64-msi-b450m-mortar-max/iommu-groups.txt', 13, 41],
    ['kram64-msi-mag-b550m-mortar/iommu-groups.txt', 20, 38],
    ['naunter-asrock-b550-phantom-gaming-itx-ax/iommu-groups.txt', 20, 28],
    ['joep-gigabyte-x570-aorus-pro-wifi/iommu-groups.txt', 39, 54],
    ['spudd-threadripper-1950x-x399-radeon-vii/iommu-groups.txt', 49, 77],
    ['ashtonian-alderlake-rx6700xt/iommu-groups.txt', 36, 43],
    ['ashtonian-alderlake-rx6700xt/iommu-groups.lsgroup-format.txt', 36, 43],
    ['mistikan-b560-rocketlake-rx7600/iommu-groups.txt', 16, 20],
    ['ethanzhf-sapphire-rapids-server-dmar-tree/iommu-tree-by-dmar.txt', 462, 483],
    ['saelzler-am4-matisse-rtx2060-proxmox/iommu-groups.partial.txt', 2, 7],
    ['linuxhw-asus-prime-x570-pro/iommu-groups.derived.txt', 27, 41],
    ['linuxhw-asus-prime-a320i-k-nonroot/iommu-groups.derived.txt', 20, 36],
  ];
  it.each(cases)('%s: %i groups, %i devices', (file, groups, devices) => {
    const { data } = listing(`realworld/${file}`);
    expect(data.groups).toHaveLength(groups);
    expect(deviceCount(data)).toBe(devices);
    expect(data.functions).toHaveLength(devices);
    expect(data.groups.map((g) => g.id)).toEqual([...data.groups.map((g) => g.id)].sort((a, b) => a - b));
  });

  it('asrock z370m: lower-case "IOMMU group", glob order, prompt and cmdline lines are not groups', () => {
    const { data, issues } = listing('realworld/asokolsky-asrock-z370m-itx-ac/iommu-groups.txt');
    expect(issues).toEqual([]);
    expect(data.groups.map((g) => g.id)).toEqual([...Array(15).keys()]);
    // GT 1030 shares group 2 with the CPU root port above it.
    expect(members(data, 2)).toEqual(['0000:00:01.0', '0000:01:00.0', '0000:01:00.1']);
    expect(fn(data, '0000:00:00.0')).toMatchObject({
      iommuGroup: 1, className: 'Host bridge', classCode: '0600', vendorId: '8086', deviceId: '3ec2', revision: '07',
    });
    // No "(rev xx)": lspci prints the revision only when it is non-zero.
    expect(fn(data, '0000:00:1f.6')).toMatchObject({ vendorId: '8086', deviceId: '15b8', revision: '00' });
  });

  it('supermicro x11scl: I350 shares the CPU root port group, ASPEED bridge + VGA share group 17', () => {
    const { data } = listing('realworld/asokolsky-supermicro-x11scl-if/iommu-groups.txt');
    expect(members(data, 1)).toEqual(['0000:00:01.0', '0000:01:00.0', '0000:01:00.1']);
    expect(members(data, 17)).toEqual(['0000:05:00.0', '0000:06:00.0']);
  });

  it('fujitsu tx1320 m3: NVMe with its root port, Matrox + iRMC together, I350 functions apart', () => {
    const { data } = listing('realworld/asokolsky-fujitsu-primergy-tx1320m3/iommu-groups.txt');
    expect(members(data, 1)).toEqual(['0000:00:01.0', '0000:01:00.0']);
    expect(members(data, 10)).toEqual(['0000:02:00.0', '0000:02:00.1']);
    expect(fn(data, '0000:05:00.0')?.iommuGroup).toBe(13);
    expect(fn(data, '0000:05:00.1')?.iommuGroup).toBe(14);
  });

  it('a2sdi: the pasted command line (which contains "IOMMU group %s") is not read as a group', () => {
    const { data, issues } = listing('realworld/asokolsky-supermicro-a2sdi-4c-hln4f/iommu-groups.txt');
    expect(issues).toEqual([]);
    expect(members(data, 13)).toEqual(['0000:00:1f.0', '0000:00:1f.2', '0000:00:1f.4', '0000:00:1f.5']);
    expect(members(data, 15)).toEqual(['0000:03:00.0', '0000:04:00.0']);
    expect([16, 17, 18, 19].map((g) => members(data, g))).toEqual([
      ['0000:05:00.0'], ['0000:05:00.1'], ['0000:06:00.0'], ['0000:06:00.1'],
    ]);
  });

  it('header + indented formats (2 spaces, 8 spaces, tab)', () => {
    expect(members(listing('realworld/kram64-asrock-fatal1ty-z170-gaming-itx-ac/iommu-groups.txt').data, 1))
      .toEqual(['0000:00:01.0', '0000:01:00.0', '0000:01:00.1']);
    expect(members(listing('realworld/kram64-msi-b450m-mortar/iommu-groups.txt').data, 8)).toEqual(['0000:10:00.0']);
    const b550 = listing('realworld/kram64-msi-mag-b550m-mortar/iommu-groups.txt').data;
    expect(members(b550, 19)).toEqual(['0000:2d:00.4']);
    expect(members(b550, 13)).toContain('0000:04:00.0');
    expect(members(b550, 14)).toEqual(['0000:2b:00.0', '0000:2b:00.1', '0000:2b:00.2', '0000:2b:00.3']);
  });

  it('b450m mortar max: the line cut with "..." is reported, the listing marked truncated', () => {
    const { data, issues } = listing('realworld/kram64-msi-b450m-mortar-max/iommu-groups.txt');
    expect(data.truncated).toBe(true);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.line).toBe(51);
    expect(issues[0]!.message).toContain('0000:25:00.1');
    // Group and class survive the cut; the half-printed ids do not.
    expect(fn(data, '0000:25:00.1')).toEqual({ address: '0000:25:00.1', iommuGroup: 11, className: 'Audio device', classCode: '0403' });
    expect(members(data, 12)).toEqual(['0000:26:00.0', '0000:26:00.1']);
  });

  it('naunter (ACS override): "0000:" prefixes; every 05:00.x function alone', () => {
    const { data } = listing('realworld/naunter-asrock-b550-phantom-gaming-itx-ax/iommu-groups.txt');
    expect([14, 15, 16, 17, 18, 19].map((g) => members(data, g))).toEqual([
      ['0000:05:00.0'], ['0000:05:00.1'], ['0000:05:00.2'], ['0000:05:00.3'], ['0000:05:00.4'], ['0000:05:00.6'],
    ]);
  });

  it('joep x570 (numeric order): chipset SATA shares group 24 with its bridge, both GPU functions in 30', () => {
    const { data } = listing('realworld/joep-gigabyte-x570-aorus-pro-wifi/iommu-groups.txt');
    expect(members(data, 24)).toEqual(['0000:03:09.0', '0000:09:00.0']);
    expect(members(data, 30)).toEqual(['0000:0b:00.0', '0000:0b:00.1']);
    expect(members(data, 23)).toEqual(['0000:03:08.0', '0000:08:00.0', '0000:08:00.1', '0000:08:00.3']);
  });

  it('spudd threadripper: the whole X399 chipset is group 15; two data-fabric groups; Vega 20 split', () => {
    const { data } = listing('realworld/spudd-threadripper-1950x-x399-radeon-vii/iommu-groups.txt');
    expect(members(data, 15)).toEqual([
      '0000:01:00.0', '0000:01:00.1', '0000:01:00.2',
      '0000:02:00.0', '0000:02:01.0', '0000:02:02.0', '0000:02:03.0', '0000:02:04.0', '0000:02:09.0',
      '0000:03:00.0', '0000:04:00.0', '0000:05:00.0', '0000:08:00.0',
    ]);
    expect(members(data, 13)).toHaveLength(8);
    expect(members(data, 14)).toHaveLength(8);
    expect(fn(data, '0000:0d:00.0')?.iommuGroup).toBe(20);
    expect(fn(data, '0000:0d:00.1')?.iommuGroup).toBe(21);
  });

  it('ashtonian: the lsgroup format (unsorted, no ids) gives the same partition as the sorted listing', () => {
    const sorted = listing('realworld/ashtonian-alderlake-rx6700xt/iommu-groups.txt').data;
    const lsgroup = listing('realworld/ashtonian-alderlake-rx6700xt/iommu-groups.lsgroup-format.txt').data;
    expect(partition(lsgroup)).toEqual(partition(sorted));
    expect(lsgroup.groups.map((g) => g.id)).toEqual([...Array(36).keys()]);
    // RX 6700 XT: switch ports and both GPU functions each alone; RX 550 functions together.
    expect([19, 20, 21, 22].map((g) => members(sorted, g))).toEqual([['0000:01:00.0'], ['0000:02:00.0'], ['0000:03:00.0'], ['0000:03:00.1']]);
    expect(members(sorted, 23)).toEqual(['0000:04:00.0', '0000:04:00.1']);
  });

  it('ashtonian: vendor names come from the listing\'s own "<vendor> Device [id]" lines', () => {
    const sorted = listing('realworld/ashtonian-alderlake-rx6700xt/iommu-groups.txt').data;
    // "Intel Corporation Device [8086:4660]": vendor known, device not in pci.ids.
    expect(fn(sorted, '0000:00:00.0')).toMatchObject({ vendorName: 'Intel Corporation', deviceName: null, deviceId: '4660' });
    expect(fn(sorted, '0000:00:01.0')).toMatchObject({
      vendorName: 'Intel Corporation', deviceName: '12th Gen Core Processor PCI Express x16 Controller #1',
    });
    // No "Device" line for 1002 in this listing: the vendor/device boundary is unknown.
    expect(fn(sorted, '0000:03:00.0')).toMatchObject({
      vendorId: '1002', deviceId: '73df', vendorName: null,
      deviceName: 'Advanced Micro Devices, Inc. [AMD/ATI] Navi 22 [Radeon RX 6700/6700 XT / 6800M]',
    });
    // lsgroup lines print "Device 7ab0" for an unknown device: the device id is still there.
    const lsgroup = listing('realworld/ashtonian-alderlake-rx6700xt/iommu-groups.lsgroup-format.txt').data;
    expect(fn(lsgroup, '0000:00:1d.0')).toMatchObject({ deviceId: '7ab0', vendorName: 'Intel Corporation', className: 'PCI bridge' });
  });

  it('mistikan: "Group N:" format with id column, [R] markers and USB lines under the controller', () => {
    const { data, issues } = listing('realworld/mistikan-b560-rocketlake-rx7600/iommu-groups.txt');
    expect(issues).toEqual([]);
    expect(members(data, 3)).toEqual(['0000:00:14.0', '0000:00:14.2']);
    expect(members(data, 9)).toEqual(['0000:00:1f.0', '0000:00:1f.3', '0000:00:1f.4', '0000:00:1f.5']);
    expect(members(data, 12)).toEqual(['0000:03:00.0']);
    expect(members(data, 13)).toEqual(['0000:03:00.1']);
    expect(data.usbDevices).toHaveLength(4);
    expect(data.usbDevices.every((u) => u.group === 3)).toBe(true);
    expect(data.usbDevices[0]!.line).toContain('[1d6b:0002]');
    // [R] = has a sysfs reset file (methods unknown); blank column = no reset file at all.
    expect(fn(data, '0000:03:00.0')?.resetMethods).toBeUndefined();
    expect(fn(data, '0000:03:00.1')?.resetMethods).toEqual([]);
    expect(fn(data, '0000:00:00.0')).toMatchObject({ vendorId: '8086', deviceId: '4c53', className: 'Host bridge', deviceName: null });
    expect(fn(data, '0000:00:1c.0')?.deviceName).toBe('Tiger Lake-H PCI Express Root Port #5');
  });

  it('ethanzhf: 462 groups under 20 DMAR units; members printed once per member are counted once', () => {
    const { data, issues } = listing('realworld/ethanzhf-sapphire-rapids-server-dmar-tree/iommu-tree-by-dmar.txt');
    expect(issues).toEqual([]);
    const units = data.units!;
    expect(units).toHaveLength(20);
    expect(units.map((u) => u.name).sort()).toEqual([...Array(20).keys()].map((i) => `dmar${i}`).sort());
    expect(units.find((u) => u.name === 'dmar18')!.groups).toEqual([0, 1, 2, 3, 4]);
    // Each group belongs to exactly one unit.
    const byUnit = units.flatMap((u) => u.groups);
    expect(byUnit).toHaveLength(462);
    expect(new Set(byUnit).size).toBe(462);
    // ASPEED bridge + VGA are printed twice each in group 64.
    expect(members(data, 64)).toEqual(['0000:02:00.0', '0000:03:00.0']);
    expect(members(data, 62)).toEqual(['0000:00:1f.0', '0000:00:1f.3', '0000:00:1f.4', '0000:00:1f.5']);
    expect(fn(data, '0000:f9:00.0')).toMatchObject({ iommuGroup: 29, vendorId: '8086', deviceId: '2710', classCode: '0b40' });
  });

  it('saelzler: the author\'s "<...>" elision sets truncated and is reported at its line', () => {
    const { data, issues } = listing('realworld/saelzler-am4-matisse-rtx2060-proxmox/iommu-groups.partial.txt');
    expect(data.truncated).toBe(true);
    expect(issues).toEqual([{ line: 8, message: expect.stringContaining('elided') }]);
    expect(members(data, 2)).toEqual([
      '0000:00:03.0', '0000:00:03.1', '0000:07:00.0', '0000:07:00.1', '0000:07:00.2', '0000:07:00.3',
    ]);
    expect(members(data, 14)).toEqual(['0000:09:00.3']);
  });

  it('linuxhw x570: bridges without ACS share groups with the devices behind them', () => {
    const { data } = listing('realworld/linuxhw-asus-prime-x570-pro/iommu-groups.derived.txt');
    expect(members(data, 17)).toEqual(['0000:03:08.0', '0000:05:00.0', '0000:05:00.1', '0000:05:00.3']);
    expect(members(data, 21)).toEqual(['0000:08:00.0', '0000:08:00.1']);
    expect([23, 24, 25, 26].map((g) => members(data, g)?.length)).toEqual([1, 1, 1, 1]);
  });

  it('linuxhw a320: the whole A320 chipset is one group, root port above it alone', () => {
    const { data } = listing('realworld/linuxhw-asus-prime-a320i-k-nonroot/iommu-groups.derived.txt');
    expect(members(data, 12)).toEqual([
      '0000:01:00.0', '0000:01:00.1', '0000:01:00.2', '0000:02:04.0', '0000:02:05.0', '0000:02:06.0', '0000:02:07.0', '0000:05:00.0',
    ]);
    expect(members(data, 1)).toEqual(['0000:00:01.3']);
    expect(members(data, 13)).toEqual(['0000:07:00.0', '0000:07:00.1']);
  });

  it('prog-if from `lspci -vvnn` header lines keeps the grouping of the derived listing', () => {
    // The derived listing was made from these lines with prog-if removed; rebuild it without removing it.
    const lspci = fixtureText('realworld/linuxhw-asus-prime-x570-pro/lspci-vvnn.txt').split('\n');
    const rebuilt: string[] = [];
    let header: string | null = null;
    for (const line of lspci) {
      if (/^[0-9a-f]{2}:[0-9a-f]{2}\.[0-7] /.test(line)) header = line;
      const group = /^\tIOMMU group: (\d+)$/.exec(line);
      if (group && header) rebuilt.push(`IOMMU Group ${group[1]} ${header}`);
    }
    const { data, issues } = parseIommuGroupListing(rebuilt.join('\n'));
    expect(issues).toEqual([]);
    expect(partition(data)).toEqual(partition(listing('realworld/linuxhw-asus-prime-x570-pro/iommu-groups.derived.txt').data));
    expect(fn(data, '0000:06:00.0')).toMatchObject({ progIf: '01', revision: '51', classCode: '0106', iommuGroup: 18 });
    expect(fn(data, '0000:08:00.0')).toMatchObject({ progIf: '00', revision: 'a1', deviceId: '2203', iommuGroup: 21 });
  });
});

describe('parseIommuGroupListing: lab captures', () => {
  // From test/fixtures/lab/SUMMARY.md: groups, grouped PCI functions, group type.
  const lab: [string, number, number, string | null][] = [
    ['flat', 10, 13, 'DMA-FQ'],
    ['rootports', 13, 15, 'DMA-FQ'],
    ['rootports-noacs', 3, 15, 'DMA-FQ'],
    ['switch', 10, 15, 'DMA-FQ'],
    ['legacy-bridge', 7, 14, 'DMA-FQ'],
    ['mixed', 23, 33, 'DMA-FQ'],
    ['vfio-bound', 23, 33, 'DMA-FQ'],
    ['amd', 21, 31, 'DMA'],
    ['amd-flat', 10, 13, 'DMA'],
    ['passthrough', 23, 33, 'identity'],
    ['noiommu', 0, 0, null],
    ['iommu-off', 0, 0, null],
  ];
  it('every lab topology is listed here', () => {
    const dirs = readdirSync(`${FIXTURES_DIR}lab`, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    expect(dirs.sort()).toEqual(lab.map(([t]) => t).sort());
  });

  it.each(lab)('%s: %i groups, %i devices, type %s; the table and the `find` output agree', (topology, groups, devices, type) => {
    const table = listing(`lab/${topology}/iommu-groups.txt`).data;
    const found = listing(`lab/${topology}/find-iommu_groups.txt`);
    expect(table.groups).toHaveLength(groups);
    expect(deviceCount(table)).toBe(devices);
    expect(table.groups.every((g) => g.type === type)).toBe(true);
    expect(found.issues).toEqual([]);
    expect(found.data.groups.map((g) => ({ id: g.id, devices: g.devices }))).toEqual(table.groups.map((g) => ({ id: g.id, devices: g.devices })));
    expect(found.data.groups.every((g) => g.type === undefined)).toBe(true);
  });

  it('rootports-noacs: ports without ACS pull everything below them into group 1', () => {
    const { data } = listing('lab/rootports-noacs/iommu-groups.txt');
    expect(members(data, 1)).toEqual([
      '0000:00:02.0', '0000:00:02.1', '0000:00:02.2', '0000:00:02.3', '0000:00:02.4', '0000:00:02.5',
      '0000:01:00.0', '0000:02:00.0', '0000:03:00.0', '0000:04:00.0', '0000:05:00.0',
    ]);
  });

  it('mixed: the multi-device groups of SUMMARY.md', () => {
    const { data } = listing('lab/mixed/iommu-groups.txt');
    expect(members(data, 9)).toEqual(['0000:00:1d.0', '0000:00:1d.1', '0000:00:1d.2', '0000:00:1d.7']);
    expect(members(data, 16)).toEqual(['0000:06:00.0', '0000:07:00.0']);
    expect(members(data, 19)).toEqual(['0000:0a:00.0', '0000:0b:01.0', '0000:0b:02.0']);
    expect(data.functions.every((f) => Object.keys(f).sort().join() === 'address,iommuGroup')).toBe(true);
  });

  it('an empty capture (IOMMU off) is no group and, with only the table header, one issue', () => {
    expect(listing('lab/iommu-off/find-iommu_groups.txt')).toEqual({
      data: { groups: [], functions: [], usbDevices: [], truncated: false }, issues: [],
    });
    expect(listing('lab/noiommu/iommu-groups.txt').issues).toEqual([{ line: null, message: 'no IOMMU group found in the text' }]);
  });
});

describe('parseIommuGroupListing: reading rules on real lines', () => {
  it('USB controller map (`Bus N --> <pci> (IOMMU group G)` + lsusb lines) adds the controller and its USB devices', () => {
    // Output of the usb-controller loop of the Arch wiki / cole-h `scripts/vfio/usb.sh`, as pasted in a public script.
    const text = [
      'Bus 1 --> 0000:00:14.0 (IOMMU group 3)',
      'Bus 001 Device 003: ID 046d:c539 Logitech, Inc.',
      'Bus 001 Device 001: ID 1d6b:0002 Linux Foundation 2.0 root hub',
      '',
      'Bus 3 --> 0000:05:00.0 (IOMMU group 16)',
      'Bus 003 Device 002: ID 2109:2812 VIA Labs, Inc. VL812 Hub',
    ].join('\n');
    const { data, issues } = parseIommuGroupListing(text);
    expect(issues).toEqual([]);
    expect(data.groups.map((g) => [g.id, g.devices])).toEqual([[3, ['0000:00:14.0']], [16, ['0000:05:00.0']]]);
    expect(data.usbDevices.map((u) => u.group)).toEqual([3, 3, 16]);
  });

  it('a device listed in two different groups keeps the first and is reported', () => {
    const lines = fixtureText('realworld/joep-gigabyte-x570-aorus-pro-wifi/iommu-groups.txt').split('\n');
    // Real line of group 30, moved to group 31's number.
    const conflicting = lines.find((l) => l.startsWith('IOMMU Group 30 0b:00.0'))!.replace('IOMMU Group 30', 'IOMMU Group 31');
    const { data, issues } = parseIommuGroupListing([...lines, conflicting].join('\n'));
    expect(members(data, 30)).toEqual(['0000:0b:00.0', '0000:0b:00.1']);
    expect(members(data, 31)).toEqual(['0000:0c:00.0', '0000:0c:00.1']);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.line).toBe(lines.length + 1);
  });
});

describe('parseIommuGroupListing: fuzz', () => {
  const address = z.string().regex(/^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/);
  const Shape = z.object({
    groups: z.array(z.object({
      id: z.number().int().min(0),
      type: z.string().optional(),
      devices: z.array(address),
      otherMembers: z.array(z.string()),
    })),
    functions: z.array(PciFunction.partial().extend({ address })),
    usbDevices: z.array(z.object({ group: z.number().int().nullable(), line: z.string() })),
    truncated: z.boolean(),
    units: z.array(z.object({ name: z.string(), groups: z.array(z.number().int()) })).optional(),
  });
  const samples = [
    'realworld/asokolsky-asrock-z370m-itx-ac/iommu-groups.txt',
    'realworld/kram64-msi-b450m-mortar-max/iommu-groups.txt',
    'realworld/naunter-asrock-b550-phantom-gaming-itx-ax/iommu-groups.txt',
    'realworld/ashtonian-alderlake-rx6700xt/iommu-groups.lsgroup-format.txt',
    'realworld/mistikan-b560-rocketlake-rx7600/iommu-groups.txt',
    'realworld/saelzler-am4-matisse-rtx2060-proxmox/iommu-groups.partial.txt',
    'lab/mixed/iommu-groups.txt',
    'lab/switch/find-iommu_groups.txt',
  ].map(fixtureText);
  // The 70 KB DMAR tree, cut to its first units, keeps each run fast.
  samples.push(fixtureText('realworld/ethanzhf-sapphire-rapids-server-dmar-tree/iommu-tree-by-dmar.txt').slice(0, 6000));

  it('damaged listings never throw and keep the result shape', () => {
    fc.assert(
      fc.property(damagedText(samples), (text) => {
        const result = parseIommuGroupListing(text);
        Shape.parse(result.data);
        for (const issue of result.issues) expect(issue.line === null || Number.isInteger(issue.line)).toBe(true);
        // Every function is a member of the group it names.
        for (const f of result.data.functions) expect(members(result.data, f.iommuGroup!)).toContain(f.address);
      }),
      { numRuns: 1500 },
    );
  });
});
