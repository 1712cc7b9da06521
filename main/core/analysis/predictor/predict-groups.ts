/**
 * The group selection for every device, in the kernel's probe order (spec 1.1 and 1.7, kernel
 * `pci_device_group` in drivers/iommu/iommu.c): the alias walk, the upward ACS walk, the same-bus
 * alias search (H1), the function search (H2), else a new group.
 */
import { parseKernelCommandLine } from '../../parsers/cmdline.ts';
import type { KernelCommandLine, PcieType, Snapshot } from '../../model/snapshot.ts';
import { readAcsCommandLine, acsChangeFor, type AcsCommandLine, type SpecTarget } from './acs-params.ts';
import { aliasFacts, type AliasFacts } from './dma-aliases.ts';
import { inferIsolationFromGroups } from './infer.ts';
import { Isolation, type IsolationContext, type PathLink, type Verdict } from './isolation.ts';
import { ReasonSet, reasonSentence, shortAddress, typeLabel } from './reasons.ts';
import { Topology, hexId, isRootBus, slotOf, type TopoBus, type TopoFunction } from './topology.ts';
import type { GroupReason, PredictedGroup, PredictionResult, PredictOptions, Uncertainty } from './types.ts';

/** The kernel's groups in a snapshot, by device address (from the group list, else per device). */
export function kernelGroupOf(snapshot: Snapshot): Map<string, number> {
  const groupOf = new Map<string, number>();
  for (const g of snapshot.groups) for (const d of g.devices) groupOf.set(d, g.id);
  if (groupOf.size === 0) {
    for (const d of snapshot.devices) if (d.iommuGroup !== null) groupOf.set(d.address, d.iommuGroup);
  }
  return groupOf;
}

/**
 * kernelGroupOf(snapshot) as the grouping asks it: for each function of the topology, and how
 * many addresses each group has. Every address is looked up once, in the topology, instead of
 * being put in a map of its own that each function then looks up again.
 */
export interface KernelGrouping {
  /** Whether the snapshot shows any kernel group: kernelGroupOf(snapshot).size > 0. */
  present: boolean;
  /** The group of each function, by TopoFunction.index: kernelGroupOf(snapshot).get(address). */
  ofFunction: readonly (number | undefined)[];
  /** The number of addresses kernelGroupOf(snapshot) puts in each group. */
  size: ReadonlyMap<number, number>;
}

function kernelGrouping(topology: Topology, snapshot: Snapshot): KernelGrouping {
  const ofFunction = new Array<number | undefined>(topology.functions.length).fill(undefined);
  // Addresses not in the topology (devices removed for a what-if, unreadable addresses) only
  // count in the sizes; the last group that lists an address wins, as in kernelGroupOf.
  const outside = new Map<string, number>();
  const assign = (address: string, group: number) => {
    const f = topology.get(address);
    if (f) ofFunction[f.index] = group;
    else outside.set(address, group);
  };
  // Indexed loops over every group member and function, here and in the other steps that run once
  // per prediction: such a step runs largely before the optimizing compiler takes it over, and
  // for...of allocates an iteration result per entry until then.
  const { groups, devices } = snapshot;
  const listed = groups.some((g) => g.devices.length > 0);
  if (listed) {
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i]!;
      for (let j = 0; j < g.devices.length; j++) assign(g.devices[j]!, g.id);
    }
  } else {
    for (let i = 0; i < devices.length; i++) {
      const d = devices[i]!;
      if (d.iommuGroup !== null) assign(d.address, d.iommuGroup);
    }
  }
  const size = new Map<number, number>();
  const count = (g: number) => size.set(g, (size.get(g) ?? 0) + 1);
  for (let i = 0; i < ofFunction.length; i++) {
    const g = ofFunction[i];
    if (g !== undefined) count(g);
  }
  outside.forEach(count);
  return { present: size.size > 0, ofFunction, size };
}

interface GroupState {
  id: number;
  members: TopoFunction[];
  reasons: ReasonSet;
  uncertain: boolean;
}

/**
 * What findGroup found for the device being assigned: the first `reasonCount` reasons and
 * `guessCount` guesses of the lists. The lists are overwritten device by device rather than
 * emptied: emptying a list (length = 0) drops its storage, and the next reason would grow it
 * anew, with room for 16 more, for every device that notes one.
 */
