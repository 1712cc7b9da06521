/**
 * The host readiness checklist (issue 3): each check reads what the snapshot holds, says what it
 * read (`evidence`: the file or kernel log line), and what to do (`remedy`: words and exact
 * commands). Parameter semantics follow spec section 6; log messages the catalogue of 5.2.
 * Missing data gives `unknown` with the reason, never a guess.
 */
import type { DmesgEvent, PciFunction, Snapshot } from '../model/snapshot.ts';
import { bootSetup, kernelParamRemedy } from './boot-params.ts';
import { boundToVfio } from './device-facts.ts';
import { listing, type DeviceIndex } from './device-index.ts';
import { acsOverrideState, type AcsOverrideState } from './explain.ts';
import { shortAddress } from './predictor/index.ts';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'unknown';

export interface Check {
  id: string;
  title: string;
  status: CheckStatus;
  evidence: string;
  remedy: string;
}

/** The fixed check ids, in the order they are reported (README "Analysis"). */
export const CHECK_IDS = [
  'cpu-virtualization', 'iommu-firmware', 'iommu-enabled', 'interrupt-remapping', 'domain-type', 'vfio-modules',
  'acs-override', 'kvm', 'libvirt', 'firmware-bugs', 'iommu-faults', 'iommu-parameters', 'vfio-pci-ids',
] as const;

const NOTHING = 'Nothing to do.';

interface Context {
  s: Snapshot;
  index: DeviceIndex;
  /** The kernel's groups (count). */
  groupCount: number;
  dmesg: readonly DmesgEvent[];
  dmesgRead: boolean;
  /** The log reaches back to boot: it holds the kernel's own "Command line:" line. */
  dmesgFromBoot: boolean;
  override: AcsOverrideState;
}

const quote = (e: DmesgEvent) => `dmesg: "${e.text}"`;
const first = (ctx: Context, ids: readonly string[]) => ctx.dmesg.find((e) => ids.includes(e.id));

function unreadableWhy(s: Snapshot, prefix: string): string | null {
  return s.provenance.unreadable.find((u) => u.what.startsWith(prefix))?.why ?? null;
}

function groupsRead(s: Snapshot): boolean {
  return s.groups.length > 0 || s.devices.some((d) => d.iommuGroup !== null) || unreadableWhy(s, 'IOMMU groups') === null;
}

function cpuVirtualization(ctx: Context): Check {
  const { cpu } = ctx.s.host;
  const title = 'CPU virtualization (VT-x / AMD-V)';
  const model = cpu.model ? ` (model "${cpu.model}")` : '';
  const nested = cpu.model && /QEMU|KVM|VirtualBox|VMware|Bochs|Hyper-V/i.test(cpu.model)
    ? '; the CPU model shows this host is itself a virtual machine, so its guests need nested virtualization from the outer hypervisor'
    : '';
  const firmware = 'Enable Intel VT-x ("Intel Virtualization Technology") or AMD-V ("SVM Mode") in the firmware setup; on a virtual machine, enable nested virtualization in its hypervisor.';
  switch (cpu.virtualization) {
    case 'vmx': return { id: 'cpu-virtualization', title, status: 'pass', evidence: `/proc/cpuinfo flags include vmx (Intel VT-x)${model}${nested}`, remedy: NOTHING };
    case 'svm': return { id: 'cpu-virtualization', title, status: 'pass', evidence: `/proc/cpuinfo flags include svm (AMD-V)${model}${nested}`, remedy: NOTHING };
    case 'none': return { id: 'cpu-virtualization', title, status: 'fail', evidence: `/proc/cpuinfo flags have neither vmx nor svm${model}${nested}`, remedy: firmware };
    case null: return { id: 'cpu-virtualization', title, status: 'unknown', evidence: 'the CPU flags were not read (/proc/cpuinfo)', remedy: 'Import /proc/cpuinfo or collect from the host to check.' };
  }
}

const FIRMWARE_REMEDY = 'Enable the IOMMU in the firmware setup: Intel "VT-d" ("Intel Virtualization Technology for Directed I/O"), AMD "IOMMU" or "AMD-Vi" (often under NBIO or AMD CBS). Some boards need a firmware update, and some CPUs or chipsets have no IOMMU at all. In a QEMU guest, add an IOMMU device (`-device intel-iommu,intremap=on` on q35, or `-device amd-iommu`).';

