import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analysisJson, analyzeSnapshot } from '../../../main/core/analysis/analyze.ts';
import { deviceClassOf, shortNameOf } from '../../../main/core/graph/device-class.ts';
import { snapshotToElements, type TopologyElements } from '../../../main/core/graph/elements.ts';
import type { Snapshot } from '../../../main/core/model/snapshot.ts';
import { importPaths } from '../../../main/io/import.ts';
import { FIXTURES_DIR } from '../../helpers/fixture-text.ts';
import { LAB_DIR } from '../../helpers/fstree.ts';
import { endpoint, rootPort, snapshot } from '../../helpers/topology.ts';

const lab = (topology: string) => importPaths([join(LAB_DIR, topology)]);
const realworld = (name: string, files?: string[]) =>
  importPaths(files ? files.map((f) => join(FIXTURES_DIR, 'realworld', name, f)) : [join(FIXTURES_DIR, 'realworld', name)]);

const node = (el: TopologyElements, id: string) => {
  const n = el.nodes.find((x) => x.id === id);
  if (!n) throw new Error(`no node ${id}`);
  return n;
};
const boxOf = (el: TopologyElements, group: number) => el.boxes.filter((b) => b.group === group);
const short = (ids: string[]) => ids.map((id) => id.replace(/^fn:0000:/, '')).sort();

