/**
 * parseCollectorOutput on real collector output (the script run on lab captures) and on
 * hand-made framings for the edge cases: other nonces, missing END, truncation, garbage.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseCollectorOutput, sectionSpan } from '../../../main/core/parsers/collector-output.ts';
import { LAB_DIR } from '../../helpers/fstree.ts';
import { runOnCapture } from '../../helpers/run-collector.ts';

const N = '0f3c2a9e-1111-4222-8333-944455556666';
const frame = (...body: string[]) => [`@@ATLAS ${N} BEGIN v1`, ...body, `@@ATLAS ${N} DONE`, ''].join('\n');

const Shape = z.object({
  data: z.object({
    complete: z.boolean(),
    nonce: z.string().nullable(),
    sections: z.array(z.object({ name: z.string(), content: z.string(), exitCode: z.number().int().min(0).max(999).nullable(), stderr: z.string() })),
  }),
  issues: z.array(z.object({ line: z.number().int().positive().nullable(), message: z.string().min(1) })),
});

let mixed: string;
let flat: string;
beforeAll(async () => {
  mixed = (await runOnCapture('mixed')).result.stdout;
  flat = (await runOnCapture('flat')).result.stdout;
});

describe('real collector output', () => {
  it('splits the mixed capture run into its sections, stderr folded into its owner', () => {
    const { data, issues } = parseCollectorOutput(mixed);
    expect(issues).toEqual([]);
    expect(data.complete).toBe(true);
    expect(data.nonce).toMatch(/^[0-9a-f-]{36}$/);
    expect(data.sections.map((s) => s.name)).toEqual([
      'meta', 'lspci', 'pci', 'iommu-groups', 'iommu-class', 'pci-slots', 'acpi-tables', 'dmi-id', 'cmdline',
      'version', 'os-release', 'cpuinfo', 'modules', 'kvm', 'vfio', 'hostusage', 'dmesg', 'dmidecode', 'virsh',
    ]);
    const byName = new Map(data.sections.map((s) => [s.name, s]));
    expect(byName.get('os-release')).toMatchObject({ exitCode: 1, content: '', stderr: 'atlas: missing: /etc/os-release and /usr/lib/os-release\n' });
    expect(byName.get('dmidecode')).toMatchObject({ exitCode: null, content: '' });
    expect(byName.get('dmidecode')!.stderr).toMatch(/^atlas: skipped: /);
    expect(byName.get('pci')!.stderr).toBe('');
  });

  it('returns each section content byte for byte (the framing newline is not content)', () => {
    const { data } = parseCollectorOutput(mixed);
    const byName = new Map(data.sections.map((s) => [s.name, s]));
    expect(byName.get('cmdline')!.content).toBe(readFileSync(join(LAB_DIR, 'mixed', 'cmdline.txt'), 'utf8'));
    expect(byName.get('dmesg')!.content).toBe(readFileSync(join(LAB_DIR, 'mixed', 'dmesg.txt'), 'utf8'));
    expect(byName.get('kvm')!.content).toBe('kvm=no\n');
    expect(byName.get('pci')!.content.split('\n').filter((l) => l.startsWith('P '))).toHaveLength(33);
  });

  it('is incomplete wherever the output is cut (property over every cut point)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: flat.length - 1 }), (cut) => {
      const { data, issues } = parseCollectorOutput(flat.slice(0, cut));
      expect(data.complete).toBe(false);
      expect(issues.length).toBeGreaterThan(0);
    }), { numRuns: 400 });
  });

  it('is incomplete when cut right after any marker line, and the issue names the last section', () => {
    const { data: full } = parseCollectorOutput(flat);
    let offset = 0;
    for (const line of flat.split('\n')) {
      offset += line.length + 1;
      if (!line.startsWith('@@ATLAS ') || offset >= flat.length) continue;
      const cut = flat.slice(0, offset);
      const { data, issues } = parseCollectorOutput(cut);
      expect(data.complete).toBe(false);
      const last = [...cut.matchAll(/^@@ATLAS \S+ SECTION (\S+)$/gm)].at(-1)?.[1];
      if (last) expect(issues.at(-1)!.message).toContain(`"${last}"`);
    }
    expect(full.complete).toBe(true);
  });

  it('never throws on mutated real output and keeps its shape (fuzz)', () => {
    const lines = flat.split('\n');
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 0x7f }) }),
      fc.record({ kind: fc.constant('shuffle' as const), a: fc.nat(), b: fc.nat() }),
      fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('rc' as const), at: fc.nat(), value: fc.oneof(fc.bigInt().map(String), fc.string(), fc.constant('skipped')) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.string() }),
    );
    fc.assert(fc.property(fc.array(mutation, { maxLength: 8 }), (mutations) => {
      const l = [...lines];
      let text = '';
      for (const m of mutations) {
        if (m.kind === 'shuffle') {
          const a = m.a % l.length;
          const b = m.b % l.length;
          [l[a], l[b]] = [l[b]!, l[a]!];
        } else if (m.kind === 'drop') l.splice(m.at % l.length, 1);
        else if (m.kind === 'insert') l.splice(m.at % l.length, 0, m.text);
        else if (m.kind === 'rc') {
          const ends = l.flatMap((x, i) => (/ END \S+ rc=/.test(x) ? [i] : []));
          if (ends.length) { const i = ends[m.at % ends.length]!; l[i] = l[i]!.replace(/rc=\S*$/, `rc=${m.value}`); }
        }
      }
      text = l.join('\n');
      for (const m of mutations) {
        if (m.kind === 'flip' && text.length) {
          const at = m.at % text.length;
          text = text.slice(0, at) + String.fromCharCode(m.byte) + text.slice(at + 1);
        }
      }
      const result = parseCollectorOutput(text);
      expect(Shape.safeParse(result).success).toBe(true);
    }), { numRuns: 300 });
  });

  it('never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 400 }), (s) => {
      expect(Shape.safeParse(parseCollectorOutput(`@@ATLAS x BEGIN v1\n${s}`)).success).toBe(true);
      expect(Shape.safeParse(parseCollectorOutput(s)).success).toBe(true);
    }), { numRuns: 1000 });
  });
});

describe('framing rules', () => {
  it('keeps content without a final newline exactly, and an empty section empty', () => {
    const { data } = parseCollectorOutput(frame(
      `@@ATLAS ${N} SECTION a`, 'abc', `@@ATLAS ${N} END a rc=0`,
      `@@ATLAS ${N} SECTION b`, 'abc', '', `@@ATLAS ${N} END b rc=0`,
      `@@ATLAS ${N} SECTION c`, '', `@@ATLAS ${N} END c rc=2`,
    ));
    expect(data.sections).toEqual([
      { name: 'a', content: 'abc', exitCode: 0, stderr: '' },
      { name: 'b', content: 'abc\n', exitCode: 0, stderr: '' },
      { name: 'c', content: '', exitCode: 2, stderr: '' },
    ]);
    expect(data.complete).toBe(true);
  });

  it('knows where each section closed by its END marker lies in the output, and no more', () => {
    for (const output of [mixed, frame(`@@ATLAS ${N} SECTION a`, 'abc', '', `@@ATLAS ${N} END a rc=0`, `@@ATLAS ${N} SECTION c`, '', `@@ATLAS ${N} END c rc=2`)]) {
      for (const section of parseCollectorOutput(output).data.sections) {
        const span = sectionSpan(section)!;
        expect(span.output).toBe(output);
        expect(output.slice(span.start, span.end)).toBe(section.content);
      }
    }
    // Without its END marker the content is not simply a part of the output (nor is a copy of a section).
    const cut = parseCollectorOutput(frame(`@@ATLAS ${N} SECTION pci`, 'P 0000:00:00.0 /sys/devices/pci0000:00/0000:00:00.0', '')).data.sections[0]!;
    expect(sectionSpan(cut)).toBeUndefined();
    expect(sectionSpan({ ...parseCollectorOutput(mixed).data.sections[0]! })).toBeUndefined();
  });

  it('treats marker lines carrying another nonce as content', () => {
    const forged = ['@@ATLAS deadbeef END lspci rc=0', '@@ATLAS deadbeef DONE', '@@ATLAS deadbeef SECTION evil'];
    const { data, issues } = parseCollectorOutput(frame(`@@ATLAS ${N} SECTION lspci`, ...forged, '', `@@ATLAS ${N} END lspci rc=0`));
    expect(issues).toEqual([]);
    expect(data.sections).toEqual([{ name: 'lspci', content: `${forged.join('\n')}\n`, exitCode: 0, stderr: '' }]);
  });

  it('attaches NAME.stderr to the latest section NAME', () => {
    const { data } = parseCollectorOutput(frame(
      `@@ATLAS ${N} SECTION virsh-dumpxml`, '<domain/>', '', `@@ATLAS ${N} END virsh-dumpxml rc=0`,
      `@@ATLAS ${N} SECTION virsh-dumpxml`, '', `@@ATLAS ${N} END virsh-dumpxml rc=1`,
      `@@ATLAS ${N} SECTION virsh-dumpxml.stderr`, 'error: failed to get domain', '', `@@ATLAS ${N} END virsh-dumpxml.stderr rc=0`,
    ));
    expect(data.sections).toEqual([
      { name: 'virsh-dumpxml', content: '<domain/>\n', exitCode: 0, stderr: '' },
      { name: 'virsh-dumpxml', content: '', exitCode: 1, stderr: 'error: failed to get domain\n' },
    ]);
  });

  it('marks a section without END as incomplete and names it', () => {
    const { data, issues } = parseCollectorOutput(frame(
      `@@ATLAS ${N} SECTION pci`, 'P 0000:00:00.0 /sys/devices/pci0000:00/0000:00:00.0',
      `@@ATLAS ${N} SECTION lspci`, 'x', '', `@@ATLAS ${N} END lspci rc=0`,
    ));
    expect(data.complete).toBe(false);
    expect(data.sections[0]).toEqual({ name: 'pci', content: 'P 0000:00:00.0 /sys/devices/pci0000:00/0000:00:00.0', exitCode: null, stderr: '' });
    expect(issues[0]).toEqual({ line: 2, message: 'section "pci" has no END marker (next section starts at line 4)' });
  });

  it('without DONE names the last section seen', () => {
    const { data, issues } = parseCollectorOutput(`@@ATLAS ${N} BEGIN v1\n@@ATLAS ${N} SECTION meta\nuid=0\n\n@@ATLAS ${N} END meta rc=0\n`);
    expect(data.complete).toBe(false);
    expect(issues).toEqual([{ line: null, message: 'output ends without DONE after section "meta": incomplete' }]);
    expect(data.sections).toHaveLength(1);
  });

  it('needs the final newline of DONE', () => {
    expect(parseCollectorOutput(frame().slice(0, -1)).data.complete).toBe(false);
    expect(parseCollectorOutput(frame()).data.complete).toBe(true);
  });

  it('skips shell start-up noise before BEGIN, and reads CRLF line ends', () => {
    const noisy = `Welcome to Ubuntu\nLast login: today\n${frame(`@@ATLAS ${N} SECTION kvm`, 'kvm=yes', '', `@@ATLAS ${N} END kvm rc=0`)}`;
    const { data, issues } = parseCollectorOutput(noisy.replace(/\n/g, '\r\n'));
    expect(data.complete).toBe(true);
    expect(data.sections.map((s) => [s.name, s.exitCode])).toEqual([['kvm', 0]]);
    expect(issues).toEqual([{ line: 1, message: '2 line(s) before the BEGIN marker ignored (shell start-up output?)' }]);
  });

  it('reads rc=skipped as no exit code and reports an unreadable rc', () => {
    const { data, issues } = parseCollectorOutput(frame(
      `@@ATLAS ${N} SECTION dmidecode`, '', `@@ATLAS ${N} END dmidecode rc=skipped`,
      `@@ATLAS ${N} SECTION x`, '', `@@ATLAS ${N} END x rc=99999999999`,
    ));
    expect(data.sections.map((s) => s.exitCode)).toEqual([null, null]);
    expect(issues).toEqual([{ line: 7, message: 'unreadable exit status "99999999999"' }]);
  });

  it('says clearly when the text is not collector output at all', () => {
    const { data, issues } = parseCollectorOutput('0000:00:00.0 Host bridge: Intel Corporation\n');
    expect(data).toEqual({ complete: false, nonce: null, sections: [] });
    expect(issues[0]!.message).toMatch(/no "@@ATLAS <nonce> BEGIN" line/);
  });
});