/** x86 `iommu=off` skips IOMMU detection altogether, so a quiet log proves nothing then (spec 6). */
function detectionSkipped(s: Snapshot): boolean {
  const p = s.cmdline?.iommu;
  return p !== undefined && (p.iommu.includes('off') || p.amdIommu.includes('off'));
}

function iommuFirmware(ctx: Context): Check & { known: boolean | null } {
  const { s } = ctx;
  const title = 'IOMMU described by the firmware (ACPI DMAR / IVRS)';
  const tables = s.iommu.firmwareTables;
  const listed = tables?.filter((t) => t === 'DMAR' || t === 'IVRS') ?? [];
  const base = { id: 'iommu-firmware', title };
  if (listed.length > 0) return { ...base, status: 'pass', evidence: `/sys/firmware/acpi/tables lists ${listed.join(' and ')}`, remedy: NOTHING, known: true };
  const line = ctx.dmesg.find((e) => e.category === 'firmware-present');
  if (line) return { ...base, status: 'pass', evidence: quote(line), remedy: NOTHING, known: true };
  if (ctx.groupCount > 0 || s.iommu.enabled === true) {
    return { ...base, status: 'pass', evidence: `the IOMMU is active (${ctx.groupCount} IOMMU groups), so the firmware describes it`, remedy: NOTHING, known: true };
  }
  if (tables !== null) {
    return { ...base, status: 'fail', evidence: `/sys/firmware/acpi/tables lists no DMAR or IVRS table${tables.length ? ` (${tables.join(', ')})` : ''}`, remedy: FIRMWARE_REMEDY, known: false };
  }
  if (ctx.dmesgRead && ctx.dmesgFromBoot && !detectionSkipped(s)) {
    return {
      ...base, status: 'fail',
      evidence: 'the kernel log from boot (it holds the kernel\'s "Command line:" line) has no DMAR or AMD-Vi line, and there are no IOMMU groups: the firmware describes no IOMMU',
      remedy: FIRMWARE_REMEDY, known: false,
    };
  }
  const why = !ctx.dmesgRead ? 'the kernel log was not read'
    : detectionSkipped(s) ? 'the command line turns IOMMU detection off (iommu=off / amd_iommu=off), so the log cannot tell'
    : 'the kernel log does not reach back to boot';
  return { ...base, status: 'unknown', evidence: `${why}, and the ACPI table list (/sys/firmware/acpi/tables) was not read`, remedy: 'Collect from the host (the collector lists the ACPI tables) or import the full `sudo dmesg`.', known: null };
}