describe('snapshotToElements on the lab capture "mixed" (33 functions, 23 groups, 2 VFs of the NVMe 02:00.0)', () => {
  let s: Snapshot;
  let collapsed: TopologyElements;
  let expanded: TopologyElements;
  beforeAll(async () => {
    s = await lab('mixed');
    collapsed = snapshotToElements(s);
    expanded = snapshotToElements(s, null, { expandedPfs: 'all' });
  });

  it('draws every function and group once: the 2 VFs as one node of their PF, their groups 21 and 22 inside it', () => {
    expect(collapsed.summary).toEqual({ functions: 33, functionsShown: 33, groups: 23, groupsBoxed: 21, groupsCollapsed: 2 });
    expect(collapsed.nodes.filter((n) => n.kind === 'function')).toHaveLength(31);
    const vfs = node(collapsed, 'vfs:0000:02:00.0');
    expect(vfs).toMatchObject({ kind: 'vf-summary', parent: 'fn:0000:02:00.0', title: '2 VFs', addresses: ['0000:02:00.1', '0000:02:00.2'], groups: [21, 22] });
    expect(node(collapsed, 'fn:0000:02:00.0')).toMatchObject({ vfCount: 2, vfsExpanded: false });
    expect(collapsed.edges.find((e) => e.target === 'vfs:0000:02:00.0')?.kind).toBe('sriov');
  });

  it('expands VFs into one node each below the PF, each in its own group box', () => {
    expect(expanded.summary).toEqual({ functions: 33, functionsShown: 33, groups: 23, groupsBoxed: 23, groupsCollapsed: 0 });
    expect(expanded.nodes.filter((n) => n.kind === 'function')).toHaveLength(33);
    expect(node(expanded, 'fn:0000:02:00.1')).toMatchObject({ parent: 'fn:0000:02:00.0', box: 'box:21' });
    expect(node(expanded, 'fn:0000:02:00.0')).toMatchObject({ vfsExpanded: true });
    const only = snapshotToElements(s, null, { expandedPfs: new Set(['0000:02:00.0']) });
    expect(only.summary.groupsBoxed).toBe(23);
  });

  it('hangs the tree host → root complex pci0000:00 → root port → switch → device', () => {
    expect(collapsed.nodes[0]).toMatchObject({ id: 'host', kind: 'host', parent: null, title: 'iommu-lab' });
    expect(collapsed.nodes.filter((n) => n.kind === 'root-complex').map((n) => n.id)).toEqual(['rc:pci0000:00']);
    expect(node(collapsed, 'fn:0000:07:00.0').parent).toBe('fn:0000:06:00.0');
    expect(node(collapsed, 'fn:0000:06:00.0').parent).toBe('fn:0000:05:00.0');
    expect(node(collapsed, 'fn:0000:05:00.0').parent).toBe('fn:0000:00:1c.3');
    expect(node(collapsed, 'fn:0000:00:1c.3').parent).toBe('rc:pci0000:00');
    expect(node(collapsed, 'fn:0000:0b:02.0').parent).toBe('fn:0000:0a:00.0');
    // Parents come before their children, and every edge joins a node to its parent.
    const seen = new Set<string>();
    for (const n of collapsed.nodes) {
      if (n.parent !== null) expect(seen.has(n.parent)).toBe(true);
      seen.add(n.id);
    }
    expect(collapsed.edges.map((e) => `${e.source}>${e.target}`).sort()).toEqual(
      collapsed.nodes.filter((n) => n.parent !== null).map((n) => `${n.parent}>${n.id}`).sort(),
    );
  });

  it('boxes the six shared groups of SUMMARY.md around exactly their members', () => {
    const shared = collapsed.boxes.filter((b) => b.members.length > 1).map((b) => [b.group, short(b.members)]);
    expect(shared).toEqual([
      [9, ['00:1d.0', '00:1d.1', '00:1d.2', '00:1d.7']],
      [10, ['00:1f.0', '00:1f.2', '00:1f.3']],
      [11, ['01:00.0', '01:00.1']],
      [16, ['06:00.0', '07:00.0']],
      [17, ['06:01.0', '08:00.0']],
      [19, ['0a:00.0', '0b:01.0', '0b:02.0']],
    ]);
    for (const box of collapsed.boxes) {
      expect(box.parts).toBe(1);
      for (const m of box.members) expect(node(collapsed, m).box).toBe(box.id);
    }
  });

  it('names devices by class and short name, with address and driver', () => {
    expect(node(collapsed, 'fn:0000:03:00.0')).toMatchObject({
      deviceClass: 'nic', classLabel: 'NIC', title: '82574L Gigabit Network Connection', subtitle: '03:00.0 · e1000e', driver: 'e1000e', ids: '8086:10d3',
    });
    expect(node(collapsed, 'fn:0000:02:00.0')).toMatchObject({ deviceClass: 'nvme', subtitle: '02:00.0 · nvme' });
    expect(node(collapsed, 'fn:0000:00:1d.7')).toMatchObject({ deviceClass: 'usb' });
    expect(node(collapsed, 'fn:0000:00:1f.2')).toMatchObject({ deviceClass: 'sata' });
    expect(node(collapsed, 'fn:0000:00:1b.0')).toMatchObject({ deviceClass: 'audio' });
    expect(node(collapsed, 'fn:0000:01:00.0')).toMatchObject({ deviceClass: 'gpu', subtitle: '01:00.0 · bochs-drm' });
    expect(node(collapsed, 'fn:0000:0a:00.0')).toMatchObject({ deviceClass: 'bridge', subtitle: '0a:00.0 · no driver' });
  });

  it('puts the trained link on edges below Root and Downstream Ports only', () => {
    const link = (target: string) => collapsed.edges.find((e) => e.target === `fn:${target}`)!;
    // 00:1c.0 can do 8 GT/s x4 but the NVMe behind it only 2.5 GT/s x1: trained at the lower end, no downgrade.
    expect(link('0000:02:00.0')).toMatchObject({ link: '2.5 GT/s x1', downgraded: false, capable: null });
    expect(link('0000:07:00.0')).toMatchObject({ link: '2.5 GT/s x1', downgraded: false });
    // Upstream Port → Downstream Port is a switch's internal bus; root bus functions have no link.
    expect(link('0000:06:00.0').link).toBeNull();
    expect(link('0000:00:1c.0').link).toBeNull();
  });

  it('colours without an analysis only what the snapshot itself says (bridges); the rest has no verdict', () => {
    expect(node(collapsed, 'fn:0000:00:1c.0').verdict).toBe('bridge');
    expect(node(collapsed, 'fn:0000:03:00.0').verdict).toBe('unknown');
    expect(collapsed.boxes.every((b) => b.verdict === null)).toBe(true);
  });

  it('gives the same elements for the devices and groups in any order', () => {
    const shuffled = { ...s, devices: [...s.devices].reverse(), groups: [...s.groups].reverse() };
    expect(snapshotToElements(shuffled)).toEqual(collapsed);
  });
});

