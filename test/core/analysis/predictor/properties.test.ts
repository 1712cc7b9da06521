/**
 * Properties of the predictor over thousands of random topologies: it never throws, it yields a
 * partition of the covered devices, the ACS override only ever splits groups (spec 1.11), and
 * adding a device never splits existing groups (spec 1.8 rule 11).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { predictGroups } from '../../../../main/core/analysis/predictor/predict-groups.ts';
import type { PciFunction, PcieType } from '../../../../main/core/model/snapshot.ts';
import { fn, snapshot, type AcsSpec } from '../../../helpers/topology.ts';

type BusKind = 'root' | 'below-port' | 'below-usp' | 'conventional';

interface Spec {
  kind: 'bridge' | 'p2p' | 'endpoint' | 'multifunction';
  parent: number;
  acs: AcsSpec;
  id: string;
  functions: number;
  vfs: number;
  typeKnown: boolean;
}

const IDS = ['1234:0001', '8086:1521', '8086:8c10', '1d17:0800', '1b4b:9230', '1180:e832', '8088:1002', '8086:a110', '1b21:1080', '10b5:87b0', '8086:a36d'];

const specArb: fc.Arbitrary<Spec> = fc.record({
  kind: fc.constantFrom('bridge', 'p2p', 'endpoint', 'multifunction'),
  parent: fc.nat(),
  acs: fc.constantFrom<AcsSpec>('none', 'enabled', 'disabled', 'unknown', { cap: 0x0c, ctrl: 0x0c }, { cap: 0, ctrl: 0 }),
  id: fc.constantFrom(...IDS),
  functions: fc.integer({ min: 2, max: 4 }),
  vfs: fc.integer({ min: 0, max: 2 }),
  typeKnown: fc.boolean(),
});

/** Lay the specs out as a tree, the way firmware would number it. */
function build(specs: Spec[]): PciFunction[] {
  const buses: { number: number; kind: BusKind; nextDevice: number; nextFunction: number }[] = [{ number: 0, kind: 'root', nextDevice: 1, nextFunction: 0 }];
  const out: PciFunction[] = [];
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  for (const s of specs) {
    const bus = buses[s.parent % buses.length]!;
    const count = s.kind === 'multifunction' ? s.functions : 1;
    // Below a Root/Downstream Port only device 0 exists; its functions fill up to 8.
    let device: number;
    let firstFunction: number;
    if (bus.kind === 'below-port') {
      if (bus.nextFunction + count + s.vfs > 8) continue;
      device = 0;
      firstFunction = bus.nextFunction;
      bus.nextFunction += count + s.vfs;
    } else {
      if (bus.nextDevice > 31 || buses.length >= 250) continue;
      device = bus.nextDevice++;
      firstFunction = 0;
    }
    const pcieBus = bus.kind !== 'conventional';
    const at = (f: number) => `${hex(bus.number)}:${hex(device)}.${f}`;
    if (s.kind === 'bridge' || s.kind === 'p2p') {
      const secondary = buses.length;
      let type: PcieType;
      let childKind: BusKind;
      if (!pcieBus) [type, childKind] = ['conventional', 'conventional'];
      else if (s.kind === 'p2p') [type, childKind] = ['pcie-to-pci-bridge', 'conventional'];
      else if (bus.kind === 'root') [type, childKind] = ['root-port', 'below-port'];
      else if (bus.kind === 'below-usp') [type, childKind] = ['downstream-port', 'below-port'];
      else [type, childKind] = ['upstream-port', 'below-usp'];
      buses.push({ number: secondary, kind: childKind, nextDevice: 0, nextFunction: 0 });
      out.push(fn(at(firstFunction), { type: s.typeKnown ? type : null, id: s.id, secondary, acs: type === 'conventional' ? 'none' : s.acs }));
      continue;
    }
    const type: PcieType = !pcieBus ? 'conventional' : bus.kind === 'root' ? 'rciep' : 'endpoint';
    for (let i = 0; i < count; i++) {
      out.push(fn(at(firstFunction + i), {
        type: s.typeKnown ? type : null, id: s.id, acs: type === 'conventional' ? 'none' : s.acs,
        ...(count > 1 ? { multifunction: true } : {}),
      }));
    }
    if (pcieBus && bus.kind === 'below-port') {
      for (let v = 0; v < s.vfs; v++) out.push(fn(at(firstFunction + count + v), { type: 'endpoint', id: s.id, physfn: at(firstFunction) }));
    }
  }
  return out;
}

const partitionOf = (devices: PciFunction[], cmdline?: string, extra: PciFunction[] = []) =>
  predictGroups(snapshot(devices.map((d) => structuredClone(d))), { ...(cmdline ? { cmdline } : {}), extraDevices: extra }).predicted.map((g) => g.devices);

describe('predictor properties over random topologies', () => {
  it('yields a partition of every device, with reasons, and never throws', () => {
    fc.assert(fc.property(fc.array(specArb, { maxLength: 30 }), (specs) => {
      const devices = build(specs);
      const r = predictGroups(snapshot(devices));
      const seen = r.predicted.flatMap((g) => g.devices);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.sort()).toEqual(devices.map((d) => d.address).sort());
      expect(r.predicted.map((g) => g.id)).toEqual(r.predicted.map((_, i) => i));
      for (const g of r.predicted) {
        expect(g.reasons.length).toBeGreaterThan(0);
        expect(g.reason).toMatch(/\.$/);
      }
      for (const u of r.uncertain) expect(u.affects.length).toBeGreaterThan(0);
    }), { numRuns: 600 });
  });

  it('pcie_acs_override only ever splits groups', () => {
    fc.assert(fc.property(fc.array(specArb, { maxLength: 25 }), fc.constantFrom('downstream', 'multifunction', 'downstream,multifunction', 'id:8086:8c10'), (specs, token) => {
      const devices = build(specs);
      const base = partitionOf(devices);
      const overridden = partitionOf(devices, `pcie_acs_override=${token}`);
      for (const g of overridden) expect(base.some((b) => g.every((d) => b.includes(d)))).toBe(true);
    }), { numRuns: 300 });
  });

  it('a device added below a bridge never splits an existing group', () => {
    fc.assert(fc.property(fc.array(specArb, { maxLength: 25 }), fc.nat(), fc.constantFrom<AcsSpec>('none', 'enabled'), (specs, pick, acs) => {
      const devices = build(specs);
      const bridges = devices.filter((d) => d.secondaryBus !== null && d.pcieType !== 'conventional');
      const free = bridges.filter((b) => !devices.some((d) => d.address.startsWith(`0000:${b.secondaryBus!.toString(16).padStart(2, '0')}:`)));
      if (free.length === 0) return;
      const port = free[pick % free.length]!;
      const card = fn(`${port.secondaryBus!.toString(16).padStart(2, '0')}:00.0`, { type: 'endpoint', acs, multifunction: false });
      const base = partitionOf(devices);
      const after = partitionOf(devices, undefined, [card]);
      for (const g of base) expect(after.some((a) => g.every((d) => a.includes(d)))).toBe(true);
    }), { numRuns: 300 });
  });
});
