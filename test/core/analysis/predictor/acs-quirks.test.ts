/**
 * Every row of the ACS quirk table (spec 1.9) and the `pcie_acs_override=` entry (spec 1.11).
 */
import { describe, expect, it } from 'vitest';
import { ACS_QUIRKS } from '../../../../main/core/analysis/predictor/acs-quirks.ts';
import { predictGroups } from '../../../../main/core/analysis/predictor/predict-groups.ts';
import type { PredictOptions } from '../../../../main/core/analysis/predictor/types.ts';
import type { Snapshot } from '../../../../main/core/model/snapshot.ts';
import {
  conventional, dmesgEvent, downstreamPort, endpoint, fn, pcieToPciBridge, rootPort, shortPartition, snapshot, upstreamPort,
} from '../../../helpers/topology.ts';

const groups = (s: Snapshot, o?: PredictOptions) => shortPartition(predictGroups(s, o).predicted);

/** A Root Port with the given ID and no ACS capability, an endpoint below it. */
const portCase = (id: string, type: 'root-port' | 'downstream-port' = 'root-port') => snapshot(
  type === 'root-port'
    ? [rootPort('00:1c.0', 0x01, 'none', { id }), endpoint('01:00.0')]
    : [rootPort('00:1c.0', 0x01, 'enabled'), upstreamPort('01:00.0', 0x02), downstreamPort('02:00.0', 0x03, 'none', { id }), endpoint('03:00.0')],
);

/** Two functions of the given device, without ACS, below an isolating Root Port. */
const mfCase = (id: string) => snapshot([
  rootPort('00:02.0', 0x01, 'enabled'),
  endpoint('01:00.0', { id, multifunction: true }),
  endpoint('01:00.1', { id, multifunction: true }),
]);

const quirkRowsOf = (s: Snapshot) => predictGroups(s).predicted.flatMap((g) => g.reasons)
  .filter((r) => r.kind === 'quirk').map((r) => r.kind === 'quirk' && `${r.row}:${r.effect}`);