describe('verdict colours from the analysis (lab capture "vfio-bound")', () => {
  it('takes the analysis verdicts, vfio-pci above them, bridges apart, and the group verdict on the box', async () => {
    const s = await lab('vfio-bound');
    const el = snapshotToElements(s, analysisJson(analyzeSnapshot(s)));
    const v = (a: string) => node(el, `fn:${a}`).verdict;
    expect(v('0000:01:00.0')).toBe('vfio');
    expect(v('0000:01:00.1')).toBe('vfio');
    expect(v('0000:00:1f.0')).toBe('host-critical');
    expect(v('0000:00:1f.2')).toBe('blocked');
    expect(v('0000:0b:01.0')).toBe('whole-group');
    expect(v('0000:03:00.0')).toBe('ready');
    expect(v('0000:0a:00.0')).toBe('bridge');
    expect(boxOf(el, 10)[0]!.verdict).toBe('blocked');
    expect(boxOf(el, 19)[0]!.verdict).toBe('whole-group');
    // The VF 02:00.1 is bound to vfio-pci, 02:00.2 has no driver: the summary takes the first met.
    expect(node(el, 'vfs:0000:02:00.0').verdict).toBe('vfio');
  });

  it('reads an analysis verdict it does not know as no verdict', async () => {
    const s = await lab('flat');
    const el = snapshotToElements(s, { devices: s.devices.map((d) => ({ address: d.address, verdict: 'perhaps' })) });
    expect(el.nodes.filter((n) => n.kind === 'function').every((n) => n.verdict === 'unknown' || n.verdict === 'bridge')).toBe(true);
  });
});

describe('real machines', () => {
  it('marks the x4-of-x8 chipset uplink of an ASUS PRIME X570-PRO as downgraded, and an NVMe at its own 8 GT/s as not', async () => {
    const el = snapshotToElements(await realworld('linuxhw-asus-prime-x570-pro', ['lspci-vvnn.txt']));
    // 00:01.2 LnkCap 16GT/s x8, 02:00.0 LnkCap 16GT/s x8, LnkSta 16GT/s x4 (lspci-vvnn.txt lines 131-135, 610-614).
    expect(el.edges.find((e) => e.target === 'fn:0000:02:00.0')).toMatchObject({ link: '16 GT/s x4', downgraded: true, capable: '16 GT/s x8' });
    // 00:01.1 can do 16GT/s x4, the NVMe 01:00.0 8GT/s x4: 8GT/s is all both ends can do.
    expect(el.edges.find((e) => e.target === 'fn:0000:01:00.0')).toMatchObject({ link: '8 GT/s x4', downgraded: false });
    expect(el.summary).toMatchObject({ functions: 43, functionsShown: 43, groups: 27, groupsBoxed: 27 });
  });

  it('colours the seven <hostdev>s of a Gigabyte X570 AORUS PRO WIFI libvirt domain as owned by a VM', async () => {
    const s = await realworld('joep-gigabyte-x570-aorus-pro-wifi');
    const el = snapshotToElements(s);
    const owned = el.nodes.filter((n) => n.verdict === 'vm').map((n) => n.addresses[0]).sort();
    expect(owned).toEqual(['0000:01:00.0', '0000:04:00.0', '0000:07:00.0', '0000:09:00.0', '0000:0b:00.0', '0000:0b:00.1', '0000:0e:00.3']);
  });

  it('draws a bare group listing (no parents known) with every function below its root complex or a bus placeholder', async () => {
    const s = await realworld('spudd-threadripper-1950x-x399-radeon-vii', ['iommu-groups.txt']);
    const el = snapshotToElements(s);
    expect(el.summary.functions).toBe(s.devices.length);
    expect(el.summary.functionsShown).toBe(s.devices.length);
    expect(el.summary.groupsBoxed).toBe(el.summary.groups);
    const buses = new Set(s.devices.map((d) => d.address.slice(0, 7)).filter((b) => b !== '0000:00'));
    expect(el.nodes.filter((n) => n.kind === 'bus').map((n) => n.id.slice(4)).sort()).toEqual([...buses].sort());
    for (const n of el.nodes.filter((x) => x.kind === 'function')) {
      const parent = node(el, n.parent!);
      expect(parent.kind).toBe(n.addresses[0]!.startsWith('0000:00:') ? 'root-complex' : 'bus');
    }
  });
});