function iommuEnabled(ctx: Context, firmware: boolean | null): Check {
  const { s } = ctx;
  const title = 'IOMMU enabled by the kernel';
  const base = { id: 'iommu-enabled', title };
  const p = s.cmdline?.iommu;
  const offParams = p ? [
    ...p.intelIommu.filter((v) => v === 'off').map(() => 'intel_iommu=off'),
    ...p.amdIommu.filter((v) => v === 'off').map(() => 'amd_iommu=off'),
    ...p.iommu.filter((v) => v === 'off').map(() => 'iommu=off'),
  ] : [];
  const vendor = s.iommu.vendor;
  if (ctx.groupCount > 0 || s.iommu.enabled === true) {
    const active = first(ctx, ['intel.active', 'amd.features', 'amd.irEnabled']);
    const groups = ctx.groupCount > 0 ? `${ctx.groupCount} IOMMU groups exist` : 'the IOMMU reports active';
    return { ...base, status: 'pass', evidence: `${groups}${active ? `; ${quote(active)}` : ''}`, remedy: NOTHING };
  }
  const noGroups = groupsRead(s) ? '/sys/kernel/iommu_groups is empty' : null;
  if (offParams.length > 0) {
    const line = first(ctx, ['intel.disabledByParam', 'amd.sme', 'amd.stoney']);
    const evidence = [`/proc/cmdline: ${[...new Set(offParams)].join(' ')}`, line ? quote(line) : null, noGroups].filter(Boolean).join('; ');
    const add = vendor === 'intel' || p!.intelIommu.includes('off') ? ['intel_iommu=on'] : [];
    return {
      ...base, status: 'fail', evidence,
      remedy: `The kernel command line turns the IOMMU off. ${kernelParamRemedy(s, { remove: [...new Set(offParams)], add })}`,
    };
  }
  if (firmware === false) {
    return { ...base, status: 'fail', evidence: `${noGroups ?? 'no IOMMU groups'}; the firmware describes no IOMMU (see iommu-firmware)`, remedy: `First enable the IOMMU in the firmware (see iommu-firmware). ${FIRMWARE_REMEDY}` };
  }
  const disabled = first(ctx, ['intel.disabledByParam', 'amd.sme', 'amd.stoney']);
  if (s.iommu.enabled === false || (noGroups && (vendor === 'intel' || vendor === 'amd' || ctx.dmesgFromBoot))) {
    const evidence = [noGroups, disabled ? quote(disabled) : null, s.iommu.enabled === false && !noGroups && !disabled ? 'the IOMMU reports disabled' : null].filter(Boolean).join('; ');
    const intel = `On Intel, add \`intel_iommu=on\`: it is needed unless the kernel was built with CONFIG_INTEL_IOMMU_DEFAULT_ON=y, which many distributions leave off. ${kernelParamRemedy(s, { add: ['intel_iommu=on'] })}`;
    const amd = 'On AMD the kernel uses the IOMMU by default when the firmware enables it (`amd_iommu=on` is not a valid option): enable "IOMMU" in the firmware setup and look in dmesg for AMD-Vi errors (for example "IOMMU not currently supported when SME is active").';
    const remedy = vendor === 'intel' ? intel : vendor === 'amd' ? amd : `${intel} ${amd}`;
    return { ...base, status: 'fail', evidence: evidence || 'no IOMMU groups', remedy };
  }
  return {
    ...base, status: 'unknown',
    evidence: noGroups ? `${noGroups}, but neither the kernel log nor the command line says why` : 'the IOMMU groups were not read',
    remedy: 'Collect from the host, or import an IOMMU group listing and `sudo dmesg`.',
  };
}

function interruptRemapping(ctx: Context, firmware: boolean | null): Check {
  const { s } = ctx;
  const title = 'Interrupt remapping';
  const base = { id: 'interrupt-remapping', title };
  const on = first(ctx, ['ir.enabled', 'amd.irEnabled']);
  const off = first(ctx, ['ir.off', 'amd.irDisabled', 'vfio.noIR']);
  const param = s.cmdline?.iommu.intremap;
  const unsafe = 'Only as a last resort, for a trusted guest: `options vfio_iommu_type1 allow_unsafe_interrupts=1` in /etc/modprobe.d/vfio.conf (a guest could then inject interrupts into the host).';
  if (s.iommu.interruptRemapping === true && !(off?.id === 'vfio.noIR')) {
    return { ...base, status: 'pass', evidence: on ? quote(on) : 'the IOMMU reports interrupt remapping on', remedy: NOTHING };
  }
  if (s.iommu.interruptRemapping === false || off || param === 'off') {
    const evidence = [off ? quote(off) : null, param === 'off' ? '/proc/cmdline: intremap=off' : null].filter(Boolean).join('; ') || 'the IOMMU reports interrupt remapping off';
    const fix = param === 'off'
      ? `Remove intremap=off. ${kernelParamRemedy(s, { remove: ['intremap=off'] })}`
      : 'Update the firmware (interrupt remapping needs correct IOAPIC/HPET entries in the DMAR or IVRS table) and enable x2APIC in the firmware setup.';
    return { ...base, status: 'fail', evidence, remedy: `Without interrupt remapping VFIO refuses to assign devices (MSI interrupts cannot be isolated). ${fix} ${unsafe}` };
  }
  if (firmware === false) {
    return { ...base, status: 'fail', evidence: 'the firmware describes no IOMMU (see iommu-firmware), and interrupt remapping is a function of the IOMMU', remedy: `Enable the IOMMU first. ${FIRMWARE_REMEDY}` };
  }
  return {
    ...base, status: 'unknown',
    evidence: ctx.dmesgRead ? 'the kernel log has no interrupt-remapping line (DMAR-IR / AMD-Vi)' : 'the kernel log was not read',
    remedy: 'Look for "DMAR-IR: Enabled IRQ remapping" or "AMD-Vi: Interrupt remapping enabled" in `sudo dmesg`.',
  };
}

