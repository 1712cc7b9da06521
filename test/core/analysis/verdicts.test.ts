/**
 * Passthrough verdicts per device and group, with the per-device facts (driver, owner VM, reset,
 * link), on the lab captures and real machines. Expected verdicts follow from the kernel's groups
 * (test/fixtures/lab/SUMMARY.md, the real cases' source.md) and the device classes in the data.
 */
import { describe, expect, it } from 'vitest';
import { analyzeSnapshot, type Analysis } from '../../../main/core/analysis/analyze.ts';
import type { HostUsage, Snapshot } from '../../../main/core/model/snapshot.ts';
import { labDevices } from '../../helpers/lab-truth.ts';
import { addr, endpoint, fn, rootPort, snapshot } from '../../helpers/topology.ts';
import { lab, realworld } from './load-fixture.ts';

const A = (short: string) => addr(short);
const verdictOf = (a: Analysis, short: string) => a.devices.find((d) => d.address === A(short))!;
const groupVerdict = (a: Analysis, id: number) => a.groups.find((g) => g.id === id)!;

/** Device → verdict over the whole capture, as a plain object for one readable assertion. */
function verdictTable(a: Analysis): Record<string, string> {
  return Object.fromEntries(a.devices.map((d) => [d.address.slice(5), d.verdict]));
}

describe('lab mixed (Intel VT-d, 33 functions, 23 groups)', () => {
  it('gives every device the verdict its group and class call for', async () => {
    const a = analyzeSnapshot(await lab('mixed'));
    expect(a.groupsSource).toBe('kernel');
    // Host bridge 00:00.0 (class 0600), LPC 00:1f.0 (0601) and SMBus 00:1f.3 (0c05) are the
    // host's own; the AHCI 00:1f.2 shares group 10 with two of them. Group 19 holds two separate
    // conventional NICs behind the PCIe-to-PCI bridge 0a:00.0. Everything else is alone, with its
    // own functions only (GPU + audio, ICH9 USB), or with bridges only.
    const expected: Record<string, string> = {};
    for (const d of labDevices('mixed')) expected[d.address.slice(5)] = 'ready';
    Object.assign(expected, {
      '00:00.0': 'host-critical', '00:1f.0': 'host-critical', '00:1f.3': 'host-critical', '00:1f.2': 'blocked',
      '0a:00.0': 'whole-group', '0b:01.0': 'whole-group', '0b:02.0': 'whole-group',
    });
    expect(verdictTable(a)).toEqual(expected);
  });

  it('group verdicts: 10 blocked, 0 host-critical, 19 whole-group, 11 ready (GPU + its HDMI audio)', async () => {
    const a = analyzeSnapshot(await lab('mixed'));
    expect(groupVerdict(a, 10).verdict).toBe('blocked');
    expect(groupVerdict(a, 0).verdict).toBe('host-critical');
    expect(groupVerdict(a, 19).verdict).toBe('whole-group');
    expect(groupVerdict(a, 11).verdict).toBe('ready');
    expect(groupVerdict(a, 16).verdict).toBe('ready');
    expect(groupVerdict(a, 9).verdict).toBe('ready');
  });

  it('names the devices in the reasons', async () => {
    const a = analyzeSnapshot(await lab('mixed'));
    const ahci = verdictOf(a, '00:1f.2');
    expect(ahci.reasons[0]).toContain('00:1f.0 (ISA/LPC bridge) and 00:1f.3 (SMBus controller), which the host needs');
    expect(ahci.reasons[1]).toMatch(/built into the CPU or chipset/);
    expect(verdictOf(a, '01:00.0').reasons[0]).toBe('IOMMU group 11 holds only functions of this device (01:00.0 and 01:00.1): assign them together to the same VM.');
    expect(verdictOf(a, '01:00.0').assignWith).toEqual([A('01:00.1')]);
    const nic = verdictOf(a, '0b:01.0');
    expect(nic.reasons[0]).toMatch(/^IOMMU group 19 also holds 0b:02\.0 \(Realtek .*8139.*\): it can only be assigned together with it/);
    expect(nic.reasons[1]).toMatch(/PCI bridge 0a:00\.0 .* stays on the host/);
    expect(verdictOf(a, '07:00.0').reasons).toEqual([
      'Alone in IOMMU group 16: it can be assigned to a VM by itself.',
      expect.stringMatching(/^The PCI bridge 06:00\.0 \(Texas Instruments XIO3130.*\) is in the group too but not assigned/),
    ]);
    expect(verdictOf(a, '06:00.0').bridge).toBe(true);
  });

  it('reset methods from sysfs reset_method and what a bus reset takes along', async () => {
    const a = analyzeSnapshot(await lab('mixed'));
    const truth = new Map(labDevices('mixed').map((d) => [d.address, d.resetMethod]));
    for (const d of a.devices) {
      const want = truth.get(d.address);
      expect(d.reset.methods, d.address).toEqual(want === null || want === undefined ? [] : want.split(' '));
    }
    // 01:00.0 resets only by secondary bus reset through 00:01.0, which also resets its audio function.
    expect(verdictOf(a, '01:00.0').reset).toMatchObject({ first: 'bus', busResetBridge: A('00:01.0'), busResetAffects: [A('01:00.1')] });
    // The NVMe PF 02:00.0 has FLR first; its two VFs sit on the same bus.
    expect(verdictOf(a, '02:00.0').reset).toMatchObject({ first: 'flr', busResetAffects: [A('02:00.1'), A('02:00.2')] });
    // The two NICs behind the PCIe-to-PCI bridge reset each other.
    expect(verdictOf(a, '0b:02.0').reset).toMatchObject({ first: 'none', busResetBridge: A('0a:00.0'), busResetAffects: [A('0b:01.0')] });
    expect(verdictOf(a, '0b:02.0').details).toContainEqual(expect.stringMatching(/no reset method of its own.*a secondary bus reset through 0a:00\.0 would also reset 0b:01\.0/));
    // Integrated devices on the root bus have no bridge to reset them through.
    expect(verdictOf(a, '00:1b.0').reset.busResetAffects).toBeNull();
  });

  it('driver state from the capture, and no libvirt data means owner unknown', async () => {
    const a = analyzeSnapshot(await lab('mixed'));
    for (const t of labDevices('mixed')) {
      const d = verdictOf(a, t.address);
      expect(d.driver, t.address).toEqual(t.driver === null ? { name: null, kind: 'none' } : { name: t.driver, kind: 'host' });
      expect(d.ownerVms).toBeNull();
    }
  });

  it('the boot VGA GPU is not called host-critical without host usage data, but the reason says why it may be', async () => {
    const a = analyzeSnapshot(await lab('mixed'));
    const gpu = verdictOf(a, '01:00.0');
    expect(gpu.verdict).toBe('ready');
    expect(gpu.details[0]).toMatch(/boot VGA device, driven by bochs-drm: the host console probably runs on it, but what the host uses was not collected/);
    expect(a.notes).toContainEqual(expect.stringMatching(/What the host itself uses .* was not collected/));
  });

  it('links: no downgrade on any path (every port-device pair trains to the lower capability)', async () => {
    const a = analyzeSnapshot(await lab('mixed'));
    // 00:1c.0 advertises 8 GT/s x4 but the NVMe below can do only 2.5 GT/s x1: not a downgrade.
    expect(verdictOf(a, '02:00.0').link).toEqual({ current: '2.5 GT/s x1', downgrades: [], incomplete: false });
    expect(a.devices.flatMap((d) => d.link.downgrades)).toEqual([]);
  });
});