class Trace {
  readonly reasons: GroupReason[] = [];
  reasonCount = 0;
  readonly guesses: { device: TopoFunction; what: string }[] = [];
  guessCount = 0;

  reason(r: GroupReason): void {
    this.reasons[this.reasonCount++] = r;
  }

  guess(device: TopoFunction, what: string): void {
    this.guesses[this.guessCount++] = { device, what };
  }
}

/**
 * Why a requester ID of the alias walk is there: `device`, the device itself or the VMD endpoint
 * that issues its DMA; else the kind of bridge on the way up that takes the devices' DMA over.
 */
type AliasKind = 'device' | 'pcie-to-pci' | 'pci-to-pcie' | 'conventional';

/** The alias a bridge on the way up adds for the devices below it (spec 1.6), or null for none. */
function bridgeAliasKind(t: TopoFunction): AliasKind | null {
  switch (t.type) {
    case 'pcie-to-pci-bridge': return 'pcie-to-pci';
    case 'pci-to-pcie-bridge': return 'pci-to-pcie';
    case 'conventional': return 'conventional';
    default: return null;
  }
}

/** Whether the running kernel acts on `pcie_acs_override=` (spec 1.11 "Detect"). */
function overrideStatus(snapshot: Snapshot, params: AcsCommandLine, explicitCmdline: boolean): { active: boolean; note: string | null } {
  if (!params.override) return { active: false, note: null };
  if (explicitCmdline) return { active: true, note: 'pcie_acs_override assumes a kernel carrying the out-of-tree ACS override patch' };
  const dmesg = snapshot.iommu.dmesg;
  if (dmesg.some((e) => e.id === 'pci.override')) return { active: true, note: null };
  if (dmesg.some((e) => e.id === 'boot.unknownParams' && e.text.includes('pcie_acs_override'))) {
    return { active: false, note: 'pcie_acs_override= is on the command line but the kernel listed it as unknown: it lacks the override patch, so the token has no effect' };
  }
  return { active: true, note: 'pcie_acs_override= is on the command line but dmesg does not confirm the kernel acts on it (no "PCIe ACS overrides enabled" warning); predicted as if it does' };
}

function pchWorkaroundState(snapshot: Snapshot): (address: string) => 'enabled' | 'failed' | 'unknown' {
  const ok = new Set<string>();
  const failed = new Set<string>();
  // Indexed, as in kernelGrouping: a log line per function.
  const dmesg = snapshot.iommu.dmesg;
  for (let i = 0; i < dmesg.length; i++) {
    const e = dmesg[i]!;
    if (e.device === null) continue;
    if (e.id === 'pci.pchAcsOk') ok.add(e.device);
    if (e.id === 'pci.pchAcsFail') failed.add(e.device);
  }
  // The workaround acts on the chipset as a whole: one port's outcome speaks for the others.
  return (address) => {
    if (ok.has(address)) return 'enabled';
    if (failed.has(address)) return 'failed';
    if (failed.size > 0) return 'failed';
    if (ok.size > 0) return 'enabled';
    return 'unknown';
  };
}

function ivrsPresent(snapshot: Snapshot): boolean | null {
  const tables = snapshot.iommu.firmwareTables;
  if (tables) return tables.includes('IVRS');
  if (snapshot.iommu.vendor === 'amd') return true;
  if (snapshot.iommu.vendor === 'intel' || snapshot.iommu.vendor === 'none') return false;
  return null;
}

/** A device the IOMMU does not translate for gets no group (spec 1.1); say how we know. */
function notCoveredWhy(f: TopoFunction, kernelGroups: KernelGrouping): string | null {
  if (f.hypothetical) return null;
  if (f.vendorId === 0x1022 && f.source.classCode === '0806') return 'the AMD IOMMU\'s own PCI function: the IOMMU does not translate for itself';
  if (kernelGroups.present && kernelGroups.ofFunction[f.index] === undefined) {
    return 'the kernel has groups but put this device in none: it is outside the IOMMU\'s device scope';
  }
  return null;
}

