/**
 * Which way of editing the kernel command line the remedies give: by the distribution
 * (os-release, else the kernel's version string) and the boot loader (GRUB passes BOOT_IMAGE=,
 * an EFI stub loader `initrd=\…`).
 */
import { describe, expect, it } from 'vitest';
import { bootSetup, kernelParamRemedy } from '../../../main/core/analysis/boot-params.ts';
import type { Snapshot } from '../../../main/core/model/snapshot.ts';
import { snapshot } from '../../helpers/topology.ts';
import { lab, realworld, withCmdline } from './load-fixture.ts';

function host(o: { distro?: string; release?: string; version?: string; cmdline?: string }): Snapshot {
  const s = o.cmdline ? withCmdline(snapshot([]), o.cmdline) : snapshot([]);
  s.host.distro = o.distro ?? null;
  s.host.kernelRelease = o.release ?? null;
  s.host.kernelVersion = o.version ?? null;
  return s;
}

describe('bootSetup', () => {
  it('reads the distribution family from os-release', () => {
    expect(bootSetup(host({ distro: 'Ubuntu 22.04.3 LTS' })).family).toBe('debian');
    expect(bootSetup(host({ distro: 'Debian GNU/Linux 12 (bookworm)' })).family).toBe('debian');
    expect(bootSetup(host({ distro: 'Fedora Linux 40 (Workstation Edition)' })).family).toBe('fedora');
    expect(bootSetup(host({ distro: 'Rocky Linux 9.4 (Blue Onyx)' })).family).toBe('fedora');
    expect(bootSetup(host({ distro: 'openSUSE Tumbleweed' })).family).toBe('suse');
    expect(bootSetup(host({ distro: 'Arch Linux' })).family).toBe('arch');
    expect(bootSetup(host({ distro: 'Gentoo Linux' })).family).toBe('unknown');
  });

  it('Proxmox VE says Debian in os-release; its -pve kernel tells', () => {
    expect(bootSetup(host({ distro: 'Debian GNU/Linux 12 (bookworm)', release: '6.8.12-4-pve' }))).toMatchObject({ family: 'proxmox', evidence: 'kernel 6.8.12-4-pve' });
  });

  it('falls back to the kernel build string when os-release was not read (the lab: Debian 6.1)', async () => {
    const s = await lab('mixed');
    expect(s.host.distro).toBeNull();
    expect(bootSetup(s)).toMatchObject({ family: 'debian', evidence: 'kernel version "#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-11-16)"' });
  });

  it('boot loader from the command line: spudd\'s initrd=\\amd-ucode.img is an EFI stub loader', async () => {
    const s = await realworld('spudd-threadripper-1950x-x399-radeon-vii');
    expect(s.cmdline!.raw.startsWith('initrd=\\amd-ucode.img')).toBe(true);
    expect(bootSetup(s)).toEqual({ family: 'unknown', loader: 'efi-stub', evidence: null });
    expect(bootSetup(host({ cmdline: 'BOOT_IMAGE=/boot/vmlinuz-6.8.0 root=UUID=1 ro' })).loader).toBe('grub');
  });
});

describe('kernelParamRemedy', () => {
  it('Debian with GRUB: the /etc/default/grub edit and update-grub only', () => {
    const text = kernelParamRemedy(host({ distro: 'Ubuntu 24.04.1 LTS', cmdline: 'BOOT_IMAGE=/vmlinuz ro' }), { add: ['intel_iommu=on'] });
    expect(text).toBe('For this host (os-release: Ubuntu 24.04.1 LTS, booted by GRUB): Debian/Ubuntu (GRUB): in /etc/default/grub add `intel_iommu=on` in GRUB_CMDLINE_LINUX_DEFAULT, then run `sudo update-grub`. Reboot, then check with `cat /proc/cmdline`.');
  });

  it('Fedora: grubby, with grub2-mkconfig as the alternative', () => {
    const text = kernelParamRemedy(host({ distro: 'Fedora Linux 40' }), { add: ['intel_iommu=on'], remove: ['iommu=off'] });
    expect(text).toContain('`sudo grubby --update-kernel=ALL --args="intel_iommu=on"` and `sudo grubby --update-kernel=ALL --remove-args="iommu=off"`');
    expect(text).toContain('`sudo grub2-mkconfig -o /boot/grub2/grub.cfg`');
  });

  it('Proxmox: update-grub and proxmox-boot-tool refresh when the loader is unknown', () => {
    const text = kernelParamRemedy(host({ release: '6.8.12-4-pve' }), { remove: ['pcie_acs_override=downstream'] });
    expect(text).toContain('`update-grub`');
    expect(text).toContain('/etc/kernel/cmdline, then run `proxmox-boot-tool refresh`');
  });

  it('unknown distribution: every common way, systemd-boot included', () => {
    const text = kernelParamRemedy(host({}), { add: ['intel_iommu=on'] });
    for (const cmd of ['`sudo update-grub`', 'grubby --update-kernel=ALL', '`sudo grub2-mkconfig -o /boot/grub2/grub.cfg`', '`sudo grub-mkconfig -o /boot/grub/grub.cfg`', '`proxmox-boot-tool refresh`', 'kernel-install add', 'bootctl list']) {
      expect(text).toContain(cmd);
    }
  });
});
