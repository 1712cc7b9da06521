/**
 * Passthrough verdicts (issue 3): VFIO assigns whole IOMMU groups (Documentation/driver-api/
 * vfio.rst, "viable" groups), so what a device can do depends on who shares its group.
 *
 * - `ready`: alone in its group, or only with other functions of the same device (a GPU and its
 *   HDMI audio), plus PCI bridges, which stay on the host (pcieport is a driver_managed_dma
 *   driver; a bridge without a driver is fine too).
 * - `whole-group`: can only go together with the other devices of its group, to one VM.
 * - `blocked`: shares its group with something the host needs.
 * - `host-critical`: the host needs it itself (host-critical.ts says what counts).
 */
import type { PciFunction, Snapshot } from '../model/snapshot.ts';
import {
  driverState, driverText, linkInfo, linkSummary, ownersByDevice, resetInfo,
  type DriverState, type LinkInfo, type ResetInfo,
} from './device-facts.ts';
import { EMPTY_LIST, isPciBridge, lastingFilter, listing, type DeviceIndex } from './device-index.ts';
import { criticalSummary, type CriticalReason, type HostCriticalFacts } from './host-critical.ts';
import { shortAddress } from './predictor/index.ts';

export type Verdict = 'ready' | 'whole-group' | 'blocked' | 'host-critical';

/** A group the verdicts work on: the kernel's, or the predictor's when the IOMMU is off. */
export interface AnalysisGroup {
  /** The kernel's group number, or the predictor's approximate one when `predicted`. */
  id: number;
  /** "IOMMU group 11" or "predicted group 11". */
  label: string;
  type: string | null;
  /** Shared with the verdicts and explanations of the group: read, never changed. */
  devices: readonly string[];
  predicted: boolean;
}

export interface DeviceVerdict {
  address: string;
  name: string;
  group: number | null;
  verdict: Verdict;
  /** Why, in words a person can act on, naming the devices concerned. */
  reasons: string[];
  /** A PCI bridge: never assigned itself; it stays on the host. */
  bridge: boolean;
  hostCritical: readonly CriticalReason[];
  /** Other endpoints that must go to the same VM (bridges excluded). */
  assignWith: readonly string[];
  driver: DriverState;
  /** libvirt domains listing it as `<hostdev>`; null when libvirt was not read. */
  ownerVms: readonly string[] | null;
  numaNode: number | null;
  reset: ResetInfo;
  link: LinkInfo;
  /** Facts beyond the verdict: driver, owner, reset, NUMA node, link. */
  details: string[];
}

export interface GroupVerdict {
  id: number;
  label: string;
  predicted: boolean;
  type: string | null;
  /** The analysed group's own member list: read, never changed. */
  devices: readonly string[];
  verdict: Verdict;
  reasons: string[];
}

export interface VerdictResult {
  devices: DeviceVerdict[];
  groups: GroupVerdict[];
}

/**
 * Upper-cases a leading a-z. Reasons are sentences; the only ones that could start in lower case
 * start with the group's label, so the label is capitalized once per group instead of every
 * reason of every device.
 */
function capitalize(text: string): string {
  const c = text.charCodeAt(0);
  return c >= 0x61 && c <= 0x7a ? `${text.charAt(0).toUpperCase()}${text.slice(1)}` : text;
}

/** What goes to a VM as one unit: a device's functions share bus and device number; a VF is its own. */
function unitOf(d: PciFunction | undefined, address: string): string {
  if (!d || d.physfn !== null) return address;
  return address.slice(0, address.lastIndexOf('.'));
}

interface GroupFacts {
  group: AnalysisGroup;
  /** The label as a reason starts with it ("Predicted group 11"). */
  opening: string;
  /** The group's own device list when it holds no bridge (most groups): read, never changed. */
  endpoints: readonly string[];
  bridges: readonly string[];
  critical: readonly string[];
  /**
   * The assignment unit of each endpoint, by position (see unitOf); worked out up front only for
   * groups with several endpoints, where units are compared.
   */
  endpointUnits: string[] | null;
  /** How many distinct units the endpoints form. */
  unitCount: number;
  /** The sentence on the group's bridges; null without bridges. Said by the group and each endpoint. */
  bridgeLine: string | null;
  verdict: Verdict;
}

