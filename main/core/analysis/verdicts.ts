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
import { EMPTY_LIST, isPciBridge, listing, without, type DeviceIndex } from './device-index.ts';
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
  /**
   * Words every device of the group would otherwise build anew, worked out for the first that
   * needs them: criticalSummary of each `critical` address, by position; the sentence a blocked
   * device starts with; the sentence of an endpoint whose group holds only functions of its device.
   */
  criticalSummaries: readonly string[] | null;
  sharedWithCritical: string | null;
  onlyOwnFunctions: string | null;
}

/** The function of a listed address is a PCI bridge (an address the index lacks is none). */
const isBridgeFn = (d: PciFunction | undefined): boolean => d !== undefined && isPciBridge(d);

/** How many distinct entries a short list has (a group's endpoint units: a few at most). */
function distinctCount(list: readonly string[]): number {
  let count = 0;
  for (let i = 0; i < list.length; i++) if (list.indexOf(list[i]!) === i) count++;
  return count;
}

/**
 * `groupAt` gets the facts at the index position (DeviceIndex.positionOf) of each listed address
 * the index has (a later group listing it again wins); every function of that address, a
 * repeated listing too, finds its group there. An address the index lacks is no device's: it is
 * left out. `criticalAt`: the host-critical reasons of each index position (critical.reasons of
 * its address).
 */
function groupFacts(
  group: AnalysisGroup, index: DeviceIndex, critical: HostCriticalFacts,
  criticalAt: readonly (readonly CriticalReason[] | undefined)[], groupAt: (GroupFacts | undefined)[],
): GroupFacts {
  const devices = group.devices;
  // Filled in below; made first so that the one pass over the members can mark their positions.
  const facts: GroupFacts = {
    group, opening: capitalize(group.label), endpoints: devices, bridges: EMPTY_LIST, critical: EMPTY_LIST,
    endpointUnits: null, unitCount: devices.length, verdict: 'ready', bridgeLine: null,
    criticalSummaries: null, sharedWithCritical: null, onlyOwnFunctions: null,
  };
  // Each listed address's function (undefined where the index lacks it), looked up once for all
  // the questions below; kept only where members are compared. Plain loops rather than callbacks:
  // every group of the host is asked.
  const listed = devices.length > 1 ? new Array<PciFunction | undefined>(devices.length) : null;
  // Most groups hold neither: their lists stay the shared empty one.
  let bridges: string[] | null = null;
  let crit: string[] | null = null;
  for (let i = 0; i < devices.length; i++) {
    const a = devices[i]!;
    const p = index.positionOf(a);
    if (p >= 0) groupAt[p] = facts;
    const d = p < 0 ? undefined : index.firstListings[p];
    if (listed) listed[i] = d;
    // Lists of one to start with: a list grown by push from empty keeps room for 16 more.
    if ((p < 0 ? critical.reasons.get(a) : criticalAt[p]) !== undefined) {
      if (crit) crit.push(a);
      else crit = [a];
    }
    if (isBridgeFn(d)) {
      if (bridges) bridges.push(a);
      else bridges = [a];
    }
  }
  // Without bridges every listed device is an endpoint: no copies of the lists.
  let endpointFns = listed;
  if (bridges) {
    // Lists of their exact size (every listed device that is no bridge). A group of one bridge
    // (no list of functions kept) has no endpoint.
    const count = devices.length - bridges.length;
    const kept = new Array<string>(count);
    endpointFns = new Array<PciFunction | undefined>(count);
    if (listed) {
      for (let i = 0, j = 0; j < count; i++) {
        if (isBridgeFn(listed[i])) continue;
        kept[j] = devices[i]!;
        endpointFns[j++] = listed[i];
      }
    }
    facts.endpoints = count > 0 ? kept : EMPTY_LIST;
    facts.bridges = bridges;
    facts.bridgeLine = bridgeSentence(index, bridges);
  }
  const endpoints = facts.endpoints;
  facts.unitCount = endpoints.length;
  if (endpoints.length > 1) {
    // Several endpoints: the members' functions were kept.
    const units = new Array<string>(endpoints.length);
    for (let i = 0; i < endpoints.length; i++) units[i] = unitOf(endpointFns![i], endpoints[i]!);
    facts.endpointUnits = units;
    facts.unitCount = distinctCount(units);
  }
  if (crit) {
    facts.critical = crit;
    facts.verdict = onlyCriticalOrBridges(devices, crit, bridges ?? EMPTY_LIST) ? 'host-critical' : 'blocked';
  } else if (facts.unitCount > 1) facts.verdict = 'whole-group';
  return facts;
}

