/**
 * DMA aliases (spec 1.6, 1.10): every alias quirk, aliases announced in dmesg, ghost aliases,
 * Intel VMD, the ThunderX2 translation root and the NTBs that cannot be predicted offline.
 */
import { describe, expect, it } from 'vitest';
import { predictGroups } from '../../../../main/core/analysis/predictor/predict-groups.ts';
import type { Snapshot } from '../../../../main/core/model/snapshot.ts';
import {
  conventional, dmesgEvent, endpoint, fn, pciBridge, pcieToPciBridge, rootPort, shortPartition, snapshot,
} from '../../../helpers/topology.ts';

const groups = (s: Snapshot) => shortPartition(predictGroups(s).predicted);
const aliasReasons = (s: Snapshot) => predictGroups(s).predicted.flatMap((g) => g.reasons).filter((r) => r.kind === 'dma-alias');

/** Two ACS-isolated functions of one slot below an ACS port: apart unless an alias links them. */
const twoFunctions = (id0: string, id1: string) => snapshot([
  rootPort('00:1c.0', 0x05, 'enabled'),
  endpoint('05:00.0', { id: id0, multifunction: true, acs: 'enabled' }),
  endpoint('05:00.1', { id: id1, multifunction: true, acs: 'enabled' }),
]);

describe('DMA alias quirks (spec 1.10)', () => {
  it('without an alias quirk, two isolating functions are apart', () => {
    expect(groups(twoFunctions('1234:0001', '1234:0002'))).toEqual([['00:1c.0'], ['05:00.0'], ['05:00.1']]);
  });

  it.each(['1180:e832', '1180:e476', '6766:3d40', '6766:3d41'])('alias to function 0 (%s on function 1)', (id) => {
    const s = twoFunctions('1234:0001', id);
    expect(groups(s)).toEqual([['00:1c.0'], ['05:00.0', '05:00.1']]);
    expect(aliasReasons(s)).toEqual([expect.objectContaining({ device: '0000:05:00.1', alias: '0000:05:00.0', source: 'quirk: DMA alias to function 0' })]);
  });

  it.each(['1b4b:9123', '1b4b:9230', '1b4b:9235', '1103:0642', '197b:2392', '1c28:0122'])('alias to function 1 (%s on function 0)', (id) => {
    const s = twoFunctions(id, '1234:0002');
    expect(groups(s)).toEqual([['00:1c.0'], ['05:00.0', '05:00.1']]);
    expect(predictGroups(s).predicted[1]!.reason)
      .toBe('05:00.0 also uses 05:00.1\'s requester ID as a DMA alias (quirk: DMA alias to function 1), so they share a group.');
  });

  it('Adaptec 3405/3805 alias 01.0, only with their subsystem IDs', () => {
    const adaptec = (subsystem: string) => snapshot([
      endpoint('00:01.0', { type: 'rciep' }),
      fn('00:0a.0', { type: 'conventional', id: '9005:0285', subsystem }),
    ]);
    expect(groups(adaptec('9005:02bb'))).toEqual([['00:01.0', '00:0a.0']]);
    expect(groups(adaptec('9005:02bc'))).toEqual([['00:01.0', '00:0a.0']]);
    expect(groups(adaptec('9005:0001'))).toEqual([['00:01.0'], ['00:0a.0']]);
  });

  it('Intel MIC x200 aliases 10.0, 11.0 and 12.3 of its bus', () => {
    const s = snapshot([
      fn('00:05.0', { type: 'rciep', id: '8086:2264' }),
      fn('00:10.0', { type: 'rciep', id: '1234:0001' }), fn('00:12.3', { type: 'rciep', id: '1234:0002', multifunction: true, acs: 'enabled' }),
      fn('00:13.0', { type: 'rciep', id: '1234:0003' }),
    ]);
    expect(groups(s)).toEqual([['00:05.0', '00:10.0', '00:12.3'], ['00:13.0']]);
  });

  it('Intel VCA aliases functions 0-4 of every slot on its bus', () => {
    const s = snapshot([
      fn('00:04.0', { type: 'rciep', id: '8086:2954' }),
      fn('00:05.0', { type: 'rciep' }), fn('00:06.4', { type: 'rciep', acs: 'enabled', multifunction: true }),
      fn('00:06.5', { type: 'rciep', acs: 'enabled', multifunction: true }),
    ]);
    expect(groups(s)).toEqual([['00:04.0', '00:05.0', '00:06.4'], ['00:06.5']]);
  });

  it('PLX NTB aliases every devfn of its bus', () => {
    const s = snapshot([fn('00:03.0', { type: 'endpoint', id: '10b5:87b0', classCode: '0680' }), fn('00:04.0', { type: 'rciep' }), fn('00:1f.0', { type: 'rciep' })]);
    expect(groups(s)).toEqual([['00:03.0', '00:04.0', '00:1f.0']]);
  });

  describe('"PCIe bridge alias" flag (ASM1083 class bridges without a PCIe capability)', () => {
    it('is set below a PCIe port: the devices behind still join the bridge', () => {
      const s = snapshot([
        rootPort('00:1c.0', 0x02, 'enabled'),
        pciBridge('02:00.0', 0x03, { id: '1b21:1080' }),
        conventional('03:00.0'), conventional('03:01.0'),
      ]);
      const r = predictGroups(s);
      expect(shortPartition(r.predicted)).toEqual([['00:1c.0'], ['02:00.0', '03:00.0', '03:01.0']]);
      expect(r.predicted[1]!.reasons).toEqual([expect.objectContaining({ kind: 'conventional-bridge', bridge: '0000:02:00.0', pcieBridgeAlias: true })]);
      expect(r.predicted[1]!.reason).toMatch(/requester ID of its secondary bus \(PCIe bridge alias quirk\)/);
    });

    it('is not set below a PCIe-to-PCI bridge or for other IDs', () => {
      const s = snapshot([
        rootPort('00:1c.0', 0x02, 'enabled'),
        pcieToPciBridge('02:00.0', 0x03),
        pciBridge('03:00.0', 0x04, { id: '1b21:1080' }), conventional('04:00.0'),
      ]);
      const reasons = predictGroups(s).predicted.flatMap((g) => g.reasons).filter((r) => r.kind === 'conventional-bridge');
      expect(reasons).toEqual([expect.objectContaining({ bridge: '0000:03:00.0', pcieBridgeAlias: false })]);
      const other = snapshot([rootPort('00:1c.0', 0x02, 'enabled'), pciBridge('02:00.0', 0x03, { id: '1b21:1180' }), conventional('03:00.0')]);
      expect(predictGroups(other).predicted[1]!.reasons[0]).toMatchObject({ kind: 'conventional-bridge', pcieBridgeAlias: false });
    });
  });

  it('ThunderX2 root bridges stop the alias walk', () => {
    const below = (id: string) => snapshot([
      pciBridge('00:01.0', 0x01),
      rootPort('01:00.0', 0x02, 'enabled', { id }),
      endpoint('02:00.0'),
    ]);
    // Either way the endpoint ends up with the bridges (the conventional bridge does not isolate),
    // but without the flag the alias walk finds the conventional bridge first; with it, the upward
    // ACS walk does.
    const plain = predictGroups(below('14e4:9001')).predicted[0]!;
    const thunder = predictGroups(below('14e4:9084')).predicted[0]!;
    expect(shortPartition([plain])).toEqual([['00:01.0', '01:00.0', '02:00.0']]);
    expect(shortPartition([thunder])).toEqual([['00:01.0', '01:00.0', '02:00.0']]);
    expect(plain.reasons.map((r) => r.kind)).toEqual(['conventional-bridge']);
    expect(thunder.reasons).toContainEqual(expect.objectContaining({ kind: 'non-isolating-bridge', bridge: '0000:00:01.0', devices: ['0000:00:01.0', '0000:02:00.0'] }));
  });
});

