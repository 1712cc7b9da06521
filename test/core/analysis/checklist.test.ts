/**
 * The readiness checklist on the lab captures (what each boot's /proc/cmdline, dmesg and
 * /proc/cpuinfo say), on real machines, and on synthetic snapshots for the states the fixtures do
 * not cover. Expected statuses come from those files, read here directly where it matters.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeSnapshot } from '../../../main/core/analysis/analyze.ts';
import { CHECK_IDS, type Check } from '../../../main/core/analysis/checklist.ts';
import type { Snapshot } from '../../../main/core/model/snapshot.ts';
import { dmesgEvent, endpoint, rootPort, snapshot } from '../../helpers/topology.ts';
import { FIXTURES, lab, realworld, withCmdline } from './load-fixture.ts';

function checks(s: Snapshot): Record<string, Check> {
  return Object.fromEntries(analyzeSnapshot(s).checks.map((c) => [c.id, c]));
}
const statuses = (s: Snapshot) => Object.fromEntries(analyzeSnapshot(s).checks.map((c) => [c.id, c.status]));

describe('check ids', () => {
  it('every analysis reports the fixed ids in order', async () => {
    expect(analyzeSnapshot(await lab('flat')).checks.map((c) => c.id)).toEqual([...CHECK_IDS]);
    expect(CHECK_IDS.slice(0, 11)).toEqual([
      'cpu-virtualization', 'iommu-firmware', 'iommu-enabled', 'interrupt-remapping', 'domain-type', 'vfio-modules',
      'acs-override', 'kvm', 'libvirt', 'firmware-bugs', 'iommu-faults',
    ]);
  });
});

describe('lab captures', () => {
  it('the lab CPU is QEMU\'s TCG model with svm in its flags (and no vmx)', async () => {
    const flags = readFileSync(join(FIXTURES, 'lab/mixed/cpuinfo-flags.txt'), 'utf8');
    expect(flags.split(/\s+/)).toContain('svm');
    expect(flags.split(/\s+/)).not.toContain('vmx');
    const c = checks(await lab('mixed'))['cpu-virtualization']!;
    expect(c.status).toBe('pass');
    expect(c.evidence).toMatch(/svm \(AMD-V\) \(model "QEMU TCG CPU version 2\.5\+"\); the CPU model shows this host is itself a virtual machine/);
  });

  it('mixed: IOMMU on by intel_iommu=on, interrupt remapping on, lazy translated domain, two faults of 0c:00.0', async () => {
    const c = checks(await lab('mixed'));
    expect(c['iommu-firmware']).toMatchObject({ status: 'pass', evidence: 'dmesg: "DMAR: Host address width 39"' });
    expect(c['iommu-enabled']).toMatchObject({ status: 'pass', evidence: '23 IOMMU groups exist; dmesg: "DMAR: Intel(R) Virtualization Technology for Directed I/O"' });
    expect(c['interrupt-remapping']).toMatchObject({ status: 'pass', evidence: 'dmesg: "DMAR-IR: Enabled IRQ remapping in xapic mode"' });
    expect(c['domain-type']!.status).toBe('pass');
    expect(c['domain-type']!.evidence).toMatch(/Default domain type: Translated.*DMA-FQ×23.*lazy IOTLB invalidation/);
    expect(c['iommu-faults']!.status).toBe('warn');
    expect(c['iommu-faults']!.evidence).toMatch(/^2 fault lines from 0c:00\.0; first: dmesg: "DMAR: \[DMA Read NO_PASID\] Request device \[0c:00\.0\] fault addr 0x3000000 \[fault reason 0x06\] PTE Read access is not set"/);
    expect(c['firmware-bugs']!.status).toBe('pass');
    expect(c['acs-override']!.status).toBe('pass');
    // The lab capture's import holds no /proc/modules, /dev/kvm or libvirt facts.
    expect(c['vfio-modules']!.status).toBe('unknown');
    expect(c['kvm']!.status).toBe('unknown');
    expect(c['libvirt']!.status).toBe('unknown');
  });

  it('iommu-off: iommu-enabled fails on intel_iommu=off with the exact edit and regenerate command', async () => {
    const cmdline = readFileSync(join(FIXTURES, 'lab/iommu-off/cmdline.txt'), 'utf8');
    expect(cmdline).toContain('intel_iommu=off');
    const c = checks(await lab('iommu-off'))['iommu-enabled']!;
    expect(c.status).toBe('fail');
    expect(c.evidence).toBe('/proc/cmdline: intel_iommu=off; dmesg: "DMAR: IOMMU disabled"; /sys/kernel/iommu_groups is empty');
    // uname -v says "Debian", so the Debian way is given.
    expect(c.remedy).toContain('add `intel_iommu=on` and remove `intel_iommu=off` in GRUB_CMDLINE_LINUX_DEFAULT, then run `sudo update-grub`');
    expect(c.remedy).toContain('kernel version "#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-11-16)"');
    // The firmware still describes VT-d: the DMAR table was parsed.
    expect(checks(await lab('iommu-off'))['iommu-firmware']!.status).toBe('pass');
    expect(checks(await lab('iommu-off'))['domain-type']!.status).toBe('unknown');
  });

  it('noiommu: no IOMMU in the firmware (no DMAR line in a log from boot), so nothing else can work', async () => {
    const dmesg = readFileSync(join(FIXTURES, 'lab/noiommu/dmesg.txt'), 'utf8');
    expect(dmesg).not.toMatch(/ACPI: DMAR|ACPI: IVRS|DMAR:/);
    // The only AMD-Vi line is the amd_iommu_v2 module saying there is no IOMMU.
    expect(dmesg.match(/AMD-Vi: .*/g)).toEqual(['AMD-Vi: AMD IOMMUv2 functionality not available on this system - This is not a bug.']);
    const c = checks(await lab('noiommu'));
    expect(c['iommu-firmware']!.status).toBe('fail');
    expect(c['iommu-firmware']!.remedy).toMatch(/Intel "VT-d".*AMD "IOMMU"/);
    expect(c['iommu-enabled']!.status).toBe('fail');
    expect(c['iommu-enabled']!.evidence).toMatch(/the firmware describes no IOMMU/);
    expect(c['interrupt-remapping']!.status).toBe('fail');
  });

  it('passthrough: domain-type explains iommu=pt and its trade-off', async () => {
    const c = checks(await lab('passthrough'))['domain-type']!;
    expect(c.status).toBe('pass');
    expect(c.evidence).toContain('dmesg: "iommu: Default domain type: Passthrough (set via kernel command line)"');
    expect(c.evidence).toContain('identity×23');
    expect(c.evidence).toContain('/proc/cmdline: iommu=pt');
    expect(c.evidence).toMatch(/host-owned devices DMA to physical addresses without translation.*a device given to a VM still gets a translated domain from VFIO.*trade-off/);
    expect(c.remedy).toMatch(/remove iommu=pt/);
  });

  it('vfio-bound: devices bound to vfio-pci prove the vfio modules are there', async () => {
    const c = checks(await lab('vfio-bound'))['vfio-modules']!;
    expect(c).toMatchObject({ status: 'pass', evidence: '01:00.0, 01:00.1 and 02:00.1 bound to vfio-pci' });
  });

  it('amd: AMD-Vi lines and a strict (DMA) domain', async () => {
    const c = checks(await lab('amd'));
    expect(c['iommu-firmware']!.evidence).toBe('dmesg: "AMD-Vi: Using global IVHD EFR:0x0, EFR2:0x0"');
    expect(c['interrupt-remapping']!.evidence).toBe('dmesg: "AMD-Vi: Interrupt remapping enabled"');
    expect(c['domain-type']!.evidence).toMatch(/DMA×21.*strict IOTLB invalidation/);
    expect(c['iommu-faults']!.status).toBe('pass');
  });
});

