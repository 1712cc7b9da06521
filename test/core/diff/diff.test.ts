/**
 * Snapshot diffs on pairs of real lab captures that differ in one known way, checked against what
 * the lab recorded (pci-devices.tsv, iommu-groups.txt, cmdline.txt, read by test/helpers/lab-truth.ts
 * and plain file reads, not by our parsers):
 * - mixed → passthrough: `iommu=pt`; every group's domain type DMA-FQ → identity, nothing else moves;
 * - mixed → vfio-bound: three functions rebound to vfio-pci;
 * - rootports → rootports-noacs: six root ports without ACS, eleven groups merged into one;
 * - amd-flat → flat: the VGA card at another address, the AMD IOMMU function gone;
 * - rootports → switch: the endpoints behind a PCIe switch, at new bus numbers.
 * Link changes use the real X570 capture with its GPU link retrained slower (no lab pair differs in
 * a trained link).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffSnapshots } from '../../../main/core/diff/diff.ts';
import { renderDiffMarkdown } from '../../../main/core/diff/markdown.ts';
import type { Snapshot } from '../../../main/core/model/snapshot.ts';
import { labDevices, labGroups } from '../../helpers/lab-truth.ts';
import { FIXTURES, fixtureSnapshot } from '../report/cases.ts';

const lab = (t: string) => fixtureSnapshot(`lab/${t}`);
const cmdline = (t: string) => readFileSync(join(FIXTURES, 'lab', t, 'cmdline.txt'), 'utf8').trim().split(/\s+/);
const minus = (x: string[], y: string[]) => x.filter((t) => !y.includes(t));

describe('mixed → passthrough (iommu=pt)', () => {
  it('only the domain type of every group, the default domain and the command line change', async () => {
    const d = diffSnapshots(await lab('mixed'), await lab('passthrough'));
    expect(d.devices).toEqual({ added: [], removed: [], moved: [] });
    expect(d.drivers).toEqual([]);
    expect(d.groups.merged).toEqual([]);
    expect(d.groups.split).toEqual([]);
    expect(d.groups.renumbered).toEqual([]);
    const before = labGroups('mixed');
    const after = labGroups('passthrough');
    expect(d.groups.typeChanged.map((t) => [t.group, t.before, t.after])).toEqual(
      [...after.keys()].sort((x, y) => x - y).map((id) => [id, before.get(id)!.type, after.get(id)!.type]));
    expect(d.groups.typeChanged).toHaveLength(23);
    expect(new Set(d.groups.typeChanged.map((t) => `${t.before}→${t.after}`))).toEqual(new Set(['DMA-FQ→identity']));
    expect(d.cmdline).toEqual({ added: minus(cmdline('passthrough'), cmdline('mixed')), removed: minus(cmdline('mixed'), cmdline('passthrough')) });
    expect(d.cmdline.added).toContain('iommu=pt');
    expect(d.iommu).toEqual([{ field: 'default domain', before: 'lazy', after: 'passthrough' }]);
    expect(d.verdicts).toEqual([]);
    const domainType = d.checks.find((c) => c.id === 'domain-type')!;
    expect(domainType.statusChanged).toBe(false);
    expect(domainType.after!.evidence).toContain('Default domain type: Passthrough');
    expect(d.identical).toBe(false);
  });
});

describe('mixed → vfio-bound', () => {
  it('the drivers that changed are exactly those the lab recorded', async () => {
    const d = diffSnapshots(await lab('mixed'), await lab('vfio-bound'));
    const before = new Map(labDevices('mixed').map((x) => [x.address, x.driver]));
    const expected = labDevices('vfio-bound').filter((x) => before.get(x.address) !== x.driver)
      .map((x) => ({ address: x.address, before: before.get(x.address) ?? null, after: x.driver }));
    expect(d.drivers.map(({ address, before: b, after: a }) => ({ address, before: b, after: a }))).toEqual(expected);
    expect(expected).toEqual([
      { address: '0000:01:00.0', before: 'bochs-drm', after: 'vfio-pci' },
      { address: '0000:01:00.1', before: 'snd_hda_intel', after: 'vfio-pci' },
      { address: '0000:02:00.1', before: null, after: 'vfio-pci' },
    ]);
    expect(d.devices).toEqual({ added: [], removed: [], moved: [] });
    expect(d.groups).toEqual({ merged: [], split: [], renumbered: [], typeChanged: [] });
    expect(d.acs).toEqual([]);
    const vfio = d.checks.find((c) => c.id === 'vfio-modules')!;
    expect([vfio.before!.status, vfio.after!.status, vfio.statusChanged]).toEqual(['unknown', 'pass', true]);
    const md = renderDiffMarkdown(d);
    expect(md).toContain('## Drivers');
    expect(md).toContain('- `02:00.1` Red Hat, Inc. QEMU NVM Express Controller: none → `vfio-pci`');
  });
});

describe('rootports → rootports-noacs', () => {
  it('the root ports lost ACS and eleven groups merged into one', async () => {
    const d = diffSnapshots(await lab('rootports'), await lab('rootports-noacs'));
    const after = labGroups('rootports-noacs');
    const before = labGroups('rootports');
    const big = [...after.entries()].find(([, g]) => g.devices.length > 3)!;
    expect(d.groups.merged).toHaveLength(1);
    const merged = d.groups.merged[0]!;
    expect(merged.into).toEqual({ id: big[0], devices: big[1].devices });
    const fromIds = [...before.entries()].filter(([, g]) => g.devices.some((x) => big[1].devices.includes(x))).map(([id]) => id).sort((x, y) => x - y);
    expect(merged.from.map((g) => g.id)).toEqual(fromIds);
    expect(fromIds).toHaveLength(11);
    expect(d.groups.split).toEqual([]);
    // The chipset functions keep their members under a new number.
    const lpc = (m: Map<number, { devices: string[] }>) => [...m.entries()].find(([, g]) => g.devices.includes('0000:00:1f.0'))![0];
    expect(d.groups.renumbered).toEqual([{ before: lpc(before), after: lpc(after), devices: ['0000:00:1f.0', '0000:00:1f.2', '0000:00:1f.3'] }]);
    expect(d.acs.map((x) => x.address)).toEqual(['0000:00:02.0', '0000:00:02.1', '0000:00:02.2', '0000:00:02.3', '0000:00:02.4', '0000:00:02.5']);
    for (const x of d.acs) {
      expect(x.before).toMatch(/^capability SV, .*RR, CR, UF.*; enabled SV, RR, CR, UF$/);
      expect(x.after).toBe('no ACS capability');
    }
    expect(d.verdicts.map((v) => v.address)).toEqual(big[1].devices);
    expect(new Set(d.verdicts.map((v) => `${v.before}→${v.after}`))).toEqual(new Set(['ready→whole-group']));
    expect(d.drivers).toEqual([]);
    expect(d.iommu).toEqual([{ field: 'IOMMU groups', before: String(before.size), after: String(after.size) }]);
  });
});

describe('moved devices', () => {
  it('amd-flat → flat: the VGA card moved from 00:08.0 to 00:01.0, the AMD IOMMU function is gone', async () => {
    const d = diffSnapshots(await lab('amd-flat'), await lab('flat'));
    const amd = labDevices('amd-flat');
    const vga = amd.find((x) => x.vendor === '1234' && x.device === '1111')!;
    const flatVga = labDevices('flat').find((x) => x.vendor === '1234' && x.device === '1111')!;
    expect(d.devices.moved).toEqual([{ from: vga.address, to: flatVga.address, ids: '1234:1111', name: expect.any(String) }]);
    expect([vga.address, flatVga.address]).toEqual(['0000:00:08.0', '0000:00:01.0']);
    expect(d.devices.removed.map((x) => [x.address, x.ids])).toEqual([['0000:00:01.0', '1022:0008']]);
    expect(d.devices.added).toEqual([]);
    expect(d.iommu).toContainEqual({ field: 'vendor', before: 'amd', after: 'intel' });
  });

  it('rootports → switch: the endpoints moved to the buses behind the switch', async () => {
    const d = diffSnapshots(await lab('rootports'), await lab('switch'));
    const key = (x: { vendor: string; device: string }) => `${x.vendor}:${x.device}`;
    const inSwitch = new Map(labDevices('switch').map((x) => [key(x), x.address]));
    for (const ep of labDevices('rootports').filter((x) => ['8086:10d3', '1af4:1041', '1b36:0010', '1b36:000d'].includes(key(x)))) {
      expect(d.devices.moved).toContainEqual(expect.objectContaining({ from: ep.address, to: inSwitch.get(key(ep)), ids: key(ep) }));
    }
    // The switch's own ports are new; the sound card is not in the switch capture.
    expect(d.devices.added.map((x) => x.ids)).toEqual(expect.arrayContaining(['104c:8232', '104c:8233']));
    expect(d.devices.removed.map((x) => x.ids)).toContain('8086:293e');
  });
});

describe('links', () => {
  /** The X570's GPU link (00:03.1 → 08:00.0, both 16 GT/s x16) retrained at 8 GT/s, as after a riser swap. */
  function slowerGpu(s: Snapshot): Snapshot {
    const slow = new Set(['0000:00:03.1', '0000:08:00.0', '0000:08:00.1']);
    return { ...s, devices: s.devices.map((d) => (slow.has(d.address) && d.link ? { ...d, link: { ...d.link, currentSpeed: '8.0 GT/s PCIe', downgraded: true } } : d)) };
  }

  it('a link trained slower is downgraded; back again, upgraded', async () => {
    const real = await fixtureSnapshot('realworld/linuxhw-asus-prime-x570-pro');
    expect(real.devices.find((d) => d.address === '0000:08:00.0')!.link).toMatchObject({ currentSpeed: '16.0 GT/s PCIe', currentWidth: 16, downgraded: false });
    const d = diffSnapshots(real, slowerGpu(real));
    expect(d.links.map((l) => [l.address, l.change, l.before, l.after])).toEqual([
      ['0000:00:03.1', 'downgraded', '16 GT/s x16', '8 GT/s x16 (downgraded)'],
      ['0000:08:00.0', 'downgraded', '16 GT/s x16', '8 GT/s x16 (downgraded)'],
      ['0000:08:00.1', 'downgraded', '16 GT/s x16', '8 GT/s x16 (downgraded)'],
    ]);
    expect(renderDiffMarkdown(d)).toContain('Summary: 3 link(s) downgraded.');
    expect(diffSnapshots(slowerGpu(real), real).links.map((l) => l.change)).toEqual(['upgraded', 'upgraded', 'upgraded']);
  });

  it('ACS that one side could not read (non-root) is not a change', async () => {
    const real = await fixtureSnapshot('realworld/linuxhw-asus-prime-x570-pro');
    const nonRoot: Snapshot = { ...real, devices: real.devices.map((d) => ({ ...d, acs: { state: 'unknown' as const } })) };
    expect(diffSnapshots(real, nonRoot).acs).toEqual([]);
  });
});

describe('identical snapshots', () => {
  it('a capture against itself: nothing changed', async () => {
    const s = await lab('mixed');
    const d = diffSnapshots(s, s);
    expect(d.identical).toBe(true);
    expect(renderDiffMarkdown(d)).toContain('No differences in devices, groups, drivers, ACS, links, verdicts, checklist, kernel command line or host facts.');
  });
});
