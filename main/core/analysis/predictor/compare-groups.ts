/**
 * Compare a predicted partition with the kernel's. Groups that overlap form clusters; a cluster
 * of one predicted and one actual group with the same members is `equal`; one predicted group
 * made of several whole actual groups is `split` (the kernel split what we predicted together);
 * one actual group made of several whole predicted groups is `merged` (the kernel merged what we
 * predicted apart); anything else is `different`.
 */
import { comparePciAddresses } from '../../model/pci-address.ts';
import type { GroupDiff } from './types.ts';

const sorted = (list: readonly string[]) => [...list].sort(comparePciAddresses);
const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

export function compareGroups(predicted: readonly (readonly string[])[], actual: readonly (readonly string[])[]): { equal: boolean; diffs: GroupDiff[] } {
  const p = predicted.map(sorted).filter((g) => g.length > 0);
  const a = actual.map(sorted).filter((g) => g.length > 0);
  const actualOf = new Map<string, number>();
  a.forEach((g, i) => g.forEach((d) => actualOf.set(d, i)));
  const predictedOf = new Map<string, number>();
  p.forEach((g, i) => g.forEach((d) => predictedOf.set(d, i)));

  // Clusters of groups linked by shared devices (union-find over "p<i>" and "a<j>").
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== undefined && parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  const union = (x: string, y: string) => parent.set(find(x), find(y));
  p.forEach((_, i) => parent.set(`p${i}`, `p${i}`));
  a.forEach((_, j) => parent.set(`a${j}`, `a${j}`));
  p.forEach((g, i) => g.forEach((d) => {
    const j = actualOf.get(d);
    if (j !== undefined) union(`p${i}`, `a${j}`);
  }));
  const clusters = new Map<string, { p: number[]; a: number[] }>();
  for (const k of parent.keys()) {
    const root = find(k);
    const c = clusters.get(root) ?? { p: [], a: [] };
    (k.startsWith('p') ? c.p : c.a).push(Number(k.slice(1)));
    clusters.set(root, c);
  }

  const diffs: GroupDiff[] = [];
  for (const c of clusters.values()) {
    const ps = c.p.map((i) => p[i]!);
    const as = c.a.map((j) => a[j]!);
    const pAll = sorted(ps.flat());
    const aAll = sorted(as.flat());
    const whole = sameSet(pAll, aAll);
    if (ps.length === 1 && as.length === 1 && whole) diffs.push({ kind: 'equal', predicted: ps[0]!, actual: as[0]! });
    else if (ps.length === 1 && as.length > 1 && whole) for (const g of as) diffs.push({ kind: 'split', predicted: ps[0]!, actual: g });
    else if (as.length === 1 && ps.length > 1 && whole) for (const g of ps) diffs.push({ kind: 'merged', predicted: g, actual: as[0]! });
    else if (ps.length === 0) for (const g of as) diffs.push({ kind: 'different', predicted: [], actual: g });
    else if (as.length === 0) for (const g of ps) diffs.push({ kind: 'different', predicted: g, actual: [] });
    else {
      for (const pg of ps) {
        for (const ag of as) if (pg.some((d) => ag.includes(d))) diffs.push({ kind: 'different', predicted: pg, actual: ag });
        const unmatched = pg.filter((d) => !actualOf.has(d));
        if (unmatched.length > 0) diffs.push({ kind: 'different', predicted: pg, actual: [] });
      }
      for (const ag of as) if (ag.some((d) => !predictedOf.has(d))) diffs.push({ kind: 'different', predicted: [], actual: ag });
    }
  }
  const first = (d: GroupDiff) => d.predicted[0] ?? d.actual[0] ?? '';
  diffs.sort((x, y) => comparePciAddresses(first(x), first(y)));
  return { equal: diffs.every((d) => d.kind === 'equal'), diffs };
}
