/**
 * parseSysfsSections on the collector's real output for lab captures, and on small hand-made
 * sections for what the lab cannot show (VMD domains, SMBU units, IPv6 SSH, unreadable files).
 * The full per-function comparison with every capture's pci-devices.tsv is in
 * test/io/collector/collect-lab.test.ts.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HostUsage, IommuGroup, IommuUnit, PciFunction, RootBus, Slot, Unreadable, emptyPciFunction } from '../../../main/core/model/snapshot.ts';
import type { CollectorSection } from '../../../main/core/parsers/collector-output.ts';
import { parseSysfsSections } from '../../../main/core/parsers/sysfs-dump.ts';
import { runOnCapture } from '../../helpers/run-collector.ts';

const sections = (named: Record<string, string>) => Object.entries(named).map(([name, content]) => ({ name, content }));
const pciBlock = (address: string, path: string, attrs: Record<string, string>, links: Record<string, string> = {}) =>
  [`P ${address} ${path}`, ...Object.entries(attrs).map(([k, v]) => `A ${k} ${v}`), ...Object.entries(links).map(([k, v]) => `L ${k} ${v}`)].join('\n');

const Shape = z.object({
  data: z.object({
    functions: z.array(PciFunction.omit({ sources: true }).partial().extend({ address: PciFunction.shape.address })),
    groups: z.array(IommuGroup).nullable(),
    rootBuses: z.array(RootBus),
    units: z.array(IommuUnit).nullable(),
    slots: z.array(Slot),
    hostUsage: HostUsage.nullable(),
    firmwareTables: z.array(z.string()).nullable(),
    dmi: z.record(z.string(), z.string().nullable()).nullable(),
    unreadable: z.array(Unreadable),
  }).strict(),
  issues: z.array(z.object({ line: z.number().int().positive().nullable(), message: z.string().min(1) })),
});

let amd: CollectorSection[];
let legacy: CollectorSection[];
beforeAll(async () => {
  amd = (await runOnCapture('amd')).output.sections;
  legacy = (await runOnCapture('legacy-bridge')).output.sections;
});

describe('real collector output', () => {
  it('amd: unit ivhd0 is an AMD unit with its amd-iommu attributes; IVRS is listed', () => {
    const { data, issues } = parseSysfsSections(amd);
    expect(issues).toEqual([]);
    expect(Shape.safeParse({ data, issues }).success).toBe(true);
    expect(data.units).toHaveLength(1);
    const unit = data.units![0]!;
    expect(unit).toMatchObject({ name: 'ivhd0', kind: 'amd' });
    expect(Object.keys(unit.attributes).sort()).toEqual(['amd-iommu/cap', 'amd-iommu/features']);
    expect(unit.devices).toHaveLength(31);
    expect(data.firmwareTables).toEqual(['IVRS']);
  });

  it('amd: the GPU port moved to 00:02.0; its VGA function 01:00.0 is the boot VGA device below it', () => {
    const { data } = parseSysfsSections(amd);
    const gpu = data.functions.find((f) => f.address === '0000:01:00.0')!;
    // The class is lspci's; boot_vga is there for VGA-class functions only.
    expect(gpu).toMatchObject({ bootVga: true, parent: '0000:00:02.0', iommuGroup: 11 });
    expect(data.functions.find((f) => f.address === '0000:01:00.1')).toMatchObject({ bootVga: false, iommuGroup: 11 });
  });

  it('legacy-bridge: functions behind the conventional bridge have no link and share its group', () => {
    const { data } = parseSysfsSections(legacy);
    const group = data.groups!.find((g) => g.devices.includes('0000:01:01.0'))!;
    expect(group.devices).toEqual(['0000:00:02.0', '0000:01:01.0', '0000:01:02.0', '0000:01:03.0']);
    for (const a of ['0000:01:01.0', '0000:01:02.0', '0000:01:03.0']) {
      const f = data.functions.find((x) => x.address === a)!;
      expect(f.link).toBeNull();
      expect(f.parent).toBe('0000:00:02.0');
      expect(f.iommuGroup).toBe(group.id);
    }
    // The class and bus numbers are lspci's (see the pci-ids tests below): not in the walk.
    const bridge = data.functions.find((f) => f.address === '0000:00:02.0')!;
    expect([bridge.classCode, bridge.secondaryBus, bridge.subordinateBus]).toEqual([undefined, null, null]);
  });

  it('legacy-bridge: sysfs slots give busAddress DDDD:BB:SS and the functions in them', () => {
    const { data } = parseSysfsSections(legacy);
    expect(data.slots).toHaveLength(64);
    const inUse = data.slots.filter((s) => s.devices.length > 0);
    for (const s of inUse) {
      expect(s.busAddress).toMatch(/^0000:[0-9a-f]{2}:[0-9a-f]{2}$/);
      for (const d of s.devices) expect(d.startsWith(`${s.busAddress}.`)).toBe(true);
      expect(s.rootPort).toBeNull();
      expect(s.source).toBe('sysfs');
    }
    for (const f of data.functions.filter((x) => x.physicalSlot)) {
      expect(inUse.find((s) => s.name === f.physicalSlot)!.devices).toContain(f.address);
    }
  });

  it('never throws on mutated real sections and keeps its shape (fuzz)', () => {
    const real = parseSysfsSections(amd);
    expect(real.data.functions.length).toBe(32);
    const mutated = fc.array(fc.record({
      section: fc.constantFrom('pci', 'iommu-groups', 'iommu-class', 'pci-slots', 'acpi-tables', 'dmi-id', 'hostusage'),
      op: fc.constantFrom('truncate', 'shuffle', 'flip', 'huge', 'junk'),
      at: fc.nat(),
      other: fc.nat(),
      junk: fc.oneof(fc.string(), fc.constantFrom('! unreadable', 'A __proto__ x', 'A constructor y', 'M', 'G -1', 'R 0x1', 'L virtfn9 /', 'P', 'ssh ::', 'route x')),
    }), { maxLength: 6 });
    fc.assert(fc.property(mutated, (muts) => {
      const copy = amd.map((s) => ({ name: s.name, content: s.content }));
      for (const m of muts) {
        const s = copy.find((x) => x.name === m.section)!;
        const lines = s.content.split('\n');
        const i = m.at % Math.max(lines.length, 1);
        if (m.op === 'truncate') s.content = s.content.slice(0, m.at % (s.content.length + 1));
        else if (m.op === 'shuffle') { const j = m.other % lines.length; [lines[i], lines[j]] = [lines[j]!, lines[i]!]; s.content = lines.join('\n'); }
        else if (m.op === 'flip') { const at = m.at % (s.content.length || 1); s.content = s.content.slice(0, at) + String.fromCharCode(m.other % 128) + s.content.slice(at + 1); }
        else if (m.op === 'huge') s.content = s.content.replace(/\d+/, '9'.repeat(30));
        else { lines.splice(i, 0, m.junk); s.content = lines.join('\n'); }
      }
      const result = parseSysfsSections(copy);
      const check = Shape.safeParse(result);
      expect(check.success, check.success ? '' : JSON.stringify(check.error.issues.slice(0, 3))).toBe(true);
    }), { numRuns: 400 });
  });
});

describe('function attributes', () => {
  it('reads ids, class, NUMA node and decimal bus numbers; (null) override is no override', () => {
    const { data, issues } = parseSysfsSections(sections({
      pci: pciBlock('0000:00:1c.0', '/sys/devices/pci0000:00/0000:00:1c.0', {
        vendor: '0x8086', device: '0xA110', subsystem_vendor: '0x1043', subsystem_device: '0x8694', class: '0x060400',
        revision: '0xf0', numa_node: '1', driver_override: '(null)', secondary_bus_number: '10', subordinate_bus_number: '12',
        reset_method: 'pm bus',
      }, { driver: '/sys/bus/pci/drivers/pcieport', iommu_group: '/sys/kernel/iommu_groups/7' }),
    }));
    expect(issues).toEqual([]);
    expect(data.functions).toEqual([{
      address: '0000:00:1c.0', vendorId: '8086', deviceId: 'a110', subsystemVendorId: '1043', subsystemDeviceId: '8694',
      classCode: '0604', progIf: '00', revision: 'f0', numaNode: 1, link: null, resetMethods: ['pm', 'bus'], bootVga: false,
      sriov: null, physfn: null, driver: 'pcieport', driverOverride: null, iommuGroup: 7,
      sysfsPath: 'pci0000:00/0000:00:1c.0', parent: null, secondaryBus: 10, subordinateBus: 12,
    }]);
    // Fields sysfs cannot know stay unknown (the PCIe port type comes from lspci), in a whole
    // patch: every field of PciFunction but `sources`, in its order (parts.ts FunctionSlice.whole).
    expect(data.functions[0]!.pcieType).toBeUndefined();
    expect(data.functions[0]!.acs).toBeUndefined();
    expect(Object.keys(data.functions[0]!)).toEqual(Object.keys(emptyPciFunction('')).filter((k) => k !== 'sources'));
  });

  it('pci-ids (read when lspci failed) completes the walk\'s blocks; a value the walk has stays', () => {
    const path = '/sys/devices/pci0000:00/0000:00:1c.0';
    const { data, issues } = parseSysfsSections(sections({
      pci: pciBlock('0000:00:1c.0', path, { class: '0x060400', reset_method: 'pm' }),
      'pci-ids': [
        pciBlock('0000:00:1c.0', path, {
          vendor: '0x8086', device: '0xa110', class: '0x0c0330', numa_node: '-1', secondary_bus_number: '2', subordinate_bus_number: '3',
        }),
        `! unreadable ${path}/revision`,
        pciBlock('0000:00:1f.0', '/sys/devices/pci0000:00/0000:00:1f.0', { vendor: '0x8086' }),
      ].join('\n'),
    }));
    expect(issues).toEqual([]);
    // 00:1f.0 is not in the walk (it came and went in between): pci-ids adds no function.
    expect(data.functions.map((f) => f.address)).toEqual(['0000:00:1c.0']);
    expect(data.functions[0]).toMatchObject({
      vendorId: '8086', deviceId: 'a110', classCode: '0604', numaNode: null, secondaryBus: 2, subordinateBus: 3, resetMethods: ['pm'],
    });
    expect(data.unreadable).toContainEqual(expect.objectContaining({ what: `${path}/revision` }));
  });

  it('link: lower width alone is a downgrade; Unknown speed or width 0 is unknown, not a downgrade', () => {
    const link = (attrs: Record<string, string>) => parseSysfsSections(sections({
      pci: pciBlock('0000:01:00.0', '/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0', { class: '0x030000', ...attrs }),
    })).data.functions[0]!.link;
    expect(link({ current_link_speed: '16.0 GT/s PCIe', current_link_width: '8', max_link_speed: '16.0 GT/s PCIe', max_link_width: '16' }))
      .toEqual({ currentSpeed: '16.0 GT/s PCIe', currentWidth: 8, maxSpeed: '16.0 GT/s PCIe', maxWidth: 16, downgraded: true });
    expect(link({ current_link_speed: '2.5 GT/s PCIe', current_link_width: '16', max_link_speed: '16.0 GT/s PCIe', max_link_width: '16' })!.downgraded).toBe(true);
    expect(link({ current_link_speed: '8.0 GT/s PCIe', current_link_width: '4', max_link_speed: '8.0 GT/s PCIe', max_link_width: '4' })!.downgraded).toBe(false);
    expect(link({ current_link_speed: '2.5 GT/s PCIe', current_link_width: '1', max_link_speed: 'Unknown', max_link_width: '0' }))
      .toEqual({ currentSpeed: '2.5 GT/s PCIe', currentWidth: 1, maxSpeed: null, maxWidth: null, downgraded: null });
    expect(link({ current_link_speed: 'Unknown', current_link_width: '0', max_link_speed: '8.0 GT/s PCIe', max_link_width: '16' })!.downgraded).toBeNull();
    // Pre-4.x kernels print the speed without the "PCIe" suffix.
    expect(link({ current_link_speed: '5 GT/s', current_link_width: '1', max_link_speed: '8 GT/s', max_link_width: '1' })!.downgraded).toBe(true);
  });

  it('reset_method: absent means not resettable when the kernel has the file, unknown when no function has it', () => {
    const two = (withFile: boolean) => parseSysfsSections(sections({
      pci: [
        pciBlock('0000:00:00.0', '/sys/devices/pci0000:00/0000:00:00.0', { class: '0x060000' }),
        pciBlock('0000:00:02.0', '/sys/devices/pci0000:00/0000:00:02.0', withFile ? { class: '0x030000', reset_method: 'flr bus' } : { class: '0x030000' }),
      ].join('\n'),
    })).data.functions.map((f) => f.resetMethods);
    expect(two(true)).toEqual([[], ['flr', 'bus']]);
    expect(two(false)).toEqual([null, null]);
  });

  it('an unreadable attribute is unknown and reported; a VGA function without boot_vga is unknown', () => {
    const { data } = parseSysfsSections(sections({
      pci: [
        pciBlock('0000:00:02.0', '/sys/devices/pci0000:00/0000:00:02.0', { class: '0x030000', reset_method: 'flr' }),
        'P 0000:00:03.0 /sys/devices/pci0000:00/0000:00:03.0',
        'A class 0x020000',
        '! unreadable /sys/devices/pci0000:00/0000:00:03.0/reset_method',
      ].join('\n'),
    }));
    expect(data.functions.map((f) => [f.address, f.resetMethods, f.bootVga])).toEqual([
      ['0000:00:02.0', ['flr'], null],
      ['0000:00:03.0', null, false],
    ]);
    expect(data.unreadable).toEqual([{ what: '/sys/devices/pci0000:00/0000:00:03.0/reset_method', why: 'not readable by the collecting user' }]);
  });

  it('SR-IOV: VFs in virtfn order (virtfn10 after virtfn2), physfn on the VF', () => {
    const vfs = Object.fromEntries([0, 1, 2, 10].map((n) => [`virtfn${n}`, `/sys/devices/pci0000:00/0000:00:01.0/0000:01:${n < 10 ? '00' : '01'}.${n < 10 ? n + 1 : 3}`]));
    const { data } = parseSysfsSections(sections({
      pci: [
        pciBlock('0000:01:00.0', '/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0', { class: '0x020000', sriov_totalvfs: '63', sriov_numvfs: '4' }, vfs),
        pciBlock('0000:01:00.1', '/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.1', { class: '0x020000' }, { physfn: '/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0' }),
      ].join('\n'),
    }));
    expect(data.functions[0]!.sriov).toEqual({ totalVfs: 63, numVfs: 4, vfs: ['0000:01:00.1', '0000:01:00.2', '0000:01:00.3', '0000:01:01.3'] });
    expect(data.functions[1]!.physfn).toBe('0000:01:00.0');
    expect(data.functions[1]!.parent).toBe('0000:00:01.0');
  });

  it('Intel VMD: a second root bus inside a domain 10000 path; its functions have no parent bridge', () => {
    const { data } = parseSysfsSections(sections({
      pci: [
        pciBlock('0000:00:0e.0', '/sys/devices/pci0000:00/0000:00:0e.0', { class: '0x010400' }),
        pciBlock('10000:e0:1d.0', '/sys/devices/pci0000:00/0000:00:0e.0/pci10000:e0/10000:e0:1d.0', { class: '0x060400' }),
        pciBlock('10000:e1:00.0', '/sys/devices/pci0000:00/0000:00:0e.0/pci10000:e0/10000:e0:1d.0/10000:e1:00.0', { class: '0x010802' }),
      ].join('\n'),
    }));
    expect(data.functions.map((f) => [f.address, f.parent])).toEqual([
      ['0000:00:0e.0', null], ['10000:e0:1d.0', null], ['10000:e1:00.0', '10000:e0:1d.0'],
    ]);
    expect(data.rootBuses).toEqual([{ name: 'pci0000:00', domain: 0, bus: 0 }, { name: 'pci10000:e0', domain: 0x10000, bus: 0xe0 }]);
  });

  it('reports malformed values with their line and skips blocks that are not PCI functions', () => {
    const { data, issues } = parseSysfsSections(sections({
      pci: ['P 0000:00:00.0 /sys/devices/pci0000:00/0000:00:00.0', 'A vendor 8086', 'A class 0x06', 'P bogus /x', 'Z what'].join('\n'),
    }));
    expect(data.functions).toHaveLength(1);
    expect(data.functions[0]).toMatchObject({ vendorId: null, classCode: null, progIf: null });
    expect(issues).toEqual([
      { line: 5, message: 'pci: unexpected line "Z what"' },
      { line: 2, message: 'pci: 0000:00:00.0 vendor "8086" is malformed' },
      { line: 3, message: 'pci: 0000:00:00.0 class "0x06" is malformed' },
      { line: 4, message: 'pci: "bogus" is not a PCI address; block skipped' },
    ]);
  });
});

describe('groups, units, tables, DMI', () => {
  it('a function\'s group is the group whose member list names it; its own iommu_group link (older output) wins', () => {
    const { data, issues } = parseSysfsSections(sections({
      pci: [
        pciBlock('0000:00:02.0', '/sys/devices/pci0000:00/0000:00:02.0', { class: '0x030000' }),
        pciBlock('0000:00:03.0', '/sys/devices/pci0000:00/0000:00:03.0', { class: '0x020000' }, { iommu_group: '/sys/kernel/iommu_groups/9' }),
        pciBlock('0000:00:04.0', '/sys/devices/pci0000:00/0000:00:04.0', { class: '0x010802' }),
        pciBlock('0000:00:01.0', '/sys/devices/pci0000:00/0000:00:01.0', { class: '0x080600' }),
      ].join('\n'),
      'iommu-groups': ['G 3', 'A type DMA', 'M 0000:00:02.0', 'G 4', 'M 0000:00:03.0', 'M 0000:00:04.0'].join('\n'),
    }));
    expect(issues).toEqual([]);
    // 00:03.0's link says 9 (the kernel never disagrees with itself; here the link is what counts).
    expect(data.functions.map((f) => [f.address, f.iommuGroup])).toEqual([
      ['0000:00:02.0', 3], ['0000:00:03.0', 9], ['0000:00:04.0', 4], ['0000:00:01.0', null],
    ]);
    // Without the groups section nothing names a group.
    const alone = parseSysfsSections(sections({ pci: pciBlock('0000:00:02.0', '/sys/devices/pci0000:00/0000:00:02.0', { class: '0x030000' }) }));
    expect(alone.data.functions[0]!.iommuGroup).toBeNull();
  });

  it('separates non-PCI group members and reads reserved regions only when the file was read', () => {
    const { data } = parseSysfsSections(sections({
      'iommu-groups': [
        'G 12', 'A type DMA', 'F reserved_regions', 'R 0x00000000fee00000 0x00000000feefffff msi',
        'M 0000:00:14.0 /sys/devices/pci0000:00/0000:00:14.0', 'M AMDI0010:00 /sys/devices/platform/AMDI0010:00',
        'G 2', 'A type identity', 'M 0000:00:00.0 /sys/devices/pci0000:00/0000:00:00.0',
      ].join('\n'),
    }));
    expect(data.groups).toEqual([
      { id: 2, type: 'identity', devices: ['0000:00:00.0'], otherMembers: [], reservedRegions: null },
      { id: 12, type: 'DMA', devices: ['0000:00:14.0'], otherMembers: ['AMDI0010:00'], reservedRegions: [{ start: '0x00000000fee00000', end: '0x00000000feefffff', type: 'msi' }] },
    ]);
  });

  it('an empty or missing groups directory is zero groups; an absent section is unknown', () => {
    expect(parseSysfsSections(sections({ 'iommu-groups': '! empty /sys/kernel/iommu_groups\n' })).data.groups).toEqual([]);
    expect(parseSysfsSections(sections({ 'iommu-groups': '! missing /sys/kernel/iommu_groups\n' })).data.groups).toEqual([]);
    const none = parseSysfsSections([]).data;
    expect([none.groups, none.units, none.hostUsage, none.firmwareTables, none.dmi]).toEqual([null, null, null, null, null]);
  });

  it('kinds of units: attribute directory for Intel/AMD, smmu3.<addr> names for Arm SMMUv3', () => {
    const { data, issues } = parseSysfsSections(sections({
      'iommu-class': ['U smmu3.0x0000000009050000 /sys/devices/platform/9050000.smmuv3/iommu/smmu3.0x0000000009050000', 'M 0000:00:01.0',
        'U dmar1 /sys/devices/virtual/iommu/dmar1', 'K intel-iommu', 'A intel-iommu/version 1:0', 'A __proto__ polluted'].join('\n'),
    }));
    expect(issues).toEqual([{ line: 6, message: 'iommu-class: unexpected line "A __proto__ polluted"' }]);
    expect(data.units!.map((u) => [u.name, u.kind])).toEqual([['smmu3.0x0000000009050000', 'arm-smmu'], ['dmar1', 'intel']]);
    expect(data.units![1]!.attributes['intel-iommu/version']).toBe('1:0');
    expect(Object.getPrototypeOf(data.units![1]!.attributes)).toBe(Object.prototype);
  });

  it('keeps only DMAR and IVRS of the ACPI table names', () => {
    expect(parseSysfsSections(sections({ 'acpi-tables': 'T APIC\nT DMAR\nT SSDT1\nT data\n' })).data.firmwareTables).toEqual(['DMAR']);
  });

  it('maps DMI attributes to names; a missing directory is no DMI', () => {
    expect(parseSysfsSections(sections({ 'dmi-id': 'A board_name X570 AORUS PRO WIFI\nA bios_date 08/10/2023\n' })).data.dmi)
      .toMatchObject({ boardName: 'X570 AORUS PRO WIFI', biosDate: '08/10/2023', systemVendor: null });
    expect(parseSysfsSections(sections({ 'dmi-id': '! missing /sys/class/dmi/id\n' })).data.dmi).toBeNull();
  });
});

describe('host usage', () => {
  const nets = 'net eno1 /sys/devices/pci0000:00/0000:00:1f.6\nnet wg0\n';

  it('finds the SSH interface from `ip -o addr` lines, IPv6 included', () => {
    const { data } = parseSysfsSections(sections({
      hostusage: nets + [
        'ssh 2001:db8::9 40000 2001:db8::1:5 22',
        'ipaddr 2: eno1    inet 192.168.1.10/24 brd 192.168.1.255 scope global eno1\\       valid_lft forever preferred_lft forever',
        'ipaddr 2: eno1    inet6 2001:db8::1:5/64 scope global \\       valid_lft forever preferred_lft forever',
      ].join('\n'),
    }));
    expect(data.hostUsage!.sshInterface).toEqual({ name: 'eno1', pciDevice: '0000:00:1f.6' });
    expect(data.hostUsage!.netInterfaces).toEqual([{ name: 'eno1', pciDevice: '0000:00:1f.6' }, { name: 'wg0', pciDevice: null }]);
  });

  it('falls back to /proc/net/if_inet6 for IPv6 and to the route table for IPv4-mapped addresses', () => {
    const v6 = parseSysfsSections(sections({
      hostusage: `${nets}ssh 2001:db8::9 40000 2001:db8::1:5 22\ninet6 20010db8000000000000000000010005 02 40 00 80     eno1\n`,
    })).data.hostUsage!;
    expect(v6.sshInterface).toEqual({ name: 'eno1', pciDevice: '0000:00:1f.6' });
    const mapped = parseSysfsSections(sections({
      hostusage: `${nets}ssh ::ffff:10.8.0.9 40000 ::ffff:10.8.0.1 22\nroute Iface\tDestination\tGateway\n`
        + 'route wg0\t0000080A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n',
    })).data.hostUsage!;
    expect(mapped.sshInterface).toEqual({ name: 'wg0', pciDevice: null });
  });

  it('says when the SSH interface cannot be found, rather than guessing', () => {
    const { data } = parseSysfsSections(sections({ hostusage: `${nets}ssh 10.0.0.9 40000 10.0.0.1 22\n` }));
    expect(data.hostUsage!.sshInterface).toBeNull();
    expect(data.unreadable).toEqual([{ what: 'SSH interface', why: 'no interface found holding the SSH server address in "10.0.0.9 40000 10.0.0.1 22"' }]);
  });

  it('follows md/dm slaves without looping forever on a cycle', () => {
    const { data } = parseSysfsSections(sections({
      hostusage: [
        'mount /dev/md0 /srv ext4',
        'block md0 /sys/devices/virtual/block/md0', 'slave md0 sda1', 'slave md0 md1',
        'block md1 /sys/devices/virtual/block/md1', 'slave md1 md0', 'slave md1 sdb1',
        'block sda1 /sys/devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda/sda1',
        'block sdb1 /sys/devices/pci0000:00/0000:00:1c.4/0000:03:00.0/ata5/host4/target4:0:0/4:0:0:0/block/sdb/sdb1',
      ].join('\n'),
    }));
    expect(data.hostUsage!.mounts).toEqual([{ mountPoint: '/srv', source: '/dev/md0', pciDevices: ['0000:00:17.0', '0000:03:00.0'] }]);
  });
});
