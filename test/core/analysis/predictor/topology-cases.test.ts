/**
 * Topology rules of the predictor: probe order and group numbers (spec 1.1), multifunction and
 * ARI (1.3 note, 1.8 rule 9), SR-IOV VFs and virtual buses (1.8 rule 8), devices no IOMMU covers,
 * inference from the kernel's groups when ACS is unreadable (2.4), and hypothetical devices.
 */
import { describe, expect, it } from 'vitest';
import { predictGroups } from '../../../../main/core/analysis/predictor/predict-groups.ts';
import { Topology } from '../../../../main/core/analysis/predictor/topology.ts';
import type { Snapshot } from '../../../../main/core/model/snapshot.ts';
import {
  addr, conventional, downstreamPort, endpoint, fn, rootPort, shortPartition, snapshot, upstreamPort,
} from '../../../helpers/topology.ts';

const groups = (s: Snapshot) => shortPartition(predictGroups(s).predicted);

describe('probe order and group numbers (spec 1.1)', () => {
  it('registers each bus in devfn order, then each bridge subtree in turn; VFs come last', () => {
    const s = snapshot([
      rootPort('00:01.0', 0x01, 'enabled'), rootPort('00:02.0', 0x04, 'enabled'), fn('00:1f.0', { type: 'rciep' }),
      upstreamPort('01:00.0', 0x02), downstreamPort('02:00.0', 0x03, 'enabled'), endpoint('03:00.0'),
      endpoint('04:00.0'), endpoint('04:00.1', { physfn: '04:00.0' }),
    ]);
    const order = new Topology(s.devices, new Set()).enumerationOrder().map((f) => f.address.slice(5));
    expect(order).toEqual(['00:01.0', '00:02.0', '00:1f.0', '01:00.0', '02:00.0', '03:00.0', '04:00.0', '04:00.1']);
    const ids = Object.fromEntries(predictGroups(s).predicted.map((g) => [g.devices[0]!.slice(5), g.id]));
    expect(ids).toEqual({ '00:01.0': 0, '00:02.0': 1, '00:1f.0': 2, '01:00.0': 3, '02:00.0': 4, '03:00.0': 5, '04:00.0': 6, '04:00.1': 7 });
  });

  it('orders several root buses by domain and number', () => {
    const s = snapshot([endpoint('0001:00:00.0', { type: 'rciep' }), endpoint('0000:80:00.0', { type: 'rciep' }), endpoint('0000:00:00.0', { type: 'rciep' })]);
    expect(new Topology(s.devices, new Set()).enumerationOrder().map((f) => f.address)).toEqual(['0000:00:00.0', '0000:80:00.0', '0001:00:00.0']);
  });

  it('survives a bridge claiming its own bus as secondary', () => {
    const s = snapshot([rootPort('00:01.0', 0x00, 'none'), endpoint('00:02.0', { type: 'rciep' })]);
    expect(groups(s).flat().sort()).toEqual(['00:01.0', '00:02.0']);
  });
});

describe('multifunction and ARI', () => {
  it('function 0 without a known header bit is multifunction when another function shares the slot, VFs aside', () => {
    const s = snapshot([
      rootPort('00:02.0', 0x01, 'enabled'),
      fn('01:00.0', { type: 'endpoint' }), fn('01:00.1', { type: 'endpoint', physfn: '01:00.0' }),
    ]);
    s.devices[1]!.multifunction = null;
    const t = new Topology(s.devices, new Set());
    expect(t.get(addr('01:00.0'))!.multifunction).toBe(false);
    expect(t.get(addr('01:00.1'))!.multifunction).toBe(false);
  });

  it('functions > 0 are multifunction whatever their header bit says (the kernel\'s slot scan)', () => {
    const s = snapshot([fn('00:1d.0', { type: 'conventional', multifunction: true }), fn('00:1d.1', { type: 'conventional', multifunction: false })]);
    expect(groups(s)).toEqual([['00:1d.0', '00:1d.1']]);
  });

  it('ARI functions >= 8 have other "slot" numbers: the function search does not pair them with 0-7', () => {
    const functions = Array.from({ length: 12 }, (_, i) => endpoint(`01:${(i >> 3).toString(16).padStart(2, '0')}.${i & 7}`, {
      id: '15b3:101d', multifunction: i === 8 ? false : true,
    }));
    const s = snapshot([rootPort('00:03.0', 0x01, 'enabled'), ...functions]);
    expect(groups(s)).toEqual([
      ['00:03.0'],
      ['01:00.0', '01:00.1', '01:00.2', '01:00.3', '01:00.4', '01:00.5', '01:00.6', '01:00.7'],
      ['01:01.0', '01:01.1', '01:01.2', '01:01.3'],
    ]);
  });
});

