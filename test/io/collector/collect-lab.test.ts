/**
 * The real collector script, run through LocalTransport on every lab capture rebuilt as a
 * sysroot (test/helpers/fstree.ts), checked against what the guest kernel itself reported at
 * capture time: pci-devices.tsv, iommu-groups.txt, lspci-vvv-nn-D.txt, dmesg.txt,
 * acpi-tables.txt and class-iommu.txt of the same boot.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSysfsSections } from '../../../main/core/parsers/sysfs-dump.ts';
import { LAB_DIR, captureTree, labTopologies } from '../../helpers/fstree.ts';
import { runOnCapture } from '../../helpers/run-collector.ts';

const read = (topology: string, file: string) => readFileSync(join(LAB_DIR, topology, file), 'utf8');

function tsvRows(topology: string): Record<string, string>[] {
  const [header, ...rows] = read(topology, 'pci-devices.tsv').trimEnd().split('\n');
  const cols = header!.split('\t');
  return rows.map((r) => Object.fromEntries(r.split('\t').map((v, i) => [cols[i]!, v])));
}

function groupRows(topology: string) {
  return read(topology, 'iommu-groups.txt').trimEnd().split('\n').slice(1).filter(Boolean).map((r) => {
    const [id, type, n, devices] = r.split('\t');
    return { id: Number(id), type: type!, count: Number(n), devices: devices!.split(' ') };
  });
}

/** lspci -vvv text → address → its block of lines. */
function lspciBlocks(text: string): Map<string, string[]> {
  const blocks = new Map<string, string[]>();
  for (const block of text.split(/\n\n+/)) {
    const lines = block.split('\n');
    const m = /^([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) /.exec(lines[0] ?? '');
    if (m) blocks.set(m[1]!, lines);
  }
  return blocks;
}
const lspciField = (lines: string[] | undefined, field: string) =>
  lines?.find((l) => l.startsWith(`\t${field}: `))?.slice(field.length + 3) ?? null;

const dash = (v: string | undefined) => (v === undefined || v === '-' ? null : v);
const hex = (v: string) => v.replace(/^0x/, '');

const topologies = labTopologies();

it('finds all twelve lab captures', () => {
  expect(topologies).toEqual([
    'amd', 'amd-flat', 'flat', 'iommu-off', 'legacy-bridge', 'mixed', 'noiommu', 'passthrough',
    'rootports', 'rootports-noacs', 'switch', 'vfio-bound',
  ]);
});

describe.each(topologies)('collector on lab capture %s', (topology) => {
  it('produces complete framing with every section and no framing issue', async () => {
    const run = await runOnCapture(topology);
    expect(run.result.exitCode).toBe(0);
    expect(run.output.complete).toBe(true);
    expect(run.issues).toEqual([]);
    expect(run.output.sections.map((s) => s.name)).toEqual([
      'meta', 'lspci', 'pci', 'iommu-groups', 'iommu-class', 'pci-slots', 'acpi-tables', 'dmi-id', 'cmdline',
      'version', 'os-release', 'cpuinfo', 'modules', 'kvm', 'vfio', 'hostusage', 'dmesg', 'dmidecode', 'virsh',
    ]);
    const meta = run.section('meta').content;
    expect(meta).toMatch(/^script_version=1$/m);
    expect(meta).toMatch(/^sudo=not-requested$/m);
    expect(meta).toContain(`\nsysroot=${realpathSync(captureTree(topology))}\n`);
    // In sysroot mode dmidecode and (without ATLAS_LIBVIRT_URI) virsh are skipped, with a reason.
    expect(run.section('dmidecode').exitCode).toBeNull();
    expect(run.section('dmidecode').stderr).toMatch(/^atlas: skipped: ATLAS_SYSROOT is set/);
    expect(run.section('virsh').stderr).toMatch(/^atlas: skipped: /);
  });

  // The snapshot, not the sysfs walk alone: the walk leaves the ids, revision, NUMA node and bus
  // numbers to lspci (collect.sh col_pci).
  it('reads every function of pci-devices.tsv with the same facts', async () => {
    const run = await runOnCapture(topology);
    expect(parseSysfsSections(run.output.sections).issues).toEqual([]);
    const snapshot = run.snapshot();
    expect(snapshot.provenance.warnings).toEqual([]);
    const rows = tsvRows(topology);
    expect(snapshot.devices.map((f) => f.address)).toEqual(rows.map((r) => r.bdf));
    for (const row of rows) {
      const f = snapshot.devices.find((x) => x.address === row.bdf)!;
      const cls = hex(row.class!);
      const speed = (v: string | undefined) => (dash(v) === 'Unknown' ? null : dash(v));
      const width = (v: string | undefined) => (dash(v) === null || v === '0' ? null : Number(v));
      expect({
        address: f.address, vendorId: f.vendorId, deviceId: f.deviceId, subsystemVendorId: f.subsystemVendorId,
        subsystemDeviceId: f.subsystemDeviceId, classCode: f.classCode, progIf: f.progIf, revision: f.revision,
        driver: f.driver, iommuGroup: f.iommuGroup, numaNode: f.numaNode, resetMethods: f.resetMethods,
        physfn: f.physfn, sysfsPath: f.sysfsPath,
        link: f.link && { ...f.link, downgraded: undefined },
        sriov: f.sriov && { totalVfs: f.sriov.totalVfs, numVfs: f.sriov.numVfs, vfCount: f.sriov.vfs.length },
      }).toEqual({
        address: row.bdf, vendorId: hex(row.vendor!), deviceId: hex(row.device!),
        subsystemVendorId: hex(row.subsystem_vendor!), subsystemDeviceId: hex(row.subsystem_device!),
        classCode: cls.slice(0, 4), progIf: cls.slice(4), revision: hex(row.revision!),
        driver: dash(row.driver), iommuGroup: dash(row.iommu_group) === null ? null : Number(row.iommu_group),
        numaNode: row.numa_node === '-1' ? null : Number(row.numa_node),
        resetMethods: dash(row.reset_method)?.split(' ') ?? [],
        physfn: dash(row.physfn), sysfsPath: row.realpath!.replace(/^sys\/devices\//, ''),
        link: dash(row.current_link_speed) === null && dash(row.max_link_speed) === null ? null : {
          currentSpeed: speed(row.current_link_speed), currentWidth: width(row.current_link_width),
          maxSpeed: speed(row.max_link_speed), maxWidth: width(row.max_link_width), downgraded: undefined,
        },
        sriov: dash(row.sriov_totalvfs) === null ? null : {
          totalVfs: Number(row.sriov_totalvfs), numVfs: Number(row.sriov_numvfs), vfCount: Number(row.sriov_numvfs),
        },
      });
      // boot_vga: the file exists for VGA-class functions only (none of the captures lacks it there).
      expect(f.bootVga).toBe(dash(row.boot_vga) === '1');
      // VFs link back to their PF.
      for (const vf of f.sriov?.vfs ?? []) expect(rows.find((r) => r.bdf === vf)?.physfn).toBe(f.address);
      // The parent is the path component before the function (a bridge), null on the root bus.
      const parts = row.realpath!.split('/');
      expect(f.parent).toBe(/^[0-9a-f]{4}:/.test(parts.at(-2)!) ? parts.at(-2) : null);
    }
    expect(snapshot.rootBuses).toEqual([{ name: 'pci0000:00', domain: 0, bus: 0 }]);
  });

  it('reads the same IOMMU groups as iommu-groups.txt (partition and types)', async () => {
    const run = await runOnCapture(topology);
    const { data } = parseSysfsSections(run.output.sections);
    const expected = groupRows(topology);
    expect(data.groups!.map((g) => ({ id: g.id, type: g.type, count: g.devices.length, devices: g.devices })))
      .toEqual([...expected].sort((a, b) => a.id - b.id));
    for (const g of data.groups!) {
      expect(g.otherMembers).toEqual([]);
      expect(g.reservedRegions!.some((r) => r.type === 'msi')).toBe(true);
    }
  });

  it('names the IOMMU units of class-iommu.txt and the ACPI tables of acpi-tables.txt', async () => {
    const run = await runOnCapture(topology);
    const { data } = parseSysfsSections(run.output.sections);
    const listed = [...read(topology, 'class-iommu.txt').matchAll(/^l\S+ .* (\S+) -> \S+$/gm)]
      .map((m) => m[1]!).filter((n) => !/^\d{4}:/.test(n));
    expect(data.units!.map((u) => u.name)).toEqual(listed);
    for (const u of data.units!) {
      expect(u.kind).toBe(topology.startsWith('amd') ? 'amd' : 'intel');
      expect(Object.keys(u.attributes)).toContain(topology.startsWith('amd') ? 'amd-iommu/features' : 'intel-iommu/cap');
      // Every function in a group is translated by the unit.
      for (const g of data.groups!) for (const d of g.devices) expect(u.devices).toContain(d);
    }
    const tables = read(topology, 'acpi-tables.txt');
    expect(data.firmwareTables).toEqual(['DMAR', 'IVRS'].filter((t) => new RegExp(` ${t}$`, 'm').test(tables)));
  });

  it('runs the real lspci on the tree: every function, its IOMMU group and physical slot', async () => {
    const run = await runOnCapture(topology);
    const lspci = run.section('lspci');
    expect(lspci.exitCode).toBe(0);
    const blocks = lspciBlocks(lspci.content);
    const captured = lspciBlocks(read(topology, 'lspci-vvv-nn-D.txt'));
    const { data } = parseSysfsSections(run.output.sections);
    const rows = tsvRows(topology);
    expect([...blocks.keys()]).toEqual(rows.map((r) => r.bdf));
    for (const row of rows) {
      const bdf = row.bdf!;
      const lines = blocks.get(bdf);
      expect(lspciField(lines, 'IOMMU group')).toBe(dash(row.iommu_group));
      // Same header line (ids, class) and same capabilities as lspci printed in the guest. Names
      // come from this machine's pci.ids, which may be newer than the guest's: compare ids only.
      const idsOnly = (l: string) => l.replace(/(Subsystem: |: ).*?(\[[0-9a-f]{4}:[0-9a-f]{4}\])/, '$1$2');
      expect(idsOnly(lines![0]!)).toBe(idsOnly(captured.get(bdf)![0]!));
      expect(lines!.filter((l) => l.startsWith('\tCapabilities: ')).map(idsOnly))
        .toEqual(captured.get(bdf)!.filter((l) => l.startsWith('\tCapabilities: ')).map(idsOnly));
      expect(data.functions.find((f) => f.address === bdf)!.physicalSlot ?? null)
        .toBe(lspciField(captured.get(bdf), 'Physical Slot'));
    }
  });

  it('copies the kernel log, command line, version and modules of the capture', async () => {
    const run = await runOnCapture(topology);
    expect(run.section('dmesg').content).toBe(read(topology, 'dmesg.txt'));
    expect(run.section('dmesg').exitCode).toBe(0);
    expect(run.section('cmdline').content).toBe(read(topology, 'cmdline.txt'));
    const release = read(topology, 'uname.txt').split(' ')[2]!;
    expect(run.section('version').content.startsWith(`Linux version ${release} `)).toBe(true);
    const lsmod = read(topology, 'lsmod.txt').trimEnd().split('\n').slice(1).map((l) => l.split(/\s+/)[0]);
    const modules = run.section('modules').content.trimEnd().split('\n').map((l) => l.split(' ')[0]);
    expect([...modules].sort()).toEqual([...lsmod].sort());
  });

  it('keeps cpuinfo small: first block, distinct flags, processor count', async () => {
    const run = await runOnCapture(topology);
    const cpuinfo = read(topology, 'cpuinfo.txt');
    const content = run.section('cpuinfo').content;
    const firstBlock = cpuinfo.split('\n\n')[0]!;
    expect(content.startsWith(`${firstBlock}\n\n`)).toBe(true);
    const processors = cpuinfo.match(/^processor\s*:/gm)!.length;
    expect(content.trimEnd().endsWith(`processors=${processors}`)).toBe(true);
    const flagLines = new Set(cpuinfo.split('\n').filter((l) => l.startsWith('flags')));
    expect(content.split('\n').filter((l) => l.startsWith('flags')).length).toBe(flagLines.size);
  });

  it('says why host-usage data and DMI are absent from the capture instead of staying silent', async () => {
    const run = await runOnCapture(topology);
    const hostusage = run.section('hostusage').content;
    expect(hostusage).toContain('! missing /proc/mounts');
    expect(hostusage).toContain('! missing /sys/class/net');
    expect(run.section('dmi-id').content).toBe('! missing /sys/class/dmi/id\n');
    expect(run.section('os-release').exitCode).toBe(1);
    expect(run.section('os-release').stderr).toContain('atlas: missing: /etc/os-release');
    // /dev/vfio exists in every capture, but its character devices are not recreated.
    expect(run.section('vfio').content).toBe('! empty /dev/vfio\n');
    expect(run.section('kvm').content).toBe('kvm=no\n');
  });
});

describe('captures without a working IOMMU', () => {
  it.each(['noiommu', 'iommu-off'])('%s: zero groups, no units, and no IOMMU group lines in lspci', async (topology) => {
    const run = await runOnCapture(topology);
    const { data } = parseSysfsSections(run.output.sections);
    expect(data.groups).toEqual([]);
    expect(data.units).toEqual([]);
    expect(run.section('iommu-groups').content).toBe('! empty /sys/kernel/iommu_groups\n');
    expect(run.section('lspci').content).not.toContain('IOMMU group');
    expect(data.functions).toHaveLength(33);
    expect(data.functions.every((f) => f.iommuGroup === null)).toBe(true);
  });

  it('iommu-off still has the DMAR table (intel_iommu=off with firmware support)', async () => {
    const { data } = parseSysfsSections((await runOnCapture('iommu-off')).output.sections);
    expect(data.firmwareTables).toEqual(['DMAR']);
    const { data: none } = parseSysfsSections((await runOnCapture('noiommu')).output.sections);
    expect(none.firmwareTables).toEqual([]);
  });
});

describe('facts from SUMMARY.md and the capture README', () => {
  it('mixed: the NVMe PF 02:00.0 has two VFs, each in its own group', async () => {
    const { data } = parseSysfsSections((await runOnCapture('mixed')).output.sections);
    const pf = data.functions.find((f) => f.address === '0000:02:00.0')!;
    expect(pf.sriov).toEqual({ totalVfs: 4, numVfs: 2, vfs: ['0000:02:00.1', '0000:02:00.2'] });
    const groups = ['0000:02:00.0', '0000:02:00.1', '0000:02:00.2'].map((a) => data.functions.find((f) => f.address === a)!.iommuGroup);
    expect(new Set(groups).size).toBe(3);
  });

  it('vfio-bound: the GPU functions and VF 02:00.1 are bound to vfio-pci through driver_override', async () => {
    // The driver is lspci's "Kernel driver in use", the override the walk's driver_override.
    const { devices } = (await runOnCapture('vfio-bound')).snapshot();
    const bound = devices.filter((f) => f.driver === 'vfio-pci').map((f) => f.address);
    expect(bound).toEqual(['0000:01:00.0', '0000:01:00.1', '0000:02:00.1']);
    for (const a of bound) expect(devices.find((f) => f.address === a)!.driverOverride).toBe('vfio-pci');
    expect(devices.filter((f) => f.driverOverride !== null)).toHaveLength(3);
  });

  it('switch: xio3130 downstream ports report max speed Unknown / width 0, which is not a downgrade', async () => {
    const { data } = parseSysfsSections((await runOnCapture('switch')).output.sections);
    const ports = data.functions.filter((f) => f.link?.maxSpeed === null);
    expect(ports.map((f) => f.address)).toEqual(['0000:02:00.0', '0000:02:01.0', '0000:02:02.0', '0000:02:03.0']);
    for (const p of ports) expect(p.link).toEqual({ currentSpeed: '2.5 GT/s PCIe', currentWidth: 1, maxSpeed: null, maxWidth: null, downgraded: null });
  });

  it('mixed: root port 00:1c.0 trained at 2.5 GT/s x1 below its 8 GT/s x4 capability is downgraded', async () => {
    const snapshot = (await runOnCapture('mixed')).snapshot();
    const port = snapshot.devices.find((f) => f.address === '0000:00:1c.0')!;
    expect(port.link).toEqual({ currentSpeed: '2.5 GT/s PCIe', currentWidth: 1, maxSpeed: '8.0 GT/s PCIe', maxWidth: 4, downgraded: true });
    expect(port.secondaryBus).toBe(2);
    expect(port.subordinateBus).toBe(2);
    const rp = snapshot.devices.find((f) => f.address === '0000:00:1c.3')!;
    expect([rp.secondaryBus, rp.subordinateBus]).toEqual([5, 9]);
  });

  it('amd: the AMD IOMMU function 00:01.0 is in no group and unit ivhd0 lives below it', async () => {
    const { data } = parseSysfsSections((await runOnCapture('amd')).output.sections);
    expect(data.functions.find((f) => f.address === '0000:00:01.0')!.iommuGroup).toBeNull();
    expect(data.units).toHaveLength(1);
    expect(data.units![0]!.name).toBe('ivhd0');
    expect(data.units![0]!.devices).not.toContain('0000:00:01.0');
    expect(data.groups).toHaveLength(21);
    expect(data.groups!.every((g) => g.type === 'DMA')).toBe(true);
  });

  it('passthrough: every group is identity', async () => {
    const { data } = parseSysfsSections((await runOnCapture('passthrough')).output.sections);
    expect(data.groups).toHaveLength(23);
    expect(new Set(data.groups!.map((g) => g.type))).toEqual(new Set(['identity']));
  });

  it('rootports-noacs: all six ports and five endpoints share group 1', async () => {
    const { data } = parseSysfsSections((await runOnCapture('rootports-noacs')).output.sections);
    expect(data.groups!.find((g) => g.id === 1)!.devices).toHaveLength(11);
  });
});