/**
 * Only bridges with nothing critical below them may sit beside critical devices unharmed. A loop
 * of its own: a callback in groupFacts that captured its lists would make every group allocate a
 * context for them.
 */
function onlyCriticalOrBridges(devices: readonly string[], crit: readonly string[], bridges: readonly string[]): boolean {
  for (const a of devices) if (!crit.includes(a) && !bridges.includes(a)) return false;
  return true;
}

/** criticalSummary of each of the group's critical addresses, in their order. */
function criticalSummaries(g: GroupFacts, critical: HostCriticalFacts): readonly string[] {
  return (g.criticalSummaries ??= g.critical.map((a) => criticalSummary(a, critical.reasons.get(a) ?? [])));
}

function names(index: DeviceIndex, addresses: readonly string[], max = 6): string {
  if (addresses.length === 1) return index.name(addresses[0]!);
  // A loop rather than map() with a callback that captures the index: groups and devices ask.
  const shown = new Array<string>(Math.min(addresses.length, max));
  for (let i = 0; i < shown.length; i++) shown[i] = index.name(addresses[i]!);
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
    // The group's other critical devices, the first 8 named.
    let others = 0;
    const shown: string[] = [];
    if (g) {
      for (let i = 0; i < g.critical.length; i++) {
        if (g.critical[i] === address) continue;
        if (others < 8) shown.push(criticalSummaries(g, critical)[i]!);
        others++;
      }
    }
    if (others > 0) {
      reasons.push(`${g!.opening} also holds host-critical ${listing(shown)}${others > 8 ? ` and ${others - 8} more` : ''}.`);
    }
    return { verdict: 'host-critical', reasons, assignWith: EMPTY_LIST };
  }
  if (!g) return { verdict: 'blocked', reasons: ['It is in no IOMMU group: no IOMMU translates its DMA, so VFIO cannot assign it.'], assignWith: EMPTY_LIST };
  const label = g.group.label;
  const opening = g.opening;
  if (g.critical.length > 0) {
    // The same for every device of the group.
    const shared = (g.sharedWithCritical ??= `${opening} also holds ${listing(criticalSummaries(g, critical))}, which the host needs: VFIO assigns whole groups only, so this device cannot be passed through while they share it.`);
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
  const assignWith = without(g.endpoints, address);
  let verdict: Verdict = 'ready';
  let sharing: string;
  // A group of one endpoint has no units: that endpoint is another device (this address listed
  // twice, as a bridge first), which goes along as a separate one.
  const units = g.endpointUnits;
  const at = units === null ? -1 : g.endpoints.indexOf(address);
  if (assignWith.length === 0) {
    sharing = `Alone in ${label}: it can be assigned to a VM by itself.`;
  } else if (at >= 0 && g.unitCount === 1) {
    // Every endpoint is a function of this device: the same sentence for each of them. Group
    // members come in enumeration order already.
    sharing = (g.onlyOwnFunctions ??= `${opening} holds only functions of this device (${listing(g.endpoints.map(shortAddress))}): assign them together to the same VM.`);
  } else {
    const sameDevice: string[] = [];
    const otherDevices: string[] = [];
    const mine = at < 0 ? undefined : units![at];
    for (let i = 0; i < g.endpoints.length; i++) {
      const a = g.endpoints[i]!;
      if (a !== address) (units !== null && units[i] === mine ? sameDevice : otherDevices).push(a);
    }
    // Units that differ: other devices go along.
    verdict = 'whole-group';
    sharing = `${opening} also holds ${names(index, otherDevices)}: it can only be assigned together with ${otherDevices.length === 1 ? 'it' : 'them'}${sameDevice.length > 0 ? ` (and its other functions ${names(index, sameDevice)})` : ''}, to the same VM, every endpoint bound to vfio-pci.`;
  }
  // An endpoint is no bridge (unless its address is listed twice): the group's sentence fits.
  const bridgeLine = g.bridges.includes(address) ? bridgeSentence(index, without(g.bridges, address)) : g.bridgeLine;
  return { verdict, reasons: bridgeLine ? [sharing, bridgeLine] : [sharing], assignWith };
}