describe('SR-IOV VFs (spec 1.8 rule 8)', () => {
  const sriov = (acs: 'enabled' | 'none') => snapshot([
    rootPort('00:1c.0', 0x02, acs, { multifunction: false }),
    endpoint('02:00.0', { id: '8086:1572' }),
    // 64 VFs do not fit on bus 02: these sit on a virtual bus 03 that no bridge owns.
    endpoint('03:00.0', { id: '8086:154c', physfn: '02:00.0' }), endpoint('03:00.1', { id: '8086:154c', physfn: '02:00.0' }),
  ]);

  it('VFs on a virtual bus count as below the PF\'s port: alone below an ACS port', () => {
    expect(groups(sriov('enabled'))).toEqual([['00:1c.0'], ['02:00.0'], ['03:00.0'], ['03:00.1']]);
    const t = new Topology(sriov('enabled').devices, new Set());
    const virtualBus = t.get(addr('03:00.0'))!.onBus;
    expect(virtualBus.parent).toBe(t.get(addr('02:00.0'))!.onBus);
    expect(virtualBus.bridge).toBeNull();
  });

  it('VFs on a virtual bus join the non-ACS port\'s group', () => {
    const r = predictGroups(sriov('none'));
    expect(shortPartition(r.predicted)).toEqual([['00:1c.0', '02:00.0', '03:00.0', '03:00.1']]);
    expect(r.predicted[0]!.reasons).toEqual([expect.objectContaining({
      kind: 'non-isolating-bridge', bridge: '0000:00:1c.0', devices: ['0000:00:1c.0', '0000:02:00.0', '0000:03:00.0', '0000:03:00.1'],
    })]);
  });

  it('VFs never join their PF through the function search, even when the PF does not isolate', () => {
    const s = snapshot([
      rootPort('00:1c.0', 0x02, 'enabled'),
      endpoint('02:00.0', { multifunction: true }), endpoint('02:00.1', { multifunction: true }),
      endpoint('02:00.2', { physfn: '02:00.0' }), endpoint('02:00.3', { physfn: '02:00.0' }),
    ]);
    expect(groups(s)).toEqual([['00:1c.0'], ['02:00.0', '02:00.1'], ['02:00.2'], ['02:00.3']]);
  });
});

describe('devices no IOMMU covers (spec 1.1)', () => {
  it('leaves out the AMD IOMMU function and devices the kernel put in no group, saying why', () => {
    const s = snapshot([
      conventional('00:00.0', { id: '1022:1480', classCode: '0600' }),
      conventional('00:00.2', { id: '1022:1481', classCode: '0806' }),
      rootPort('00:01.1', 0x01, 'enabled', { id: '1022:1483' }), endpoint('01:00.0'),
    ], { groups: [['00:01.1'], ['01:00.0']], iommu: { vendor: 'amd' } });
    const r = predictGroups(s);
    expect(shortPartition(r.predicted)).toEqual([['00:01.1'], ['01:00.0']]);
    expect(r.notCovered).toEqual([
      { device: '0000:00:00.0', why: 'the kernel has groups but put this device in none: it is outside the IOMMU\'s device scope' },
      { device: '0000:00:00.2', why: 'the AMD IOMMU\'s own PCI function: the IOMMU does not translate for itself' },
    ]);
  });

  it('without any kernel groups only the IOMMU function is left out', () => {
    const s = snapshot([
      conventional('00:00.0', { id: '1022:1480', classCode: '0600' }), conventional('00:00.2', { id: '1022:1481', classCode: '0806' }),
    ], { iommu: { vendor: 'amd', enabled: false } });
    const r = predictGroups(s);
    expect(shortPartition(r.predicted)).toEqual([['00:00.0']]);
    expect(r.notCovered.map((n) => n.device)).toEqual(['0000:00:00.2']);
  });
});