describe('aliases announced in dmesg', () => {
  it('join the device with the aliased function when it exists', () => {
    const s = snapshot([
      fn('00:11.0', { type: 'rciep', id: '1022:7901' }), fn('00:12.0', { type: 'rciep' }),
    ], { dmesg: [dmesgEvent('pci.alias', '00:11.0', 'pci 0000:00:11.0: Enabling fixed DMA alias to 12.0', { slot: '12', fn: '0' })] });
    expect(groups(s)).toEqual([['00:11.0', '00:12.0']]);
    expect(aliasReasons(s)[0]).toMatchObject({ source: 'dmesg "pci 0000:00:11.0: Enabling fixed DMA alias to 12.0"' });
  });

  it('ranges are read too', () => {
    const s = snapshot([fn('00:11.0', { type: 'rciep' }), fn('00:12.0', { type: 'rciep' }), fn('00:13.0', { type: 'rciep' }), fn('00:14.0', { type: 'rciep' })], {
      dmesg: [dmesgEvent('pci.aliasRange', '00:11.0', 'pci 0000:00:11.0: Enabling fixed DMA alias for devfn range from 12.0 to 13.7', { slot1: '12', fn1: '0', slot2: '13', fn2: '7' })],
    });
    expect(groups(s)).toEqual([['00:11.0', '00:12.0', '00:13.0'], ['00:14.0']]);
  });

  it('ghost aliases (AMD IVRS entries for 0b:00.0 behind a PCIe-to-PCI bridge, lab "amd") change nothing', () => {
    const devices = () => [
      rootPort('00:1c.4', 0x0a, 'enabled'), pcieToPciBridge('0a:00.0', 0x0b), conventional('0b:01.0'), conventional('0b:02.0'),
      rootPort('00:1c.5', 0x0c, 'enabled'), endpoint('0c:00.0', { multifunction: false }),
    ];
    const dmesg = [
      dmesgEvent('pci.alias', '0b:01.0', 'pci 0000:0b:01.0: Enabling fixed DMA alias to 00.0', { slot: '00', fn: '0' }),
      dmesgEvent('pci.alias', '0b:02.0', 'pci 0000:0b:02.0: Enabling fixed DMA alias to 00.0', { slot: '00', fn: '0' }),
      dmesgEvent('pci.alias', '0c:00.0', 'pci 0000:0c:00.0: Enabling fixed DMA alias to 00.1', { slot: '00', fn: '1' }),
    ];
    const expected = [['00:1c.4'], ['00:1c.5'], ['0a:00.0', '0b:01.0', '0b:02.0'], ['0c:00.0']];
    expect(groups(snapshot(devices()))).toEqual(expected);
    expect(groups(snapshot(devices(), { dmesg, iommu: { vendor: 'amd' } }))).toEqual(expected);
  });
});