/** The function of a listed address is a PCI bridge (an address the index lacks is none). */
const isBridgeFn = (d: PciFunction | undefined): boolean => d !== undefined && isPciBridge(d);

/**
 * `groupAt` gets the facts at the index position (DeviceIndex.positionOf) of each listed address
 * the index has (a later group listing it again wins); every function of that address, a
 * repeated listing too, finds its group there. An address the index lacks is no device's: it is
 * left out.
 */
function groupFacts(
  group: AnalysisGroup, index: DeviceIndex, critical: HostCriticalFacts, groupAt: (GroupFacts | undefined)[],
): GroupFacts {
  // Each listed address's index position and function: looked up once for all the questions below.
  const positions = group.devices.map((a) => index.positionOf(a));
  const listed = positions.map((p) => (p < 0 ? undefined : index.firstListings[p]));
  // Most groups hold neither: their lists stay the shared empty one.
  let bridges: string[] | null = null;
  let crit: string[] | null = null;
  for (let i = 0; i < listed.length; i++) {
    const a = group.devices[i]!;
    // Lists of one to start with: a list grown by push from empty keeps room for 16 more.
    if (critical.reasons.has(a)) {
      if (crit) crit.push(a);
      else crit = [a];
    }
    if (isBridgeFn(listed[i])) {
      if (bridges) bridges.push(a);
      else bridges = [a];
    }
  }
  // Without bridges every listed device is an endpoint: no copies of the lists.
  const endpoints = bridges ? group.devices.filter((_, i) => !isBridgeFn(listed[i])) : group.devices;
  let endpointUnits: string[] | null = null;
  let unitCount = endpoints.length;
  if (endpoints.length > 1) {
    const endpointFns = bridges ? listed.filter((d) => !isBridgeFn(d)) : listed;
    endpointUnits = endpoints.map((a, i) => unitOf(endpointFns[i], a));
    unitCount = new Set(endpointUnits).size;
  }
  let verdict: Verdict;
  if (crit) {
    // Only bridges with nothing critical below them may sit beside critical devices unharmed.
    const critAddresses = crit;
    const others = group.devices.filter((a) => !critAddresses.includes(a) && !bridges?.includes(a));
    verdict = others.length === 0 ? 'host-critical' : 'blocked';
  } else verdict = unitCount > 1 ? 'whole-group' : 'ready';
  const facts: GroupFacts = {
    group, opening: capitalize(group.label), endpoints, bridges: bridges ?? EMPTY_LIST, critical: crit ?? EMPTY_LIST,
    endpointUnits, unitCount, verdict, bridgeLine: bridges ? bridgeSentence(index, bridges) : null,
  };
  for (const p of positions) if (p >= 0) groupAt[p] = facts;
  return facts;
}

function names(index: DeviceIndex, addresses: readonly string[], max = 6): string {
  if (addresses.length === 1) return index.name(addresses[0]!);
  const shown = addresses.slice(0, max).map((a) => index.name(a));
  return `${listing(shown)}${addresses.length > max ? ` and ${addresses.length - max} more` : ''}`;
}

/** The sentence on the bridges of a group (`bridges`: those to name); null without any. */
function bridgeSentence(index: DeviceIndex, bridges: readonly string[]): string | null {
  if (bridges.length === 0) return null;
  if (bridges.length === 1) return `The PCI bridge ${names(index, bridges)} is in the group too but not assigned: it stays on the host (pcieport or no driver).`;
  const shown = `${listing(bridges.slice(0, 6).map(shortAddress))}${bridges.length > 6 ? ` and ${bridges.length - 6} more` : ''}`;
  return `The PCI bridges ${shown} are in the group too but not assigned: they stay on the host (pcieport or no driver).`;
}