describe('real machines', () => {
  it('X570 (dmesg excerpt, no command line): what the excerpt shows passes, the rest is unknown', async () => {
    const s = statuses(await realworld('linuxhw-asus-prime-x570-pro'));
    expect(s).toEqual({
      'cpu-virtualization': 'unknown', 'iommu-firmware': 'pass', 'iommu-enabled': 'pass', 'interrupt-remapping': 'pass',
      'domain-type': 'pass', 'vfio-modules': 'unknown', 'acs-override': 'unknown', kvm: 'unknown', libvirt: 'unknown',
      // The excerpt starts at "iommu: Default domain type", after the boot messages firmware bugs appear in.
      'firmware-bugs': 'unknown', 'iommu-faults': 'pass', 'iommu-parameters': 'unknown', 'vfio-pci-ids': 'unknown',
    });
  });

  it('A320 (non-root lspci, groups only): enabled by its groups, everything from logs unknown', async () => {
    const c = checks(await realworld('linuxhw-asus-prime-a320i-k-nonroot'));
    expect(c['iommu-enabled']).toMatchObject({ status: 'pass', evidence: '20 IOMMU groups exist' });
    for (const id of ['interrupt-remapping', 'firmware-bugs', 'iommu-faults', 'acs-override', 'domain-type']) {
      expect(c[id]!.status, id).toBe('unknown');
    }
    expect(c['iommu-faults']!.evidence).toBe('the kernel log was not read');
  });

  it('spudd: amd_iommu=on is not a valid option; vfio-pci.ids grabs all three Samsung NVMe drives', async () => {
    const c = checks(await realworld('spudd-threadripper-1950x-x399-radeon-vii'));
    expect(c['iommu-parameters']!.status).toBe('warn');
    expect(c['iommu-parameters']!.evidence).toMatch(/^amd_iommu=on is not a valid option/);
    expect(c['iommu-parameters']!.remedy).toMatch(/^Remove amd_iommu=on/);
    // The cmdline was read from an EFI stub loader (initrd=\amd-ucode.img): the systemd-boot way.
    expect(c['iommu-parameters']!.remedy).toContain('/etc/kernel/cmdline');
    const ids = c['vfio-pci-ids']!;
    expect(ids.status).toBe('warn');
    expect(ids.evidence).toContain('144d:a808 matches 3 devices (09:00.0, 41:00.0 and 42:00.0); libvirt assigns only 42:00.0');
    expect(ids.evidence).toContain('video=efifb:off is set');
    expect(ids.remedy).toMatch(/driver_override/);
    expect(ids.remedy).toContain('vfio-pci.ids=1002:66af,1002:ab20,1b73:1100,1d6a:d107');
    expect(c['domain-type']).toMatchObject({ status: 'pass' });
    expect(c['domain-type']!.evidence).toBe('/proc/cmdline: iommu=pt. ' + c['domain-type']!.evidence.split('. ').slice(1).join('. '));
    expect(c['acs-override']!.status).toBe('pass');
    expect(c['libvirt']!.status).toBe('pass');
    expect(c['libvirt']!.evidence).toMatch(/1 domain \("CompromisedBeast"\) with 5 PCI host devices/);
  });

  it('naunter: the ACS override on the command line is a warning', async () => {
    const s = withCmdline(await realworld('naunter-asrock-b550-phantom-gaming-itx-ax'), 'BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet pcie_acs_override=downstream,multifunction');
    const c = checks(s)['acs-override']!;
    expect(c.status).toBe('warn');
    expect(c.evidence).toMatch(/pcie_acs_override=downstream,multifunction \(the kernel log does not confirm it/);
    expect(c.remedy).toMatch(/peer-to-peer DMA/);
    // GRUB boot (BOOT_IMAGE=), distribution unknown: the GRUB ways only.
    expect(c.remedy).toContain('the host boots with GRUB');
    expect(c.remedy).not.toContain('/etc/kernel/cmdline');
    expect(c.remedy).toContain('`sudo update-grub`');
    expect(c.remedy).toContain('`sudo grub2-mkconfig -o /boot/grub2/grub.cfg`');
    expect(c.remedy).toContain('--remove-args="pcie_acs_override=downstream,multifunction"');
  });

  it('joep: libvirt domain XML means libvirt is used; the command line was not given', async () => {
    const c = checks(await realworld('joep-gigabyte-x570-aorus-pro-wifi'));
    expect(c['libvirt']!.evidence).toMatch(/1 domain \("win10"\) with 7 PCI host devices; libvirt is used on this host; whether libvirtd runs now is not known/);
    expect(c['vfio-pci-ids']!.status).toBe('unknown');
  });
});

describe('states the fixtures do not cover (synthetic)', () => {
  const base = () => snapshot([rootPort('00:01.0', 1), endpoint('01:00.0', { parent: '00:01.0' })], { groups: [['00:01.0'], ['01:00.0']] });

  it('modules and /dev/kvm from a collector run', () => {
    const s = base();
    s.provenance.method = 'local';
    s.host.modules = ['kvm_intel', 'kvm', 'vfio_pci', 'vfio_pci_core', 'vfio_iommu_type1', 'vfio'];
    s.host.kvm = true;
    s.host.cpu.virtualization = 'vmx';
    const c = checks(s);
    expect(c['vfio-modules']).toMatchObject({ status: 'pass', evidence: '/proc/modules: vfio_pci, vfio_pci_core, vfio_iommu_type1, vfio loaded' });
    expect(c['kvm']).toMatchObject({ status: 'pass', evidence: '/dev/kvm exists; /proc/modules: kvm_intel' });
    s.host.modules = ['kvm_intel', 'kvm'];
    s.host.kvm = false;
    const d = checks(s);
    expect(d['vfio-modules']!.status).toBe('warn');
    expect(d['vfio-modules']!.remedy).toContain('`sudo modprobe vfio-pci`');
    expect(d['kvm']!.status).toBe('fail');
    expect(d['kvm']!.remedy).toContain('`sudo modprobe kvm_intel`');
  });

  it('libvirt: virsh missing is a warning, libvirtd down a failure, Proxmox needs none', () => {
    const s = base();
    s.provenance.method = 'ssh';
    s.provenance.unreadable = [{ what: 'libvirt state (which VM owns which device)', why: 'virsh is not installed on the host' }];
    expect(checks(s)['libvirt']!.status).toBe('warn');
    s.provenance.unreadable = [{ what: 'libvirt state (which VM owns which device)', why: 'error: failed to connect to the hypervisor' }];
    expect(checks(s)['libvirt']!.status).toBe('fail');
    s.host.kernelRelease = '6.8.12-4-pve';
    expect(checks(s)['libvirt']).toMatchObject({ status: 'pass', evidence: 'Proxmox VE runs QEMU itself (qm), without libvirt' });
  });

  it('firmware bugs and unknown driver options in a log from boot', () => {
    const s = base();
    s.iommu.dmesg = [
      dmesgEvent('boot.commandLine', null, 'Command line: BOOT_IMAGE=/vmlinuz intel_iommu=on,foo'),
      { ...dmesgEvent('intel.fwBug', null, 'DMAR: [Firmware Bug]: No firmware reserved region can cover this RMRR [0x000000003e2e0000-0x000000003e2fffff], contact BIOS vendor for fixes'), category: 'firmware-bug' },
      dmesgEvent('intel.unknownOpt', null, 'DMAR: Unknown option - \'foo\''),
    ];
    s.cmdline = withCmdline(s, 'BOOT_IMAGE=/vmlinuz intel_iommu=on,foo').cmdline;
    const c = checks(s);
    expect(c['firmware-bugs']!.status).toBe('warn');
    expect(c['firmware-bugs']!.evidence).toMatch(/^1 firmware bug line: dmesg: "DMAR: \[Firmware Bug\]: No firmware reserved region/);
    expect(c['iommu-parameters']!.status).toBe('warn');
    expect(c['iommu-parameters']!.evidence).toContain('dmesg: "DMAR: Unknown option - \'foo\'": the driver ignored that option');
  });

  it('intremap=off fails interrupt remapping with the edit that removes it', () => {
    const s = withCmdline(base(), 'BOOT_IMAGE=/vmlinuz intel_iommu=on intremap=off');
    s.host.distro = 'Fedora Linux 40 (Workstation Edition)';
    const c = checks(s)['interrupt-remapping']!;
    expect(c.status).toBe('fail');
    expect(c.evidence).toBe('/proc/cmdline: intremap=off');
    expect(c.remedy).toContain('`sudo grubby --update-kernel=ALL --remove-args="intremap=off"`');
    expect(c.remedy).toContain('allow_unsafe_interrupts');
  });

  it('an IOMMU that is off without a parameter on Intel: intel_iommu=on is the remedy', () => {
    const s = withCmdline(base(), 'BOOT_IMAGE=/vmlinuz root=/dev/sda1');
    s.groups = [];
    for (const d of s.devices) d.iommuGroup = null;
    s.iommu = { ...s.iommu, vendor: 'intel', enabled: false };
    s.host.distro = 'Ubuntu 24.04.1 LTS';
    const c = checks(s)['iommu-enabled']!;
    expect(c.status).toBe('fail');
    expect(c.remedy).toMatch(/add `intel_iommu=on`: it is needed unless the kernel was built with CONFIG_INTEL_IOMMU_DEFAULT_ON=y/);
    expect(c.remedy).toContain('For this host (os-release: Ubuntu 24.04.1 LTS, booted by GRUB): Debian/Ubuntu (GRUB)');
  });

  it('ACS override ignored by a kernel without the patch', () => {
    const s = withCmdline(base(), 'pcie_acs_override=downstream');
    s.iommu.dmesg = [dmesgEvent('boot.unknownParams', null, 'Unknown kernel command line parameters "pcie_acs_override=downstream", will be passed to user space.')];
    const c = checks(s)['acs-override']!;
    expect(c.status).toBe('pass');
    expect(c.evidence).toMatch(/this kernel lacks the override patch, so the groups are real/);
  });
});
