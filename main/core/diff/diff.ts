/**
 * `diffSnapshots`: what changed between two snapshots of one host (before and after a BIOS or
 * kernel change) or of two machines of one model. Devices are matched by address first; what is
 * left over on both sides is matched by identity (vendor, device, subsystem ids and class), so a
 * card moved to another slot shows as moved, not as removed and added. Groups are compared by
 * membership, not by number: the kernel numbers groups in probe order (spec 1.1), so one merged
 * group renumbers every later one, and "group 7 is now group 2" is no change to the isolation.
 *
 * Linear in the number of functions: every step is a map lookup per function or per group.
 */
import { analyzeSnapshot, type Analysis } from '../analysis/analyze.ts';
import { comparePciAddresses } from '../model/pci-address.ts';
import { linkSpeedGts } from '../model/link.ts';
import type { Acs, PciFunction, Snapshot } from '../model/snapshot.ts';
import { acsBitNames } from '../analysis/predictor/acs-bits.ts';
import { labelOf } from '../analysis/device-index.ts';
import { boardName } from '../report/show.ts';

export interface DeviceRef {
  address: string;
  /** "8086:10d3", null when the ids are not known. */
  ids: string | null;
  name: string;
  group: number | null;
}

export interface Moved {
  from: string;
  to: string;
  ids: string;
  name: string;
}

export interface GroupRef {
  id: number;
  /** Members, with A-side devices named by their address in B where they moved. */
  devices: string[];
}

export interface ValueChange<T> {
  field: string;
  before: T;
  after: T;
}

export interface LinkChange {
  address: string;
  name: string;
  before: string | null;
  after: string | null;
  /** `downgraded`: slower or narrower than before, or now trained below its capability; `upgraded`: the reverse. */
  change: 'downgraded' | 'upgraded' | 'changed';
}

export interface CheckChange {
  id: string;
  title: string;
  before: { status: string; evidence: string } | null;
  after: { status: string; evidence: string } | null;
  statusChanged: boolean;
}

export interface SnapshotDiff {
  a: SideSummary;
  b: SideSummary;
  host: ValueChange<string | null>[];
  iommu: ValueChange<string | null>[];
  cmdline: { added: string[]; removed: string[] };
  devices: { added: DeviceRef[]; removed: DeviceRef[]; moved: Moved[] };
  groups: {
    /** A group of B holding devices of several groups of A. */
    merged: { into: GroupRef; from: GroupRef[] }[];
    /** A group of A whose devices went to several groups of B. */
    split: { from: GroupRef; into: GroupRef[] }[];
    /** Same members, another number. */
    renumbered: { before: number; after: number; devices: string[] }[];
    /** Same members, another domain type (DMA-FQ → identity with iommu=pt). */
    typeChanged: { group: number; devices: string[]; before: string | null; after: string | null }[];
  };
  drivers: { address: string; name: string; before: string | null; after: string | null }[];
  /** ACS capability or control changed on a port (a BIOS ACS switch, a firmware update). */
  acs: { address: string; name: string; before: string; after: string }[];
  links: LinkChange[];
  verdicts: { address: string; name: string; before: string; after: string }[];
  checks: CheckChange[];
  /** Nothing above changed. */
  identical: boolean;
}

export interface SideSummary {
  hostname: string | null;
  kernel: string | null;
  board: string | null;
  collectedAt: string;
  target: string;
  functions: number;
  groups: number;
}

function side(s: Snapshot): SideSummary {
  return {
    hostname: s.host.hostname, kernel: s.host.kernelRelease, board: boardName(s),
    collectedAt: s.provenance.collectedAt, target: s.provenance.target, functions: s.devices.length, groups: s.groups.length,
  };
}

/** Vendor, device, subsystem and class: what stays the same when a card moves to another slot. */
function identity(d: PciFunction): string | null {
  if (d.vendorId === null || d.deviceId === null) return null;
  return [d.vendorId, d.deviceId, d.subsystemVendorId ?? '', d.subsystemDeviceId ?? '', d.classCode ?? ''].join(':');
}