class GroupingRun {
  private readonly groups: GroupState[] = [];
  /** The group of each function assigned so far, by TopoFunction.index. */
  private readonly groupOf: (GroupState | undefined)[];
  private readonly guesses = new Map<TopoFunction, { what: Set<string>; affects: Set<TopoFunction> }>();
  /** Whether the IOMMU translates for each function (gets a group), by TopoFunction.index. */
  private readonly covered: boolean[] = [];
  readonly notCovered: { device: string; why: string }[] = [];
  /** What findGroup found for the device being assigned; cleared for each device. */
  private readonly trace = new Trace();
  /**
   * The devfns the same-bus searches for the device being assigned have visited (spec 1.7's
   * shared visited set), marked with that device's stamp: no set to allocate per device.
   * A devfn is (device << 3) | function, below 256.
   */
  private readonly visitedStamp = new Uint32Array(256);
  private stamp = 0;

  constructor(
    private readonly topology: Topology,
    private readonly isolation: Isolation,
    private readonly aliases: AliasFacts,
    kernelGroups: KernelGrouping,
  ) {
    this.groupOf = new Array<GroupState | undefined>(topology.functions.length).fill(undefined);
    // Indexed, here and in run(), as in kernelGrouping.
    for (let i = 0; i < topology.functions.length; i++) {
      const f = topology.functions[i]!;
      const why = notCoveredWhy(f, kernelGroups);
      if (why) this.notCovered.push({ device: f.address, why });
      this.covered.push(why === null);
    }
  }

  run(): void {
    const order = this.topology.enumerationOrder();
    for (let i = 0; i < order.length; i++) {
      const f = order[i]!;
      if (this.covered[f.index]) this.assign(f);
    }
  }

  private assign(d: TopoFunction): void {
    const trace = this.trace;
    trace.reasonCount = 0;
    trace.guessCount = 0;
    let group = this.findGroup(d, trace);
    if (group) group.members.push(d);
    else {
      // Most groups get no other member: a list grown by push would keep room for 16 more.
      group = { id: this.groups.length, members: [d], reasons: new ReasonSet(), uncertain: false };
      this.groups.push(group);
    }
    this.groupOf[d.index] = group;
    for (let i = 0; i < trace.reasonCount; i++) group.reasons.add(trace.reasons[i]!);
    for (let i = 0; i < trace.guessCount; i++) {
      const g = trace.guesses[i]!;
      group.uncertain = true;
      const entry = this.guesses.get(g.device) ?? { what: new Set<string>(), affects: new Set<TopoFunction>() };
      entry.what.add(g.what);
      entry.affects.add(d);
      this.guesses.set(g.device, entry);
    }
  }

  private findGroup(d: TopoFunction, trace: Trace): GroupState | null {
    // 1. Alias walk (spec 1.6): the owners of the requester IDs the IOMMU may see for `d`, in
    // walk order; the first that already has a group decides.
    const start = this.aliases.vmdOwner(d) ?? d;
    const own = this.groupOf[start.index];
    if (own) {
      trace.reason(this.pairReason(start, 'device', d));
      return own;
    }
    let last = start;
    const walked = start.onBus.walkEnds ? null : new Set<TopoBus>();
    for (let bus: TopoBus | null = start.onBus; bus !== null && !isRootBus(bus) && !walked?.has(bus); bus = bus.parent) {
      walked?.add(bus);
      const t = bus.bridge;
      if (!t) continue;
      if (this.aliases.isTranslationRoot(t)) break;
      const kind = bridgeAliasKind(t);
      if (kind === null) continue;
      last = t;
      const g = this.groupOf[t.index];
      if (g) {
        trace.reason(this.pairReason(t, kind, d));
        return g;
      }
    }
    // 2. Upward ACS walk from the top-most alias owner.
    let p = last;
    const seen = p.onBus.walkEnds ? null : new Set<TopoBus>();
    for (let bus: TopoBus | null = p.onBus; bus !== null && !isRootBus(bus) && !seen?.has(bus); bus = bus.parent) {
      seen?.add(bus);
      const t = bus.bridge;
      if (!t) continue;
      const path = this.isolation.pathIsolated(t);
      this.notePath(path.chain, trace);
      if (path.isolated) {
        for (const link of path.chain) this.notePositive(link.bridge, link.verdict, d, trace);
        break;
      }
      p = t;
      const g = this.groupOf[t.index];
      if (g) {
        for (const link of path.chain) if (!link.verdict.isolating) trace.reason(this.bridgeReason(link, d));
        return g;
      }
    }
    // 3-4. Same-bus alias search, then function search (shared visited set of devfns).
    this.stamp++;
    return this.aliasSearch(p, d, trace) ?? this.functionSearch(p, d, trace);
  }

