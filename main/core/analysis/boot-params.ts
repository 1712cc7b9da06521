/**
 * How to change the kernel command line on the host at hand: which file to edit and which
 * command regenerates the boot configuration. The distribution comes from os-release (or, when
 * that was not read, from what the kernel's own version string says); the boot loader from the
 * command line itself (GRUB passes `BOOT_IMAGE=`, an EFI stub loader such as systemd-boot passes
 * `initrd=\path` with backslashes). When neither is known, every common way is listed.
 */
import type { Snapshot } from '../model/snapshot.ts';

export type DistroFamily = 'debian' | 'proxmox' | 'fedora' | 'suse' | 'arch' | 'unknown';
export type BootLoader = 'grub' | 'efi-stub' | 'unknown';

export interface BootSetup {
  family: DistroFamily;
  loader: BootLoader;
  /** Where the family was read: "os-release: Ubuntu 22.04.3 LTS", "kernel 6.8.12-4-pve". */
  evidence: string | null;
}

const FAMILY_PATTERNS: [DistroFamily, RegExp][] = [
  ['proxmox', /proxmox/i],
  ['debian', /debian|ubuntu|mint|pop!_os|elementary|kali|raspbian|zorin|neon|devuan|mx linux/i],
  ['fedora', /fedora|red hat|rhel|centos|rocky|alma|oracle linux|nobara/i],
  ['suse', /suse/i],
  ['arch', /arch|manjaro|endeavour|garuda|cachyos/i],
];

export function bootSetup(snapshot: Snapshot): BootSetup {
  const raw = snapshot.cmdline?.raw ?? '';
  const loader: BootLoader = /(?:^|\s)BOOT_IMAGE=/.test(raw) ? 'grub' : /(?:^|\s)initrd=\\/.test(raw) ? 'efi-stub' : 'unknown';
  const release = snapshot.host.kernelRelease ?? '';
  const version = snapshot.host.kernelVersion ?? '';
  // Proxmox VE's os-release says Debian; its kernels say -pve.
  if (/-pve$/.test(release)) return { family: 'proxmox', loader, evidence: `kernel ${release}` };
  const distro = snapshot.host.distro;
  if (distro) {
    const hit = FAMILY_PATTERNS.find(([, re]) => re.test(distro));
    if (hit) return { family: hit[0], loader, evidence: `os-release: ${distro}` };
  }
  if (/\.fc\d+\.|\.el\d+/.test(release)) return { family: 'fedora', loader, evidence: `kernel ${release}` };
  if (/-arch\d/.test(release)) return { family: 'arch', loader, evidence: `kernel ${release}` };
  if (/Debian|Ubuntu/.test(version)) return { family: 'debian', loader, evidence: `kernel version "${version}"` };
  return { family: 'unknown', loader, evidence: null };
}

export interface ParamChange {
  add?: string[];
  remove?: string[];
}

function describe(change: ParamChange): { words: string; joined: string } {
  const add = change.add ?? [];
  const remove = change.remove ?? [];
  const parts: string[] = [];
  if (add.length) parts.push(`add ${add.map((p) => `\`${p}\``).join(' ')}`);
  if (remove.length) parts.push(`remove ${remove.map((p) => `\`${p}\``).join(' ')}`);
  return { words: parts.join(' and '), joined: add.join(' ') };
}

function grubEdit(change: ParamChange, variable: string): string {
  const { words } = describe(change);
  return `in /etc/default/grub ${words} in ${variable}`;
}

function grubby(change: ParamChange): string {
  const cmds: string[] = [];
  if (change.add?.length) cmds.push(`\`sudo grubby --update-kernel=ALL --args="${change.add.join(' ')}"\``);
  if (change.remove?.length) cmds.push(`\`sudo grubby --update-kernel=ALL --remove-args="${change.remove.join(' ')}"\``);
  return cmds.join(' and ');
}

const KERNEL_INSTALL = '`sudo kernel-install add "$(uname -r)" "/usr/lib/modules/$(uname -r)/vmlinuz"`';

