/**
 * `pci=disable_acs_redir=`, `pci=config_acs=` and the `<pci_dev>` syntax (spec 1.4 step 4,
 * section 6), and what they do to the groups; plus a property test of the parameter reader.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  acsChangeFor, matchesSpec, parsePciDevSpec, readAcsCommandLine, type SpecTarget,
} from '../../../../main/core/analysis/predictor/acs-params.ts';
import { predictGroups } from '../../../../main/core/analysis/predictor/predict-groups.ts';
import { parseKernelCommandLine } from '../../../../main/core/parsers/cmdline.ts';
import { downstreamPort, endpoint, rootPort, shortPartition, snapshot, upstreamPort } from '../../../helpers/topology.ts';

const cmd = (text: string) => readAcsCommandLine(parseKernelCommandLine(text).data);

function target(domain: number, bus: number, device: number, fn: number, up: SpecTarget | null = null, ids: [number, number] = [0x8086, 0x1234]): SpecTarget {
  return {
    domain, bus, device, function: fn, vendorId: ids[0], deviceId: ids[1], subsystemVendorId: 0x1043, subsystemDeviceId: 0x8808,
    upstream: () => up,
  };
}

describe('<pci_dev> specifications', () => {
  it('reads addresses with and without domain, bridge paths, and ID forms', () => {
    expect(parsePciDevSpec('0000:00:1c.0')).toMatchObject({ kind: 'path', domain: 0, bus: 0, path: [{ device: 0x1c, function: 0 }] });
    expect(parsePciDevSpec('02:00.1')).toMatchObject({ kind: 'path', domain: 0, bus: 2, path: [{ device: 0, function: 1 }] });
    expect(parsePciDevSpec('10000:e0:1f.0')).toMatchObject({ domain: 0x10000, bus: 0xe0 });
    expect(parsePciDevSpec('0000:00:1c.0/00.0/01.0')).toMatchObject({
      kind: 'path', path: [{ device: 0x1c, function: 0 }, { device: 0, function: 0 }, { device: 1, function: 0 }],
    });
    expect(parsePciDevSpec('pci:10de:0')).toMatchObject({ kind: 'ids', vendor: 0x10de, device: 0, subsystemVendor: 0, subsystemDevice: 0 });
    expect(parsePciDevSpec('pci:8086:1521:8086:0001')).toMatchObject({ vendor: 0x8086, device: 0x1521, subsystemVendor: 0x8086, subsystemDevice: 1 });
    for (const bad of ['', 'pci:', 'pci:8086', 'pci:8086:1521:8086', '00:1c', '00:20.0', '00:1c.8', 'x0:1c.0', '00:1c.0/1']) {
      expect(parsePciDevSpec(bad)).toBeNull();
    }
  });

  it('matches a bridge path from the top device down', () => {
    const rp = target(0, 0, 0x1c, 0);
    const usp = target(0, 1, 0, 0, rp);
    const dsp = target(0, 2, 1, 0, usp);
    const ep = target(0, 3, 0, 0, dsp);
    expect(matchesSpec(parsePciDevSpec('00:1c.0/00.0/01.0/00.0')!, ep)).toBe(true);
    expect(matchesSpec(parsePciDevSpec('00:1c.0/00.0/02.0/00.0')!, ep)).toBe(false);
    expect(matchesSpec(parsePciDevSpec('00:1c.4/00.0/01.0/00.0')!, ep)).toBe(false);
    expect(matchesSpec(parsePciDevSpec('03:00.0')!, ep)).toBe(true);
    expect(matchesSpec(parsePciDevSpec('0001:03:00.0')!, ep)).toBe(false);
    // A path longer than the chain above the device cannot match.
    expect(matchesSpec(parsePciDevSpec('00:00.0/1c.0/00.0/01.0/00.0')!, ep)).toBe(false);
  });

  it('matches IDs with 0 as a wildcard, subsystem included', () => {
    const dev = target(0, 1, 0, 0, null, [0x10de, 0x2206]);
    expect(matchesSpec(parsePciDevSpec('pci:10de:0')!, dev)).toBe(true);
    expect(matchesSpec(parsePciDevSpec('pci:0:2206')!, dev)).toBe(true);
    expect(matchesSpec(parsePciDevSpec('pci:10de:2206:1043:8808')!, dev)).toBe(true);
    expect(matchesSpec(parsePciDevSpec('pci:10de:2206:1043:0001')!, dev)).toBe(false);
    expect(matchesSpec(parsePciDevSpec('pci:1002:0')!, dev)).toBe(false);
  });
});

describe('reading the ACS parameters from the command line', () => {
  it('splits pci= options at commas and device lists at semicolons', () => {
    const p = cmd('quiet pci=noats,disable_acs_redir=0000:00:1c.0;pci:10de:0,realloc');
    expect(p.disableAcsRedir?.map((s) => s.text)).toEqual(['0000:00:1c.0', 'pci:10de:0']);
    expect(p.configAcs).toBeNull();
  });

  it('keeps only the last occurrence of each pci= option', () => {
    const p = cmd('pci=disable_acs_redir=00:01.0 pci=disable_acs_redir=00:02.0');
    expect(p.disableAcsRedir?.map((s) => s.text)).toEqual(['00:02.0']);
  });

  it('reads config_acs flags right to left (bit 0 = SV), x keeping the firmware bit', () => {
    const p = cmd('pci=config_acs=10x@pci:0:0;111x1@0000:00:1c.0');
    expect(p.configAcs?.map((e) => [e.change.mask, e.change.flags])).toEqual([[0x06, 0x04], [0x1d, 0x1d]]);
  });

  it('stops at an unreadable entry, as the kernel does', () => {
    const p = cmd('pci=config_acs=1x@00:01.0;12@00:02.0;1@00:03.0');
    expect(p.configAcs).toHaveLength(1);
    expect(p.problems[0]).toMatch(/cannot read "12@00:02.0"/);
    // A forced bit beyond DT (bit 6) is invalid.
    expect(cmd('pci=config_acs=10000000@00:01.0').configAcs).toEqual([]);
  });

  it('accumulates pcie_acs_override options and ignores unknown ones with a note', () => {
    const p = cmd('pcie_acs_override=downstream pcie_acs_override=id:10de:1b80,bogus');
    expect(p.override).toMatchObject({ downstream: true, multifunction: false, ids: [{ vendor: 0x10de, device: 0x1b80 }] });
    expect(p.problems).toEqual(['pcie_acs_override: unknown option "bogus"']);
    expect(cmd('pcie_acs_override=id:86:1234').override).toBeNull();
  });

  it('config_acs wins over disable_acs_redir when both name a device', () => {
    const p = cmd('pci=disable_acs_redir=00:1c.0,config_acs=1@00:1c.0');
    expect(acsChangeFor(p, target(0, 0, 0x1c, 0))).toMatchObject({ mask: 0x01, flags: 0x01, param: 'pci=config_acs=1@00:1c.0' });
    expect(acsChangeFor(p, target(0, 0, 0x1d, 0))).toBeNull();
  });

  it('never throws, and keeps its shape, for arbitrary command lines', () => {
    const piece = fc.oneof(
      fc.constantFrom('pci=', 'disable_acs_redir=', 'config_acs=', 'pcie_acs_override=', 'id:', 'downstream', 'multifunction',
        ';', ',', '@', '/', ':', '.', 'pci:', '0000:00:1c.0', 'x', '1', '0', ' ', '"', '='),
      fc.string({ maxLength: 6 }),
      fc.integer({ min: 0, max: 0xfffff }).map((n) => n.toString(16)),
    );
    fc.assert(fc.property(fc.array(piece, { maxLength: 30 }), (parts) => {
      const p = cmd(parts.join(''));
      expect(Array.isArray(p.problems)).toBe(true);
      for (const e of p.configAcs ?? []) expect(e.change.mask & ~0x7f).toBe(0);
      for (const i of p.override?.ids ?? []) expect(i.vendor).toBeLessThanOrEqual(0xffff);
    }), { numRuns: 3000 });
  });
});

describe('what the parameters do to the groups (spec 1.4)', () => {
  const tree = () => [
    rootPort('00:1c.0', 0x01, 'enabled'),
    upstreamPort('01:00.0', 0x02),
    downstreamPort('02:00.0', 0x03, 'enabled', { id: '10b5:8747' }), downstreamPort('02:01.0', 0x04, 'enabled', { id: '10b5:8747' }),
    endpoint('03:00.0'), endpoint('04:00.0'),
  ];
  const separate = [['00:1c.0'], ['01:00.0'], ['02:00.0'], ['02:01.0'], ['03:00.0'], ['04:00.0']];

  it('disable_acs_redir on a port clears RR/CR: what is below joins it', () => {
    const r = predictGroups(snapshot(tree()), { cmdline: 'pci=disable_acs_redir=0000:02:00.0' });
    expect(shortPartition(r.predicted)).toEqual([['00:1c.0'], ['01:00.0'], ['02:00.0', '03:00.0'], ['02:01.0'], ['04:00.0']]);
    expect(r.uncertain).toEqual([]);
    const shared = r.predicted.find((g) => g.devices.length === 2)!;
    expect(shared.reasons[0]).toMatchObject({ kind: 'non-isolating-bridge', bridge: '0000:02:00.0' });
    expect(shared.reason).toMatch(/ACSCtl lacks RR, CR \(pci=disable_acs_redir=0000:02:00.0 applied\)/);
  });

  it('disable_acs_redir by ID affects every matching port', () => {
    expect(shortPartition(predictGroups(snapshot(tree()), { cmdline: 'pci=disable_acs_redir=pci:10b5:8747' }).predicted))
      .toEqual([['00:1c.0'], ['01:00.0'], ['02:00.0', '03:00.0'], ['02:01.0', '04:00.0']]);
  });

  it('a captured kernel booted with the parameter: the live ACSCtl is used as is', () => {
    const devices = tree();
    devices[2]!.acs = { state: 'present', capability: 0x5f, control: 0x11 };
    const s = snapshot(devices, { cmdline: 'pci=disable_acs_redir=0000:02:00.0' });
    expect(shortPartition(predictGroups(s).predicted)).toEqual([['00:1c.0'], ['01:00.0'], ['02:00.0', '03:00.0'], ['02:01.0'], ['04:00.0']]);
    // Predicting without it: the kernel would enable the bits again.
    const without = predictGroups(s, { cmdline: 'quiet' });
    expect(shortPartition(without.predicted)).toEqual(separate);
    expect(without.predicted.find((g) => g.devices.includes('0000:03:00.0'))!.reason).toBe('03:00.0 is alone: every bridge above it isolates (ACS).');
  });

  it('config_acs rebuilds the value from firmware: the kernel\'s own enabling of UF is lost', () => {
    // IOMMU off at capture: ACSCtl holds the firmware value 0; config_acs forces SV, TB, RR, CR only.
    const devices = tree().map((d) => (d.acs.state === 'present' ? { ...d, acs: { ...d.acs, control: 0 } } : d));
    const s = snapshot(devices, { iommu: { enabled: false } });
    expect(shortPartition(predictGroups(s).predicted)).toEqual(separate);
    const r = predictGroups(s, { cmdline: 'pci=config_acs=1111@02:01.0' });
    expect(shortPartition(r.predicted)).toEqual([['00:1c.0'], ['01:00.0'], ['02:00.0'], ['02:01.0', '04:00.0'], ['03:00.0']]);
    expect(r.predicted.find((g) => g.devices.includes('0000:04:00.0'))!.reason).toMatch(/ACSCtl lacks UF/);
    expect(r.notes[0]).toMatch(/IOMMU is not active/);
  });

  it('config_acs forcing all four required bits on keeps the port isolating', () => {
    expect(shortPartition(predictGroups(snapshot(tree()), { cmdline: 'pci=config_acs=11101@02:01.0' }).predicted)).toEqual(separate);
  });

  it('config_acs on a captured IOMMU kernel that left bits to firmware is flagged as uncertain', () => {
    // Forcing only RR/CR on: whether SV and UF stay on depends on the unknown firmware value.
    const r = predictGroups(snapshot(tree()), { cmdline: 'pci=config_acs=11xx@02:01.0' });
    expect(shortPartition(r.predicted)).toEqual(separate);
    expect(r.uncertain.map((u) => u.device)).toEqual(['0000:02:01.0']);
    expect(r.uncertain[0]!.what).toMatch(/firmware value of SV, UF unknown/);
  });

  it('parameters do nothing to ports without an ACS capability', () => {
    const s = snapshot([rootPort('00:1c.0', 0x01, 'none'), endpoint('01:00.0')]);
    expect(shortPartition(predictGroups(s, { cmdline: 'pci=config_acs=1111111@00:1c.0' }).predicted)).toEqual([['00:1c.0', '01:00.0']]);
  });
});
