/**
 * What the inspector shows for a node or a group box, gathered from the snapshot, the graph and
 * the analysis (`analyze --json`, read defensively: it may be missing or carry fewer fields).
 * Every fact the snapshot holds is listed; unknown ones say so rather than disappear.
 */
import type { AnalysisResult } from '../../../main/core/contract/api.ts';
import { ACS, REQUIRED_ACS } from '../../../main/core/analysis/predictor/acs-bits.ts';
import { typeLabel } from '../../../main/core/analysis/predictor/reasons.ts';
import type { GraphNode, TopologyElements, VerdictClass } from '../../../main/core/graph/elements.ts';
import type { Acs, PciFunction, Snapshot } from '../../../main/core/model/snapshot.ts';
import { VERDICT_LEGEND } from '../graph/palette.ts';

export interface Fact {
  label: string;
  value: string;
}

export interface Hop {
  address: string;
  name: string;
  type: string;
  /** The link up to this hop's parent: "8 GT/s x4", null when there is none (integrated, internal bus). */
  link: string | null;
  downgraded: boolean;
  capable: string | null;
  acs: string;
  /** The hop's ACS enables every flag the IOMMU core needs (SV, RR, CR, UF); null when not readable. */
  isolates: boolean | null;
}

export interface GroupMember {
  address: string;
  name: string;
  verdict: string | null;
}

export interface GroupDetails {
  id: number;
  type: string | null;
  members: GroupMember[];
  otherMembers: string[];
  reserved: string[];
  verdict: string | null;
  reasons: string[];
  explanations: string[];
}

export interface FunctionDetails {
  kind: 'function';
  address: string;
  title: string;
  /** "NVMe", "GPU"… */
  classLabel: string | null;
  verdict: VerdictClass | null;
  verdictLabel: string | null;
  analysisVerdict: string | null;
  reasons: string[];
  details: string[];
  assignWith: string[];
  facts: Fact[];
  group: GroupDetails | null;
  /** From the device up to its root bus. */
  path: Hop[];
  /** libvirt domains listing it as a <hostdev>; null when libvirt was not read. */
  owners: { name: string; state: string | null }[] | null;
  vfCount: number;
  vfsExpanded: boolean;
}

export interface SummaryDetails {
  kind: 'host' | 'root-complex' | 'bus' | 'vf-summary';
  title: string;
  facts: Fact[];
  /** For a VF summary: its VFs. */
  members: GroupMember[];
}

export type Details = FunctionDetails | SummaryDetails;

type AnalysisDevice = AnalysisResult['devices'][number] & {
  details?: unknown;
  assignWith?: unknown;
  ownerVms?: unknown;
  name?: unknown;
};

const short = (a: string) => (a.startsWith('0000:') ? a.slice(5) : a);
const unknown = 'unknown';
const yesNo = (v: boolean | null) => (v === null ? unknown : v ? 'yes' : 'no');
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export function verdictLabel(v: string | null): string | null {
  if (v === null) return null;
  return VERDICT_LEGEND.find((l) => l.verdict === v)?.label ?? v;
}

/** "SV+ RR+ CR+ UF+" over the bits the port has; isolates when every required bit it has is on (kernel pci_acs_flags_enabled). */
export function acsSummary(acs: Acs): { text: string; isolates: boolean | null } {
  if (acs.state === 'unknown') return { text: 'not readable (needs root)', isolates: null };
  if (acs.state === 'absent') return { text: 'no ACS capability', isolates: false };
  const bits = (Object.entries(ACS) as [string, number][]).filter(([, bit]) => (acs.capability & bit) !== 0);
  const text = bits.map(([name, bit]) => `${name}${(acs.control & bit) !== 0 ? '+' : '-'}`).join(' ') || 'capability with no controls';
  const required = REQUIRED_ACS & acs.capability;
  return { text, isolates: (acs.control & required) === required };
}

