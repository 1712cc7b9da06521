import { readFileSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { z } from 'zod';
import { parseKernelCommandLine } from '../../../main/core/parsers/cmdline.ts';
import { KernelCommandLine } from '../../../main/core/model/snapshot.ts';
import { parseFstree } from '../../helpers/fstree.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));
const LAB = `${FIXTURES}lab/`;
const read = (path: string) => readFileSync(path, 'utf8');
const TOPOLOGIES = readdirSync(LAB).filter((t) => statSync(LAB + t).isDirectory()).sort();

/** Values of `name=` words, found with a plain regex (the lab command lines have no quotes). */
const valuesOf = (text: string, name: string) => [...text.matchAll(new RegExp(`(?:^|\\s)${name}=(\\S+)`, 'g'))].map((m) => m[1]!);

const Result = z.object({
  data: KernelCommandLine,
  issues: z.array(z.object({ line: z.number().int().positive().nullable(), message: z.string() })),
});

describe('parseKernelCommandLine on the lab captures', () => {
  describe.each(TOPOLOGIES)('%s', (topology) => {
    const text = read(`${LAB}${topology}/cmdline.txt`);
    const { data, issues } = parseKernelCommandLine(text);

    it('keeps every word as a parameter, in order, and classifies the IOMMU ones', () => {
      expect(issues).toEqual([]);
      expect(Result.safeParse({ data, issues }).success).toBe(true);
      const words = text.trim().split(/\s+/);
      expect(data.params.map((p) => (p.value === null ? p.name : `${p.name}=${p.value}`))).toEqual(words);
      expect(data.raw).toBe(text.trim());
      expect(data.iommu.intelIommu).toEqual(valuesOf(text, 'intel_iommu'));
      expect(data.iommu.iommu).toEqual(valuesOf(text, 'iommu'));
      expect(data.iommu.amdIommu).toEqual([]);
      expect(data.iommu.vfioPciIds).toEqual([]);
      // Nothing else in the lab command lines is IOMMU-relevant: console, tracing and lab.* stay unknown.
      expect(data.iommu.other).toEqual([]);
      expect(data.unknown).toEqual(words.filter((w) => !/^(?:intel_iommu|iommu)=/.test(w)));
      expect(data.unknown).toContain('console=ttyS0,115200');
      expect(data.unknown.filter((w) => w.startsWith('lab.')).length).toBeGreaterThan(0);
    });

    it('reads the same from /proc/cmdline in fstree.txt and from both dmesg echoes', () => {
      const proc = parseFstree(readFileSync(`${LAB}${topology}/fstree.txt`))
        .find((r) => r.kind === 'F' && r.path === 'proc/cmdline');
      expect(proc?.kind).toBe('F');
      if (proc?.kind !== 'F') return;
      expect(parseKernelCommandLine(proc.content.toString('utf8')).data).toEqual(data);
      const echoes = read(`${LAB}${topology}/dmesg.txt`).split('\n').filter((l) => /\] (?:Kernel c|C)ommand line: /.test(l));
      expect(echoes).toHaveLength(2);
      for (const line of echoes) expect(parseKernelCommandLine(line)).toEqual({ data, issues: [] });
    });
  });

  it('flat asks for intel_iommu=on, iommu-off for off, passthrough adds iommu=pt; amd and noiommu give none', () => {
    const iommuOf = (t: string) => parseKernelCommandLine(read(`${LAB}${t}/cmdline.txt`)).data.iommu;
    expect(iommuOf('flat')).toMatchObject({ intelIommu: ['on'], iommu: [] });
    expect(iommuOf('iommu-off')).toMatchObject({ intelIommu: ['off'] });
    expect(iommuOf('passthrough')).toMatchObject({ intelIommu: ['on'], iommu: ['pt'], iommuPassthrough: null });
    expect(iommuOf('amd')).toMatchObject({ intelIommu: [], amdIommu: [], iommu: [] });
    expect(iommuOf('noiommu')).toMatchObject({ intelIommu: [], amdIommu: [], iommu: [] });
  });
});