const DOMAIN_WORDS: Record<string, string> = {
  passthrough: 'an identity (passthrough) domain: host-owned devices DMA to physical addresses without translation, which saves the IOMMU overhead on host I/O; a device given to a VM still gets a translated domain from VFIO, so the guest stays isolated. The trade-off: host drivers lose the IOMMU\'s protection against a buggy or malicious device (the kernel still forces untrusted external devices such as Thunderbolt to translation)',
  lazy: 'a translated domain with lazy IOTLB invalidation (DMA-FQ): host DMA is translated and checked, and unmapping is batched for speed',
  translated: 'a translated domain with strict IOTLB invalidation (DMA): host DMA is translated and checked, every unmap flushed at once',
  blocked: 'a blocking domain: devices without a driver-chosen domain cannot DMA at all',
};

function domainType(ctx: Context): Check {
  const { s } = ctx;
  const title = 'Default DMA domain type (iommu=pt and friends)';
  const base = { id: 'domain-type', title };
  if (!(ctx.groupCount > 0 || s.iommu.enabled === true)) {
    return { ...base, status: 'unknown', evidence: 'the IOMMU is not active, so no DMA domain is in use', remedy: 'Enable the IOMMU first (see iommu-enabled).' };
  }
  const types = new Map<string, number>();
  // forEach rather than for...of over every group: this runs once per analysis, before the
  // optimizing compiler has it, where for...of allocates an iteration result per entry.
  s.groups.forEach((g) => {
    if (g.type !== null) types.set(g.type, (types.get(g.type) ?? 0) + 1);
  });
  const typeList = [...types].map(([t, n]) => `${t}×${n}`).join(', ');
  const byTypes = types.size === 1 ? ({ identity: 'passthrough', 'DMA-FQ': 'lazy', DMA: 'translated', blocked: 'blocked' } as Record<string, string>)[[...types.keys()][0]!] : undefined;
  const line = first(ctx, ['core.defaultDomain']);
  const p = s.cmdline?.iommu;
  const ptParam = p && (p.iommu.includes('pt') || p.iommuPassthrough === '1') ? (p.iommu.includes('pt') ? 'iommu=pt' : 'iommu.passthrough=1') : null;
  // iommu=pt sets the identity default (spec 6); the log or group types confirm it when present.
  const domain = s.iommu.defaultDomain ?? byTypes ?? (ptParam ? 'passthrough' : null);
  const evidence = [line ? quote(line) : null, typeList ? `group types (/sys/kernel/iommu_groups/*/type): ${typeList}` : null, ptParam ? `/proc/cmdline: ${ptParam}` : null]
    .filter(Boolean).join('; ');
  if (domain === null) {
    return { ...base, status: 'unknown', evidence: evidence || 'neither the kernel log nor the group types say', remedy: 'Import `sudo dmesg` or the group `type` files to see the default domain.' };
  }
  const mixed = types.size > 1 ? ` Groups differ (${typeList}): a driver or quirk asked some groups for another domain type.` : '';
  const text = `Host devices use ${DOMAIN_WORDS[domain]}.${mixed}`;
  if (domain === 'passthrough') {
    return { ...base, status: 'pass', evidence: `${evidence}. ${text}`, remedy: `Nothing required for passthrough. To have host devices' DMA translated and checked too, remove ${ptParam ?? 'iommu=pt'}: ${kernelParamRemedy(s, { remove: [ptParam ?? 'iommu=pt'] })}` };
  }
  if (domain === 'blocked') {
    return { ...base, status: 'warn', evidence: `${evidence}. ${text}`, remedy: 'A blocked default domain is unusual: check iommu.* parameters on the command line and the kernel configuration (CONFIG_IOMMU_DEFAULT_*).' };
  }
  return {
    ...base, status: 'pass', evidence: `${evidence}. ${text}`,
    remedy: 'Nothing required. Optionally, `iommu=pt` skips translation for host devices (less overhead for host I/O, assigned devices stay isolated) at the cost of the IOMMU\'s protection for host devices.',
  };
}

const norm = (m: string) => m.replace(/-/g, '_');