describe('host-critical devices from what the host uses (hostUsage)', () => {
  /**
   * The lab captures hold no mounts, so these facts are set by the test. Two are real facts of the
   * `mixed` boot: the e1000e 03:00.0 is eth2 with MAC 52:54:00:12:34:56, the lab's `lab.sshmac`
   * (dmesg line 711 and /proc/cmdline), and 01:00.0 is the boot VGA device driven by bochs-drm. The
   * root filesystem on the AHCI 00:1f.2 and /srv on the NVMe 07:00.0 are invented (the capture's
   * SATA link is down).
   */
  const usage: HostUsage = {
    mounts: [
      { mountPoint: '/', source: '/dev/sda2', pciDevices: ['0000:00:1f.2'] },
      { mountPoint: '/srv', source: '/dev/nvme1n1p1', pciDevices: ['0000:07:00.0'] },
    ],
    sshInterface: { name: 'eth2', pciDevice: '0000:03:00.0' },
    consoleDevices: ['0000:01:00.0'],
    netInterfaces: [{ name: 'eth2', pciDevice: '0000:03:00.0' }],
  };
  async function withUsage(): Promise<Analysis> {
    const s: Snapshot = { ...(await lab('mixed')), hostUsage: usage };
    return analyzeSnapshot(s);
  }

  it('root filesystem controller, management NIC and console GPU are host-critical; their siblings blocked', async () => {
    const a = await withUsage();
    expect(verdictOf(a, '00:1f.2').hostCritical.map((r) => r.kind)).toEqual(['root-filesystem']);
    expect(verdictOf(a, '00:1f.2').reasons[0]).toBe('The host needs it: holds the root filesystem (/ on /dev/sda2).');
    expect(groupVerdict(a, 10).verdict).toBe('host-critical');
    expect(verdictOf(a, '03:00.0').verdict).toBe('host-critical');
    expect(verdictOf(a, '03:00.0').reasons[0]).toMatch(/carries the SSH connection .* \(interface eth2\)/);
    expect(verdictOf(a, '01:00.0').verdict).toBe('host-critical');
    expect(verdictOf(a, '01:00.1').verdict).toBe('blocked');
    expect(verdictOf(a, '01:00.1').reasons[0]).toContain('01:00.0 (drives the host console)');
    expect(groupVerdict(a, 11).verdict).toBe('blocked');
  });

  it('a bridge is host-critical only with something critical below it', async () => {
    const a = await withUsage();
    // Ports above the NIC, the console GPU and the /srv NVMe (behind the switch 05:00.0 → 06:00.0).
    for (const bridge of ['00:1c.1', '00:01.0', '00:1c.3', '05:00.0', '06:00.0']) {
      expect(verdictOf(a, bridge).hostCritical.map((r) => r.kind), bridge).toEqual(['bridge-above-critical']);
    }
    expect(verdictOf(a, '00:1c.1').reasons[0]).toMatch(/bridge above host-critical device 03:00\.0 \(Intel.*\)/);
    // Ports with nothing critical below stay neutral.
    for (const bridge of ['00:1c.0', '00:1c.2', '00:1c.4', '00:1c.5', '06:01.0', '06:02.0', '0a:00.0']) {
      expect(verdictOf(a, bridge).hostCritical, bridge).toEqual([]);
    }
    expect(verdictOf(a, '07:00.0').hostCritical[0]!.text).toMatch(/mounted filesystems \(\/srv on \/dev\/nvme1n1p1\); unmount them/);
    expect(groupVerdict(a, 16).verdict).toBe('host-critical');
  });

  it('a GPU with a display driver that is not the boot VGA device only gets a caution', () => {
    const s = snapshot([
      rootPort('00:01.0', 1),
      fn('01:00.0', { classCode: '0300', driver: 'amdgpu', parent: '00:01.0' }),
    ], { groups: [['00:01.0'], ['01:00.0']] });
    s.devices[1]!.bootVga = false;
    s.hostUsage = { mounts: [], sshInterface: null, consoleDevices: [addr('01:00.0')], netInterfaces: [] };
    const a = analyzeSnapshot(s);
    expect(verdictOf(a, '01:00.0').verdict).toBe('ready');
    expect(verdictOf(a, '01:00.0').details[0]).toMatch(/a host display driver is using it/);
  });
});

