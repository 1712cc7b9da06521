/**
 * The forum Markdown, read back as a person would: the `IOMMU Group N:` blocks hold exactly the
 * kernel's groups (the lab's iommu-groups.txt), each device line carries the `[vendor:device]` ids
 * and the driver the lab recorded (pci-devices.tsv), and the host summary, checklist, shared
 * groups and slots say what the data says.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseKernelCommandLine } from '../../../main/core/parsers/cmdline.ts';
import { iommuParameters } from '../../../main/core/report/facts.ts';
import { markdownText } from '../../../main/core/report/markdown.ts';
import { prepareReport, renderReport } from '../../../main/core/report/report.ts';
import { labDevices, labGroups } from '../../helpers/lab-truth.ts';
import { FIXTURES, fixtureSnapshot, LAB_CASES } from './cases.ts';

async function markdown(path: string): Promise<string> {
  return renderReport(prepareReport(await fixtureSnapshot(path), { anonymize: false }), 'md');
}

/** The code block's groups: header line → the addresses listed under it. */
function groupsOf(md: string): Map<number, string[]> {
  const block = md.slice(md.indexOf('```text\n') + 8, md.indexOf('\n```', md.indexOf('```text\n')));
  const groups = new Map<number, string[]>();
  let current: string[] | null = null;
  for (const line of block.split('\n')) {
    const header = /^(?:IOMMU Group|Predicted group) (\d+): /.exec(line);
    if (header) groups.set(Number(header[1]), (current = []));
    else if (line.startsWith('Not in any IOMMU group:')) current = null;
    else if (current) current.push(line.trim().split(' ')[0]!);
  }
  return groups;
}

