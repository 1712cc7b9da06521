/**
 * `iommu-atlas predict`: the groups the kernel's algorithm gives for this topology (spec 1.7),
 * and, where the snapshot has the kernel's own groups, the comparison group by group (equal,
 * split, merged, different). The JSON shape is a stable contract (README "Analysis").
 */
import type { Snapshot } from '../model/snapshot.ts';
import { kernelGroups } from './device-index.ts';
import { compareGroups, predictGroups, type DiffKind, type PredictionResult } from './predictor/index.ts';

/** A comparison row: a GroupDiff whose member lists may be shared (an equal row has one list twice). */
export interface ComparisonRow {
  kind: DiffKind;
  predicted: readonly string[];
  actual: readonly string[];
}

/** Member lists are shared with the prediction and the kernel's groups: read, never changed. */
export interface PredictJson {
  predicted: { id: number; devices: readonly string[]; reason: string; uncertain: boolean }[];
  /** The kernel's groups in the same form (reason always null), or null when the snapshot has none. */
  actual: { id: number; devices: readonly string[]; reason: null }[] | null;
  /** Every predicted group equals a kernel group; null without kernel groups. */
  equal: boolean | null;
  comparison: ComparisonRow[] | null;
  /** Facts the prediction had to guess, and the groups that depend on them. */
  uncertain: { device: string; what: string; affects: string[] }[];
  /** Devices no IOMMU translates for (no group expected), with the evidence. */
  notCovered: { device: string; why: string }[];
  notes: string[];
}

/**
 * A set's identity: the members in plain string order (any fixed order will do, and a plain sort
 * is far cheaper than PCI order), joined. Groups nearly always list them in that order already.
 */
function groupKey(devices: readonly string[]): string {
  for (let i = 1; i < devices.length; i++) {
    if (devices[i]! < devices[i - 1]!) return [...devices].sort().join(' ');
  }
  return devices.join(' ');
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * For each group, the position of the predicted group with the same members, -1 for none.
 * Predicted groups are disjoint (the predictor assigns each function once), so at most one has
 * them. The kernel lists a group's members in address order and the prediction in enumeration
 * order, which nearly always agree: the predicted group starting with the same member and listing
 * the very same members needs no key. Only when that fails are the groups' keys compared
 * (usually never), which keeps a 10,000-function host fast.
 *
 * The kernel numbers its groups in the order it creates them, and the predictor lists its groups
 * in that order too: the predicted group after the last one matched is tried first, and the
 * groups by first member are looked up only when it is not the one.
 */
export function matchingPredicted(groups: readonly (readonly string[])[], predicted: readonly (readonly string[])[]): number[] {
  let byFirstMember: Map<string, number> | null = null;
  let byKey: Map<string, number> | null = null;
  const byMembers = (g: readonly string[]): number => {
    if (!byKey) {
      byKey = new Map();
      predicted.forEach((p, i) => byKey!.set(groupKey(p), i));
    }
    return byKey.get(groupKey(g)) ?? -1;
  };
  let next = 0;
  return groups.map((g) => {
    if (g.length === 0) return byMembers(g);
    // Listing the same members, it is the one predicted group holding g[0].
    if (next < predicted.length && sameList(predicted[next]!, g)) return next++;
    if (!byFirstMember) {
      byFirstMember = new Map();
      predicted.forEach((p, i) => {
        if (p.length > 0) byFirstMember!.set(p[0]!, i);
      });
    }
    const first = byFirstMember.get(g[0]!);
    if (first !== undefined && sameList(predicted[first]!, g)) {
      next = first + 1;
      return first;
    }
    return byMembers(g);
  });
}

/** The partitions are the same when there are as many groups and each actual one has its predicted twin. */
function matchedOneToOne(predicted: readonly (readonly string[])[], actual: readonly (readonly string[])[], matches: readonly number[]): boolean {
  return predicted.length === actual.length && matches.every((i) => i >= 0);
}

/**
 * compareGroups orders every group by PCI address; when the partitions are the same (the usual
 * case: as many groups, each actual one matched by a predicted one) the matches answer first.
 * An equal row has the group's one member list on both sides.
 */
function comparison(
  predicted: readonly (readonly string[])[], actual: readonly (readonly string[])[], matches: readonly number[],
): { equal: boolean; diffs: ComparisonRow[] } {
  if (matchedOneToOne(predicted, actual, matches)) {
    return { equal: true, diffs: actual.map((g) => ({ kind: 'equal', predicted: g, actual: g })) };
  }
  return compareGroups(predicted, actual);
}

/**
 * What the analysis says of the prediction (`analyze` reports whether it equals the kernel's
 * groups, and where not): the rows that differ, none when the partitions are the same. No row
 * per equal group, unlike predictReport: on a big host that is thousands of rows nobody reads.
 */
export function predictionDifferences(
  predicted: readonly (readonly string[])[], actual: readonly (readonly string[])[], matches: readonly number[],
): { equal: boolean; differing: ComparisonRow[] } {
  if (matchedOneToOne(predicted, actual, matches)) return { equal: true, differing: [] };
  const cmp = compareGroups(predicted, actual);
  return { equal: cmp.equal, differing: cmp.diffs.filter((d) => d.kind !== 'equal') };
}

/**
 * `actualGroups`: kernelGroups(snapshot), and `matches`: matchingPredicted(their members, the
 * predicted groups' members), when the caller has them already (read, never changed).
 */
export function predictReport(
  snapshot: Snapshot, prediction: PredictionResult = predictGroups(snapshot),
  actualGroups: readonly { id: number; devices: readonly string[] }[] = kernelGroups(snapshot),
  matches?: readonly number[],
): PredictJson {
  const actual = actualGroups.length > 0 ? actualGroups.map((g) => ({ id: g.id, devices: g.devices, reason: null })) : null;
  let cmp: { equal: boolean; diffs: ComparisonRow[] } | null = null;
  if (actual) {
    const predictedMembers = prediction.predicted.map((g) => g.devices);
    const actualMembers = actual.map((g) => g.devices);
    cmp = comparison(predictedMembers, actualMembers, matches ?? matchingPredicted(actualMembers, predictedMembers));
  }
  return {
    predicted: prediction.predicted.map((g) => ({ id: g.id, devices: g.devices, reason: g.reason, uncertain: g.uncertain })),
    actual,
    equal: cmp ? cmp.equal : null,
    comparison: cmp ? cmp.diffs : null,
    uncertain: prediction.uncertain.map((u) => ({ device: u.device, what: u.what, affects: [...u.affects] })),
    notCovered: prediction.notCovered.map((n) => ({ ...n })),
    notes: [...prediction.notes],
  };
}