/** Each way of editing the command line, as one sentence with the exact commands. */
function ways(change: ParamChange): Record<string, string> {
  const { words } = describe(change);
  return {
    debian: `Debian/Ubuntu (GRUB): ${grubEdit(change, 'GRUB_CMDLINE_LINUX_DEFAULT')}, then run \`sudo update-grub\`.`,
    proxmoxGrub: `Proxmox VE booting with GRUB: ${grubEdit(change, 'GRUB_CMDLINE_LINUX_DEFAULT')}, then run \`update-grub\`.`,
    proxmoxSdBoot: `Proxmox VE booting with systemd-boot (ZFS root on UEFI): ${words} on the single line of /etc/kernel/cmdline, then run \`proxmox-boot-tool refresh\`.`,
    fedora: `Fedora/RHEL/CentOS/Rocky/Alma: ${grubby(change)} (or ${grubEdit(change, 'GRUB_CMDLINE_LINUX')} and run \`sudo grub2-mkconfig -o /boot/grub2/grub.cfg\`).`,
    suse: `openSUSE/SLES: ${grubEdit(change, 'GRUB_CMDLINE_LINUX_DEFAULT')}, then run \`sudo grub2-mkconfig -o /boot/grub2/grub.cfg\`.`,
    arch: `Arch (GRUB): ${grubEdit(change, 'GRUB_CMDLINE_LINUX_DEFAULT')}, then run \`sudo grub-mkconfig -o /boot/grub/grub.cfg\`.`,
    sdBoot: `systemd-boot: ${words} in /etc/kernel/cmdline and regenerate the entry with ${KERNEL_INSTALL} (or edit the \`options\` line of the entry in /boot/loader/entries/ or /efi/loader/entries/; \`bootctl list\` shows which entry boots).`,
  };
}

/**
 * The remedy for a command-line change: the words, the edit and the regenerate command for this
 * host's distribution and boot loader, else all of them.
 */
export function kernelParamRemedy(snapshot: Snapshot, change: ParamChange): string {
  const setup = bootSetup(snapshot);
  const w = ways(change);
  let steps: string[];
  switch (setup.family) {
    case 'debian': steps = setup.loader === 'efi-stub' ? [w.sdBoot!] : [w.debian!]; break;
    case 'proxmox': steps = setup.loader === 'grub' ? [w.proxmoxGrub!] : setup.loader === 'efi-stub' ? [w.proxmoxSdBoot!] : [w.proxmoxGrub!, w.proxmoxSdBoot!]; break;
    case 'fedora': steps = setup.loader === 'efi-stub' ? [w.sdBoot!] : [w.fedora!]; break;
    case 'suse': steps = setup.loader === 'efi-stub' ? [w.sdBoot!] : [w.suse!]; break;
    case 'arch': steps = setup.loader === 'grub' ? [w.arch!] : setup.loader === 'efi-stub' ? [w.sdBoot!] : [w.arch!, w.sdBoot!]; break;
    case 'unknown':
      steps = setup.loader === 'efi-stub' ? [w.sdBoot!, w.proxmoxSdBoot!]
        : setup.loader === 'grub' ? [w.debian!, w.fedora!, w.suse!, w.arch!, w.proxmoxGrub!]
        : [w.debian!, w.fedora!, w.suse!, w.arch!, w.proxmoxGrub!, w.proxmoxSdBoot!, w.sdBoot!];
      break;
  }
  const basis = setup.family === 'unknown'
    ? `The distribution is not known${setup.loader === 'grub' ? ' (the host boots with GRUB)' : setup.loader === 'efi-stub' ? ' (the host boots with an EFI stub loader such as systemd-boot)' : ''}, so here is each common way:`
    : `For this host (${setup.evidence}${setup.loader === 'grub' ? ', booted by GRUB' : setup.loader === 'efi-stub' ? ', booted by an EFI stub loader such as systemd-boot' : ''}):`;
  return `${basis} ${steps.join(' ')} Reboot, then check with \`cat /proc/cmdline\`.`;
}