function vfioModules(ctx: Context): Check {
  const { s } = ctx;
  const title = 'VFIO modules available and loaded';
  const base = { id: 'vfio-modules', title };
  // A pass over every device: made only when the module list does not settle the check.
  const boundText = (): string | null => {
    const bound = s.devices.filter(boundToVfio);
    return bound.length ? `${listing(bound.slice(0, 4).map((d) => shortAddress(d.address)))}${bound.length > 4 ? ` and ${bound.length - 4} more` : ''} bound to ${bound[0]!.driver}` : null;
  };
  const remedy = '`sudo modprobe vfio-pci` loads it now. To load it at every boot: `echo vfio-pci | sudo tee /etc/modules-load.d/vfio-pci.conf`. To have it claim a device before the host driver does, add `softdep <host driver> pre: vfio-pci` to /etc/modprobe.d/vfio.conf and rebuild the initramfs (`sudo update-initramfs -u` on Debian/Ubuntu/Proxmox, `sudo dracut -f` on Fedora/RHEL/openSUSE, `sudo mkinitcpio -P` on Arch).';
  const modules = s.host.modules?.map(norm) ?? null;
  if (modules !== null) {
    const wanted = ['vfio_pci', 'vfio_pci_core', 'vfio_iommu_type1', 'iommufd', 'vfio'].filter((m) => modules.includes(m));
    const backend = wanted.includes('vfio_iommu_type1') || wanted.includes('iommufd');
    if (wanted.includes('vfio_pci') && backend) return { ...base, status: 'pass', evidence: `/proc/modules: ${wanted.join(', ')} loaded`, remedy: NOTHING };
    const bound = boundText();
    if (bound) return { ...base, status: 'pass', evidence: `${bound} (vfio-pci is built into the kernel or loaded; /proc/modules: ${wanted.join(', ') || 'no vfio module'})`, remedy: NOTHING };
    return {
      ...base, status: 'warn',
      evidence: `/proc/modules does not list ${['vfio_pci', 'vfio_iommu_type1'].filter((m) => !wanted.includes(m)).join(' or ')}: not loaded now (it may be built into the kernel, or libvirt loads it when a VM with managed host devices starts)`,
      remedy,
    };
  }
  const bound = boundText();
  if (bound) return { ...base, status: 'pass', evidence: bound, remedy: NOTHING };
  return { ...base, status: 'unknown', evidence: 'the loaded modules (/proc/modules) were not read and no device is bound to vfio-pci', remedy: `Collect from the host to check. ${remedy}` };
}

function acsOverride(ctx: Context): Check {
  const { s } = ctx;
  const title = 'ACS override (pcie_acs_override)';
  const base = { id: 'acs-override', title };
  const o = ctx.override;
  const param = `pcie_acs_override=${o.tokens.join(',')}`;
  const danger = 'Groups no longer show hardware isolation: devices in "separate" groups can still reach each other by peer-to-peer DMA, so a VM may reach host devices or another VM\'s devices. Prefer a slot whose port has ACS (see the slots) or a board that isolates.';
  switch (o.state) {
    case 'active':
    case 'probable':
      return { ...base, status: 'warn', evidence: o.evidence, remedy: `${danger}${o.tokens.length ? ` To remove it: ${kernelParamRemedy(s, { remove: [param] })}` : ''}` };
    case 'ignored':
      return { ...base, status: 'pass', evidence: `${o.evidence}: this kernel lacks the override patch, so the groups are real`, remedy: `The parameter has no effect here; remove it to avoid confusion. ${kernelParamRemedy(s, { remove: [param] })}` };
    case 'absent':
      return { ...base, status: 'pass', evidence: o.evidence, remedy: NOTHING };
    case 'unknown':
      return { ...base, status: 'unknown', evidence: o.evidence, remedy: 'Import /proc/cmdline (and `sudo dmesg`) to check.' };
  }
}