describe('lab vfio-bound and the IOMMU-off captures', () => {
  it('vfio-bound: the devices bound to vfio-pci show as such, the rest keep their host drivers', async () => {
    const a = analyzeSnapshot(await lab('vfio-bound'));
    const truth = labDevices('vfio-bound');
    const vfio = truth.filter((t) => t.driver === 'vfio-pci').map((t) => t.address);
    expect(vfio).toEqual([A('01:00.0'), A('01:00.1'), A('02:00.1')]);
    for (const t of truth) {
      const d = verdictOf(a, t.address);
      expect(d.driver.kind, t.address).toBe(t.driver === 'vfio-pci' ? 'vfio' : t.driver === null ? 'none' : 'host');
    }
    expect(verdictOf(a, '01:00.0').details).toContainEqual('bound to vfio-pci: ready for a VM');
    expect(verdictOf(a, '01:00.0').details).toContainEqual('the firmware\'s boot VGA device, now bound to vfio-pci: the host no longer uses it');
    expect(verdictOf(a, '01:00.0').verdict).toBe('ready');
  });

  it('iommu-off: verdicts are given for the predicted groups and say the IOMMU is off', async () => {
    const a = analyzeSnapshot(await lab('iommu-off'));
    expect(a.groupsSource).toBe('predicted');
    expect(a.groups).toHaveLength(23);
    expect(verdictOf(a, '00:1f.2').verdict).toBe('blocked');
    expect(verdictOf(a, '0b:01.0').verdict).toBe('whole-group');
    expect(verdictOf(a, '01:00.0').reasons).toContainEqual(expect.stringMatching(/^The IOMMU is not active, so nothing can be passed through yet/));
    expect(verdictOf(a, '01:00.0').reasons[0]).toMatch(/^Predicted group \d+ holds only functions of this device \(01:00\.0 and 01:00\.1\)/);
  });

  it('amd: the AMD IOMMU function (class 0806) is in no group and host-critical', async () => {
    const a = analyzeSnapshot(await lab('amd'));
    const iommu = verdictOf(a, '00:01.0');
    expect(iommu.group).toBeNull();
    expect(iommu.verdict).toBe('host-critical');
    expect(iommu.hostCritical.map((r) => r.kind)).toEqual(['iommu']);
  });
});

