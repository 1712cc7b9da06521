/**
 * The worked examples of spec section 7 (1-14), as synthetic topologies. Expected groups are the
 * spec's, written out here, not read back from the predictor.
 */
import { describe, expect, it } from 'vitest';
import { predictGroups } from '../../../../main/core/analysis/predictor/predict-groups.ts';
import type { PredictOptions } from '../../../../main/core/analysis/predictor/types.ts';
import type { Snapshot } from '../../../../main/core/model/snapshot.ts';
import {
  conventional, dmesgEvent, downstreamPort, endpoint, fn, pciBridge, pcieToPciBridge, rootPort, shortPartition, snapshot, upstreamPort,
} from '../../../helpers/topology.ts';

const groups = (s: Snapshot, o?: PredictOptions) => shortPartition(predictGroups(s, o).predicted);

describe('spec 7 worked examples', () => {
  it('1: endpoint below a non-ACS Root Port shares its group; override=downstream splits it', () => {
    const s = snapshot([rootPort('00:1c.0', 0x01, 'none'), endpoint('01:00.0', { id: '144d:a808', classCode: '0108' })]);
    expect(groups(s)).toEqual([['00:1c.0', '01:00.0']]);
    expect(groups(s, { cmdline: 'pcie_acs_override=downstream' })).toEqual([['00:1c.0'], ['01:00.0']]);
    const r = predictGroups(s).predicted[0]!;
    expect(r.reasons).toEqual([{
      kind: 'non-isolating-bridge', bridge: '0000:00:1c.0', bridgeType: 'root-port', missing: 'no ACS capability',
      devices: ['0000:00:1c.0', '0000:01:00.0'],
    }]);
    expect(r.reason).toBe('00:1c.0 (Root Port) has no ACS capability, so everything below it shares its group.');
  });

  const gpu = (bus: string) => [
    endpoint(`${bus}:00.0`, { id: '10de:2206', classCode: '0300', multifunction: true }),
    endpoint(`${bus}:00.1`, { id: '10de:1aef', classCode: '0403', multifunction: true }),
  ];

  it('2: GPU + audio below an ACS Root Port share a group without the port; override=multifunction splits them', () => {
    const s = snapshot([rootPort('00:01.1', 0x01, 'enabled'), ...gpu('01')]);
    expect(groups(s)).toEqual([['00:01.1'], ['01:00.0', '01:00.1']]);
    expect(groups(s, { cmdline: 'pcie_acs_override=multifunction' })).toEqual([['00:01.1'], ['01:00.0'], ['01:00.1']]);
    const shared = predictGroups(s).predicted.find((g) => g.devices.length === 2)!;
    expect(shared.reasons[0]).toMatchObject({
      kind: 'multifunction-without-acs', slot: '0000:01:00',
      functions: [{ address: '0000:01:00.0', missing: 'no ACS capability' }, { address: '0000:01:00.1', missing: 'no ACS capability' }],
    });
  });

  it('3: GPU + audio below a non-ACS Root Port: port and both functions in one group', () => {
    const s = snapshot([rootPort('00:01.0', 0x01, 'none'), ...gpu('01')]);
    expect(groups(s)).toEqual([['00:01.0', '01:00.0', '01:00.1']]);
  });

  it('4: two GPUs on the two non-ACS functions of an Intel PEG slot form one group', () => {
    const s = snapshot([
      rootPort('00:01.0', 0x01, 'none', { id: '8086:1901', multifunction: true }),
      rootPort('00:01.1', 0x02, 'none', { id: '8086:1905' }),
      ...gpu('01'), ...gpu('02'),
    ]);
    expect(groups(s)).toEqual([['00:01.0', '00:01.1', '01:00.0', '01:00.1', '02:00.0', '02:00.1']]);
  });

  it('5: a PCIe-to-PCI bridge and everything behind it share one group that no override splits', () => {
    const s = snapshot([
      rootPort('00:1c.3', 0x03, 'enabled'),
      pcieToPciBridge('03:00.0', 0x04),
      conventional('04:00.0'), conventional('04:01.0'),
    ]);
    const expected = [['00:1c.3'], ['03:00.0', '04:00.0', '04:01.0']];
    expect(groups(s)).toEqual(expected);
    expect(groups(s, { cmdline: 'pcie_acs_override=downstream,multifunction,id:1b36:000e' })).toEqual(expected);
    const behind = predictGroups(s).predicted[1]!;
    expect(behind.reasons[0]).toMatchObject({ kind: 'pcie-to-pci-bridge', bridge: '0000:03:00.0' });
  });

  it('5b: a conventional PCI bridge on the root bus (vfio.rst example) groups with what is behind it', () => {
    const s = snapshot([
      pciBridge('00:1e.0', 0x06, { id: '8086:244e', progIf: '01' }),
      conventional('06:0d.0', { multifunction: true }), conventional('06:0d.1'),
    ]);
    expect(groups(s)).toEqual([['00:1e.0', '06:0d.0', '06:0d.1']]);
    expect(predictGroups(s).predicted[0]!.reasons[0]).toMatchObject({ kind: 'conventional-bridge', bridge: '0000:00:1e.0', pcieBridgeAlias: false });
  });

  const switchTopology = (dsp: 'enabled' | 'none', rp: 'enabled' | 'none', rpAddress = '00:01.1') => snapshot([
    rootPort(rpAddress, 0x01, rp),
    upstreamPort('01:00.0', 0x02),
    downstreamPort('02:00.0', 0x03, dsp), downstreamPort('02:01.0', 0x04, dsp),
    endpoint('03:00.0'), endpoint('04:00.0'),
  ]);

  it('6: a switch whose ports all isolate gives every port and endpoint its own group', () => {
    expect(groups(switchTopology('enabled', 'enabled'))).toEqual([['00:01.1'], ['01:00.0'], ['02:00.0'], ['02:01.0'], ['03:00.0'], ['04:00.0']]);
  });

  it('7: non-ACS downstream ports each share a group with their own subtree only', () => {
    expect(groups(switchTopology('none', 'enabled'))).toEqual([['00:01.1'], ['01:00.0'], ['02:00.0', '03:00.0'], ['02:01.0', '04:00.0']]);
  });

  it('8: an ACS switch below a non-ACS Root Port is one group with the port', () => {
    const s = switchTopology('enabled', 'none', '00:1c.0');
    expect(groups(s)).toEqual([['00:1c.0', '01:00.0', '02:00.0', '02:01.0', '03:00.0', '04:00.0']]);
    const r = predictGroups(s).predicted[0]!;
    // Only the Root Port is to blame: the downstream ports themselves isolate.
    expect(r.reasons.map((x) => x.kind === 'non-isolating-bridge' && x.bridge)).toEqual(['0000:00:1c.0']);
  });

  it('9: root-bus integrated devices: single function alone, non-ACS multifunction slot shared', () => {
    const s = snapshot([
      fn('00:14.0', { type: 'rciep', id: '8086:a36d', classCode: '0c03' }),
      conventional('00:1f.0', { id: '8086:a306', classCode: '0601', multifunction: true }),
      conventional('00:1f.3', { id: '8086:a348', classCode: '0403' }),
      conventional('00:1f.4', { id: '8086:a323', classCode: '0c05' }),
      conventional('00:1f.5', { id: '8086:a324', classCode: '0c80' }),
    ]);
    expect(groups(s)).toEqual([['00:14.0'], ['00:1f.0', '00:1f.3', '00:1f.4', '00:1f.5']]);
  });

  it('10: partial ACS in one slot: the ACS function is alone, the others share', () => {
    const s = snapshot([
      fn('00:1f.0', { type: 'rciep', multifunction: true }),
      fn('00:1f.2', { type: 'rciep' }),
      fn('00:1f.6', { type: 'rciep', acs: 'enabled' }),
    ]);
    expect(groups(s)).toEqual([['00:1f.0', '00:1f.2'], ['00:1f.6']]);
  });

  it('11: an RR/CR-only ACS capability with RR/CR enabled isolates each function', () => {
    const s = snapshot([
      rootPort('00:02.0', 0x01, 'enabled'),
      endpoint('01:00.0', { multifunction: true, acs: { cap: 0x000c, ctrl: 0x000c } }),
      endpoint('01:00.1', { multifunction: true, acs: { cap: 0x000c, ctrl: 0x000c } }),
    ]);
    expect(groups(s)).toEqual([['00:02.0'], ['01:00.0'], ['01:00.1']]);
  });

  it('12: a DMA alias to an absent (ghost) function changes nothing', () => {
    const s = snapshot([rootPort('00:1c.4', 0x05, 'enabled'), endpoint('05:00.0', { id: '1b4b:9230', classCode: '0106' })]);
    expect(groups(s)).toEqual([['00:1c.4'], ['05:00.0']]);
  });

  it('13: SR-IOV VFs get their own groups below an ACS port, and join the port below a non-ACS one', () => {
    const devices = (acs: 'enabled' | 'none') => [
      rootPort('00:1c.0', 0x02, acs),
      endpoint('02:00.0', { id: '1b36:0010', classCode: '0108' }),
      endpoint('02:00.1', { id: '1b36:0010', classCode: '0108', physfn: '02:00.0' }),
      endpoint('02:00.2', { id: '1b36:0010', classCode: '0108', physfn: '02:00.0' }),
    ];
    expect(groups(snapshot(devices('enabled')))).toEqual([['00:1c.0'], ['02:00.0'], ['02:00.1'], ['02:00.2']]);
    expect(groups(snapshot(devices('none')))).toEqual([['00:1c.0', '02:00.0', '02:00.1', '02:00.2']]);
  });

  describe('14: Intel PCH root ports (8086:8c10, 8c18) without ACS capability', () => {
    const devices = () => [
      rootPort('00:1c.0', 0x02, 'none', { id: '8086:8c10', multifunction: true }),
      rootPort('00:1c.4', 0x03, 'none', { id: '8086:8c18' }),
      endpoint('02:00.0'), endpoint('03:00.0'),
    ];
    const ok = [
      dmesgEvent('pci.pchAcsOk', '00:1c.0', 'pcieport 0000:00:1c.0: Intel PCH root port ACS workaround enabled'),
      dmesgEvent('pci.pchAcsOk', '00:1c.4', 'pcieport 0000:00:1c.4: Intel PCH root port ACS workaround enabled'),
    ];

    it('workaround enabled (dmesg): every port and endpoint separate, explained by quirk row 6', () => {
      const r = predictGroups(snapshot(devices(), { dmesg: ok }));
      expect(shortPartition(r.predicted)).toEqual([['00:1c.0'], ['00:1c.4'], ['02:00.0'], ['03:00.0']]);
      expect(r.uncertain).toEqual([]);
      const below = r.predicted.find((g) => g.devices.includes('0000:02:00.0'))!;
      expect(below.reasons).toContainEqual(expect.objectContaining({ kind: 'quirk', device: '0000:00:1c.0', row: 6, effect: 'isolating' }));
    });

    it('workaround failed (dmesg): both ports and everything below share one group', () => {
      const failed = [dmesgEvent('pci.pchAcsFail', '00:1c.0', 'pcieport 0000:00:1c.0: Failed to enable Intel PCH ACS quirk')];
      const r = predictGroups(snapshot(devices(), { dmesg: failed }));
      expect(shortPartition(r.predicted)).toEqual([['00:1c.0', '00:1c.4', '02:00.0', '03:00.0']]);
      expect(r.predicted[0]!.reasons).toContainEqual(expect.objectContaining({ kind: 'quirk', device: '0000:00:1c.0', row: 6, effect: 'not-isolating' }));
    });

    it('no dmesg: assumes the workaround worked and says the groups depend on it', () => {
      const r = predictGroups(snapshot(devices()));
      expect(shortPartition(r.predicted)).toEqual([['00:1c.0'], ['00:1c.4'], ['02:00.0'], ['03:00.0']]);
      expect(r.uncertain.map((u) => u.device)).toEqual(['0000:00:1c.0', '0000:00:1c.4']);
      expect(r.uncertain[0]!.what).toMatch(/does not say whether the Intel PCH root port ACS workaround/);
      expect(r.predicted.every((g) => g.uncertain)).toBe(true);
    });
  });
});