describe('NTB aliases that cannot be predicted offline', () => {
  const ntb = (dmesg: Parameters<typeof snapshot>[1]) => snapshot([
    rootPort('00:01.0', 0x01, 'enabled'),
    fn('01:00.0', { type: 'endpoint', id: '11f8:8531', classCode: '0680', multifunction: true, acs: 'enabled' }),
    fn('01:00.1', { type: 'endpoint', id: '11f8:8531', classCode: '0680', multifunction: true, acs: 'enabled' }),
  ], dmesg);

  it('Switchtec without dmesg: predicted apart, flagged as unpredictable', () => {
    const r = predictGroups(ntb({}));
    expect(shortPartition(r.predicted)).toEqual([['00:01.0'], ['01:00.0'], ['01:00.1']]);
    expect(r.uncertain.map((u) => u.device)).toEqual(['0000:01:00.0', '0000:01:00.1']);
    expect(r.uncertain[0]!.what).toMatch(/Switchtec NTB/);
  });

  it('Switchtec with its dmesg lines: the announced aliases are used and nothing is flagged', () => {
    const r = predictGroups(ntb({
      dmesg: [
        dmesgEvent('pci.ntbAlias', '01:00.0', 'switchtec 0000:01:00.0: Setting Switchtec proxy ID aliases'),
        dmesgEvent('pci.alias', '01:00.0', 'pci 0000:01:00.0: Enabling fixed DMA alias to 00.1', { slot: '00', fn: '1' }),
        dmesgEvent('pci.ntbAlias', '01:00.1', 'switchtec 0000:01:00.1: Setting Switchtec proxy ID aliases'),
      ],
    }));
    expect(shortPartition(r.predicted)).toEqual([['00:01.0'], ['01:00.0', '01:00.1']]);
    expect(r.uncertain).toEqual([]);
  });
});

describe('Intel VMD', () => {
  const vmd = (withPaths: boolean) => snapshot([
    fn('00:0e.0', { type: 'rciep', id: '8086:467f', classCode: '0104', driver: 'vmd' }),
    fn('00:14.0', { type: 'rciep', id: '8086:7ae0' }),
    rootPort('10000:e0:06.0', 0xe1, 'enabled', withPaths ? { sysfsPath: 'pci0000:00/0000:00:0e.0/pci10000:e0/10000:e0:06.0' } : {}),
    endpoint('10000:e1:00.0', withPaths ? { sysfsPath: 'pci0000:00/0000:00:0e.0/pci10000:e0/10000:e0:06.0/10000:e1:00.0' } : {}),
  ]);

  it.each([true, false])('devices behind the controller join its group (sysfs paths known: %s)', (withPaths) => {
    const r = predictGroups(vmd(withPaths));
    expect(shortPartition(r.predicted)).toEqual([['00:0e.0', '10000:e0:06.0', '10000:e1:00.0'], ['00:14.0']]);
    expect(r.predicted[0]!.reasons).toContainEqual(expect.objectContaining({ kind: 'dma-alias', device: '10000:e1:00.0', alias: '0000:00:0e.0', source: 'Intel VMD' }));
    expect(r.predicted[0]!.reason).toMatch(/10000:e1:00.0 is behind the Intel VMD controller 00:0e.0/);
  });
});
