/**
 * analyzeSnapshot as a whole: the `analyze --json` contract on every fixture, robustness against
 * snapshots with facts missing (fast-check over real captures), and a guard that the analysis
 * stays linear on a 10,000-function host (the timing target itself is `npm run bench`'s).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analysisJson, analyzeSnapshot } from '../../../main/core/analysis/analyze.ts';
import { CHECK_IDS } from '../../../main/core/analysis/checklist.ts';
import type { Snapshot } from '../../../main/core/model/snapshot.ts';
import { FIXTURES, fixture, lab } from './load-fixture.ts';

const cases = [
  ...readdirSync(join(FIXTURES, 'lab')).filter((d) => statSync(join(FIXTURES, 'lab', d)).isDirectory()).map((d) => `lab/${d}`),
  ...readdirSync(join(FIXTURES, 'realworld')).filter((d) => statSync(join(FIXTURES, 'realworld', d)).isDirectory()).map((d) => `realworld/${d}`),
];

const VERDICTS = ['ready', 'whole-group', 'blocked', 'host-critical'];
const STATUSES = ['pass', 'warn', 'fail', 'unknown'];

describe('analyze --json contract on every fixture', () => {
  it('covers the 12 lab captures and the 19 real cases', () => {
    expect(cases.filter((c) => c.startsWith('lab/'))).toHaveLength(12);
    expect(cases.filter((c) => c.startsWith('realworld/'))).toHaveLength(19);
  });

  for (const c of cases) {
    it(c, async () => {
      const s = await fixture(c);
      const json = JSON.parse(JSON.stringify(analysisJson(analyzeSnapshot(s))));
      expect(json.checks.map((x: { id: string }) => x.id)).toEqual([...CHECK_IDS]);
      for (const check of json.checks) {
        expect(STATUSES).toContain(check.status);
        expect(typeof check.evidence).toBe('string');
        expect(check.evidence.length).toBeGreaterThan(0);
        expect(typeof check.remedy).toBe('string');
      }
      expect(json.devices.map((d: { address: string }) => d.address)).toEqual(s.devices.map((d) => d.address));
      for (const d of json.devices) {
        expect(VERDICTS).toContain(d.verdict);
        expect(d.reasons.length).toBeGreaterThan(0);
        expect(d.reasons.every((r: unknown) => typeof r === 'string' && r.length > 0)).toBe(true);
      }
      // A group's verdict agrees with its members': blocked/host-critical exactly when it holds
      // a host-critical device.
      for (const g of json.groups) {
        const members = json.devices.filter((d: { address: string }) => g.devices.includes(d.address));
        const critical = members.some((d: { verdict: string }) => d.verdict === 'host-critical');
        expect(g.verdict === 'blocked' || g.verdict === 'host-critical', `group ${g.id}`).toBe(critical);
      }
      for (const slot of json.slots) {
        expect(Array.isArray(slot.predictedGroup)).toBe(true);
        expect(typeof slot.name).toBe('string');
        expect(slot.predictedGroup.length > 0 || slot.problem !== null).toBe(true);
      }
    });
  }
});

describe('robustness', () => {
  it('snapshots with facts knocked out (fast-check) still get a verdict per device and every check', async () => {
    const bases = await Promise.all(['mixed', 'amd', 'legacy-bridge', 'iommu-off'].map((t) => lab(t)));
    const knockOut = fc.record({
      base: fc.integer({ min: 0, max: bases.length - 1 }),
      drop: fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 12 }),
      forget: fc.subarray(['parent', 'secondaryBus', 'pcieType', 'acs', 'resetMethods', 'link', 'classCode', 'driver', 'iommuGroup', 'multifunction'] as const),
      dropGroups: fc.boolean(),
      dropDmesg: fc.boolean(),
      dropCmdline: fc.boolean(),
    });
    fc.assert(fc.property(knockOut, (k) => {
      const s: Snapshot = structuredClone(bases[k.base]!);
      s.devices = s.devices.filter((_, i) => !k.drop.includes(i));
      for (const d of s.devices) {
        for (const field of k.forget) {
          if (field === 'acs') d.acs = { state: 'unknown' };
          else (d as Record<string, unknown>)[field] = null;
        }
      }
      if (k.dropGroups) s.groups = [];
      if (k.dropDmesg) s.iommu.dmesg = [];
      if (k.dropCmdline) s.cmdline = null;
      const a = analyzeSnapshot(s);
      expect(a.devices).toHaveLength(s.devices.length);
      expect(a.checks.map((c) => c.id)).toEqual([...CHECK_IDS]);
      for (const d of a.devices) expect(VERDICTS).toContain(d.verdict);
    }), { numRuns: 60 });
  });
});

describe('scale', () => {
  /** The mixed capture replicated into 304 PCI segments: 10,032 functions, 6,992 groups. */
  async function tenThousand(): Promise<Snapshot> {
    const base = await lab('mixed');
    const segment = (a: string, k: number) => `${k.toString(16).padStart(4, '0')}${a.slice(4)}`;
    const stride = base.groups.length;
    const s = structuredClone(base);
    s.devices = [];
    s.groups = [];
    for (let k = 0; k < 304; k++) {
      for (const d of base.devices) {
        s.devices.push({
          ...d, address: segment(d.address, k), parent: d.parent && segment(d.parent, k), physfn: d.physfn && segment(d.physfn, k),
          iommuGroup: d.iommuGroup === null ? null : d.iommuGroup + k * stride,
        });
      }
      for (const g of base.groups) s.groups.push({ ...g, id: g.id + k * stride, devices: g.devices.map((a) => segment(a, k)) });
    }
    return s;
  }

  it('10,032 functions: every device analysed, in a time that rules out quadratic work', async () => {
    const s = await tenThousand();
    expect(s.devices).toHaveLength(10_032);
    analyzeSnapshot(s);
    const t0 = performance.now();
    const a = analyzeSnapshot(s);
    const ms = performance.now() - t0;
    expect(a.devices).toHaveLength(10_032);
    expect(a.prediction.equal).toBe(true);
    expect(a.devices.filter((d) => d.verdict === 'blocked')).toHaveLength(304);
    // Quadratic work over 10,000 functions takes tens of seconds; the benchmark holds the real target.
    expect(ms).toBeLessThan(3000);
  });
});