  /** Marks the devfn visited for the current device; false when it already was. */
  private visit(devfn: number): boolean {
    if (this.visitedStamp[devfn] === this.stamp) return false;
    this.visitedStamp[devfn] = this.stamp;
    return true;
  }

  /** H1 (spec 1.7): a group held by `x` or by a DMA alias of it on the same bus. */
  private aliasSearch(x: TopoFunction, d: TopoFunction, trace: Trace): GroupState | null {
    if (!this.visit(x.devfn)) return null;
    const own = this.groupOf[x.index];
    if (own) return own;
    // On a bus where nothing has aliases the search below finds and notes nothing.
    if (!this.aliases.anyOnBus(x.onBus)) return null;
    for (const t of x.onBus.functions) {
      if (t === x) continue;
      const why = this.aliases.unpredictable(t);
      if (why) trace.guess(t, why);
      const link = this.aliasLink(x, t);
      if (!link) continue;
      const g = this.aliasSearch(t, d, trace) ?? this.functionSearch(t, d, trace);
      if (g) {
        trace.reason({ kind: 'dma-alias', device: link.from.address, alias: link.to.address, source: link.source, devices: [x.address, t.address, d.address] });
        return g;
      }
    }
    return null;
  }

  /** H2 (spec 1.7): a group held by a non-isolating function of the same slot (or its aliases). */
  private functionSearch(x: TopoFunction, d: TopoFunction, trace: Trace): GroupState | null {
    if (!x.multifunction) return null;
    // The other functions of x's slot are read off the bus in place, without a list of them: this
    // search runs for nearly every device. `sameSlotScanned`: one of them is no VF, which the slot
    // scan finds.
    const onBus = x.onBus.functions;
    let sameSlot = false;
    let sameSlotScanned = false;
    for (const t of onBus) {
      if (t === x || t.device !== x.device) continue;
      sameSlot = true;
      if (!t.isVf) sameSlotScanned = true;
    }
    const vx = this.isolation.isolating(x);
    if (sameSlot) this.noteVerdict(x, vx, trace);
    if (vx.isolating) {
      if (sameSlotScanned) this.notePositive(x, vx, d, trace);
      return null;
    }
    for (const t of onBus) {
      if (t === x || t.device !== x.device) continue;
      const vt = this.isolation.isolating(t);
      this.noteVerdict(t, vt, trace);
      if (vt.isolating) {
        if (!t.isVf) this.notePositive(t, vt, d, trace);
        continue;
      }
      const g = this.aliasSearch(t, d, trace);
      if (g) {
        trace.reason({
          kind: 'multifunction-without-acs', slot: slotOf(x),
          functions: [{ address: x.address, missing: vx.detail }, { address: t.address, missing: vt.detail }],
          devices: [x.address, t.address, d.address],
        });
        return g;
      }
    }
    return null;
  }

  /** Kernel `pci_devs_are_dma_aliases` for two devices on one bus. */
  private aliasLink(x: TopoFunction, t: TopoFunction): { from: TopoFunction; to: TopoFunction; source: string } | null {
    // Indexed loops: this runs for every pair of devices on a bus, and most have no alias at all.
    const ofX = this.aliases.aliases(x);
    for (let i = 0; i < ofX.length; i++) if (ofX[i]!.devfn === t.devfn) return { from: x, to: t, source: ofX[i]!.source };
    const ofT = this.aliases.aliases(t);
    for (let i = 0; i < ofT.length; i++) if (ofT[i]!.devfn === x.devfn) return { from: t, to: x, source: ofT[i]!.source };
    return null;
  }

  private pairReason(owner: TopoFunction, kind: AliasKind, d: TopoFunction): GroupReason {
    const devices = [owner.address, d.address];
    switch (kind) {
      case 'device':
        // `d` itself has no group yet, so the owner that has one is its VMD endpoint.
        return { kind: 'dma-alias', device: d.address, alias: owner.address, source: 'Intel VMD', devices };
      case 'pcie-to-pci':
        return { kind: 'pcie-to-pci-bridge', bridge: owner.address, bridgeType: 'pcie-to-pci-bridge', devices };
      case 'pci-to-pcie':
        return { kind: 'pcie-to-pci-bridge', bridge: owner.address, bridgeType: 'pci-to-pcie-bridge', devices };
      case 'conventional':
        return { kind: 'conventional-bridge', bridge: owner.address, pcieBridgeAlias: this.aliases.hasPcieBridgeAliasFlag(owner), devices };
    }
  }