/** "Intel Corporation 82574L Gigabit Network Connection", else vendor and class ("Red Hat, Inc. VGA compatible controller"). */
const deviceLabel = (d: PciFunction) => labelOf(d) ?? 'unknown device';

function ref(d: PciFunction): DeviceRef {
  return { address: d.address, ids: d.vendorId && d.deviceId ? `${d.vendorId}:${d.deviceId}` : null, name: deviceLabel(d), group: d.iommuGroup };
}

function changes<T>(fields: [string, T, T][]): ValueChange<T>[] {
  return fields.filter(([, before, after]) => before !== after).map(([field, before, after]) => ({ field, before, after }));
}

const cmdTokens = (s: Snapshot) => (s.cmdline?.params ?? []).map((p) => (p.value === null ? p.name : `${p.name}=${p.value}`));

/** Tokens of `x` not matched one for one in `y` (a parameter given twice counts twice). */
function multisetMinus(x: string[], y: string[]): string[] {
  const left = new Map<string, number>();
  for (const t of y) left.set(t, (left.get(t) ?? 0) + 1);
  return x.filter((t) => {
    const n = left.get(t) ?? 0;
    if (n > 0) {
      left.set(t, n - 1);
      return false;
    }
    return true;
  });
}

/** Each function's group, from the groups' member lists, else the function's own record. */
function groupMap(s: Snapshot): { of: Map<string, number>; members: Map<number, string[]>; type: Map<number, string | null> } {
  const of = new Map<string, number>();
  const members = new Map<number, string[]>();
  const type = new Map<number, string | null>();
  for (const g of s.groups) {
    type.set(g.id, g.type);
    for (const a of g.devices) if (!of.has(a)) of.set(a, g.id);
  }
  for (const d of s.devices) if (d.iommuGroup !== null && !of.has(d.address)) of.set(d.address, d.iommuGroup);
  for (const [a, g] of of) {
    const list = members.get(g);
    if (list) list.push(a);
    else members.set(g, [a]);
  }
  for (const list of members.values()) list.sort(comparePciAddresses);
  return { of, members, type };
}

/** "capability SV, RR, CR, UF; enabled SV, RR, CR, UF" (spec 1.2). */
function acsText(acs: Acs): string {
  if (acs.state === 'unknown') return 'unknown (not readable)';
  if (acs.state === 'absent') return 'no ACS capability';
  return `capability ${acsBitNames(acs.capability) || 'none'}; enabled ${acsBitNames(acs.control) || 'none'}`;
}

function linkText(d: PciFunction): string | null {
  const l = d.link;
  if (!l || (l.currentSpeed === null && l.currentWidth === null)) return null;
  const speed = linkSpeedGts(l.currentSpeed);
  return `${speed === null ? '?' : `${speed} GT/s`} x${l.currentWidth ?? '?'}${l.downgraded ? ' (downgraded)' : ''}`;
}

function linkChange(before: PciFunction, after: PciFunction): LinkChange['change'] | null {
  const lb = before.link;
  const la = after.link;
  if (linkText(before) === linkText(after)) return null;
  const sb = linkSpeedGts(lb?.currentSpeed ?? null);
  const sa = linkSpeedGts(la?.currentSpeed ?? null);
  const wb = lb?.currentWidth ?? null;
  const wa = la?.currentWidth ?? null;
  const slower = (sb !== null && sa !== null && sa < sb) || (wb !== null && wa !== null && wa < wb);
  const faster = (sb !== null && sa !== null && sa > sb) || (wb !== null && wa !== null && wa > wb);
  if (slower || (!faster && la?.downgraded === true && lb?.downgraded !== true)) return 'downgraded';
  if (faster || (la?.downgraded === false && lb?.downgraded === true)) return 'upgraded';
  return 'changed';
}

