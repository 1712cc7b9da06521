/**
 * The predictor against real kernels: every QEMU lab capture (test/fixtures/lab, kernel 6.1) and
 * the real machines with groups in their lspci output. Where the kernel formed groups, the
 * predicted partition must equal them, group numbers included (they follow probe order, spec 1.1).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importPaths } from '../../../../main/io/import.ts';
import { CARD_TEMPLATES, predictCardInSlot } from '../../../../main/core/analysis/predictor/card-in-slot.ts';
import { compareGroups } from '../../../../main/core/analysis/predictor/compare-groups.ts';
import { kernelGroupOf, predictGroups } from '../../../../main/core/analysis/predictor/predict-groups.ts';
import type { Snapshot } from '../../../../main/core/model/snapshot.ts';

const FIXTURES = join(import.meta.dirname, '../../../fixtures');
const LAB = join(FIXTURES, 'lab');
const labDirs = readdirSync(LAB).filter((d) => statSync(join(LAB, d)).isDirectory()).sort();

function kernelPartition(s: Snapshot): Map<number, string[]> {
  const groups = new Map<number, string[]>();
  for (const [device, id] of kernelGroupOf(s)) groups.set(id, [...(groups.get(id) ?? []), device]);
  return groups;
}

const gpu = CARD_TEMPLATES.find((t) => t.id === 'gpu')!;

describe('lab captures (QEMU q35, Debian 6.1 kernel)', () => {
  it('covers all twelve topologies', () => {
    expect(labDirs).toEqual([
      'amd', 'amd-flat', 'flat', 'iommu-off', 'legacy-bridge', 'mixed', 'noiommu', 'passthrough', 'rootports', 'rootports-noacs', 'switch', 'vfio-bound',
    ]);
  });

  for (const dir of labDirs) {
    it(`${dir}: predicted groups equal the kernel's`, async () => {
      const s = await importPaths([join(LAB, dir)]);
      const kernel = kernelPartition(s);
      const r = predictGroups(s);
      if (kernel.size === 0) {
        // IOMMU off: no groups, and the ACS control registers hold the firmware value 0. The
        // prediction is what the kernel forms with the IOMMU on: the same topology's "mixed" groups.
        expect(['noiommu', 'iommu-off']).toContain(dir);
        expect(s.devices.filter((d) => d.acs.state === 'present').map((d) => d.acs.state === 'present' && d.acs.control)).toEqual([0, 0, 0, 0, 0, 0, 0]);
        const mixed = kernelPartition(await importPaths([join(LAB, 'mixed')]));
        expect(compareGroups(r.predicted.map((g) => g.devices), [...mixed.values()]).equal).toBe(true);
        expect(r.notes).toContainEqual(expect.stringMatching(/IOMMU is not active/));
        return;
      }
      const cmp = compareGroups(r.predicted.map((g) => g.devices), [...kernel.values()]);
      expect(cmp.diffs.filter((d) => d.kind !== 'equal')).toEqual([]);
      for (const g of r.predicted) expect(kernelGroupOf(s).get(g.devices[0]!)).toBe(g.id);
      expect(r.uncertain).toEqual([]);
    });
  }

  it('amd: the emulated AMD IOMMU (00:01.0, class 0806) is left out, as the kernel did', async () => {
    const r = predictGroups(await importPaths([join(LAB, 'amd')]));
    expect(r.notCovered.map((n) => n.device)).toEqual(['0000:00:01.0']);
    expect(r.notCovered[0]!.why).toMatch(/AMD IOMMU's own PCI function/);
  });

  it('rootports-noacs: the six ACS-less ports of slot 02 and all five endpoints, with both reasons', async () => {
    const r = predictGroups(await importPaths([join(LAB, 'rootports-noacs')]));
    const big = r.predicted.find((g) => g.devices.length === 11)!;
    expect(big.reasons.map((x) => x.kind).sort()).toEqual([...Array(5).fill('non-isolating-bridge'), 'multifunction-without-acs'].sort());
    expect(big.reason).toContain('00:02.0, 00:02.1, 00:02.2, 00:02.3 and 00:02.4 (Root Ports) have no ACS capability');
  });

  it('switch: each ACS-less xio3130 downstream port shares a group with its endpoint', async () => {
    const r = predictGroups(await importPaths([join(LAB, 'switch')]));
    const shared = r.predicted.filter((g) => g.devices.length === 2);
    expect(shared.map((g) => g.reasons[0])).toEqual(shared.map((g) => expect.objectContaining({
      kind: 'non-isolating-bridge', bridge: g.devices[0], bridgeType: 'downstream-port', missing: 'no ACS capability',
    })));
  });

  it('mixed: a GPU in the slot of 00:1c.5 gets a new group; in the empty switch port 06:02.0 it joins that port', async () => {
    const s = await importPaths([join(LAB, 'mixed')]);
    const rp = predictCardInSlot(s, '0000:00:1c.5', gpu);
    expect(rp.removed).toEqual(['0000:0c:00.0']);
    expect(rp.cardFunctions.map((c) => [c.address, c.newGroup])).toEqual([['0000:0c:00.0', true], ['0000:0c:00.1', true]]);
    expect(rp.notes).toEqual([]);
    const dsp = predictCardInSlot(s, '0000:06:02.0', gpu);
    expect(dsp.removed).toEqual([]);
    expect(dsp.cardFunctions.map((c) => [c.group, c.joinsExistingGroup])).toEqual([
      [['0000:06:02.0', '0000:09:00.0', '0000:09:00.1'], 18],
      [['0000:06:02.0', '0000:09:00.0', '0000:09:00.1'], 18],
    ]);
  });
});

describe('real machines', () => {
  it('ASUS PRIME X570-PRO (root lspci with IOMMU group lines): all 27 groups, numbers included', async () => {
    const dir = join(FIXTURES, 'realworld/linuxhw-asus-prime-x570-pro');
    const s = await importPaths([join(dir, 'lspci-vvnn.txt'), join(dir, 'dmesg-excerpt.txt')]);
    const r = predictGroups(s);
    const kernel = kernelPartition(s);
    expect(kernel.size).toBe(27);
    expect(compareGroups(r.predicted.map((g) => g.devices), [...kernel.values()]).equal).toBe(true);
    for (const g of r.predicted) expect(kernelGroupOf(s).get(g.devices[0]!)).toBe(g.id);
    // The root complex and the IOMMU itself have no group: the IOMMU does not cover them.
    expect(r.notCovered.map((n) => n.device)).toEqual(['0000:00:00.0', '0000:00:00.2']);
    expect(r.uncertain).toEqual([]);

    const groupOf = (d: string) => r.predicted.find((g) => g.devices.includes(d))!;
    // source.md: 03:08.0 [1022:57a4] has no ACS capability and shares group 17 with 05:00.0/.1/.3.
    expect(groupOf('0000:05:00.1')).toMatchObject({ id: 17, devices: ['0000:03:08.0', '0000:05:00.0', '0000:05:00.1', '0000:05:00.3'] });
    expect(groupOf('0000:05:00.1').reasons).toEqual([
      expect.objectContaining({ kind: 'non-isolating-bridge', bridge: '0000:03:08.0', missing: 'no ACS capability' }),
    ]);
    // 0a:00.x have an ACS capability with every bit "-": it implements nothing, which isolates.
    for (const f of ['0', '1', '3', '4']) expect(groupOf(`0000:0a:00.${f}`).devices).toEqual([`0000:0a:00.${f}`]);
    expect(groupOf('0000:0a:00.1').reason).toMatch(/implements none of SV, RR, CR, UF/);
    expect(groupOf('0000:00:14.3').devices).toEqual(['0000:00:14.0', '0000:00:14.3']);
    expect(groupOf('0000:00:18.7').devices).toHaveLength(8);
    expect(groupOf('0000:08:00.1')).toMatchObject({ id: 21, devices: ['0000:08:00.0', '0000:08:00.1'] });
    // A GPU in the chipset port 03:09.0 (no ACS) would share with it; in CPU port 00:03.1 it replaces the 3090 Ti.
    expect(predictCardInSlot(s, '0000:03:09.0', gpu).cardFunctions[0]).toMatchObject({ newGroup: false, joinsExistingGroup: 18 });
    expect(predictCardInSlot(s, '0000:00:03.1', gpu).cardFunctions[0]).toMatchObject({ newGroup: true, group: ['0000:08:00.0', '0000:08:00.1'] });
  });

  it('ASUS PRIME A320I-K (lspci without root): ACS inferred from the groups, every guess flagged', async () => {
    const s = await importPaths([join(FIXTURES, 'realworld/linuxhw-asus-prime-a320i-k-nonroot/lspci-vvnn.nonroot.txt')]);
    // Capabilities are "<access denied>": ACS unknown, never "absent" (only Cap- devices have none).
    expect(s.devices.filter((d) => d.acs.state === 'present')).toEqual([]);
    expect(s.devices.find((d) => d.address === '0000:00:01.3')!.acs).toEqual({ state: 'unknown' });
    const r = predictGroups(s);
    expect(compareGroups(r.predicted.map((g) => g.devices), [...kernelPartition(s).values()]).equal).toBe(true);
    for (const g of r.predicted) expect(kernelGroupOf(s).get(g.devices[0]!)).toBe(g.id);
    // source.md: the whole A320 chipset is group 12 while the CPU port 00:01.3 above it is alone in group 1.
    expect(r.predicted.find((g) => g.id === 12)!.devices).toEqual([
      '0000:01:00.0', '0000:01:00.1', '0000:01:00.2', '0000:02:04.0', '0000:02:05.0', '0000:02:06.0', '0000:02:07.0', '0000:05:00.0',
    ]);
    expect(r.predicted.find((g) => g.id === 1)!.devices).toEqual(['0000:00:01.3']);
    expect(r.uncertain.length).toBeGreaterThan(0);
    expect(r.uncertain.every((u) => /inferred|assumed/.test(u.what))).toBe(true);
    expect(r.predicted.filter((g) => g.uncertain).length).toBeGreaterThan(0);
  });
});