function nameOf(d: PciFunction | undefined, address: string): string {
  if (!d) return short(address);
  return d.deviceName ?? d.className ?? short(address);
}

function ids(vendor: string | null, device: string | null): string {
  return vendor && device ? ` [${vendor}:${device}]` : '';
}

function linkText(d: PciFunction): string {
  const l = d.link;
  if (!l) return unknown;
  const now = `${l.currentSpeed ?? '?'} x${l.currentWidth ?? '?'}`;
  const max = `${l.maxSpeed ?? '?'} x${l.maxWidth ?? '?'}`;
  return `${now} (capable of ${max})${l.downgraded ? ', below its own capability' : ''}`;
}

function functionFacts(d: PciFunction, snapshot: Snapshot): Fact[] {
  const slot = snapshot.slots.find((s) => s.devices.includes(d.address) || s.rootPort === d.address);
  const facts: Fact[] = [
    { label: 'Address', value: d.address },
    { label: 'Vendor', value: `${d.vendorName ?? unknown}${d.vendorId ? ` [${d.vendorId}]` : ''}` },
    { label: 'Device', value: `${d.deviceName ?? unknown}${ids(d.vendorId, d.deviceId)}` },
    { label: 'Subsystem', value: `${d.subsystemName ?? (d.subsystemVendorId ? '' : unknown)}${ids(d.subsystemVendorId, d.subsystemDeviceId)}`.trim() },
    { label: 'Class', value: `${d.className ?? unknown}${d.classCode ? ` [${d.classCode}]` : ''}${d.progIf ? ` prog-if ${d.progIf}` : ''}` },
    { label: 'Revision', value: d.revision ?? unknown },
    { label: 'PCIe type', value: d.pcieType ? typeLabel(d.pcieType) : unknown },
    { label: 'Header type', value: d.headerType === null ? unknown : ['endpoint (0)', 'PCI bridge (1)', 'CardBus bridge (2)'][d.headerType] ?? String(d.headerType) },
    { label: 'Multifunction', value: yesNo(d.multifunction) },
    { label: 'Driver', value: d.driver ?? 'none' },
    { label: 'Driver override', value: d.driverOverride ?? 'none' },
    { label: 'Kernel modules', value: d.modules === null ? unknown : d.modules.join(', ') || 'none' },
    { label: 'IOMMU group', value: d.iommuGroup === null ? unknown : String(d.iommuGroup) },
    { label: 'NUMA node', value: d.numaNode === null ? unknown : String(d.numaNode) },
    { label: 'Link', value: linkText(d) },
    { label: 'Reset methods', value: d.resetMethods === null ? unknown : d.resetMethods.join(', ') || 'none (not resettable)' },
    { label: 'Function Level Reset', value: yesNo(d.flr) },
    { label: 'Boot VGA', value: yesNo(d.bootVga) },
    { label: 'ACS', value: acsSummary(d.acs).text },
  ];
  if (d.sriov) facts.push({ label: 'SR-IOV', value: `${d.sriov.numVfs ?? '?'} of ${d.sriov.totalVfs ?? '?'} VFs enabled` });
  if (d.physfn) facts.push({ label: 'Physical function', value: d.physfn });
  facts.push({ label: 'Parent bridge', value: d.parent ?? 'none (root bus) or unknown' });
  if (d.secondaryBus !== null) facts.push({ label: 'Buses behind it', value: `${d.secondaryBus.toString(16).padStart(2, '0')}–${(d.subordinateBus ?? d.secondaryBus).toString(16).padStart(2, '0')}` });
  facts.push({ label: 'Physical slot', value: d.physicalSlot ?? slot?.name ?? unknown });
  if (d.slotImplemented !== null) facts.push({ label: 'Slot capability', value: d.slotImplemented ? `implemented${d.slotNumber !== null ? `, slot #${d.slotNumber}` : ''}` : 'no slot' });
  facts.push({ label: 'sysfs path', value: d.sysfsPath ?? unknown });
  facts.push({ label: 'Sources', value: d.sources.join(', ') || unknown });
  return facts;
}

export function groupDetails(snapshot: Snapshot, analysis: AnalysisResult | null, groupId: number): GroupDetails | null {
  const group = snapshot.groups.find((g) => g.id === groupId);
  const byAddress = new Map(snapshot.devices.map((d) => [d.address, d]));
  const members = group?.devices ?? snapshot.devices.filter((d) => d.iommuGroup === groupId).map((d) => d.address);
  if (members.length === 0 && !group) return null;
  const verdicts = new Map((analysis?.devices ?? []).map((d) => [d.address, d.verdict]));
  const analysisGroup = (analysis?.groups as { id: number; verdict: string; reasons: string[] }[] | undefined)?.find((g) => g.id === groupId);
  const explanations = (analysis?.explanations as { group: number; text: string }[] | undefined)?.filter((e) => e.group === groupId).map((e) => e.text) ?? [];
  return {
    id: groupId,
    type: group?.type ?? null,
    members: members.map((a) => ({ address: a, name: nameOf(byAddress.get(a), a), verdict: verdicts.get(a) ?? null })),
    otherMembers: group?.otherMembers ?? [],
    reserved: (group?.reservedRegions ?? []).map((r) => `${r.start}–${r.end} ${r.type}`),
    verdict: analysisGroup?.verdict ?? null,
    reasons: analysisGroup ? strings(analysisGroup.reasons) : [],
    explanations: strings(explanations),
  };
}

function pathOf(node: GraphNode, elements: TopologyElements, byAddress: Map<string, PciFunction>): Hop[] {
  const nodes = new Map(elements.nodes.map((n) => [n.id, n]));
  const edgeTo = new Map(elements.edges.map((e) => [e.target, e]));
  const hops: Hop[] = [];
  const seen = new Set<string>();
  for (let cur: GraphNode | undefined = node; cur && cur.kind === 'function' && !seen.has(cur.id); cur = cur.parent ? nodes.get(cur.parent) : undefined) {
    seen.add(cur.id);
    const d = byAddress.get(cur.addresses[0]!);
    if (!d) break;
    const edge = edgeTo.get(cur.id);
    const acs = acsSummary(d.acs);
    hops.push({
      address: d.address, name: nameOf(d, d.address), type: d.pcieType ? typeLabel(d.pcieType) : 'type unknown',
      link: edge?.link ?? null, downgraded: edge?.downgraded ?? false, capable: edge?.capable ?? null,
      acs: acs.text, isolates: acs.isolates,
    });
  }
  return hops;
}

function hostFacts(snapshot: Snapshot): Fact[] {
  const { host, iommu, provenance: p } = snapshot;
  const v = (x: string | number | null) => (x === null ? unknown : String(x));
  return [
    { label: 'Host name', value: v(host.hostname) },
    { label: 'Kernel', value: [host.kernelRelease, host.kernelVersion].filter(Boolean).join(' ') || unknown },
    { label: 'Distribution', value: v(host.distro) },
    { label: 'CPU', value: `${host.cpu.model ?? unknown}${host.cpu.count !== null ? ` × ${host.cpu.count}` : ''}` },
    { label: 'CPU virtualization', value: host.cpu.virtualization === null ? unknown : host.cpu.virtualization === 'none' ? 'none' : host.cpu.virtualization === 'vmx' ? 'Intel VT-x (vmx)' : 'AMD-V (svm)' },
    { label: 'Board', value: [host.dmi.boardVendor, host.dmi.boardName, host.dmi.boardVersion].filter(Boolean).join(' ') || unknown },
    { label: 'System', value: [host.dmi.systemVendor, host.dmi.systemProduct].filter(Boolean).join(' ') || unknown },
    { label: 'Firmware', value: [host.dmi.biosVendor, host.dmi.biosVersion, host.dmi.biosDate].filter(Boolean).join(' ') || unknown },
    { label: 'IOMMU', value: `${iommu.vendor}, ${iommu.enabled === null ? 'state unknown' : iommu.enabled ? 'enabled' : 'not enabled'}` },
    { label: 'Interrupt remapping', value: yesNo(iommu.interruptRemapping) },
    { label: 'Default domain', value: v(iommu.defaultDomain) },
    { label: 'KVM (/dev/kvm)', value: yesNo(host.kvm) },
    { label: 'Kernel command line', value: snapshot.cmdline?.raw ?? unknown },
    { label: 'PCI functions', value: String(snapshot.devices.length) },
    { label: 'IOMMU groups', value: String(snapshot.groups.length) },
    { label: 'Collected', value: `${p.collectedAt} (${p.method}${p.target ? `, ${p.target}` : ''}${p.user ? `, as ${p.user}` : ''}${p.root === true ? ', root' : p.root === false ? ', not root' : ''})` },
    ...p.unreadable.map((u) => ({ label: `Not read: ${u.what}`, value: u.why })),
  ];
}

/** The inspector's content for a graph node, or null when it is not in the graph. */
export function nodeDetails(snapshot: Snapshot, elements: TopologyElements, analysis: AnalysisResult | null, nodeId: string): Details | null {
  const node = elements.nodes.find((n) => n.id === nodeId);
  if (!node) return null;
  const byAddress = new Map(snapshot.devices.map((d) => [d.address, d]));
  if (node.kind === 'host') return { kind: 'host', title: node.title, facts: hostFacts(snapshot), members: [] };
  if (node.kind === 'root-complex' || node.kind === 'bus') {
    const below = elements.nodes.filter((n) => n.parent === node.id);
    return {
      kind: node.kind, title: node.title, members: [],
      facts: [{ label: 'What', value: node.subtitle }, { label: 'Functions directly below', value: String(below.length) }],
    };
  }
  if (node.kind === 'vf-summary') {
    const verdicts = new Map((analysis?.devices ?? []).map((d) => [d.address, d.verdict]));
    return {
      kind: 'vf-summary', title: `${node.title} of ${short(node.parent?.slice(3) ?? '')}`,
      facts: [
        { label: 'Virtual functions', value: String(node.addresses.length) },
        { label: 'IOMMU groups', value: node.groups.join(', ') || unknown },
        { label: 'Drivers', value: [...new Set(node.addresses.map((a) => byAddress.get(a)?.driver ?? 'none'))].join(', ') },
      ],
      members: node.addresses.map((a) => ({ address: a, name: `${nameOf(byAddress.get(a), a)} · group ${byAddress.get(a)?.iommuGroup ?? '?'}`, verdict: verdicts.get(a) ?? null })),
    };
  }
  const address = node.addresses[0]!;
  const d = byAddress.get(address);
  if (!d) return null;
  const entry = analysis?.devices.find((x) => x.address === address) as AnalysisDevice | undefined;
  const group = node.groups[0] !== undefined ? groupDetails(snapshot, analysis, node.groups[0]) : null;
  return {
    kind: 'function',
    address,
    title: node.title,
    classLabel: node.classLabel,
    verdict: node.verdict,
    verdictLabel: verdictLabel(node.verdict),
    analysisVerdict: entry?.verdict ?? null,
    reasons: entry ? strings(entry.reasons) : [],
    details: strings(entry?.details),
    assignWith: strings(entry?.assignWith),
    facts: functionFacts(d, snapshot),
    group,
    path: pathOf(node, elements, byAddress),
    owners: snapshot.libvirt === null ? null : snapshot.libvirt.domains
      .filter((dom) => dom.hostdevs.some((h) => h.address === address))
      .map((dom) => ({ name: dom.name, state: dom.state })),
    vfCount: node.vfCount,
    vfsExpanded: node.vfsExpanded,
  };
}
