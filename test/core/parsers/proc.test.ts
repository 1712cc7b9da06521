import { readFileSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { z } from 'zod';
import { parseCpuinfo, parseOsRelease, parseProcModules, parseProcVersion } from '../../../main/core/parsers/proc.ts';
import { Host } from '../../../main/core/model/snapshot.ts';
import { parseFstree } from '../../helpers/fstree.ts';

const LAB = fileURLToPath(new URL('../../fixtures/lab/', import.meta.url));
const read = (path: string) => readFileSync(path, 'utf8');
const TOPOLOGIES = readdirSync(LAB).filter((t) => statSync(LAB + t).isDirectory()).sort();

/** One file of a capture's fstree.txt (the guest's real /proc). */
function procFile(topology: string, path: string): string {
  const record = parseFstree(readFileSync(`${LAB}${topology}/fstree.txt`)).find((r) => r.kind === 'F' && r.path === path);
  if (record?.kind !== 'F') throw new Error(`${path} not in ${topology}/fstree.txt`);
  return record.content.toString('utf8');
}

const Issues = z.array(z.object({ line: z.number().int().positive().nullable(), message: z.string() }));

/**
 * Raspberry Pi 4 Model B /proc/cpuinfo (arm64 kernel, Raspberry Pi OS), the common ARM layout:
 * per-CPU `Features`/`CPU implementer` blocks and board lines at the end; no `flags`.
 */
const RPI4_CPUINFO = [0, 1, 2, 3].map((n) => [
  `processor\t: ${n}`, 'BogoMIPS\t: 108.00', 'Features\t: fp asimd evtstrm crc32 cpuid', 'CPU implementer\t: 0x41',
  'CPU architecture: 8', 'CPU variant\t: 0x0', 'CPU part\t: 0xd08', 'CPU revision\t: 3', '',
].join('\n')).join('\n') + 'Hardware\t: BCM2835\nRevision\t: c03111\nSerial\t\t: 100000002e5a8f7c\nModel\t\t: Raspberry Pi 4 Model B Rev 1.1\n';

describe('parseCpuinfo', () => {
  it.each(TOPOLOGIES)('%s: model, vendor, count and AMD-V from the guest cpuinfo', (topology) => {
    const text = read(`${LAB}${topology}/cpuinfo.txt`);
    const { data, issues } = parseCpuinfo(text);
    expect(issues).toEqual([]);
    expect(Host.shape.cpu.safeParse(data).success).toBe(true);
    // QEMU TCG guest with two vCPUs and the svm flag in its flags line (cpuinfo-flags.txt).
    expect(data).toEqual({ model: 'QEMU TCG CPU version 2.5+', vendor: 'AuthenticAMD', virtualization: 'svm', count: 2 });
    expect(read(`${LAB}${topology}/cpuinfo-flags.txt`).split(/\s+/)).toContain('svm');
    expect(parseCpuinfo(procFile(topology, 'proc/cpuinfo')).data).toEqual(data);
  });

  it('"none" when flags were read without vmx/svm, "vmx" for Intel VT-x (lab flags line edited)', () => {
    const text = read(`${LAB}flat/cpuinfo.txt`);
    expect(parseCpuinfo(text.replace(/ svm /g, ' ')).data.virtualization).toBe('none');
    expect(parseCpuinfo(text.replace(/ svm /g, ' vmx ')).data.virtualization).toBe('vmx');
    // The flags line alone (cpuinfo-flags.txt) still answers; no processor lines means count unknown.
    expect(parseCpuinfo(read(`${LAB}flat/cpuinfo-flags.txt`)).data).toMatchObject({ virtualization: 'svm', count: null, model: null });
  });

  it('ARM: virtualization unknown (no flags), vendor from the implementer code, board model', () => {
    const { data, issues } = parseCpuinfo(RPI4_CPUINFO);
    expect(issues).toEqual([]);
    expect(data).toEqual({ model: 'Raspberry Pi 4 Model B Rev 1.1', vendor: 'ARM', virtualization: null, count: 4 });
  });

  it('reports lines that are not "key : value" and still reads the rest', () => {
    const { data, issues } = parseCpuinfo('processor\t: 0\ngarbage line\nvendor_id\t: GenuineIntel\n');
    expect(data).toMatchObject({ vendor: 'GenuineIntel', count: 1, virtualization: null });
    expect(issues).toEqual([{ line: 2, message: expect.stringContaining('garbage line') }]);
    expect(parseCpuinfo('').issues).toHaveLength(1);
  });
});

describe('parseProcVersion', () => {
  it.each(TOPOLOGIES)('%s: uname -a and /proc/version give the same release and version', (topology) => {
    const uname = parseProcVersion(read(`${LAB}${topology}/uname.txt`));
    const proc = parseProcVersion(procFile(topology, 'proc/version'));
    const kernel = /^kernel=(.*)$/m.exec(read(`${LAB}${topology}/meta.txt`))![1];
    expect(uname).toEqual({
      data: { kernelRelease: kernel, kernelVersion: '#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-11-16)', hostname: 'iommu-lab' },
      issues: [],
    });
    expect(proc).toEqual({ data: { ...uname.data, hostname: null }, issues: [] });
  });

  it('reads the version line of dmesg and a bare uname -r', () => {
    const first = read(`${LAB}flat/dmesg.txt`).split('\n')[0]!;
    expect(parseProcVersion(first).data).toEqual({
      kernelRelease: '6.1.0-56-amd64', kernelVersion: '#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-11-16)', hostname: null,
    });
    expect(parseProcVersion('6.1.0-56-amd64\n')).toEqual({ data: { kernelRelease: '6.1.0-56-amd64', kernelVersion: null, hostname: null }, issues: [] });
  });

  it('reports text that holds no kernel release', () => {
    const { data, issues } = parseProcVersion('hello world\n');
    expect(data).toEqual({ kernelRelease: null, kernelVersion: null, hostname: null });
    expect(issues).toHaveLength(1);
  });
});

describe('parseOsRelease', () => {
  // The Debian 12 file (the distribution of the lab guests, see uname.txt), verbatim.
  const DEBIAN_12 = [
    'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"', 'NAME="Debian GNU/Linux"', 'VERSION_ID="12"', 'VERSION="12 (bookworm)"',
    'VERSION_CODENAME=bookworm', 'ID=debian', 'HOME_URL="https://www.debian.org/"', 'SUPPORT_URL="https://www.debian.org/support"',
    'BUG_REPORT_URL="https://bugs.debian.org/"', '',
  ].join('\n');

  it('returns PRETTY_NAME unquoted', () => {
    expect(parseOsRelease(DEBIAN_12)).toEqual({ data: 'Debian GNU/Linux 12 (bookworm)', issues: [] });
  });

  it('follows os-release(5) quoting, comments, and falls back to NAME VERSION', () => {
    expect(parseOsRelease("# comment\nPRETTY_NAME='Single \"quoted\"'\n").data).toBe('Single "quoted"');
    expect(parseOsRelease('PRETTY_NAME="A \\"B\\" \\$C"\n').data).toBe('A "B" $C');
    expect(parseOsRelease('NAME="Proxmox VE"\nVERSION="8.2"\n').data).toBe('Proxmox VE 8.2');
    expect(parseOsRelease('DISTRIB_ID=Ubuntu\nDISTRIB_DESCRIPTION="Ubuntu 22.04.4 LTS"\n').data).toBe('Ubuntu 22.04.4 LTS');
  });

  it('reports broken lines and a missing name', () => {
    const { data, issues } = parseOsRelease('PRETTY_NAME="open\nnot an assignment\n');
    expect(data).toBe('open');
    expect(issues.map((i) => i.line)).toEqual([1, 2]);
    expect(parseOsRelease('ID=debian\n')).toEqual({ data: null, issues: [{ line: null, message: expect.any(String) }] });
  });
});

describe('parseProcModules', () => {
  it.each(TOPOLOGIES)('%s: /proc/modules and lsmod list the same modules', (topology) => {
    const proc = parseProcModules(procFile(topology, 'proc/modules'));
    const lsmod = parseProcModules(read(`${LAB}${topology}/lsmod.txt`));
    expect(proc.issues).toEqual([]);
    expect(lsmod.issues).toEqual([]);
    expect(proc.data).toEqual(lsmod.data);
    // lsmod prints one line per module after its header.
    expect(proc.data).toHaveLength(read(`${LAB}${topology}/lsmod.txt`).trim().split('\n').length - 1);
  });

  it('flat: vfio-pci and the type1 IOMMU backend are loaded', () => {
    const { data } = parseProcModules(procFile('flat', 'proc/modules'));
    expect(data.slice(0, 2)).toEqual(['vfio_pci', 'vfio_pci_core']);
    expect(data).toContain('vfio_iommu_type1');
    expect(data).toContain('e1000e');
  });

  it('reports lines that are not module lines', () => {
    const { data, issues } = parseProcModules('vfio 49152 3 vfio_pci, Live 0xffffffffc0745000\n??? nonsense\n');
    expect(data).toEqual(['vfio']);
    expect(issues).toEqual([{ line: 2, message: expect.stringContaining('nonsense') }]);
  });
});

describe('proc parsers fuzz', () => {
  const sources = [
    read(`${LAB}flat/cpuinfo.txt`), RPI4_CPUINFO, read(`${LAB}flat/uname.txt`), procFile('flat', 'proc/version'),
    procFile('flat', 'proc/modules'), read(`${LAB}amd/lsmod.txt`), 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\n',
  ];
  const mutated = fc.tuple(
    fc.integer({ min: 0, max: sources.length - 1 }),
    fc.array(fc.tuple(fc.nat(), fc.oneof(fc.constantFrom('"', "'", ':', '=', '\n', '\\', '#', '99999999999999999999999'), fc.string({ maxLength: 30, unit: 'binary' }))), { maxLength: 8 }),
    fc.nat(),
    fc.boolean(),
  ).map(([i, edits, cut, shuffle]) => {
    let text = sources[i]!;
    for (const [at, insert] of edits) {
      const pos = at % (text.length + 1);
      text = text.slice(0, pos) + insert + text.slice(pos + 1);
    }
    if (shuffle) text = text.split('\n').reverse().join('\n');
    return text.slice(0, (cut % (text.length + 1)) || text.length);
  });

  it('never throw on mutated real inputs, and every result keeps its shape', () => {
    fc.assert(fc.property(mutated, (text) => {
      const cpu = parseCpuinfo(text);
      expect(Host.shape.cpu.safeParse(cpu.data).success && Issues.safeParse(cpu.issues).success).toBe(true);
      const version = parseProcVersion(text);
      expect(z.object({ kernelRelease: z.string().nullable(), kernelVersion: z.string().nullable(), hostname: z.string().nullable() })
        .safeParse(version.data).success && Issues.safeParse(version.issues).success).toBe(true);
      const os = parseOsRelease(text);
      expect(z.string().nullable().safeParse(os.data).success && Issues.safeParse(os.issues).success).toBe(true);
      const modules = parseProcModules(text);
      expect(z.array(z.string().regex(/^[A-Za-z0-9_]+$/)).safeParse(modules.data).success && Issues.safeParse(modules.issues).success).toBe(true);
    }), { numRuns: 2000 });
  });
});