/** A device on a root bus is built into the CPU or chipset: no slot change moves it. */
function integrated(d: PciFunction | undefined, index: DeviceIndex): boolean {
  return d !== undefined && index.topologyKnown && index.parentOf(d) === null && d.physfn === null;
}

/**
 * `own`: the device's host-critical reasons; `bridge`: it is a PCI bridge. The reasons are built
 * as array literals where their number is known: an array grown by push keeps room for 16 more
 * entries, and these arrays live as long as the analysis (thousands of them).
 */
function deviceReasons(
  d: PciFunction | undefined, address: string, g: GroupFacts | null, index: DeviceIndex, critical: HostCriticalFacts,
  own: readonly CriticalReason[], bridge: boolean,
): { verdict: Verdict; reasons: string[]; assignWith: readonly string[] } {
  if (own.length > 0) {
    const reasons = own.map((r) => `The host needs it: ${r.text}.`);
    const others = g ? g.critical.filter((a) => a !== address) : EMPTY_LIST;
    if (others.length > 0) {
      const shown = others.slice(0, 8).map((a) => criticalSummary(a, critical.reasons.get(a) ?? []));
      reasons.push(`${g!.opening} also holds host-critical ${listing(shown)}${others.length > 8 ? ` and ${others.length - 8} more` : ''}.`);
    }
    return { verdict: 'host-critical', reasons, assignWith: EMPTY_LIST };
  }
  if (!g) return { verdict: 'blocked', reasons: ['It is in no IOMMU group: no IOMMU translates its DMA, so VFIO cannot assign it.'], assignWith: EMPTY_LIST };
  const label = g.group.label;
  const opening = g.opening;
  if (g.critical.length > 0) {
    const crit = g.critical.map((a) => criticalSummary(a, critical.reasons.get(a) ?? []));
    const shared = `${opening} also holds ${listing(crit)}, which the host needs: VFIO assigns whole groups only, so this device cannot be passed through while they share it.`;
    const remedy = integrated(d, index)
      ? 'It is built into the CPU or chipset, so no slot change helps; pcie_acs_override would only hide the sharing, not make it safe.'
      : 'A slot whose port isolates (ACS) would give it a group of its own; pcie_acs_override would only hide the sharing, not make it safe.';
    return { verdict: 'blocked', reasons: [shared, remedy], assignWith: EMPTY_LIST };
  }
  if (bridge) {
    const reasons = g.endpoints.length > 0
      ? [`A PCI bridge is not assigned to a VM: it stays on the host while the devices of ${label} go to the VM.`, `${opening} holds ${names(index, g.endpoints)}.`]
      : [`A PCI bridge is not assigned to a VM, and ${label} holds nothing else to assign: it stays on the host.`];
    return { verdict: g.verdict, reasons, assignWith: EMPTY_LIST };
  }
  // No critical device is in the group here: every other endpoint goes along.
  const assignWith = lastingFilter(g.endpoints, (a) => a !== address);
  let verdict: Verdict = 'ready';
  let sharing: string;
  if (assignWith.length === 0) {
    sharing = `Alone in ${label}: it can be assigned to a VM by itself.`;
  } else {
    const sameDevice: string[] = [];
    const otherDevices: string[] = [];
    // A group of one endpoint has no units: that endpoint is another device (this address listed
    // twice, as a bridge first), which goes along as a separate one.
    const units = g.endpointUnits;
    const at = units === null ? -1 : g.endpoints.indexOf(address);
    const mine = at < 0 ? undefined : units![at];
    for (let i = 0; i < g.endpoints.length; i++) {
      const a = g.endpoints[i]!;
      if (a !== address) (units !== null && units[i] === mine ? sameDevice : otherDevices).push(a);
    }
    if (otherDevices.length > 0) {
      verdict = 'whole-group';
      sharing = `${opening} also holds ${names(index, otherDevices)}: it can only be assigned together with ${otherDevices.length === 1 ? 'it' : 'them'}${sameDevice.length > 0 ? ` (and its other functions ${names(index, sameDevice)})` : ''}, to the same VM, every endpoint bound to vfio-pci.`;
    } else {
      // Group members come in enumeration order already.
      const fns = g.endpoints.filter((a) => a === address || sameDevice.includes(a)).map(shortAddress);
      sharing = `${opening} holds only functions of this device (${listing(fns)}): assign them together to the same VM.`;
    }
  }
  // An endpoint is no bridge (unless its address is listed twice): the group's sentence fits.
  const bridgeLine = g.bridges.includes(address) ? bridgeSentence(index, g.bridges.filter((b) => b !== address)) : g.bridgeLine;
  return { verdict, reasons: bridgeLine ? [sharing, bridgeLine] : [sharing], assignWith };
}