function kvm(ctx: Context): Check {
  const { s } = ctx;
  const title = 'KVM available (/dev/kvm)';
  const base = { id: 'kvm', title };
  const module = s.host.modules?.map(norm).find((m) => m === 'kvm_intel' || m === 'kvm_amd');
  const fix = `Enable CPU virtualization in the firmware (see cpu-virtualization), then load the module: \`sudo modprobe ${s.host.cpu.virtualization === 'svm' ? 'kvm_amd' : s.host.cpu.virtualization === 'vmx' ? 'kvm_intel' : 'kvm_intel` or `sudo modprobe kvm_amd'}\`; \`sudo dmesg | grep -i kvm\` shows why it refused (for example "disabled by bios").`;
  if (s.host.kvm === true) return { ...base, status: 'pass', evidence: `/dev/kvm exists${module ? `; /proc/modules: ${module}` : ''}`, remedy: NOTHING };
  if (s.host.kvm === false) return { ...base, status: 'fail', evidence: '/dev/kvm does not exist', remedy: fix };
  if (module) return { ...base, status: 'pass', evidence: `/proc/modules: ${module} loaded (it creates /dev/kvm)`, remedy: NOTHING };
  if (s.host.cpu.virtualization === 'none') return { ...base, status: 'fail', evidence: 'the CPU has neither vmx nor svm, so KVM cannot work', remedy: fix };
  return { ...base, status: 'unknown', evidence: '/dev/kvm was not checked and the loaded modules were not read', remedy: 'Collect from the host to check (`ls -l /dev/kvm`).' };
}

function libvirt(ctx: Context): Check {
  const { s } = ctx;
  const title = 'libvirt / QEMU present and libvirtd running';
  const base = { id: 'libvirt', title };
  const install = 'Install QEMU and libvirt (`sudo apt install qemu-system-x86 libvirt-daemon-system` on Debian/Ubuntu, `sudo dnf install @virtualization` on Fedora, `sudo pacman -S qemu-full libvirt` on Arch) and start the daemon: `sudo systemctl enable --now libvirtd`.';
  const proxmox = bootSetup(s).family === 'proxmox';
  if (s.libvirt) {
    const hostdevs = s.libvirt.domains.reduce((n, d) => n + d.hostdevs.length, 0);
    const domains = s.libvirt.domains.length
      ? `${s.libvirt.domains.length} domain${s.libvirt.domains.length === 1 ? '' : 's'} (${s.libvirt.domains.slice(0, 5).map((d) => `"${d.name}"${d.state ? ` ${d.state}` : ''}`).join(', ')}) with ${hostdevs} PCI host device${hostdevs === 1 ? '' : 's'}`
      : `${s.libvirt.nodeDevices.length} node devices, no domain`;
    const running = s.provenance.method === 'import'
      ? 'libvirt is used on this host; whether libvirtd runs now is not known from imported files'
      : 'virsh answered, so libvirtd is running';
    return { ...base, status: 'pass', evidence: `libvirt: ${domains}; ${running}`, remedy: NOTHING };
  }
  if (proxmox) {
    return { ...base, status: 'pass', evidence: 'Proxmox VE runs QEMU itself (qm), without libvirt', remedy: 'Nothing to do: assign devices with `qm set <vmid> -hostpci0 <address>` or in the web UI.' };
  }
  const why = unreadableWhy(s, 'libvirt state');
  if (why && /not installed/i.test(why)) return { ...base, status: 'warn', evidence: `virsh: ${why}: libvirt is probably not installed (QEMU may still be used directly)`, remedy: install };
  if (why && /failed to connect|libvirt-sock|connection refused/i.test(why)) return { ...base, status: 'fail', evidence: `virsh: ${why}: libvirtd is not running`, remedy: 'Start it: `sudo systemctl enable --now libvirtd` (or the modular daemons `virtqemud.socket`).' };
  return {
    ...base, status: 'unknown',
    evidence: why ? `libvirt state: ${why}` : 'libvirt state was not collected (no virsh output or domain XML)',
    remedy: 'Collect from the host, or import `virsh list --all` and `virsh dumpxml <vm>`.',
  };
}

function firmwareBugs(ctx: Context): Check {
  const title = 'Firmware bugs reported by the kernel (DMAR / IVRS)';
  const base = { id: 'firmware-bugs', title };
  if (!ctx.dmesgRead) return { ...base, status: 'unknown', evidence: 'the kernel log was not read', remedy: 'Import `sudo dmesg` to check.' };
  const bugs = ctx.dmesg.filter((e) => e.category === 'firmware-bug');
  if (bugs.length > 0) {
    const shown = bugs.slice(0, 3).map(quote).join('; ');
    return {
      ...base, status: 'warn', evidence: `${bugs.length} firmware bug line${bugs.length === 1 ? '' : 's'}: ${shown}`,
      remedy: 'Update the firmware (BIOS/UEFI): these lines mean the ACPI DMAR or IVRS table is wrong. The kernel works around some (a broken RMRR entry); others disable interrupt remapping or the IOMMU. AMD boards missing an IOAPIC in IVRS can be helped with `ivrs_ioapic[<id>]=<bus:dev.fn>` on the command line (values from the board\'s documentation or forum reports).',
    };
  }
  if (ctx.dmesgFromBoot) return { ...base, status: 'pass', evidence: 'the kernel log from boot has no "[Firmware Bug]" line from DMAR or AMD-Vi', remedy: NOTHING };
  return { ...base, status: 'unknown', evidence: 'no "[Firmware Bug]" line, but the kernel log does not reach back to boot (an excerpt, or the ring buffer rotated), where these lines are printed', remedy: 'Import the full `sudo dmesg` (or `journalctl -k -b`) to check.' };
}