describe('the groups block', () => {
  for (const path of LAB_CASES.filter((p) => !['lab/noiommu', 'lab/iommu-off'].includes(p))) {
    it(`${path}: every kernel group, with its members, ids and drivers`, async () => {
      const md = await markdown(path);
      const topology = path.slice(4);
      const truth = labGroups(topology);
      const listed = groupsOf(md);
      expect([...listed.keys()].sort((a, b) => a - b)).toEqual([...truth.keys()].sort((a, b) => a - b));
      for (const [id, g] of truth) expect([...listed.get(id)!].sort()).toEqual(g.devices);
      for (const d of labDevices(topology)) {
        const line = md.split('\n').find((l) => l.startsWith(`    ${d.address} `))!;
        expect(line).toContain(`[${d.vendor}:${d.device}]`);
        expect(line).toContain(d.driver ? `driver ${d.driver}` : 'no driver');
      }
    });
  }

  it('lab/mixed: the PCIe-to-PCI bridge group, its verdict and why', async () => {
    const md = await markdown('lab/mixed');
    expect(md).toContain([
      'IOMMU Group 19: whole group (type DMA-FQ)',
      '    0000:0a:00.0 PCI bridge [0604]: Red Hat, Inc. Device [1b36:000e] (rev 00) · no driver · whole group (bridge, stays on the host)',
      '    0000:0b:01.0 Ethernet controller [0200]: Intel Corporation 82540EM Gigabit Ethernet Controller [8086:100e] (rev 03) · driver e1000 · whole group',
      '    0000:0b:02.0 Ethernet controller [0200]: Realtek Semiconductor Co., Ltd. RTL-8100/8101L/8139 PCI Fast Ethernet Adapter [10ec:8139] (rev 20) · driver 8139cp · whole group',
    ].join('\n'));
    const shared = md.slice(md.indexOf('### IOMMU Group 19: whole group'), md.indexOf('## Notes'));
    expect(shared).toMatch(/0a:00\.0 \(Red Hat, Inc\. PCI bridge\) is a PCIe-to-PCI bridge: all devices behind it \(0b:01\.0 and 0b:02\.0\) share requester IDs/);
    // Single-device groups need no explanation; the six shared groups of the lab's SUMMARY.md do.
    expect([...md.matchAll(/^### IOMMU Group (\d+):/gm)].map((m) => Number(m[1]))).toEqual([9, 10, 11, 16, 17, 19]);
  });

  it('lab/iommu-off: no kernel groups, so the predicted ones, said so', async () => {
    const md = await markdown('lab/iommu-off');
    expect(md).toContain('## Predicted IOMMU groups (the kernel formed none)');
    expect(md).toContain('- **FAIL** IOMMU enabled by the kernel: /proc/cmdline: intel_iommu=off');
    // The prediction is the topology's groups with the IOMMU on: mixed's, the same topology.
    expect([...groupsOf(md).values()].map((g) => g.sort().join(' ')).sort()).toEqual([...labGroups('mixed').values()].map((g) => g.devices.join(' ')).sort());
  });

  it('joep X570 AORUS: a group listing has no drivers (unknown, not "none"); the libvirt VM is named', async () => {
    const md = await markdown('realworld/joep-gigabyte-x570-aorus-pro-wifi');
    expect(md).toContain('    0000:0b:00.0 VGA compatible controller [0300]: NVIDIA Corporation GP102 [GeForce GTX 1080 Ti] [10de:1b06] (rev a1) · driver unknown · VM win10 · ready');
    expect(md).not.toMatch(/· no driver ·/);
  });
});

describe('host summary and checklist', () => {
  it('lab/passthrough: the IOMMU parameters of the command line, the default domain', async () => {
    const md = await markdown('lab/passthrough');
    expect(md).toContain('- **Command line (IOMMU parameters):** `intel_iommu=on iommu=pt`');
    expect(md).toContain('- **IOMMU:** Intel VT-d, enabled; interrupt remapping on; default domain passthrough (identity, iommu=pt)');
  });

  it('lab/mixed: the fault check warns about the device the lab made fault (lab.vfio_fault=1234:11e8 at 0c:00.0)', async () => {
    const md = await markdown('lab/mixed');
    expect(labDevices('mixed').find((d) => d.vendor === '1234' && d.device === '11e8')!.address).toBe('0000:0c:00.0');
    expect(md).toMatch(/^- \*\*WARN\*\* IOMMU faults since boot: 2 fault lines from 0c:00\.0/m);
    expect(md).toMatch(/^ {2}- What to do: A fault means a device did DMA/m);
  });

  it('iommuParameters picks the IOMMU and VFIO parameters of a real command line, as written', () => {
    const text = readFileSync(join(FIXTURES, 'realworld/spudd-threadripper-1950x-x399-radeon-vii/proc-cmdline.txt'), 'utf8');
    expect(iommuParameters(parseKernelCommandLine(text).data)).toEqual([
      'vfio-pci.ids=1002:66af,1002:ab20,144d:a808,1b73:1100,1d6a:d107', 'video=efifb:off', 'amd_iommu=on', 'iommu=pt',
    ]);
    expect(iommuParameters(null)).toEqual([]);
  });
});

describe('slots', () => {
  it('linuxhw PRIME X570-PRO: PCIEX16_1 is on root port 00:03.1 with the RTX 3090 Ti in it (source.md)', async () => {
    const md = await markdown('realworld/linuxhw-asus-prime-x570-pro');
    expect(md).toContain('- **PCIEX16_1** (x16 PCI Express x16): port `00:03.1`, occupied by 08:00.0, 08:00.1.');
    expect(md).toMatch(/- \*\*PCIEX16_2\*\* \(x8 PCI Express x8\): port unknown, empty\.\n {2}- no prediction: .*0000:00:1f\.7/);
  });
});

describe('plain text', () => {
  it('escapes what a renderer would eat, but not inside code spans', () => {
    expect(markdownText('Serial <access denied> *not* _x_ a_b')).toBe('Serial \\<access denied> \\*not\\* \\_x\\_ a_b');
    expect(markdownText('run `softdep <host driver> pre: vfio-pci` now')).toBe('run `softdep <host driver> pre: vfio-pci` now');
  });

  it('no HTML: every < outside code is escaped', async () => {
    for (const path of ['lab/mixed', 'realworld/linuxhw-asus-prime-x570-pro']) {
      const md = await markdown(path);
      const prose = md.replace(/```[^]*?```/g, '').replace(/`[^`]*`/g, '');
      expect(prose).not.toMatch(/(?<!\\)</);
    }
  });
});