/** Like deviceReasons, built as array literals: one or two reasons. */
function groupReasons(g: GroupFacts, index: DeviceIndex, critical: HostCriticalFacts): string[] {
  const opening = g.opening;
  if (g.critical.length > 0) {
    const crit = g.critical.map((a) => criticalSummary(a, critical.reasons.get(a) ?? []));
    return [g.verdict === 'host-critical'
      ? `${opening} holds only devices the host needs: ${listing(crit)}.`
      : `${opening} holds ${listing(crit)}, which the host needs, so none of its other devices can be passed through.`];
  }
  if (g.endpoints.length === 0) return [`${opening} holds only PCI bridges (${names(index, g.bridges)}); nothing in it is assigned to a VM.`];
  const holds = g.verdict === 'whole-group' ? `${opening} holds ${g.unitCount} separate devices (${names(index, g.endpoints)}): they can only go to one VM together.`
    : g.endpoints.length === 1 ? `${opening} holds one device to assign: ${names(index, g.endpoints)}.`
    : `${opening} holds the functions of one device: ${names(index, g.endpoints)}.`;
  return g.bridgeLine ? [holds, g.bridgeLine] : [holds];
}

/** Ownership problems VFIO would refuse: a VM takes part of a group, or two VMs share one. */
function ownershipNotes(g: GroupFacts, owners: Map<string, string[]>, index: DeviceIndex): Map<string, string> {
  const notes = new Map<string, string>();
  const vms = new Set(g.endpoints.flatMap((a) => owners.get(a) ?? []));
  for (const vm of vms) {
    const missing = g.endpoints.filter((a) => !(owners.get(a) ?? []).includes(vm));
    if (missing.length === 0) continue;
    const text = `VM "${vm}" assigns it, but ${g.group.label} also holds ${names(index, missing)}, which "${vm}" does not assign: the VM starts only if ${missing.length === 1 ? 'that device is' : 'those devices are'} bound to vfio-pci (or to no driver) and ${missing.length === 1 ? 'is' : 'are'} not used elsewhere.`;
    for (const a of g.endpoints) if ((owners.get(a) ?? []).includes(vm)) notes.set(a, text);
  }
  return notes;
}

/** Class 01xx (storage), 02xx (network) or 03xx (display): what the host may itself be using. */
function storageNetworkOrDisplay(classCode: string | null): boolean {
  if (classCode === null || classCode.charCodeAt(0) !== 0x30) return false;
  const c = classCode.charCodeAt(1);
  return c >= 0x31 && c <= 0x33;
}

/** NUMA lines by node: a host has a few nodes, and every device names one. */
const numaLines = new Map<number, string>();

function numaLine(node: number): string {
  let line = numaLines.get(node);
  if (line === undefined) {
    line = node < 0 ? 'no NUMA node (single-node host or not reported)' : `NUMA node ${node}: pin the VM's CPUs and memory to it`;
    // Bound the memo against odd inputs.
    if (numaLines.size < 64) numaLines.set(node, line);
  }
  return line;
}