  private bridgeReason(link: PathLink, d: TopoFunction): GroupReason {
    const { bridge, verdict } = link;
    const devices = [bridge.address, d.address];
    if (verdict.by === 'quirk' && verdict.quirk) {
      return { kind: 'quirk', device: bridge.address, row: verdict.quirk.row, quirk: verdict.quirk.name, effect: 'not-isolating', detail: verdict.detail, devices };
    }
    return { kind: 'non-isolating-bridge', bridge: bridge.address, bridgeType: bridge.type, missing: verdict.detail, devices };
  }

  /** A quirk's or the override's "yes" that keeps `d` apart is part of the explanation. */
  private notePositive(f: TopoFunction, v: Verdict, d: TopoFunction, trace: Trace): void {
    if (!v.isolating) return;
    if (v.by === 'override' && v.token) {
      trace.reason({ kind: 'acs-override', device: f.address, token: v.token, devices: [f.address, d.address] });
    } else if (v.by === 'quirk' && v.quirk) {
      trace.reason({
        kind: 'quirk', device: f.address, row: v.quirk.row, quirk: v.quirk.name, effect: 'isolating', detail: v.detail, devices: [f.address, d.address],
      });
    }
  }

  private noteVerdict(f: TopoFunction, v: Verdict, trace: Trace): void {
    if (v.uncertain) trace.guess(f, v.uncertain);
  }

  /** A path answer depends on guesses only when no certain "not isolating" decides it anyway. */
  private notePath(chain: readonly PathLink[], trace: Trace): void {
    if (chain.some((l) => !l.verdict.isolating && !l.verdict.uncertain)) return;
    for (const l of chain) this.noteVerdict(l.bridge, l.verdict, trace);
  }

  private aloneDetail(f: TopoFunction): string {
    const position = isRootBus(f.onBus)
      ? f.isBridge ? rootBusBridgeDetail(f.type) : 'an integrated device on the root bus'
      : f.isVf ? 'an SR-IOV VF (never multifunction) and every bridge above it isolates' : 'every bridge above it isolates (ACS)';
    if (f.isVf || !this.topology.hasSlotSiblings(f)) return position;
    const own = this.isolation.isolating(f);
    return own.isolating
      ? `${position}; it isolates from the other functions of its slot (${own.detail})`
      : `${position}; the other functions of its slot isolate`;
  }

  result(): { predicted: PredictedGroup[]; uncertain: Uncertainty[] } {
    const predicted = this.groups.map((g): PredictedGroup => {
      const reasons = this.reasonsOf(g);
      return {
        id: g.id, devices: g.members.map((m) => m.address), reason: reasonSentence(reasons), reasons, uncertain: g.uncertain,
      };
    });
    return { predicted, uncertain: this.guesses.size > 0 ? this.uncertainties() : [] };
  }

  /** The group's reasons, with "alone" for a group of one that nothing else merges. */
  private reasonsOf(g: GroupState): GroupReason[] {
    const lone = g.members.length === 1 ? g.members[0]! : null;
    // Most groups of a big host are one device that noted no reason: this is the list ReasonSet
    // would give, without a list of none to build first.
    if (g.reasons.size === 0) return lone ? [this.aloneReason(lone)] : [];
    const reasons = g.reasons.list();
    if (!lone || reasons.some((r) => r.kind !== 'acs-override' && r.kind !== 'quirk')) return reasons;
    g.reasons.add(this.aloneReason(lone));
    return g.reasons.list();
  }

  private aloneReason(f: TopoFunction): GroupReason {
    return { kind: 'alone', devices: [f.address], detail: this.aloneDetail(f) };
  }

  /** The guessed facts in enumeration order, each with the members of the groups it affects. */
  private uncertainties(): Uncertainty[] {
    const order = this.topology.enumerationOrder();
    const rank = new Map<TopoFunction, number>();
    order.forEach((f, i) => rank.set(f, i));
    return order.filter((f) => this.guesses.has(f)).map((f): Uncertainty => {
      const e = this.guesses.get(f)!;
      const affected = new Set<TopoFunction>();
      for (const a of e.affects) for (const m of this.groupOf[a.index]?.members ?? []) affected.add(m);
      const sorted = [...affected].sort((x, y) => rank.get(x)! - rank.get(y)!).map((m) => m.address);
      return { device: f.address, what: `${[...e.what].join('; ')}; affects the group of ${sorted.map(shortAddress).join(', ')}`, affects: sorted };
    });
  }
}