describe('ACS quirk table (spec 1.9)', () => {
  it('lists rows 1-19 in order and ends with the override entry matching any device', () => {
    const rows = ACS_QUIRKS.map((q) => q.row);
    expect(rows).toEqual([...rows].sort((a, b) => a - b));
    expect(new Set(rows)).toEqual(new Set(Array.from({ length: 20 }, (_, i) => i + 1)));
    expect(ACS_QUIRKS[ACS_QUIRKS.length - 1]).toMatchObject({ row: 20, vendor: null, devices: null });
  });

  describe('row 1: AMD SB/FCH functions on the root bus', () => {
    const sb = (o: Parameters<typeof snapshot>[1] = {}) => snapshot([
      conventional('00:14.0', { id: '1002:4385', classCode: '0c05', multifunction: true }),
      conventional('00:14.3', { id: '1002:439d', classCode: '0601' }),
    ], o);
    it('isolate when the IVRS table exists', () => {
      expect(groups(sb({ iommu: { vendor: 'amd', firmwareTables: ['APIC', 'IVRS'] } }))).toEqual([['00:14.0'], ['00:14.3']]);
    });
    it('give no answer without IVRS, so the conventional functions share', () => {
      expect(groups(sb({ iommu: { vendor: 'amd', firmwareTables: ['APIC', 'FACP'] } }))).toEqual([['00:14.0', '00:14.3']]);
    });
    it('assume IVRS when nothing says, and flag the guess', () => {
      const r = predictGroups(sb({ iommu: { vendor: 'unknown', firmwareTables: null } }));
      expect(shortPartition(r.predicted)).toEqual([['00:14.0'], ['00:14.3']]);
      expect(r.uncertain[0]?.what).toMatch(/IVRS/);
    });
    it('apply to AMD 1022:780f/7809 too, but not off the root bus', () => {
      const s = snapshot([
        rootPort('00:02.0', 0x01, 'enabled'),
        conventional('01:00.0', { id: '1022:780f', multifunction: true }), conventional('01:00.1', { id: '1022:7809' }),
      ], { iommu: { vendor: 'amd', firmwareTables: ['IVRS'] } });
      expect(groups(s)).toEqual([['00:02.0'], ['01:00.0', '01:00.1']]);
    });
  });

  const isolatingMultifunction: [number, string][] = [
    [2, '1924:0903'], [2, '1924:0a03'], [3, '8086:1521'], [3, '8086:10fb'], [3, '8086:15b8'], [8, '19a2:0710'], [8, '10df:0720'],
    [10, '177d:a026'], [12, '14e4:16d7'], [12, '14e4:1763'], [16, '1d17:3038'],
  ];
  it.each(isolatingMultifunction)('row %i: multifunction-endpoint quirk for %s splits its functions', (row, id) => {
    expect(groups(mfCase(id))).toEqual([['00:02.0'], ['01:00.0'], ['01:00.1']]);
    expect(quirkRowsOf(mfCase(id))).toContain(`${row}:isolating`);
  });

  it('the same two functions without a quirk share a group', () => {
    expect(groups(mfCase('1234:5678'))).toEqual([['00:02.0'], ['01:00.0', '01:00.1']]);
  });

  describe('row 4: Intel RCiEPs', () => {
    it('isolate Intel multifunction RCiEPs', () => {
      const s = snapshot([fn('00:14.0', { type: 'rciep', id: '8086:a36d', multifunction: true }), fn('00:14.2', { type: 'rciep', id: '8086:a36f' })]);
      expect(groups(s)).toEqual([['00:14.0'], ['00:14.2']]);
    });
    it('do nothing for other vendors or for conventional Intel functions', () => {
      const other = snapshot([fn('00:14.0', { type: 'rciep', id: '1234:a36d', multifunction: true }), fn('00:14.2', { type: 'rciep', id: '1234:a36f' })]);
      expect(groups(other)).toEqual([['00:14.0', '00:14.2']]);
      const legacy = snapshot([conventional('00:1f.0', { id: '8086:a306', multifunction: true }), conventional('00:1f.3', { id: '8086:a348' })]);
      expect(groups(legacy)).toEqual([['00:1f.0', '00:1f.3']]);
    });
  });

  const isolatingPorts: [number, string][] = [
    [5, '17cb:0400'], [5, '17cb:0115'], [5, '1dbf:0401'], [9, '177d:a001'], [9, '177d:af84'], [9, '177d:b884'], [11, '10e8:e004'],
    [11, '1def:e00c'], [13, '14e4:d714'], [14, '0014:7a09'], [14, '0014:3c29'], [15, '1c36:0031'], [17, '1957:8d80'], [17, '1957:8db9'],
    [18, '1d17:0710'], [18, '1d17:0721'],
  ];
  it.each(isolatingPorts)('row %i: root port %s without ACS capability isolates', (row, id) => {
    expect(groups(portCase(id))).toEqual([['00:1c.0'], ['01:00.0']]);
    expect(quirkRowsOf(portCase(id))).toContain(`${row}:isolating`);
  });

  it('rows 9 and 15 answer only for Root Ports', () => {
    expect(groups(portCase('177d:a001', 'downstream-port'))).toEqual([['00:1c.0'], ['01:00.0'], ['02:00.0', '03:00.0']]);
    expect(groups(portCase('1c36:0031', 'downstream-port'))).toEqual([['00:1c.0'], ['01:00.0'], ['02:00.0', '03:00.0']]);
    // A Cavium device outside a000-a7ff/af84/b884 gets no answer.
    expect(groups(portCase('177d:a800'))).toEqual([['00:1c.0', '01:00.0']]);
  });

  describe('row 6: Intel PCH root ports', () => {
    it('applies only to the listed IDs (Wellsburg 8d1e yes, 8d1f no)', () => {
      const dmesg = [dmesgEvent('pci.pchAcsOk', '00:1c.0', 'pcieport 0000:00:1c.0: Intel PCH root port ACS workaround enabled')];
      expect(groups(snapshot([rootPort('00:1c.0', 0x01, 'none', { id: '8086:8d1e' }), endpoint('01:00.0')], { dmesg }))).toEqual([['00:1c.0'], ['01:00.0']]);
      expect(groups(snapshot([rootPort('00:1c.0', 0x01, 'none', { id: '8086:8d1f' }), endpoint('01:00.0')], { dmesg }))).toEqual([['00:1c.0', '01:00.0']]);
    });
    it('without dmesg, the kernel\'s current groups decide instead of the guess', () => {
      const ports = () => [rootPort('00:1c.0', 0x01, 'none', { id: '8086:1c10' }), endpoint('01:00.0')];
      const failed = predictGroups(snapshot(ports(), { groups: [['00:1c.0', '01:00.0']] }));
      expect(shortPartition(failed.predicted)).toEqual([['00:1c.0', '01:00.0']]);
      expect(failed.uncertain[0]!.what).toMatch(/^dmesg does not say whether .*; but the kernel's current groups show it does not isolate, which is used/);
      const worked = predictGroups(snapshot(ports(), { groups: [['00:1c.0'], ['01:00.0']] }));
      expect(shortPartition(worked.predicted)).toEqual([['00:1c.0'], ['01:00.0']]);
      expect(worked.uncertain[0]!.what).toMatch(/the kernel's current groups agree/);
    });

    it('reads one port\'s dmesg outcome as the chipset\'s', () => {
      const dmesg = [dmesgEvent('pci.pchAcsOk', '00:1c.0', 'pcieport 0000:00:1c.0: Intel PCH root port ACS workaround enabled')];
      const s = snapshot([rootPort('00:1c.2', 0x01, 'none', { id: '8086:1c14' }), endpoint('01:00.0')], { dmesg });
      const r = predictGroups(s);
      expect(shortPartition(r.predicted)).toEqual([['00:1c.2'], ['01:00.0']]);
      expect(r.uncertain).toEqual([]);
    });
  });

  describe('row 7: Intel SPT PCH root ports (dword ACS layout)', () => {
    // lspci shows ACSCap SV TB RR CR UF and an ACSCtl of all "-" (it reads the wrong register).
    const spt = (acs: 'lspci' | 'none') => [
      rootPort('00:1b.0', 0x01, acs === 'none' ? 'none' : { cap: 0x1f, ctrl: 0 }, { id: '8086:a167' }),
      endpoint('01:00.0'),
    ];
    it('isolate although lspci\'s ACSCtl shows nothing enabled', () => {
      const r = predictGroups(snapshot(spt('lspci')));
      expect(shortPartition(r.predicted)).toEqual([['00:1b.0'], ['01:00.0']]);
      const reason = r.predicted[1]!.reasons.find((x) => x.kind === 'quirk');
      expect(reason).toMatchObject({ row: 7, effect: 'isolating' });
      expect(r.predicted[1]!.reason).toMatch(/lspci's ACSCtl shows another register/);
    });
    it('stop isolating when disable_acs_redir names them (the quirk clears RR/CR/EC)', () => {
      expect(groups(snapshot(spt('lspci')), { cmdline: 'pci=disable_acs_redir=0000:00:1b.0' })).toEqual([['00:1b.0', '01:00.0']]);
      expect(groups(snapshot(spt('lspci')), { cmdline: 'pci=config_acs=11111@0000:00:1b.0' })).toEqual([['00:1b.0', '01:00.0']]);
    });
    it('give no answer without an ACS capability (then the port does not isolate)', () => {
      expect(groups(snapshot(spt('none')))).toEqual([['00:1b.0', '01:00.0']]);
    });
  });

  describe('row 18: Zhaoxin ports', () => {
    it('answer a definite no for unlisted ports even with ACS enabled', () => {
      const s = snapshot([rootPort('00:1c.0', 0x01, 'enabled', { id: '1d17:0800' }), endpoint('01:00.0')]);
      expect(groups(s)).toEqual([['00:1c.0', '01:00.0']]);
      expect(predictGroups(s).predicted[0]!.reasons).toContainEqual(expect.objectContaining({ kind: 'quirk', row: 18, effect: 'not-isolating' }));
    });
    it('win over pcie_acs_override=downstream (the override entry comes last)', () => {
      const s = snapshot([rootPort('00:1c.0', 0x01, 'none', { id: '1d17:0800' }), endpoint('01:00.0')]);
      expect(groups(s, { cmdline: 'pcie_acs_override=downstream' })).toEqual([['00:1c.0', '01:00.0']]);
    });
    it('give no answer for non-port Zhaoxin devices', () => {
      expect(groups(mfCase('1d17:1234'))).toEqual([['00:02.0'], ['01:00.0', '01:00.1']]);
    });
  });

  describe('row 19: Wangxun NICs', () => {
    it('isolate the listed NICs', () => {
      expect(groups(mfCase('8088:0101'))).toEqual([['00:02.0'], ['01:00.0'], ['01:00.1']]);
      expect(groups(mfCase('8088:5025'))).toEqual([['00:02.0'], ['01:00.0'], ['01:00.1']]);
    });
    it('answer a definite no for any other Wangxun device, which the override cannot change', () => {
      const s = snapshot([
        rootPort('00:02.0', 0x01, 'enabled'),
        endpoint('01:00.0', { id: '8088:1002', multifunction: true, acs: 'enabled' }),
        endpoint('01:00.1', { id: '8088:1002', multifunction: true, acs: 'enabled' }),
      ]);
      expect(groups(s)).toEqual([['00:02.0'], ['01:00.0', '01:00.1']]);
      expect(groups(mfCase('8088:1002'), { cmdline: 'pcie_acs_override=multifunction' })).toEqual([['00:02.0'], ['01:00.0', '01:00.1']]);
    });
  });
});

describe('pcie_acs_override (spec 1.11)', () => {
  const tree = () => snapshot([
    rootPort('00:1c.0', 0x01, 'none', { id: '1234:aa10' }),
    rootPort('00:1d.0', 0x02, 'none', { id: '1234:aa14' }),
    endpoint('01:00.0', { id: '10de:2206', multifunction: true }), endpoint('01:00.1', { id: '10de:1aef', multifunction: true }),
    upstreamPort('02:00.0', 0x03, { id: '1b21:1182' }),
    downstreamPort('03:03.0', 0x04, 'none', { id: '1b21:1182' }), downstreamPort('03:07.0', 0x05, 'none', { id: '1b21:1182' }),
    endpoint('04:00.0'), endpoint('05:00.0'),
  ]);

  it('without override: each non-ACS Root Port and its whole subtree form one group', () => {
    expect(groups(tree())).toEqual([['00:1c.0', '01:00.0', '01:00.1'], ['00:1d.0', '02:00.0', '03:03.0', '03:07.0', '04:00.0', '05:00.0']]);
  });

  it('downstream: every Root and Downstream Port isolates; multifunction functions still share', () => {
    const r = predictGroups(tree(), { cmdline: 'pcie_acs_override=downstream' });
    expect(shortPartition(r.predicted)).toEqual([['00:1c.0'], ['00:1d.0'], ['01:00.0', '01:00.1'], ['02:00.0'], ['03:03.0'], ['03:07.0'], ['04:00.0'], ['05:00.0']]);
    const ep = r.predicted.find((g) => g.devices.includes('0000:04:00.0'))!;
    expect(ep.reasons).toContainEqual(expect.objectContaining({ kind: 'acs-override', device: '0000:03:03.0', token: 'downstream' }));
    expect(ep.reason).toContain('pcie_acs_override=downstream makes 03:03.0 count as isolating');
  });

  it('multifunction alone splits nothing below the non-ACS ports', () => {
    expect(groups(tree(), { cmdline: 'pcie_acs_override=multifunction' })).toEqual(groups(tree()));
  });

  it('downstream,multifunction splits everything', () => {
    expect(groups(tree(), { cmdline: 'pcie_acs_override=downstream,multifunction' })).toEqual([
      ['00:1c.0'], ['00:1d.0'], ['01:00.0'], ['01:00.1'], ['02:00.0'], ['03:03.0'], ['03:07.0'], ['04:00.0'], ['05:00.0'],
    ]);
  });

  it('id: overrides exactly the named vendor:device, whatever its type', () => {
    expect(groups(tree(), { cmdline: 'pcie_acs_override=id:1234:aa10' })).toEqual([
      ['00:1c.0'], ['00:1d.0', '02:00.0', '03:03.0', '03:07.0', '04:00.0', '05:00.0'], ['01:00.0', '01:00.1'],
    ]);
    expect(groups(tree(), { cmdline: 'pcie_acs_override=id:1234:aa14,id:1b21:1182' })).toEqual([
      ['00:1c.0', '01:00.0', '01:00.1'], ['00:1d.0'], ['02:00.0'], ['03:03.0'], ['03:07.0'], ['04:00.0'], ['05:00.0'],
    ]);
  });

  it('never overrides a device that has an ACS capability, even with nothing enabled', () => {
    const s = snapshot([rootPort('00:1c.0', 0x01, { cap: 0x5f, ctrl: 0 }), endpoint('01:00.0')]);
    expect(groups(s, { cmdline: 'pcie_acs_override=downstream' })).toEqual([['00:1c.0', '01:00.0']]);
  });

  it('never overrides conventional devices', () => {
    const s = snapshot([conventional('00:1f.0', { multifunction: true }), conventional('00:1f.3')]);
    expect(groups(s, { cmdline: 'pcie_acs_override=multifunction' })).toEqual([['00:1f.0', '00:1f.3']]);
  });

  it('never splits what sits behind a PCIe-to-PCI bridge', () => {
    const s = snapshot([rootPort('00:1c.0', 0x01, 'none'), pcieToPciBridge('01:00.0', 0x02), conventional('02:00.0'), conventional('02:01.0')]);
    expect(groups(s, { cmdline: 'pcie_acs_override=downstream,multifunction' })).toEqual([['00:1c.0'], ['01:00.0', '02:00.0', '02:01.0']]);
  });

  it('acts on the captured command line when dmesg shows the patch\'s warning', () => {
    const s = snapshot([rootPort('00:1c.0', 0x01, 'none'), endpoint('01:00.0')], {
      cmdline: 'quiet pcie_acs_override=downstream',
      dmesg: [dmesgEvent('pci.override', null, 'Warning: PCIe ACS overrides enabled; This may allow non-IOMMU protected peer-to-peer DMA')],
    });
    const r = predictGroups(s);
    expect(shortPartition(r.predicted)).toEqual([['00:1c.0'], ['01:00.0']]);
    expect(r.notes).toEqual([]);
  });

  it('has no effect when the kernel listed the token as unknown (no patch)', () => {
    const s = snapshot([rootPort('00:1c.0', 0x01, 'none'), endpoint('01:00.0')], {
      cmdline: 'quiet pcie_acs_override=downstream',
      dmesg: [dmesgEvent('boot.unknownParams', null, 'Unknown kernel command line parameters "pcie_acs_override=downstream", will be passed to user space.')],
    });
    const r = predictGroups(s);
    expect(shortPartition(r.predicted)).toEqual([['00:1c.0', '01:00.0']]);
    expect(r.notes[0]).toMatch(/lacks the override patch/);
  });

  it('is applied but flagged when dmesg says neither', () => {
    const s = snapshot([rootPort('00:1c.0', 0x01, 'none'), endpoint('01:00.0')], { cmdline: 'pcie_acs_override=downstream' });
    const r = predictGroups(s);
    expect(shortPartition(r.predicted)).toEqual([['00:1c.0'], ['01:00.0']]);
    expect(r.notes[0]).toMatch(/does not confirm/);
  });

  it('a misspelt parameter (pci_acs_override) does nothing', () => {
    const s = snapshot([rootPort('00:1c.0', 0x01, 'none'), endpoint('01:00.0')]);
    expect(groups(s, { cmdline: 'pci_acs_override=downstream' })).toEqual([['00:1c.0', '01:00.0']]);
  });

  it('takes at most 15 id: entries', () => {
    const ids = Array.from({ length: 16 }, (_, i) => `id:1234:${(0x100 + i).toString(16).padStart(4, '0')}`).join(',');
    const s = snapshot([rootPort('00:1c.0', 0x01, 'none', { id: '1234:010f' }), endpoint('01:00.0')]);
    const r = predictGroups(s, { cmdline: `pcie_acs_override=${ids}` });
    expect(shortPartition(r.predicted)).toEqual([['00:1c.0', '01:00.0']]);
    expect(r.notes).toContain('pcie_acs_override: "id:1234:010f" ignored, out of override slots');
  });
});