function iommuFaults(ctx: Context): Check {
  const title = 'IOMMU faults since boot';
  const base = { id: 'iommu-faults', title };
  if (!ctx.dmesgRead) return { ...base, status: 'unknown', evidence: 'the kernel log was not read', remedy: 'Import `sudo dmesg` to check.' };
  const faults = ctx.dmesg.filter((e) => e.category === 'fault' && e.id !== 'intel.faultStatus');
  if (faults.length > 0) {
    const devices = [...new Set(faults.map((e) => e.device).filter((d): d is string => d !== null))];
    return {
      ...base, status: 'warn',
      evidence: `${faults.length} fault line${faults.length === 1 ? '' : 's'}${devices.length ? ` from ${listing(devices.map(shortAddress))}` : ''}; first: ${quote(faults[0]!)}`,
      remedy: 'A fault means a device did DMA to an address its IOMMU domain does not map. For a device given to a VM, look at the guest driver and the VM\'s log; for a host device, a driver or firmware bug (update the kernel and firmware). `iommu=pt` would hide faults of host devices only by dropping their protection.',
    };
  }
  return { ...base, status: 'pass', evidence: `no IOMMU fault line in the kernel log${ctx.dmesgFromBoot ? ' since boot' : ' (the part available)'}`, remedy: NOTHING };
}

function iommuParameters(ctx: Context): Check {
  const { s } = ctx;
  const title = 'IOMMU kernel parameters valid';
  const base = { id: 'iommu-parameters', title };
  if (!s.cmdline) return { ...base, status: 'unknown', evidence: 'the kernel command line was not read', remedy: 'Import /proc/cmdline to check.' };
  const problems: string[] = [];
  const remove: string[] = [];
  if (s.cmdline.iommu.amdIommu.includes('on')) {
    problems.push('amd_iommu=on is not a valid option: the AMD IOMMU is used by default when the firmware enables it; newer kernels log "AMD-Vi: Unknown option - \'on\'", older ones ignore it silently');
    remove.push('amd_iommu=on');
  }
  // forEach, as in domainType: the log has a line per function.
  ctx.dmesg.forEach((e) => {
    if (e.id === 'intel.unknownOpt' || e.id === 'amd.unknownOpt') problems.push(`${quote(e)}: the driver ignored that option`);
  });
  const typo = s.cmdline.params.find((p) => p.name === 'pci_acs_override' || p.name === 'pcie_acs_overrides');
  if (typo) problems.push(`${typo.name}= is a misspelling of pcie_acs_override= and has no effect`);
  if (problems.length === 0) return { ...base, status: 'pass', evidence: `/proc/cmdline: ${s.cmdline.raw || '(empty)'}`, remedy: NOTHING };
  return {
    ...base, status: 'warn', evidence: problems.join('; '),
    remedy: remove.length ? `Remove ${remove.join(' ')} (harmless, but it does nothing). ${kernelParamRemedy(s, { remove })}` : 'Correct or remove the options the kernel ignores.',
  };
}

/** `vfio-pci.ids` entry: vendor:device[:subvendor[:subdevice[:class[:class_mask]]]] (hex, spec 6). */
function idMatches(id: string, d: PciFunction): boolean {
  const [vendor, device, subVendor, subDevice] = id.toLowerCase().split(':');
  const eq = (want: string | undefined, have: string | null) => want === undefined || want === '' || /^f{4,8}$/.test(want) || (have !== null && parseInt(want, 16) === parseInt(have, 16));
  return eq(vendor, d.vendorId) && eq(device, d.deviceId) && eq(subVendor, d.subsystemVendorId) && eq(subDevice, d.subsystemDeviceId);
}