describe('real machines', () => {
  it('ASUS PRIME X570-PRO: chipset bridges stay with their devices, FCH SMBus/LPC and data fabric are the host\'s', async () => {
    const a = analyzeSnapshot(await realworld('linuxhw-asus-prime-x570-pro'));
    expect(groupVerdict(a, 12).verdict).toBe('host-critical'); // 00:14.0 SMBus + 00:14.3 LPC
    expect(groupVerdict(a, 13).verdict).toBe('host-critical'); // 00:18.0-7 data fabric, class 0600
    expect(verdictOf(a, '08:00.0').verdict).toBe('ready'); // RTX 3090 Ti + audio, group 21
    expect(verdictOf(a, '08:00.0').assignWith).toEqual([A('08:00.1')]);
    // Group 17: the ACS-less downstream port 03:08.0 with the three functions of 05:00.
    for (const f of ['05:00.0', '05:00.1', '05:00.3']) expect(verdictOf(a, f).verdict).toBe('ready');
    expect(verdictOf(a, '05:00.1').reasons[0]).toBe('IOMMU group 17 holds only functions of this device (05:00.0, 05:00.1 and 05:00.3): assign them together to the same VM.');
    expect(verdictOf(a, '06:00.0').verdict).toBe('ready'); // with bridge 03:09.0 in group 18
    // No group for the host bridge and the IOMMU (41 devices grouped, source.md).
    expect(a.devices.filter((d) => d.group === null).map((d) => d.address)).toEqual([A('00:00.0'), A('00:00.2')]);
  });

  it('ASUS PRIME X570-PRO: the chipset uplink trained at x4 although both ends can do x8', async () => {
    // lspci: 00:01.2 and 02:00.0 both say LnkCap Width x8, LnkSta Width x4 (downgraded).
    const a = analyzeSnapshot(await realworld('linuxhw-asus-prime-x570-pro'));
    const uplink = { upstream: A('00:01.2'), downstream: A('02:00.0'), current: '16 GT/s x4', capable: '16 GT/s x8' };
    expect(verdictOf(a, '02:00.0').link.downgrades).toEqual([uplink]);
    // Every device behind the chipset inherits it; the CPU-attached GPU does not.
    expect(verdictOf(a, '04:00.0').link.downgrades).toEqual([uplink]);
    expect(verdictOf(a, '08:00.0').link.downgrades).toEqual([]);
    expect(verdictOf(a, '04:00.0').details).toContainEqual(expect.stringMatching(/the link 00:01\.2 → 02:00\.0 runs at 16 GT\/s x4 although both ends can do 16 GT\/s x8/));
  });

  it('Threadripper X399 (spudd): the whole chipset group can only go together; owner VM from libvirt', async () => {
    const a = analyzeSnapshot(await realworld('spudd-threadripper-1950x-x399-radeon-vii'));
    expect(groupVerdict(a, 15).verdict).toBe('whole-group');
    const usb = verdictOf(a, '01:00.0');
    expect(usb.verdict).toBe('whole-group');
    expect(usb.assignWith.map((x) => x.slice(5))).toEqual(['01:00.1', '03:00.0', '04:00.0', '05:00.0', '08:00.0']);
    // Radeon VII GPU and its HDMI audio are in separate groups (source.md), each alone.
    expect(verdictOf(a, '0d:00.0').verdict).toBe('ready');
    expect(verdictOf(a, '0d:00.1').verdict).toBe('ready');
    for (const hostdev of ['0a:00.0', '0d:00.0', '0d:00.1', '44:00.0', '42:00.0']) {
      expect(verdictOf(a, hostdev).ownerVms, hostdev).toEqual(['CompromisedBeast']);
    }
    expect(verdictOf(a, '41:00.0').ownerVms).toEqual([]);
    expect(verdictOf(a, '41:00.0').details).toContainEqual('no libvirt VM assigns it');
  });

  it('Gigabyte X570 AORUS (joep): every win10 host device, and no partly assigned group', async () => {
    const a = analyzeSnapshot(await realworld('joep-gigabyte-x570-aorus-pro-wifi'));
    const owned = a.devices.filter((d) => d.ownerVms?.includes('win10')).map((d) => d.address.slice(5)).sort();
    expect(owned).toEqual(['01:00.0', '04:00.0', '07:00.0', '09:00.0', '0b:00.0', '0b:00.1', '0e:00.3']);
    for (const d of a.devices) expect(d.details.join(' '), d.address).not.toMatch(/does not assign/);
    // Group 24: the FCH SATA controller with the chipset bridge 03:09.0, which may stay on the host.
    expect(verdictOf(a, '09:00.0').verdict).toBe('ready');
    expect(verdictOf(a, '09:00.0').reasons[1]).toMatch(/PCI bridge 03:09\.0 .* stays on the host/);
    expect(verdictOf(a, '0b:00.0').assignWith).toEqual([A('0b:00.1')]);
  });

  it('a VM that assigns part of a group is told what else the group holds', async () => {
    const s = await realworld('joep-gigabyte-x570-aorus-pro-wifi');
    s.libvirt!.domains[0]!.hostdevs = s.libvirt!.domains[0]!.hostdevs.filter((h) => h.address !== A('0b:00.1'));
    const a = analyzeSnapshot(s);
    expect(verdictOf(a, '0b:00.0').details).toContainEqual(expect.stringMatching(/VM "win10" assigns it, but IOMMU group 30 also holds 0b:00\.1 .*which "win10" does not assign/));
  });

  it('ASUS PRIME A320I-K (non-root): the whole A320 chipset is one group to assign together', async () => {
    const a = analyzeSnapshot(await realworld('linuxhw-asus-prime-a320i-k-nonroot'));
    expect(groupVerdict(a, 12).verdict).toBe('whole-group');
    expect(verdictOf(a, '05:00.0').assignWith.map((x) => x.slice(5))).toEqual(['01:00.0', '01:00.1']);
    expect(verdictOf(a, '07:00.0').verdict).toBe('ready');
    // Without root, no reset methods and no link capabilities were read.
    expect(verdictOf(a, '07:00.0').reset.first).toBe('unknown');
    expect(verdictOf(a, '07:00.0').link.downgrades).toEqual([]);
  });

  it('ashtonian: a libvirt host device that is not on the host is reported', async () => {
    const a = analyzeSnapshot(await realworld('ashtonian-alderlake-rx6700xt'));
    expect(a.notes).toContainEqual('VM "macOS" assigns 0b:00.1, which is not on this host');
  });
});