describe('unusual trees', () => {
  it('splits a group whose members hang below two different bridges into one box per part', () => {
    // A DMA alias can put 01:00.0 and 02:00.0 into one group although different Root Ports lead to them.
    const s = snapshot([rootPort('00:1c.0', 1), rootPort('00:1c.1', 2), endpoint('01:00.0'), endpoint('02:00.0')], {
      groups: [['00:1c.0'], ['00:1c.1'], ['01:00.0', '02:00.0']],
    });
    const el = snapshotToElements(s);
    expect(boxOf(el, 2).map((b) => [b.id, b.label, short(b.members)])).toEqual([
      ['box:2:1', 'group 2 (1 of 2)', ['01:00.0']],
      ['box:2:2', 'group 2 (2 of 2)', ['02:00.0']],
    ]);
    expect(el.summary.groupsBoxed).toBe(3);
  });

  it('breaks a loop of parents from garbled data and still draws every function', () => {
    const a = rootPort('00:1c.0', 1, 'enabled', { parent: '01:00.0' });
    const b = rootPort('01:00.0', 2, 'enabled', { parent: '00:1c.0' });
    a.secondaryBus = null;
    b.secondaryBus = null;
    const el = snapshotToElements(snapshot([a, b, endpoint('02:00.0', { parent: '01:00.0' })]));
    expect(el.summary.functionsShown).toBe(3);
    const ids = new Set(el.nodes.map((n) => n.id));
    for (const n of el.nodes) if (n.parent !== null) expect(ids.has(n.parent)).toBe(true);
    // Every node reaches the host.
    const parentOf = new Map(el.nodes.map((n) => [n.id, n.parent]));
    for (const n of el.nodes) {
      let cur: string | null = n.id;
      for (let i = 0; i < 10 && cur !== 'host'; i++) cur = parentOf.get(cur!) ?? null;
      expect(cur).toBe('host');
    }
  });

  it('keeps the first record of a duplicated address', () => {
    const s = snapshot([endpoint('00:02.0', { driver: 'first' }), endpoint('00:02.0', { driver: 'second' })]);
    const el = snapshotToElements(s);
    expect(el.nodes.filter((n) => n.kind === 'function').map((n) => n.driver)).toEqual(['first']);
  });
});

describe('device classes and short names', () => {
  it('maps PCI class codes (PCI Code and ID Assignment) to the classes the graph shows', () => {
    expect(['0300', '0302', '0200', '0280', '0108', '0106', '0104', '0c03', '0403', '0604', '0600', '0601', '0c05', null].map(deviceClassOf))
      .toEqual(['gpu', 'gpu', 'nic', 'nic', 'nvme', 'sata', 'storage', 'usb', 'audio', 'bridge', 'host-bridge', 'isa', 'smbus', 'unknown']);
  });

  it('takes the marketing name in brackets, but not a mode in brackets', () => {
    const base = { vendorName: 'NVIDIA Corporation', className: 'VGA compatible controller', classCode: '0300' };
    expect(shortNameOf({ ...base, deviceName: 'GA102 [GeForce RTX 3080]' })).toBe('GeForce RTX 3080');
    expect(shortNameOf({ ...base, deviceName: '82801IR/IO/IH (ICH9R/DO/DH) 6 port SATA Controller [AHCI mode]' })).toBe('82801IR/IO/IH (ICH9R/DO/DH) 6 port SATA Controller [AHCI mode]');
    expect(shortNameOf({ ...base, deviceName: null })).toBe('VGA compatible controller');
    expect(shortNameOf({ deviceName: null, vendorName: null, className: null, classCode: null })).toBe('Unknown device');
  });
});