/** Like deviceReasons, built as array literals: one or two reasons. */
function groupReasons(g: GroupFacts, index: DeviceIndex, critical: HostCriticalFacts): string[] {
  const opening = g.opening;
  if (g.critical.length > 0) {
    const crit = criticalSummaries(g, critical);
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

/** A map's values by the index position of their address (an address the index lacks is left out). */
function byPosition<T>(map: ReadonlyMap<string, T>, index: DeviceIndex): (T | undefined)[] {
  const at = new Array<T | undefined>(index.firstListings.length).fill(undefined);
  map.forEach((value, address) => {
    const p = index.positionOf(address);
    if (p >= 0) at[p] = value;
  });
  return at;
}

/**
 * Verdicts for every device and group, in the order of snapshot.devices (`index` is the
 * DeviceIndex of that list). `groupNote` is added to the reasons of every grouped device (the
 * groups are predicted, not the kernel's: say why and what that means).
 */
export function passthroughVerdicts(
  snapshot: Snapshot, index: DeviceIndex, groups: readonly AnalysisGroup[], critical: HostCriticalFacts, groupNote: string | null,
): VerdictResult {
  // Each function's group facts, host-critical reasons and cautions, by index position: the maps
  // have an entry for a few devices, and every device asks.
  const groupAt = new Array<GroupFacts | undefined>(index.firstListings.length).fill(undefined);
  const criticalAt = byPosition(critical.reasons, index);
  const cautionsAt = byPosition(critical.cautions, index);
  const groupVerdicts: GroupVerdict[] = [];
  const owners = ownersByDevice(snapshot);
  const ownership = new Map<string, string>();
  // Indexed: this runs once per analysis, largely before the optimizing compiler has it, where
  // for...of allocates an iteration result per group.
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i]!;
    const g = groupFacts(group, index, critical, criticalAt, groupAt);
    groupVerdicts.push({
      id: group.id, label: group.label, predicted: group.predicted, type: group.type, devices: group.devices,
      verdict: g.verdict, reasons: groupReasons(g, index, critical),
    });
    if (owners) for (const [a, text] of ownershipNotes(g, owners, index)) ownership.set(a, text);
  }

  // Each device's details are set here, then copied out at their exact size: a list grown by
  // push keeps room for 16 more entries, and emptying a list (length = 0) drops its storage, so
  // this one is only ever overwritten, its entries counted.
  const details: string[] = [];
  const devices = index.devices.map((d, i): DeviceVerdict => {
    const at = index.positionAt(i);
    const g = groupAt[at] ?? null;
    const hostCritical = criticalAt[at];
    const bridge = isPciBridge(d);
    const { verdict, reasons, assignWith } = deviceReasons(d, d.address, g, index, critical, hostCritical ?? EMPTY_LIST, bridge);
    const driver = driverState(d);
    const ownerVms = owners ? owners.get(d.address) ?? EMPTY_LIST : null;
    const reset = resetInfo(d, index, at);
    const link = linkInfo(d, index, at);
    const cautions = cautionsAt[at];
    let count = 0;
    if (cautions) for (const c of cautions) details[count++] = c;
    if (!critical.hostUsageKnown && verdict !== 'host-critical' && storageNetworkOrDisplay(d.classCode)) {
      details[count++] = 'whether the host uses it (root filesystem, management network, console) is not known: host usage was not collected or not readable';
    }
    const assignable = !bridge && verdict !== 'host-critical';
    details[count++] = driverText(driver, assignable);
    if (ownerVms !== null) {
      details[count++] = ownerVms.length > 0 ? `assigned to VM ${ownerVms.map((v) => `"${v}"`).join(', ')} (libvirt <hostdev>)` : 'no libvirt VM assigns it';
    }
    // Only with libvirt's domains read: no lookup otherwise.
    const own = ownership.size > 0 ? ownership.get(d.address) : undefined;
    if (own) details[count++] = own;
    if (assignable) details[count++] = reset.text;
    if (d.numaNode !== null) details[count++] = numaLine(d.numaNode);
    const linkLine = linkSummary(link);
    if (linkLine) details[count++] = linkLine;
    return {
      address: d.address, name: index.nameAt(at), group: g ? g.group.id : null, verdict,
      // Concatenated rather than pushed: the reasons stay a list of their exact size.
      reasons: groupNote && g ? reasons.concat(groupNote) : reasons,
      bridge, hostCritical: hostCritical ?? EMPTY_LIST, assignWith,
      driver, ownerVms, numaNode: d.numaNode, reset, link, details: details.slice(0, count),
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