describe('parseKernelCommandLine on a real passthrough host (spudd Threadripper 1950X)', () => {
  const text = read(`${FIXTURES}realworld/spudd-threadripper-1950x-x399-radeon-vii/proc-cmdline.txt`);
  const { data, issues } = parseKernelCommandLine(text);

  it('finds amd_iommu=on, iommu=pt, the five vfio-pci ids and video=efifb:off', () => {
    expect(issues).toEqual([]);
    expect(data.iommu).toEqual({
      intelIommu: [], amdIommu: ['on'], iommu: ['pt'], iommuPassthrough: null, iommuStrict: null,
      vfioPciIds: ['1002:66af', '1002:ab20', '144d:a808', '1b73:1100', '1d6a:d107'],
      pcieAcsOverride: [], pciOptions: [], video: ['efifb:off'], intremap: null, other: [],
    });
    expect(data.params).toHaveLength(text.trim().split(/\s+/).length);
  });

  it('keeps the rest verbatim, quotes included, and unquotes values as the kernel does', () => {
    expect(data.unknown).toContain('cgroup_no_v1="all"');
    expect(data.unknown).toContain('initrd=\\amd-ucode.img');
    expect(data.unknown).toContain('threadirqs');
    expect(data.unknown).toHaveLength(data.params.length - 4);
    expect(data.params.find((p) => p.name === 'cgroup_no_v1')).toEqual({ name: 'cgroup_no_v1', value: 'all' });
    // Only the first '=' separates: root=PARTLABEL=NVMEROOT.
    expect(data.params.find((p) => p.name === 'root')).toEqual({ name: 'root', value: 'PARTLABEL=NVMEROOT' });
    expect(data.params.filter((p) => p.name === 'initrd').map((p) => p.value)).toEqual(['\\amd-ucode.img', '\\initramfs-spudd-master.img']);
    expect(data.params.find((p) => p.name === 'rw')).toEqual({ name: 'rw', value: null });
  });
});