export function diffSnapshots(a: Snapshot, b: Snapshot, analyses?: { a: Analysis; b: Analysis }): SnapshotDiff {
  const analysisA = analyses?.a ?? analyzeSnapshot(a);
  const analysisB = analyses?.b ?? analyzeSnapshot(b);
  const inA = new Map(a.devices.map((d) => [d.address, d]));
  const inB = new Map(b.devices.map((d) => [d.address, d]));

  // Pairs of the same device: same address and no contradicting identity, then moved by identity.
  const toB = new Map<string, string>();
  const unmatchedA: PciFunction[] = [];
  for (const d of a.devices) {
    const other = inB.get(d.address);
    const ia = identity(d);
    const ib = other ? identity(other) : null;
    if (other && (ia === null || ib === null || ia === ib)) toB.set(d.address, d.address);
    else unmatchedA.push(d);
  }
  const matchedB = new Set(toB.values());
  const leftB = new Map<string, PciFunction[]>();
  for (const d of b.devices) {
    if (matchedB.has(d.address)) continue;
    const key = identity(d) ?? `address:${d.address}`;
    const list = leftB.get(key);
    if (list) list.push(d);
    else leftB.set(key, [d]);
  }
  const moved: Moved[] = [];
  const removed: DeviceRef[] = [];
  for (const d of unmatchedA) {
    const key = identity(d);
    const candidates = key === null ? undefined : leftB.get(key);
    const target = candidates?.shift();
    if (target) {
      toB.set(d.address, target.address);
      matchedB.add(target.address);
      moved.push({ from: d.address, to: target.address, ids: `${d.vendorId}:${d.deviceId}`, name: deviceLabel(d) });
    } else removed.push(ref(d));
  }
  const added = b.devices.filter((d) => !matchedB.has(d.address)).map(ref);

  // Groups by membership, over the devices present on both sides.
  const ga = groupMap(a);
  const gb = groupMap(b);
  const fromA = new Map<string, string>();
  for (const [x, y] of toB) fromA.set(y, x);
  const groupRefB = (id: number): GroupRef => ({ id, devices: gb.members.get(id) ?? [] });
  const groupRefA = (id: number): GroupRef => ({ id, devices: (ga.members.get(id) ?? []).map((x) => toB.get(x) ?? x) });
  const merged: SnapshotDiff['groups']['merged'] = [];
  const split: SnapshotDiff['groups']['split'] = [];
  const renumbered: SnapshotDiff['groups']['renumbered'] = [];
  const typeChanged: SnapshotDiff['groups']['typeChanged'] = [];
  const sources = (ids: Iterable<number>) => [...new Set(ids)].sort((x, y) => x - y);
  if (ga.members.size > 0 && gb.members.size > 0) {
    for (const [id, members] of [...gb.members].sort((x, y) => x[0] - y[0])) {
      const origins = sources(members.flatMap((m) => {
        const x = fromA.get(m);
        const g = x === undefined ? undefined : ga.of.get(x);
        return g === undefined ? [] : [g];
      }));
      if (origins.length > 1) merged.push({ into: groupRefB(id), from: origins.map(groupRefA) });
    }
    for (const [id, members] of [...ga.members].sort((x, y) => x[0] - y[0])) {
      const targets = sources(members.flatMap((m) => {
        const y = toB.get(m);
        const g = y === undefined ? undefined : gb.of.get(y);
        return g === undefined ? [] : [g];
      }));
      if (targets.length > 1) split.push({ from: groupRefA(id), into: targets.map(groupRefB) });
      if (targets.length !== 1) continue;
      const target = targets[0]!;
      const mapped = groupRefA(id).devices.join(' ');
      if (mapped !== (gb.members.get(target) ?? []).join(' ')) continue;
      if (target !== id) renumbered.push({ before: id, after: target, devices: gb.members.get(target)! });
      const tb = ga.type.get(id) ?? null;
      const tt = gb.type.get(target) ?? null;
      if (tb !== tt) typeChanged.push({ group: target, devices: gb.members.get(target)!, before: tb, after: tt });
    }
  }

  const drivers: SnapshotDiff['drivers'] = [];
  const links: LinkChange[] = [];
  const acs: SnapshotDiff['acs'] = [];
  for (const [x, y] of toB) {
    const before = inA.get(x)!;
    const after = inB.get(y)!;
    if (before.driver !== after.driver) drivers.push({ address: y, name: deviceLabel(after), before: before.driver, after: after.driver });
    const acsBefore = acsText(before.acs);
    const acsAfter = acsText(after.acs);
    // One side not readable (a non-root collection) is missing data, not a change of the hardware.
    if (acsBefore !== acsAfter && before.acs.state !== 'unknown' && after.acs.state !== 'unknown') {
      acs.push({ address: y, name: deviceLabel(after), before: acsBefore, after: acsAfter });
    }
    const change = linkChange(before, after);
    if (change) links.push({ address: y, name: deviceLabel(after), before: linkText(before), after: linkText(after), change });
  }
  renumbered.sort((p, q) => p.after - q.after);
  typeChanged.sort((p, q) => p.group - q.group);
  drivers.sort((p, q) => comparePciAddresses(p.address, q.address));
  links.sort((p, q) => comparePciAddresses(p.address, q.address));
  acs.sort((p, q) => comparePciAddresses(p.address, q.address));

  const verdictB = new Map(analysisB.devices.map((v) => [v.address, v]));
  const verdicts: SnapshotDiff['verdicts'] = [];
  for (const v of analysisA.devices) {
    const y = toB.get(v.address);
    const after = y === undefined ? undefined : verdictB.get(y);
    if (after && after.verdict !== v.verdict) verdicts.push({ address: after.address, name: after.name, before: v.verdict, after: after.verdict });
  }
  verdicts.sort((p, q) => comparePciAddresses(p.address, q.address));

  const checksB = new Map(analysisB.checks.map((c) => [c.id, c]));
  const checks: CheckChange[] = [];
  for (const c of analysisA.checks) {
    const after = checksB.get(c.id);
    checksB.delete(c.id);
    if (after && after.status === c.status && after.evidence === c.evidence) continue;
    checks.push({
      id: c.id, title: c.title, before: { status: c.status, evidence: c.evidence },
      after: after ? { status: after.status, evidence: after.evidence } : null, statusChanged: after?.status !== c.status,
    });
  }
  for (const c of checksB.values()) checks.push({ id: c.id, title: c.title, before: null, after: { status: c.status, evidence: c.evidence }, statusChanged: true });

  const tokensA = cmdTokens(a);
  const tokensB = cmdTokens(b);
  const diff: SnapshotDiff = {
    a: side(a),
    b: side(b),
    host: changes<string | null>([
      ['hostname', a.host.hostname, b.host.hostname],
      ['kernel', a.host.kernelRelease, b.host.kernelRelease],
      ['distribution', a.host.distro, b.host.distro],
      ['board', boardName(a), boardName(b)],
      ['BIOS version', a.host.dmi.biosVersion, b.host.dmi.biosVersion],
      ['BIOS date', a.host.dmi.biosDate, b.host.dmi.biosDate],
      ['CPU', a.host.cpu.model, b.host.cpu.model],
    ]),
    iommu: changes<string | null>([
      ['vendor', a.iommu.vendor, b.iommu.vendor],
      ['enabled', String(a.iommu.enabled), String(b.iommu.enabled)],
      ['interrupt remapping', String(a.iommu.interruptRemapping), String(b.iommu.interruptRemapping)],
      ['default domain', a.iommu.defaultDomain, b.iommu.defaultDomain],
      ['IOMMU groups', String(a.groups.length), String(b.groups.length)],
    ]),
    cmdline: { added: multisetMinus(tokensB, tokensA), removed: multisetMinus(tokensA, tokensB) },
    devices: {
      added: added.sort((p, q) => comparePciAddresses(p.address, q.address)),
      removed: removed.sort((p, q) => comparePciAddresses(p.address, q.address)),
      moved: moved.sort((p, q) => comparePciAddresses(p.from, q.from)),
    },
    groups: { merged, split, renumbered, typeChanged },
    drivers,
    acs,
    links,
    verdicts,
    checks,
    identical: false,
  };
  diff.identical = diff.host.length === 0 && diff.iommu.length === 0 && diff.cmdline.added.length === 0 && diff.cmdline.removed.length === 0
    && added.length === 0 && removed.length === 0 && moved.length === 0
    && merged.length === 0 && split.length === 0 && renumbered.length === 0 && typeChanged.length === 0
    && drivers.length === 0 && acs.length === 0 && links.length === 0 && verdicts.length === 0 && checks.length === 0;
  return diff;
}
