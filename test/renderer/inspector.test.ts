import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analysisJson, analyzeSnapshot } from '../../main/core/analysis/analyze.ts';
import { snapshotToElements, type TopologyElements } from '../../main/core/graph/elements.ts';
import type { Snapshot } from '../../main/core/model/snapshot.ts';
import { importPaths } from '../../main/io/import.ts';
import { acsSummary, groupDetails, nodeDetails, type FunctionDetails, type SummaryDetails } from '../../renderer/src/app/inspector.ts';
import { relativeTime } from '../../renderer/src/app/format.ts';
import { FIXTURES_DIR } from '../helpers/fixture-text.ts';
import { LAB_DIR } from '../helpers/fstree.ts';

let snapshot: Snapshot;
let elements: TopologyElements;
let analysis: ReturnType<typeof analysisJson>;
const fact = (d: FunctionDetails, label: string) => d.facts.find((f) => f.label === label)?.value;

beforeAll(async () => {
  snapshot = await importPaths([join(LAB_DIR, 'vfio-bound')]);
  analysis = analysisJson(analyzeSnapshot(snapshot));
  elements = snapshotToElements(snapshot, analysis);
});

describe('the inspector', () => {
  it('shows a blocked device with its verdict, the reason naming who blocks it, and its group', () => {
    const d = nodeDetails(snapshot, elements, analysis, 'fn:0000:00:1f.2') as FunctionDetails;
    expect(d).toMatchObject({ kind: 'function', address: '0000:00:1f.2', verdict: 'blocked', verdictLabel: 'Blocked', analysisVerdict: 'blocked' });
    expect(d.reasons.join(' ')).toMatch(/00:1f\.0.*00:1f\.3/);
    expect(d.group).toMatchObject({ id: 10, type: 'DMA-FQ', verdict: 'blocked' });
    expect(d.group!.members.map((m) => [m.address, m.verdict])).toEqual([
      ['0000:00:1f.0', 'host-critical'], ['0000:00:1f.2', 'blocked'], ['0000:00:1f.3', 'host-critical'],
    ]);
    expect(fact(d, 'Driver')).toBe('ahci');
    expect(fact(d, 'Class')).toBe('SATA controller [0106] prog-if 01');
    expect(fact(d, 'IOMMU group')).toBe('10');
    // A root-bus device: the path is the device alone; libvirt was not read.
    expect(d.path.map((h) => h.address)).toEqual(['0000:00:1f.2']);
    expect(d.owners).toBeNull();
  });

  it('walks the path to the root with each hop\'s link and ACS state', () => {
    const d = nodeDetails(snapshot, elements, analysis, 'fn:0000:07:00.0') as FunctionDetails;
    expect(d.path.map((h) => [h.address, h.link, h.acs, h.isolates])).toEqual([
      ['0000:07:00.0', '2.5 GT/s x1', 'no ACS capability', false],
      // The switch's internal bus carries no link; the xio3130 ports have no ACS (lspci: no ACSCap).
      ['0000:06:00.0', null, 'no ACS capability', false],
      ['0000:05:00.0', '2.5 GT/s x1', 'no ACS capability', false],
      // QEMU's root port: ACSCap SV TB RR CR UF DT, ACSCtl SV RR CR UF (lspci-vvv-nn-D.txt).
      ['0000:00:1c.3', null, 'SV+ TB- RR+ CR+ UF+ DT-', true],
    ]);
    expect(d.path[3]!.type).toBe('Root Port');
  });

  it('describes a PF with its VFs, and the VF summary with each VF and its group', () => {
    const pf = nodeDetails(snapshot, elements, analysis, 'fn:0000:02:00.0') as FunctionDetails;
    expect(pf).toMatchObject({ vfCount: 2, vfsExpanded: false });
    expect(fact(pf, 'SR-IOV')).toBe('2 of 4 VFs enabled');
    const vfs = nodeDetails(snapshot, elements, analysis, 'vfs:0000:02:00.0') as SummaryDetails;
    expect(vfs).toMatchObject({ kind: 'vf-summary', title: '2 VFs of 02:00.0' });
    expect(vfs.members.map((m) => m.address)).toEqual(['0000:02:00.1', '0000:02:00.2']);
    expect(vfs.facts.find((f) => f.label === 'IOMMU groups')?.value).toBe('21, 22');
  });

  it('shows the host\'s facts', () => {
    const host = nodeDetails(snapshot, elements, analysis, 'host')!;
    expect(host.kind).toBe('host');
    expect(host.facts.find((f) => f.label === 'IOMMU')?.value).toBe('intel, enabled');
    expect(host.facts.find((f) => f.label === 'PCI functions')?.value).toBe('33');
  });

  it('names the libvirt domain owning a device', async () => {
    const s = await importPaths([join(FIXTURES_DIR, 'realworld/joep-gigabyte-x570-aorus-pro-wifi')]);
    const d = nodeDetails(s, snapshotToElements(s), null, 'fn:0000:0b:00.0') as FunctionDetails;
    expect(d.owners?.map((o) => o.name)).toEqual([s.libvirt!.domains[0]!.name]);
    expect(d.verdict).toBe('vm');
    expect(d.reasons).toEqual([]);
  });

  it('describes a group from its box', () => {
    expect(groupDetails(snapshot, analysis, 19)).toMatchObject({
      id: 19, verdict: 'whole-group',
      members: [{ address: '0000:0a:00.0' }, { address: '0000:0b:01.0' }, { address: '0000:0b:02.0' }],
    });
    expect(groupDetails(snapshot, null, 999)).toBeNull();
  });

  it('decodes ACS as the kernel reads it (pci_acs_flags_enabled)', () => {
    expect(acsSummary({ state: 'present', capability: 0x5f, control: 0x1d })).toEqual({ text: 'SV+ TB- RR+ CR+ UF+ DT-', isolates: true });
    expect(acsSummary({ state: 'present', capability: 0x5f, control: 0x19 })).toEqual({ text: 'SV+ TB- RR- CR+ UF+ DT-', isolates: false });
    // Flags the port does not implement count as enabled.
    expect(acsSummary({ state: 'present', capability: 0x01, control: 0x01 })).toEqual({ text: 'SV+', isolates: true });
    expect(acsSummary({ state: 'absent' })).toEqual({ text: 'no ACS capability', isolates: false });
    expect(acsSummary({ state: 'unknown' })).toEqual({ text: 'not readable (needs root)', isolates: null });
  });

  it('says how long ago', () => {
    const now = new Date('2026-03-01T12:00:00Z');
    expect(relativeTime('2026-03-01T11:59:30Z', now)).toBe('just now');
    expect(relativeTime('2026-03-01T11:15:00Z', now)).toBe('45 min ago');
    expect(relativeTime('2026-03-01T07:00:00Z', now)).toBe('5 h ago');
    expect(relativeTime('2026-02-20T07:00:00Z', now)).toBe('2026-02-20');
  });
});