describe('parseKernelCommandLine splitting (lib/cmdline.c next_arg) and spec 6 parameters', () => {
  it('quotes wrap a value or a whole parameter, spaces inside them do not split', () => {
    const { data, issues } = parseKernelCommandLine('a="b c" "d=e f" "g h" i=j"k" x');
    expect(issues).toEqual([]);
    expect(data.params).toEqual([
      { name: 'a', value: 'b c' },
      { name: 'd', value: 'e f' },
      { name: 'g h', value: null },
      { name: 'i', value: 'j"k"' },
      { name: 'x', value: null },
    ]);
    expect(data.unknown).toEqual(['a="b c"', '"d=e f"', '"g h"', 'i=j"k"', 'x']);
  });

  it('an "=" at the start does not make a value; an unterminated quote runs to the end and is reported', () => {
    expect(parseKernelCommandLine('=x').data.params).toEqual([{ name: '=x', value: null }]);
    const { data, issues } = parseKernelCommandLine('quiet opt="a b intel_iommu=on');
    expect(data.params).toEqual([{ name: 'quiet', value: null }, { name: 'opt', value: 'a b intel_iommu=on' }]);
    expect(data.iommu.intelIommu).toEqual([]);
    expect(issues).toEqual([{ line: 1, message: expect.stringContaining('unterminated quote') }]);
  });

  it('splits comma lists, accumulates repeated options, keeps the last single value', () => {
    const { data } = parseKernelCommandLine([
      'intel_iommu=on,igfx_off intel_iommu=sm_on iommu=pt iommu.passthrough=0 iommu.passthrough=1 iommu.strict=1',
      'vfio_pci.ids=10de:1b80,10de:10f0 pcie_acs_override=downstream,multifunction,id:8086:1533',
      'pci=noats,config_acs=10x@pci:0:0;1101x@0000:00:1c.0 intremap=no_x2apic_optout video=efifb:off video=DP-1:1920x1080@60',
    ].join(' '));
    expect(data.iommu).toMatchObject({
      intelIommu: ['on', 'igfx_off', 'sm_on'], iommu: ['pt'], iommuPassthrough: '1', iommuStrict: '1',
      vfioPciIds: ['10de:1b80', '10de:10f0'], pcieAcsOverride: ['downstream', 'multifunction', 'id:8086:1533'],
      pciOptions: ['noats', 'config_acs=10x@pci:0:0;1101x@0000:00:1c.0'], intremap: 'no_x2apic_optout',
      video: ['efifb:off', 'DP-1:1920x1080@60'],
    });
    expect(data.unknown).toEqual([]);
  });

  it('puts other passthrough-relevant parameters in "other", dashes and underscores alike', () => {
    const { data } = parseKernelCommandLine(
      'BOOT_IMAGE=/vmlinuz-6.1.0 root=UUID=1234 ro quiet iommu.forcedac=1 vfio_iommu_type1.allow_unsafe_interrupts=1 kvm.ignore_msrs=1 kvm-amd.avic=1 rd.driver.pre=vfio-pci modprobe.blacklist=nouveau initcall_blacklist=sysfb_init vfio-pci.disable_vga=1 amd_iommu_intr=vapic',
    );
    expect(data.iommu.other.map((p) => p.name)).toEqual([
      'iommu.forcedac', 'vfio_iommu_type1.allow_unsafe_interrupts', 'kvm.ignore_msrs', 'kvm-amd.avic', 'rd.driver.pre',
      'modprobe.blacklist', 'initcall_blacklist', 'vfio-pci.disable_vga', 'amd_iommu_intr',
    ]);
    expect(data.unknown).toEqual(['BOOT_IMAGE=/vmlinuz-6.1.0', 'root=UUID=1234', 'ro', 'quiet']);
  });

  it('stops classifying at "--": the rest are init arguments', () => {
    const { data } = parseKernelCommandLine('intel_iommu=on -- iommu=pt single');
    expect(data.iommu.intelIommu).toEqual(['on']);
    expect(data.iommu.iommu).toEqual([]);
    expect(data.unknown).toEqual(['--', 'iommu=pt', 'single']);
    expect(data.params).toHaveLength(4);
  });

  it('accepts vfio-pci.ids spelled with a dash and a NUL-separated /proc/<pid>/cmdline-like text', () => {
    expect(parseKernelCommandLine('vfio-pci.ids=1002:66af').data.iommu.vfioPciIds).toEqual(['1002:66af']);
    expect(parseKernelCommandLine('amd_iommu=on\0iommu=pt\0').data.iommu).toMatchObject({ amdIommu: ['on'], iommu: ['pt'] });
  });
});

describe('parseKernelCommandLine fuzz', () => {
  const sources = [
    ...TOPOLOGIES.map((t) => read(`${LAB}${t}/cmdline.txt`)),
    read(`${FIXTURES}realworld/spudd-threadripper-1950x-x399-radeon-vii/proc-cmdline.txt`),
  ];
  const mutated = fc.tuple(
    fc.integer({ min: 0, max: sources.length - 1 }),
    fc.array(fc.tuple(fc.nat(), fc.oneof(fc.constantFrom('"', '=', ' ', ',', '\n', '\0', '--', '99999999999999999999'), fc.string({ maxLength: 20 }))), { maxLength: 8 }),
    fc.nat(),
  ).map(([i, edits, cut]) => {
    let text = sources[i]!;
    for (const [at, insert] of edits) {
      const pos = at % (text.length + 1);
      text = text.slice(0, pos) + insert + text.slice(pos + 1);
    }
    return text.slice(0, (cut % (text.length + 1)) || text.length);
  });

  it('never throws on mutated real command lines, and the result keeps its shape', () => {
    fc.assert(fc.property(mutated, (text) => {
      const result = parseKernelCommandLine(text);
      expect(Result.safeParse(result).success).toBe(true);
      // Every parameter lands in exactly one place: a dedicated field, "other", or "unknown".
      expect(result.data.params.length).toBeGreaterThanOrEqual(result.data.unknown.length + result.data.iommu.other.length);
    }), { numRuns: 3000 });
  });

  it('never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 500, unit: 'binary' }), (text) => {
      expect(Result.safeParse(parseKernelCommandLine(text)).success).toBe(true);
    }), { numRuns: 3000 });
  });
});
