/**
 * The collector's environment options and the parts of a host the lab captures do not contain:
 * host usage (mounts, block devices, network interfaces, the SSH interface, the console),
 * DMI and os-release (on a lab tree extended with those files), libvirt (its test driver),
 * awkward sysroot paths, ATLAS_SUDO and a non-root user.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCollectorOutput } from '../../../main/core/parsers/collector-output.ts';
import { parseSysfsSections } from '../../../main/core/parsers/sysfs-dump.ts';
import { COLLECTOR_SCRIPT } from '../../../main/io/collector/script.ts';
import type { Snapshot } from '../../../main/core/model/snapshot.ts';
import { buildCaptureTree, captureTree, scratchDir } from '../../helpers/fstree.ts';
import { runCollector, type CollectorRun } from '../../helpers/run-collector.ts';

function put(root: string, path: string, content: string) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}
function link(root: string, path: string, target: string) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  symlinkSync(target, join(root, path));
}

/**
 * The `flat` capture (NVMe 00:04.0, virtio-net 00:03.0, bochs VGA 00:01.0) plus what a real host
 * has besides: the links follow the kernel's layout (block devices below their controller,
 * device-mapper in /sys/devices/virtual/block with `slaves/`, `net/<if>/device`, fb0 and card0).
 */
function hostTree(): string {
  const root = scratchDir('host');
  buildCaptureTree('flat', root);
  const nvme = 'sys/devices/pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1';
  mkdirSync(join(root, nvme, 'nvme0n1p2'), { recursive: true });
  mkdirSync(join(root, nvme, 'nvme0n1p1'), { recursive: true });
  link(root, 'sys/class/block/nvme0n1', `../../devices/pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1`);
  link(root, 'sys/class/block/nvme0n1p1', `../../devices/pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1/nvme0n1p1`);
  link(root, 'sys/class/block/nvme0n1p2', `../../devices/pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1/nvme0n1p2`);
  put(root, 'sys/devices/virtual/block/dm-0/dm/name', 'vg-home\n');
  link(root, 'sys/devices/virtual/block/dm-0/slaves/nvme0n1p2', '../../../../pci0000:00/0000:00:04.0/nvme/nvme0/nvme0n1/nvme0n1p2');
  link(root, 'sys/class/block/dm-0', '../../devices/virtual/block/dm-0');
  mkdirSync(join(root, 'sys/devices/virtual/block/loop0'), { recursive: true });
  link(root, 'sys/class/block/loop0', '../../devices/virtual/block/loop0');
  put(root, 'proc/mounts', [
    '/dev/nvme0n1p2 / ext4 rw,relatime 0 0',
    'proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0',
    '/dev/mapper/vg-home /home/my\\040files xfs rw,relatime 0 0',
    '/dev/nvme0n1p1 /boot/efi vfat rw,relatime 0 0',
    '/dev/loop0 /snap/core/1 squashfs ro,nodev,relatime 0 0',
    'tmpfs /run tmpfs rw,nosuid,nodev 0 0',
  ].join('\n') + '\n');

  mkdirSync(join(root, 'sys/devices/pci0000:00/0000:00:03.0/virtio1/net/enp0s3'), { recursive: true });
  link(root, 'sys/devices/pci0000:00/0000:00:03.0/virtio1/net/enp0s3/device', '../../../virtio1');
  link(root, 'sys/class/net/enp0s3', '../../devices/pci0000:00/0000:00:03.0/virtio1/net/enp0s3');
  mkdirSync(join(root, 'sys/devices/virtual/net/lo'), { recursive: true });
  link(root, 'sys/class/net/lo', '../../devices/virtual/net/lo');
  put(root, 'sys/class/net/bonding_masters', '\n');
  // /proc/net/route: little-endian hex words, 192.0.2.0/24 on enp0s3, default via 192.0.2.1.
  put(root, 'proc/net/route', [
    'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
    'enp0s3\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0',
    'enp0s3\t000200C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0',
  ].join('\n') + '\n');

  mkdirSync(join(root, 'sys/devices/pci0000:00/0000:00:01.0/graphics/fb0'), { recursive: true });
  link(root, 'sys/devices/pci0000:00/0000:00:01.0/graphics/fb0/device', '../../../0000:00:01.0');
  link(root, 'sys/class/graphics/fb0', '../../devices/pci0000:00/0000:00:01.0/graphics/fb0');
  mkdirSync(join(root, 'sys/devices/pci0000:00/0000:00:01.0/drm/card0/card0-Virtual-1'), { recursive: true });
  link(root, 'sys/devices/pci0000:00/0000:00:01.0/drm/card0/device', '../../../0000:00:01.0');
  link(root, 'sys/class/drm/card0', '../../devices/pci0000:00/0000:00:01.0/drm/card0');
  link(root, 'sys/class/drm/card0-Virtual-1', '../../devices/pci0000:00/0000:00:01.0/drm/card0/card0-Virtual-1');

  const dmi = {
    sys_vendor: 'QEMU', product_name: 'Standard PC (Q35 + ICH9, 2009)', board_vendor: 'ASUSTeK COMPUTER INC.',
    board_name: 'PRIME X570-PRO', board_version: 'Rev X.0x', bios_vendor: 'SeaBIOS', bios_version: '1.16.2-debian-1.16.2-1',
    bios_date: '04/01/2014', product_serial: 'SECRET-SERIAL', board_serial: 'SECRET-BOARD',
  };
  for (const [k, v] of Object.entries(dmi)) put(root, `sys/devices/virtual/dmi/id/${k}`, `${v}\n`);
  link(root, 'sys/class/dmi/id', '../../devices/virtual/dmi/id');
  put(root, 'usr/lib/os-release', 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n');
  put(root, 'proc/sys/kernel/hostname', 'pve-node1\n');
  put(root, 'dev/kvm', '');
  put(root, 'dev/vfio/vfio', '');
  mkdirSync(join(root, 'dev/vfio/devices'), { recursive: true });
  put(root, 'dev/vfio/devices/vfio0', '');
  return root;
}

describe('host usage, DMI and os-release on an extended lab tree', () => {
  let run: CollectorRun;
  let root: string;
  beforeAll(async () => {
    root = hostTree();
    run = await runCollector({ ATLAS_SYSROOT: root, SSH_CONNECTION: '198.51.100.7 51234 192.0.2.15 22' });
  });

  it('frames everything completely', () => {
    expect(run.output.complete).toBe(true);
    expect(run.section('meta').content).toMatch(/^hostname=pve-node1$/m);
  });

  it('maps each mounted block device to its PCI controller, through partitions and device-mapper slaves', () => {
    const { data, issues } = parseSysfsSections(run.output.sections);
    expect(issues).toEqual([]);
    expect(data.hostUsage!.mounts).toEqual([
      { mountPoint: '/', source: '/dev/nvme0n1p2', pciDevices: ['0000:00:04.0'] },
      { mountPoint: '/home/my files', source: '/dev/mapper/vg-home', pciDevices: ['0000:00:04.0'] },
      { mountPoint: '/boot/efi', source: '/dev/nvme0n1p1', pciDevices: ['0000:00:04.0'] },
      { mountPoint: '/snap/core/1', source: '/dev/loop0', pciDevices: [] },
    ]);
  });

  it('finds the interface holding the SSH server address (route table) and its PCI device', () => {
    const { data } = parseSysfsSections(run.output.sections);
    expect(run.section('hostusage').content).toContain('ssh 198.51.100.7 51234 192.0.2.15 22\n');
    expect(data.hostUsage!.sshInterface).toEqual({ name: 'enp0s3', pciDevice: '0000:00:03.0' });
    expect(data.hostUsage!.netInterfaces).toEqual([
      { name: 'enp0s3', pciDevice: '0000:00:03.0' },
      { name: 'lo', pciDevice: null },
    ]);
  });

  it('names the console device from fb0 and card0, not from the connector', () => {
    const { data } = parseSysfsSections(run.output.sections);
    expect(data.hostUsage!.consoleDevices).toEqual(['0000:00:01.0']);
    expect(run.section('hostusage').content).not.toContain('card0-Virtual-1');
  });

  it('reads the DMI names but never the serial numbers', () => {
    const { data } = parseSysfsSections(run.output.sections);
    expect(data.dmi).toEqual({
      systemVendor: 'QEMU', systemProduct: 'Standard PC (Q35 + ICH9, 2009)', boardVendor: 'ASUSTeK COMPUTER INC.',
      boardName: 'PRIME X570-PRO', boardVersion: 'Rev X.0x', biosVendor: 'SeaBIOS', biosVersion: '1.16.2-debian-1.16.2-1',
      biosDate: '04/01/2014',
    });
    expect(run.output.sections.some((s) => s.content.includes('SECRET'))).toBe(false);
  });

  it('copies os-release from the sysroot (the /usr/lib fallback) and sees kvm and vfio nodes there', () => {
    expect(run.section('os-release').content).toBe('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n');
    expect(run.section('os-release').exitCode).toBe(0);
    expect(run.section('kvm').content).toBe('kvm=yes\naccess=rw\n');
    expect(run.section('vfio').content).toBe('V devices d\nV vfio f\nV devices/vfio0 f\n');
  });

  it('does not leave the sysroot: no path in the walks names the temporary directory', () => {
    for (const name of ['pci', 'iommu-groups', 'iommu-class', 'hostusage']) expect(run.section(name).content).not.toContain(root);
  });
});

describe('libvirt through ATLAS_LIBVIRT_URI (test driver)', () => {
  const hasVirsh = spawnSync('sh', ['-c', 'command -v virsh']).status === 0;
  // A domain name full of shell syntax: it must reach virsh as one argument, never be evaluated.
  const trickyName = `-x $(touch pwned) \`touch pwned2\` 'q" ; *|`;

  it.runIf(hasVirsh)('lists the domains and dumps each one, quoting hostile names as data', async () => {
    const dir = scratchDir('libvirt');
    writeFileSync(join(dir, 'node.xml'), `<node>
  <domain type='test'><name>${trickyName.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;')}</name>
    <memory>1048576</memory><os><type>hvm</type></os>
    <devices><hostdev mode='subsystem' type='pci' managed='yes'>
      <source><address domain='0x0000' bus='0x00' slot='0x04' function='0x0'/></source></hostdev></devices>
  </domain>
  <domain type='test'><name>plain</name><memory>1048576</memory><os><type>hvm</type></os></domain>
</node>
`);
    const run = await runCollector({ ATLAS_SYSROOT: scratchDir('empty-root'), ATLAS_LIBVIRT_URI: `test://${join(dir, 'node.xml')}` });
    expect(run.output.complete).toBe(true);
    const list = run.section('virsh');
    expect(list.exitCode).toBe(0);
    expect(list.content).toMatch(/^ 1 +-x \$\(touch pwned\) .* running$/m);
    expect(list.content).toMatch(/^ 2 +plain +running$/m);
    const dumps = run.output.sections.filter((s) => s.name === 'virsh-dumpxml');
    expect(dumps).toHaveLength(2);
    expect(dumps.every((d) => d.exitCode === 0)).toBe(true);
    expect(dumps[0]!.content).toContain(`<name>-x $(touch pwned) \`touch pwned2\` &apos;q&quot; ; *|</name>`);
    expect(dumps[0]!.content).toContain(`<address domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>`);
    expect(dumps[1]!.content).toContain('<name>plain</name>');
    for (const d of [process.cwd(), dir, '/']) expect(readdirSync(d).filter((f) => f.startsWith('pwned'))).toEqual([]);
  });

  it('skips virsh in sysroot mode without a URI, saying why', async () => {
    const run = await runCollector({ ATLAS_SYSROOT: scratchDir('empty-root') });
    expect(run.section('virsh').exitCode).toBeNull();
    expect(run.section('virsh').stderr).toContain('atlas: skipped: ATLAS_SYSROOT is set and ATLAS_LIBVIRT_URI is not');
    expect(run.output.sections.filter((s) => s.name === 'virsh-dumpxml')).toEqual([]);
  });
});

describe('awkward inputs', () => {
  it('works from a sysroot whose path has spaces, quotes and $()', async () => {
    const root = join(scratchDir('odd'), `a b'c "d" $(touch pwned)`);
    buildCaptureTree('legacy-bridge', root);
    const run = await runCollector({ ATLAS_SYSROOT: root });
    expect(run.output.complete).toBe(true);
    const { data } = parseSysfsSections(run.output.sections);
    expect(data.functions).toHaveLength(14);
    expect(data.groups).toHaveLength(7);
    expect(run.section('lspci').exitCode).toBe(0);
    expect(run.section('lspci').content.match(/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7] /gm)).toHaveLength(14);
    expect(run.section('dmesg').exitCode).toBe(0);
    expect(existsSync(join(dirname(root), 'pwned'))).toBe(false);
  });

  it('lspci failing: the walk reads what it leaves to lspci (pci-ids), and the snapshot keeps every id', async () => {
    // A real failure of pciutils (as with no usable access method), first on PATH.
    const bin = scratchDir('failing-lspci');
    writeFileSync(join(bin, 'lspci'), '#!/bin/sh\necho "lspci: Cannot find any working access method." >&2\nexit 1\n', { mode: 0o755 });
    const root = captureTree('mixed');
    const failed = await runCollector({ ATLAS_SYSROOT: root, PATH: `${bin}:${process.env.PATH}` });
    const normal = await runCollector({ ATLAS_SYSROOT: root });
    expect(failed.section('lspci').exitCode).toBe(1);
    expect(failed.output.sections.map((s) => s.name).slice(15, 18)).toEqual(['hostusage', 'pci-ids', 'dmesg']);
    expect(failed.output.sections[1]!.name).toBe('lspci');
    expect(normal.output.sections.some((s) => s.name === 'pci-ids')).toBe(false);
    const ids = (snapshot: Snapshot) => snapshot.devices.map((d) => ({
      address: d.address, vendorId: d.vendorId, deviceId: d.deviceId, subsystemVendorId: d.subsystemVendorId,
      subsystemDeviceId: d.subsystemDeviceId, classCode: d.classCode, revision: d.revision, numaNode: d.numaNode,
      secondaryBus: d.secondaryBus, subordinateBus: d.subordinateBus, iommuGroup: d.iommuGroup, link: d.link,
    }));
    const withoutLspci = failed.snapshot();
    expect(ids(withoutLspci)).toEqual(ids(normal.snapshot()));
    expect(withoutLspci.devices.find((d) => d.address === '0000:00:1c.0')).toMatchObject({ vendorId: '1b36', deviceId: '000c', secondaryBus: 2 });
    expect(withoutLspci.provenance.unreadable).toContainEqual({
      what: 'lspci output (device names, PCIe port types, ACS, link capabilities)', why: 'lspci: Cannot find any working access method.',
    });
  });

  it('a file an older kernel does not have (driver_override, Linux 3.16) is absent, not unreadable', async () => {
    const root = scratchDir('old-kernel');
    buildCaptureTree('flat', root);
    rmSync(join(root, 'sys/devices/pci0000:00/0000:00:04.0/driver_override'));
    const run = await runCollector({ ATLAS_SYSROOT: root });
    expect(run.section('pci').content).not.toMatch(/^! /m);
    const { data } = parseSysfsSections(run.output.sections);
    expect(data.unreadable.filter((u) => u.what.includes('driver_override'))).toEqual([]);
    expect(data.functions.find((f) => f.address === '0000:00:04.0')!.driverOverride).toBeUndefined();
    expect(data.functions.find((f) => f.address === '0000:00:03.0')!.driverOverride).toBeNull();
  });

  it('reports an empty sysroot with reasons, not silence', async () => {
    const run = await runCollector({ ATLAS_SYSROOT: scratchDir('empty-root') });
    expect(run.output.complete).toBe(true);
    expect(run.section('pci').content).toBe('! missing /sys/bus/pci/devices\n');
    expect(run.section('iommu-groups').content).toBe('! missing /sys/kernel/iommu_groups\n');
    expect(run.section('cmdline').stderr).toBe('atlas: missing: /proc/cmdline\n');
    expect(run.section('cmdline').exitCode).toBe(1);
    expect(run.section('cpuinfo').stderr).toBe('atlas: missing: /proc/cpuinfo\n');
    // lspci finds no devices in an empty sysfs; dmesg cannot open the missing log file.
    expect(run.section('dmesg').exitCode).not.toBe(0);
    expect(run.section('dmesg').stderr).toMatch(/dmesg-raw\.txt/);
    const { data } = parseSysfsSections(run.output.sections);
    expect(data.functions).toEqual([]);
    expect(data.unreadable).toContainEqual({ what: '/sys/bus/pci/devices', why: 'does not exist on the host' });
  });
});