function vfioPciIds(ctx: Context): Check {
  const { s } = ctx;
  const title = 'vfio-pci.ids does not grab identical devices';
  const base = { id: 'vfio-pci-ids', title };
  if (!s.cmdline) return { ...base, status: 'unknown', evidence: 'the kernel command line was not read', remedy: 'Import /proc/cmdline to check.' };
  const ids = s.cmdline.iommu.vfioPciIds;
  if (ids.length === 0) return { ...base, status: 'pass', evidence: '/proc/cmdline has no vfio-pci.ids (options in /etc/modprobe.d are not read)', remedy: NOTHING };
  const owned = new Set(s.libvirt?.domains.flatMap((d) => d.hostdevs.map((h) => h.address)) ?? []);
  const per = ids.map((id) => ({ id, devices: s.devices.filter((d) => idMatches(id, d)).map((d) => d.address) }));
  const many = per.filter((p) => p.devices.length > 1);
  const none = per.filter((p) => p.devices.length === 0);
  const video = s.cmdline.iommu.video.includes('efifb:off')
    ? ' video=efifb:off is set: the EFI framebuffer driver stays off the boot GPU so vfio-pci can take it (kernels that use simpledrm/sysfb for the boot framebuffer need another way).'
    : '';
  const parts = [`/proc/cmdline: vfio-pci.ids=${ids.join(',')}`];
  for (const p of many) {
    const assigned = p.devices.filter((a) => owned.has(a));
    const libvirtNote = s.libvirt ? (assigned.length ? `; libvirt assigns only ${listing(assigned.map(shortAddress))}` : '; libvirt assigns none of them') : '';
    parts.push(`${p.id} matches ${p.devices.length} devices (${listing(p.devices.map(shortAddress))})${libvirtNote}`);
  }
  if (none.length) parts.push(`${none.map((p) => p.id).join(', ')} match${none.length === 1 ? 'es' : ''} no device in this snapshot`);
  if (many.length === 0) return { ...base, status: 'pass', evidence: `${parts.join('; ')}; each id matches at most one device.${video}`, remedy: NOTHING };
  const keep = ids.filter((id) => !many.some((m) => m.id === id));
  return {
    ...base, status: 'warn', evidence: `${parts.join('; ')}.${video}`,
    remedy: 'vfio-pci.ids binds by vendor:device, so it claims every identical card at boot, including one the host needs (a second NVMe drive holding the root filesystem, a second GPU for the console). Bind the one device instead: let libvirt do it (`managed=\'yes\'` host devices), or set its driver_override before drivers load, e.g. a udev rule `ACTION=="add", KERNEL=="0000:42:00.0", SUBSYSTEM=="pci", ATTR{driver_override}="vfio-pci"` in /etc/udev/rules.d/90-vfio.rules (then rebuild the initramfs). '
      + `Then drop the ambiguous ids: ${kernelParamRemedy(s, { remove: [`vfio-pci.ids=${ids.join(',')}`], add: keep.length ? [`vfio-pci.ids=${keep.join(',')}`] : [] })}`,
  };
}

/** `override`: acsOverrideState(snapshot), when the caller has it already. */
export function readinessChecks(
  snapshot: Snapshot, index: DeviceIndex, groupCount: number, override: AcsOverrideState = acsOverrideState(snapshot),
): Check[] {
  const dmesg = snapshot.iommu.dmesg;
  const ctx: Context = {
    s: snapshot, index, groupCount, dmesg, override,
    dmesgRead: unreadableWhy(snapshot, 'kernel log') === null && (dmesg.length > 0 || snapshot.provenance.method !== 'import'),
    dmesgFromBoot: dmesg.some((e) => e.id === 'boot.commandLine'),
  };
  const firmware = iommuFirmware(ctx);
  const { known, ...firmwareCheck } = firmware;
  return [
    cpuVirtualization(ctx), firmwareCheck, iommuEnabled(ctx, known), interruptRemapping(ctx, known), domainType(ctx), vfioModules(ctx),
    acsOverride(ctx), kvm(ctx), libvirt(ctx), firmwareBugs(ctx), iommuFaults(ctx), iommuParameters(ctx), vfioPciIds(ctx),
  ];
}