describe('unreadable ACS (non-root captures, spec 2.4)', () => {
  it('infers a port\'s isolation from the kernel\'s groups and marks the groups that depend on it', () => {
    const s = snapshot([
      rootPort('00:01.1', 0x01, 'unknown', { type: null }), endpoint('01:00.0', { type: null }),
      rootPort('00:01.2', 0x02, 'unknown', { type: null }), endpoint('02:00.0', { type: null }),
    ], { groups: [['00:01.1'], ['01:00.0'], ['00:01.2', '02:00.0']] });
    const r = predictGroups(s);
    expect(shortPartition(r.predicted)).toEqual([['00:01.1'], ['00:01.2', '02:00.0'], ['01:00.0']]);
    expect(r.uncertain.map((u) => [u.device, u.affects])).toEqual([
      // 00:01.2's function search asks whether its sibling 00:01.1 isolates.
      ['0000:00:01.1', ['0000:00:01.1', '0000:00:01.2', '0000:01:00.0', '0000:02:00.0']],
      ['0000:00:01.2', ['0000:00:01.2', '0000:02:00.0']],
    ]);
    expect(r.uncertain[0]!.what).toMatch(/^ACS not readable without root; inferred isolating from the kernel's current groups/);
    expect(r.predicted.find((g) => g.devices.length === 2)!.reason)
      .toBe('00:01.2 (Root Port) does not isolate: ACS not readable without root; inferred not isolating from the kernel\'s current groups, so everything below it shares its group.');
  });

  it('infers multifunction functions from whether they share a group', () => {
    const s = snapshot([
      rootPort('00:01.0', 0x01, 'enabled'),
      endpoint('01:00.0', { type: null, acs: 'unknown' }), endpoint('01:00.1', { type: null, acs: 'unknown' }),
      endpoint('01:00.2', { type: null, acs: 'unknown' }),
    ], { groups: [['00:01.0'], ['01:00.0', '01:00.1'], ['01:00.2']] });
    expect(groups(s)).toEqual([['00:01.0'], ['01:00.0', '01:00.1'], ['01:00.2']]);
  });

  it('without groups to infer from, assumes the cautious answer (not isolating) and says so', () => {
    const s = snapshot([rootPort('00:1c.0', 0x01, 'unknown'), endpoint('01:00.0')], { iommu: { enabled: false } });
    const r = predictGroups(s);
    expect(shortPartition(r.predicted)).toEqual([['00:1c.0', '01:00.0']]);
    expect(r.uncertain).toEqual([{
      device: '0000:00:1c.0',
      what: 'ACS not readable without root; assumed not isolating (the cautious guess); affects the group of 00:1c.0, 01:00.0',
      affects: ['0000:00:1c.0', '0000:01:00.0'],
    }]);
    expect(r.predicted[0]!.uncertain).toBe(true);
  });

  it('infers PCIe types from the position when capabilities are unreadable', () => {
    const s = snapshot([
      fn('00:1c.0', { type: null, secondary: 0x01 }), fn('01:00.0', { type: null, secondary: 0x02 }),
      fn('02:00.0', { type: null, secondary: 0x03 }), fn('03:00.0', { type: null }),
      fn('00:1e.0', { type: null, secondary: 0x04, progIf: '01' }), fn('04:00.0', { type: null }),
    ]);
    const t = new Topology(s.devices, new Set());
    const types = ['00:1c.0', '01:00.0', '02:00.0', '03:00.0', '00:1e.0', '04:00.0'].map((a) => [t.get(addr(a))!.type, t.get(addr(a))!.typeInferred]);
    expect(types).toEqual([
      ['root-port', true], ['upstream-port', true], ['downstream-port', true], ['endpoint', true], ['conventional', true], ['conventional', true],
    ]);
  });
});

describe('hypothetical devices', () => {
  it('a device added below an existing port gets the kernel\'s ACS enabling from firmware value 0', () => {
    const s = snapshot([rootPort('00:1c.0', 0x01, 'enabled')]);
    const port = rootPort('01:00.0', 0x02, { cap: 0x5f, ctrl: 0 }, { type: 'downstream-port' });
    const r = predictGroups(s, { extraDevices: [port, endpoint('02:00.0')] });
    expect(shortPartition(r.predicted)).toEqual([['00:1c.0'], ['01:00.0'], ['02:00.0']]);
  });

  it('removed devices disappear from the prediction', () => {
    const s = snapshot([rootPort('00:1c.0', 0x01, 'none'), endpoint('01:00.0'), endpoint('00:14.0', { type: 'rciep' })]);
    expect(shortPartition(predictGroups(s, { removeDevices: [addr('01:00.0')] }).predicted)).toEqual([['00:14.0'], ['00:1c.0']]);
  });
});