describe('privileges', () => {
  const isRoot = process.getuid?.() === 0;

  it.runIf(isRoot)('ATLAS_SUDO as root: sudo is not used, root-only commands run directly', async () => {
    const run = await runCollector({ ATLAS_SYSROOT: scratchDir('empty-root') }, 'sudo');
    expect(run.section('meta').content).toMatch(/^sudo=no\nsudo_reason=already root \(uid 0\)/m);
  });

  it('without ATLAS_SUDO the meta section says sudo=not-requested', async () => {
    const run = await runCollector({ ATLAS_SYSROOT: scratchDir('empty-root') });
    expect(run.section('meta').content).toMatch(/^sudo=not-requested\nsudo_reason=$/m);
  });

  it.runIf(isRoot && spawnSync('sh', ['-c', 'command -v setpriv']).status === 0)(
    'as an unprivileged user (nobody): notes the missing capabilities, skips dmidecode, falls back for dmesg',
    () => {
      const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'sh', '-s'], {
        input: COLLECTOR_SCRIPT, encoding: 'utf8', env: { ...process.env, ATLAS_SUDO: '1', HOME: '/' }, cwd: '/', timeout: 60_000,
      });
      const { data } = parseCollectorOutput(r.stdout);
      expect(data.complete).toBe(true);
      const section = (n: string) => data.sections.find((s) => s.name === n)!;
      const meta = section('meta').content;
      expect(meta).toMatch(/^uid=65534$/m);
      expect(meta).toMatch(/^root=no$/m);
      const sudoInstalled = spawnSync('sh', ['-c', 'command -v sudo']).status === 0;
      if (!sudoInstalled) expect(meta).toMatch(/^sudo=no\nsudo_reason=sudo is not installed/m);
      else expect(meta).toMatch(/^sudo=(yes|no)$/m);
      if (!/^sudo=yes$/m.test(meta)) {
        expect(section('dmidecode').exitCode).toBeNull();
        expect(section('dmidecode').stderr).toMatch(/^atlas: skipped: dmidecode needs root/);
        expect(section('lspci').stderr).toContain('atlas: note: not root and no sudo');
      }
      const restricted = spawnSync('cat', ['/proc/sys/kernel/dmesg_restrict'], { encoding: 'utf8' }).stdout.trim() === '1';
      if (restricted && !/^sudo=yes$/m.test(meta)) {
        expect(section('dmesg').stderr).toContain('atlas: fallback: dmesg failed with rc=1 (kernel.dmesg_restrict=1)');
      }
    },
  );
});