describe('synthetic edge cases', () => {
  it('a device in no group while the kernel has groups is blocked', () => {
    const s = snapshot([rootPort('00:01.0', 1), endpoint('01:00.0', { parent: '00:01.0' })], { groups: [['00:01.0']] });
    const a = analyzeSnapshot(s);
    expect(verdictOf(a, '01:00.0').verdict).toBe('blocked');
    expect(verdictOf(a, '01:00.0').reasons[0]).toMatch(/in no IOMMU group/);
  });

  it('SR-IOV VFs are separate devices, not functions of their PF', () => {
    const s = snapshot([
      rootPort('00:01.0', 1, 'none'),
      endpoint('01:00.0', { parent: '00:01.0' }),
      endpoint('01:00.1', { parent: '00:01.0', physfn: '01:00.0' }),
    ], { groups: [['00:01.0', '01:00.0', '01:00.1']] });
    const a = analyzeSnapshot(s);
    expect(verdictOf(a, '01:00.1').verdict).toBe('whole-group');
    expect(groupVerdict(a, 0).verdict).toBe('whole-group');
  });

  it('a garbled snapshot whose PF and VF name each other as physfn still gets an analysis', () => {
    // No parent and no bridge to their bus: each one's parent would be the other's.
    const s = snapshot([
      endpoint('02:00.0', { physfn: '02:00.1' }),
      endpoint('02:00.1', { physfn: '02:00.0' }),
    ], { groups: [['02:00.0', '02:00.1']] });
    const a = analyzeSnapshot(s);
    expect(a.devices.map((d) => d.address)).toEqual([A('02:00.0'), A('02:00.1')]);
    expect(verdictOf(a, '02:00.1').verdict).toBe('whole-group');
  });
});