/**
 * Verdicts for every device and group. `groupNote` is added to the reasons of every grouped
 * device (the groups are predicted, not the kernel's: say why and what that means).
 */
export function passthroughVerdicts(
  snapshot: Snapshot, index: DeviceIndex, groups: readonly AnalysisGroup[], critical: HostCriticalFacts, groupNote: string | null,
): VerdictResult {
  // Each function's group facts, by index position.
  const groupAt = new Array<GroupFacts | undefined>(index.firstListings.length).fill(undefined);
  const groupVerdicts: GroupVerdict[] = [];
  const owners = ownersByDevice(snapshot);
  const ownership = new Map<string, string>();
  for (const group of groups) {
    const g = groupFacts(group, index, critical, groupAt);
    groupVerdicts.push({
      id: group.id, label: group.label, predicted: group.predicted, type: group.type, devices: group.devices,
      verdict: g.verdict, reasons: groupReasons(g, index, critical),
    });
    if (owners) for (const [a, text] of ownershipNotes(g, owners, index)) ownership.set(a, text);
  }

  // Every device's details are appended here, then its own copied out at their exact size: a
  // list grown by push keeps room for 16 more entries, and emptying a list (length = 0) drops
  // its storage, so a list emptied per device would grow anew for each.
  const allDetails: string[] = [];
  const devices = snapshot.devices.map((d): DeviceVerdict => {
    const at = index.positionOf(d.address);
    const g = (at < 0 ? undefined : groupAt[at]) ?? null;
    const hostCritical = critical.reasons.get(d.address);
    const bridge = isPciBridge(d);
    const { verdict, reasons, assignWith } = deviceReasons(d, d.address, g, index, critical, hostCritical ?? EMPTY_LIST, bridge);
    const driver = driverState(d);
    const ownerVms = owners ? owners.get(d.address) ?? EMPTY_LIST : null;
    const reset = resetInfo(d, index);
    const link = linkInfo(d, index);
    const cautions = critical.cautions.get(d.address);
    const first = allDetails.length;
    if (cautions) allDetails.push(...cautions);
    if (!critical.hostUsageKnown && verdict !== 'host-critical' && storageNetworkOrDisplay(d.classCode)) {
      allDetails.push('whether the host uses it (root filesystem, management network, console) is not known: host usage was not collected or not readable');
    }
    const assignable = !bridge && verdict !== 'host-critical';
    allDetails.push(driverText(driver, assignable));
    if (ownerVms !== null) {
      allDetails.push(ownerVms.length > 0 ? `assigned to VM ${ownerVms.map((v) => `"${v}"`).join(', ')} (libvirt <hostdev>)` : 'no libvirt VM assigns it');
    }
    const own = ownership.get(d.address);
    if (own) allDetails.push(own);
    if (assignable) allDetails.push(reset.text);
    if (d.numaNode !== null) allDetails.push(numaLine(d.numaNode));
    const linkLine = linkSummary(link);
    if (linkLine) allDetails.push(linkLine);
    return {
      address: d.address, name: index.name(d.address), group: g ? g.group.id : null, verdict,
      // Concatenated rather than pushed: the reasons stay a list of their exact size.
      reasons: groupNote && g ? reasons.concat(groupNote) : reasons,
      bridge, hostCritical: hostCritical ?? EMPTY_LIST, assignWith,
      driver, ownerVms, numaNode: d.numaNode, reset, link, details: allDetails.slice(first),
    };
  });
  return { devices, groups: groupVerdicts };
}

/** "01:00.0" list of the VM-owned devices that are not on this host (a stale or foreign XML). */
export function unknownHostdevs(snapshot: Snapshot, index: DeviceIndex): string[] {
  if (!snapshot.libvirt) return [];
  const out: string[] = [];
  for (const dom of snapshot.libvirt.domains) {
    for (const h of dom.hostdevs) {
      if (!index.get(h.address)) out.push(`VM "${dom.name}" assigns ${shortAddress(h.address)}, which is not on this host`);
    }
  }
  return out;
}
