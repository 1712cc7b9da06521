/**
 * The facts every report format shows, worded once: the host summary (board, BIOS, CPU, kernel,
 * IOMMU, the command line's IOMMU parameters), device lines in the `lspci -nn` form people know
 * from forum posts, and the words for statuses and verdicts.
 */
import type { Analysis } from '../analysis/analyze.ts';
import type { CheckStatus } from '../analysis/checklist.ts';
import type { DeviceVerdict, GroupVerdict, Verdict } from '../analysis/verdicts.ts';
import type { KernelCommandLine, PciFunction, Snapshot } from '../model/snapshot.ts';
import { boardName, deviceLabel } from './show.ts';

export interface Fact {
  label: string;
  value: string;
}

const IOMMU_VENDORS: Record<Snapshot['iommu']['vendor'], string> = {
  intel: 'Intel VT-d', amd: 'AMD-Vi', 'arm-smmu': 'Arm SMMU', virtio: 'virtio-iommu', none: 'none found', unknown: 'vendor unknown',
};

const DOMAIN_WORDS: Record<NonNullable<Snapshot['iommu']['defaultDomain']>, string> = {
  translated: 'translated (strict)', lazy: 'translated (lazy, DMA-FQ)', passthrough: 'passthrough (identity, iommu=pt)', blocked: 'blocked',
};

const yesNo = (v: boolean | null, yes: string, no: string) => (v === null ? 'unknown' : v ? yes : no);

/**
 * The command line's parameters that matter for the IOMMU and device assignment, as written.
 * The parser (parsers/cmdline.ts) files every other parameter under `unknown`, in command-line
 * order, so walking both lists together picks out the classified ones; words after `--` belong to
 * init and are never classified.
 */
export function iommuParameters(cmdline: KernelCommandLine | null): string[] {
  if (!cmdline) return [];
  const out: string[] = [];
  let next = 0;
  for (const p of cmdline.params) {
    if (p.name === '--' && p.value === null) break;
    const unknown = cmdline.unknown[next];
    if (unknown !== undefined && (unknown === p.name || unknown.startsWith(`${p.name}=`))) {
      next++;
      continue;
    }
    out.push(p.value === null ? p.name : `${p.name}=${p.value}`);
  }
  return out;
}

export function hostFacts(s: Snapshot, a: Analysis): Fact[] {
  const facts: Fact[] = [];
  const add = (label: string, value: string | null) => {
    if (value !== null && value !== '') facts.push({ label, value });
  };
  const dmi = s.host.dmi;
  add('Host', s.host.hostname);
  add('Board', boardName(s));
  const systemName = [dmi.systemVendor, dmi.systemProduct].filter(Boolean).join(' ');
  if (systemName && systemName !== boardName(s)) add('System', systemName);
  add('BIOS', [dmi.biosVendor, dmi.biosVersion, dmi.biosDate && `(${dmi.biosDate})`].filter(Boolean).join(' ') || null);
  const cpu = s.host.cpu;
  const virt = cpu.virtualization === 'vmx' ? 'VT-x (vmx)' : cpu.virtualization === 'svm' ? 'AMD-V (svm)' : cpu.virtualization === 'none' ? 'no hardware virtualization flag' : null;
  add('CPU', [cpu.model, cpu.count !== null ? `× ${cpu.count} logical CPUs` : null, virt && `· ${virt}`].filter(Boolean).join(' ') || null);
  add('Kernel', [s.host.kernelRelease, s.host.distro && `(${s.host.distro})`].filter(Boolean).join(' ') || null);
  const io = s.iommu;
  add('IOMMU', `${IOMMU_VENDORS[io.vendor]}, ${yesNo(io.enabled, 'enabled', 'not enabled')}; interrupt remapping ${yesNo(io.interruptRemapping, 'on', 'off')}; default domain ${io.defaultDomain ? DOMAIN_WORDS[io.defaultDomain] : 'unknown'}`);
  const params = iommuParameters(s.cmdline);
  add('Command line (IOMMU parameters)', s.cmdline === null ? 'not read' : params.length ? params.join(' ') : 'none');
  add('Devices', `${s.devices.length} PCI functions, ${a.groupsSource === 'kernel' ? `${s.groups.length} IOMMU groups` : `no IOMMU groups (${a.groups.length} predicted)`}`);
  add('Collected', `${s.provenance.collectedAt} by ${s.provenance.method}${s.provenance.root === false ? ' (not root)' : s.provenance.root ? ' (root)' : ''}`);
  return facts;
}

/** `VGA compatible controller [0300]: NVIDIA Corporation GA102 [GeForce RTX 3080] [10de:2206] (rev a1)`, as `lspci -nn` prints it. */
export function lspciLine(d: PciFunction): string {
  const cls = d.classCode ? `${d.className ?? 'Class'} [${d.classCode}]` : (d.className ?? 'Unknown class');
  const ids = d.vendorId && d.deviceId ? ` [${d.vendorId}:${d.deviceId}]` : '';
  const rev = d.revision ? ` (rev ${d.revision})` : '';
  // lspci prints "Device" where pci.ids has no name: "Red Hat, Inc. Device [1b36:000e]".
  const name = d.deviceName !== null ? deviceLabel(d) : `${d.vendorName ? `${d.vendorName} ` : ''}Device`;
  return `${cls}: ${name}${ids}${rev}`;
}

/** "driver nvme", "no driver", or "driver unknown" when the source lists no drivers (a group listing). */
export function driverWords(d: PciFunction, v: DeviceVerdict | undefined): string {
  if (d.driver) return `driver ${d.driver}`;
  return v?.driver.kind === 'unknown' ? 'driver unknown' : 'no driver';
}

export const STATUS_WORDS: Record<CheckStatus, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', unknown: 'UNKNOWN' };

export const VERDICT_WORDS: Record<Verdict, string> = {
  ready: 'ready', 'whole-group': 'whole group', blocked: 'blocked', 'host-critical': 'host-critical',
};

/** "IOMMU Group 11" as the familiar listing scripts print it; "Predicted group 11" when the kernel formed none. */
export function groupTitle(g: Pick<GroupVerdict, 'id' | 'predicted'>): string {
  return g.predicted ? `Predicted group ${g.id}` : `IOMMU Group ${g.id}`;
}

/** `remedy` text worth showing: the checklist says "Nothing to do." for a pass. */
export function remedyWorthShowing(remedy: string): boolean {
  return remedy !== '' && !/^Nothing (?:to do|required)\.?$/.test(remedy);
}