/** The detail of a bridge alone on a root bus, by its type: the same few for every root port of a host. */
const rootBusBridgeDetails = new Map<PcieType | null, string>();

function rootBusBridgeDetail(type: PcieType | null): string {
  let detail = rootBusBridgeDetails.get(type);
  if (detail === undefined) {
    detail = `a ${type ? typeLabel(type) : 'bridge'} on the root bus`;
    rootBusBridgeDetails.set(type, detail);
  }
  return detail;
}

function commandLineOf(value: string | KernelCommandLine | undefined): KernelCommandLine | null {
  if (value === undefined) return null;
  return typeof value === 'string' ? parseKernelCommandLine(value).data : value;
}

/**
 * Predict the IOMMU groups of a snapshot (spec 1.7), optionally for another command line and with
 * hypothetical devices added or existing ones removed. Groups come in creation order; `id` is the
 * number the kernel would hand out if nothing else consumed IDs.
 */
export function predictGroups(snapshot: Snapshot, options: PredictOptions = {}): PredictionResult {
  const extra = options.extraDevices ?? [];
  const dropped = new Set([...(options.removeDevices ?? []), ...extra.map((e) => e.address)]);
  const devices = dropped.size === 0 ? snapshot.devices : [...snapshot.devices.filter((d) => !dropped.has(d.address)), ...extra];
  const topology = new Topology(devices, new Set(extra.map((e) => e.address)));
  const notes: string[] = [];
  const capturedParams = readAcsCommandLine(snapshot.cmdline);
  const explicit = options.cmdline !== undefined;
  const params = explicit ? readAcsCommandLine(commandLineOf(options.cmdline)) : capturedParams;
  notes.push(...params.problems);
  const override = overrideStatus(snapshot, params, explicit);
  if (override.note) notes.push(override.note);

  const kernelGroups = kernelGrouping(topology, snapshot);
  const liveIsFinal = snapshot.iommu.enabled === true || kernelGroups.present;
  if (!liveIsFinal) {
    notes.push('The IOMMU is not active in this snapshot: these are the groups the kernel would form with it on (ACS enabled as the kernel does at boot).');
  }
  if (snapshot.iommu.vendor === 'amd' && !snapshot.iommu.dmesg.some((e) => e.id === 'pci.alias' || e.id === 'pci.aliasRange' || e.category === 'group-add')) {
    notes.push('AMD IVRS alias entries are visible only in dmesg, which is not available: aliases they add are not taken into account.');
  }
  const inferred = inferIsolationFromGroups(topology, kernelGroups);
  if (explicit && inferred.some((answer) => answer !== undefined)) {
    notes.push('Unreadable ACS facts are inferred from the kernel\'s current groups, which reflect the current command line.');
  }

  const target = (f: TopoFunction): SpecTarget => ({
    domain: f.domain, bus: f.bus, device: f.device, function: f.function,
    vendorId: f.vendorId, deviceId: f.deviceId, subsystemVendorId: hexId(f.source.subsystemVendorId), subsystemDeviceId: hexId(f.source.subsystemDeviceId),
    upstream: () => {
      const up = topology.upstreamBridge(f);
      return up ? target(up) : null;
    },
  });
  // Without pci=config_acs / disable_acs_redir nothing changes ACS: no device spec to match.
  const changeFor = (p: AcsCommandLine) => (f: TopoFunction) => (p.configAcs || p.disableAcsRedir ? acsChangeFor(p, target(f)) : null);
  const pch = pchWorkaroundState(snapshot);
  const ctx: IsolationContext = {
    topology,
    isRootBus: (f) => isRootBus(f.onBus),
    ivrsPresent: ivrsPresent(snapshot),
    pchWorkaround: (f) => pch(f.address),
    acsChange: changeFor(params),
    capturedAcsChange: changeFor(capturedParams),
    override: override.active ? params.override : null,
    liveIsFinal,
    inferred,
  };
  const run = new GroupingRun(topology, new Isolation(ctx), aliasFacts(topology, snapshot.iommu.dmesg), kernelGroups);
  run.run();
  return { ...run.result(), notCovered: run.notCovered, notes };
}
