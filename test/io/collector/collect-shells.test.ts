/**
 * Portability and cost of collect.sh: it must run the same under dash and `bash --posix`, pass
 * shellcheck as POSIX sh, never write on the host, start a fixed number of processes whatever
 * the number of devices, and do nothing at all when it arrives cut short.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCollectorOutput } from '../../../main/core/parsers/collector-output.ts';
import { COLLECTOR_SCRIPT } from '../../../main/io/collector/script.ts';
import { captureTree } from '../../helpers/fstree.ts';

const SCRIPT_PATH = new URL('../../../main/io/collector/collect.sh', import.meta.url);
const has = (tool: string) => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', tool]).status === 0;

function runShell(argv: string[], env: Record<string, string>, input = COLLECTOR_SCRIPT) {
  const r = spawnSync(argv[0]!, argv.slice(1), {
    input, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 60_000,
  });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** The output with this run's nonce and clock taken out, for comparing two runs. */
function normalised(stdout: string): string {
  const nonce = parseCollectorOutput(stdout).data.nonce!;
  return stdout.split(nonce).join('NONCE').replace(/^date=\d+$/m, 'date=EPOCH');
}

describe('shells', () => {
  it('dash and bash --posix print the same sections for the same tree', () => {
    const env = { ATLAS_SYSROOT: captureTree('mixed') };
    const dash = runShell(['dash', '-s'], env);
    const bash = runShell(['bash', '--posix', '-s'], env);
    expect(dash.status).toBe(0);
    expect(bash.status).toBe(0);
    expect(parseCollectorOutput(dash.stdout).data.complete).toBe(true);
    expect(parseCollectorOutput(bash.stdout).data.complete).toBe(true);
    expect(normalised(bash.stdout)).toBe(normalised(dash.stdout));
    // The script's own stderr stays empty: every section's stderr is framed into stdout.
    expect(dash.stderr).toBe('');
    expect(bash.stderr).toBe('');
  });

  it('uses the uuid from /proc as nonce', () => {
    const out = runShell(['dash', '-s'], { ATLAS_SYSROOT: captureTree('flat') }).stdout;
    expect(parseCollectorOutput(out).data.nonce).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it.runIf(has('shellcheck'))('passes shellcheck -s sh with no findings', () => {
    const r = spawnSync('shellcheck', ['-s', 'sh', '-S', 'style', SCRIPT_PATH.pathname], { encoding: 'utf8' });
    expect(r.stdout).toBe('');
    expect(r.status).toBe(0);
  });

  it('does nothing when the script arrives cut short (everything runs inside atlas_main)', () => {
    const lastCall = COLLECTOR_SCRIPT.lastIndexOf('\natlas_main\n');
    expect(lastCall).toBeGreaterThan(0);
    for (const cut of [0.1, 0.33, 0.5, 0.9].map((f) => Math.floor(COLLECTOR_SCRIPT.length * f)).concat(lastCall + 1)) {
      const r = runShell(['dash', '-s'], { ATLAS_SYSROOT: captureTree('flat') }, COLLECTOR_SCRIPT.slice(0, cut));
      expect(r.stdout).not.toContain('@@ATLAS');
    }
  });
});

/** Lines of the loops in the sysfs-walk functions (comments dropped). */
function walkLoops(script: string): { fn: string; loop: string }[] {
  const loops: { fn: string; loop: string }[] = [];
  const text = script.replace(/\\\n\s*/g, ' ').split('\n').map((l) => l.replace(/(^|\s)#.*$/, '')).join('\n');
  for (const fn of ['col_pci', 'col_iommu_groups', 'col_iommu_class', 'col_pci_slots', 'col_acpi_tables', 'col_vfio', 'col_hostusage']) {
    const start = text.indexOf(`\n${fn}() {\n`);
    const body = text.slice(start, text.indexOf('\n}\n', start));
    const lines = body.split('\n');
    for (let i = 0; i < lines.length; i++) {
      // Loops over directory entries: `for _d in "$_base"/*; do`, `for _l in … virtfn*; do`.
      if (!/^\s*for \w+ in [^;]*\*[^;]*; do$/.test(lines[i]!)) continue;
      let depth = 0;
      const loop: string[] = [];
      for (let j = i; j < lines.length; j++) {
        const l = lines[j]!;
        loop.push(l);
        depth += (l.match(/\bdo$|; do\b/g) ?? []).length;
        depth -= (l.match(/^\s*done\b/g) ?? []).length;
        if (depth === 0) break;
      }
      loops.push({ fn, loop: loop.join('\n') });
    }
  }
  return loops;
}

const BUILTIN_STARTS = new Set([
  'for', 'do', 'done', 'if', 'then', 'elif', 'else', 'fi', 'case', 'esac', 'while', '!', '[', 'printf', 'read',
  'cd', 'continue', 'break', ';;', 'set', 'return',
  // The script's own attribute reader, itself checked below.
  'attr',
]);

describe('cost: no process per device', () => {
  it('the per-device loops of the sysfs walks use shell builtins only', () => {
    const loops = walkLoops(readFileSync(SCRIPT_PATH, 'utf8'));
    // pci, iommu groups and their members, units, slots, ACPI tables, vfio nodes, block, net, fb, drm…
    expect(loops.length).toBeGreaterThanOrEqual(12);
    for (const { fn, loop } of loops) {
      // `$((…))` is arithmetic (a builtin expansion); `$(…)` would fork.
      expect(loop, `${fn}: command substitution`).not.toMatch(/\$\((?!\()/);
      expect(loop, `${fn}: backticks`).not.toContain('`');
      // `a|b)` alternatives of a case pattern are not pipes.
      const code = loop.replace(/\|\|/g, '').replace(/(^|\bin|;;)(\s+)((?:[^\s;()|]+\|)+[^\s;()|]+\))/gm, '$1$2pattern)');
      expect(code, `${fn}: pipe`).not.toMatch(/\|/);
      for (const statement of loop.split(/\n|&&|\|\||;(?!;)|\bthen\b|\bdo\b|\belse\b/)) {
        const words = statement.trim().replace(/^(if|elif|while|!)\s+/, '').replace(/^!\s+/, '').split(/\s+/);
        const first = words[0]!;
        if (first === '' || /^\w+=/.test(first) || /\)$/.test(statement.trim()) || /^\S+\)/.test(statement.trim())) continue;
        expect(BUILTIN_STARTS.has(first), `${fn}: "${statement.trim()}" does not start with a builtin`).toBe(true);
      }
    }
  });

  it('attr, the attribute reader the walks call, forks nothing either', () => {
    const script = readFileSync(SCRIPT_PATH, 'utf8');
    const start = script.indexOf('\nattr() {\n');
    const body = script.slice(start, script.indexOf('\n}\n', start));
    expect(body).toContain('IFS= read -r _v < "$1"');
    expect(body).not.toMatch(/\$\((?!\()|`|[^|]\|[^|]/);
  });

  it.runIf(has('strace'))('starts as many processes for 33 functions as for 13 (strace -f)', () => {
    const count = (topology: string) => {
      const log = join(mkdtempSync(join(tmpdir(), 'atlas-strace-')), 'trace');
      const r = runShell(
        ['strace', '-f', '-qq', '-e', 'trace=execve,clone,clone3,fork,vfork', '-o', log, 'sh', '-s'],
        { ATLAS_SYSROOT: captureTree(topology) },
      );
      expect(parseCollectorOutput(r.stdout).data.complete).toBe(true);
      const lines = readFileSync(log, 'utf8').split('\n');
      // strace must really have traced the run (it needs ptrace); an empty log proves nothing.
      expect(lines.some((l) => l.includes('execve(')), `strace log empty; stderr: ${r.stderr.slice(0, 300)}`).toBe(true);
      // strace pads the pid column ("%-5d "): a pid below 10000 is followed by two spaces.
      return {
        execve: lines.filter((l) => /^\d+ +execve\("/.test(l)).length,
        spawned: lines.filter((l) => /^\d+ +(clone3?|v?fork)\(/.test(l)).length,
        programs: lines.flatMap((l) => /^\d+ +execve\("([^"]+)"/.exec(l)?.[1] ?? []),
      };
    };
    const small = count('flat');
    const large = count('mixed');
    expect(large.execve).toBe(small.execve);
    expect(large.spawned).toBe(small.spawned);
    // sh itself, id, date, lspci, dmesg: nothing per device.
    expect(large.programs.map((p) => p.split('/').pop())).toEqual(['sh', 'id', 'date', 'lspci', 'dmesg']);
    expect(large.spawned).toBeLessThan(40);
  });
});

describe('read-only', () => {
  /** Calls that create, change or remove files, and opens for writing (other than /dev/null). */
  const WRITES = /\b(mkdirat?|unlinkat|unlink|rmdir|renameat2?|rename|truncate|ftruncate|symlinkat|symlink|linkat|link|chmod|fchmodat|fchmod|chown|fchownat|lchown|utimensat|creat|mknodat?)\(|open(at)?\(.*O_(WRONLY|RDWR|CREAT|TRUNC)/;
  const writesOf = (log: string) => readFileSync(log, 'utf8').split('\n')
    .filter((l) => WRITES.test(l) && !/"\/dev\/(null|tty)"/.test(l));

  it.runIf(has('strace'))('never opens a file for writing nor changes the file system (sysroot run)', () => {
    const log = join(mkdtempSync(join(tmpdir(), 'atlas-strace-')), 'trace');
    const r = runShell(['strace', '-f', '-qq', '-e', 'trace=%file,%desc', '-o', log, 'sh', '-s'], { ATLAS_SYSROOT: captureTree('vfio-bound') });
    expect(parseCollectorOutput(r.stdout).data.complete).toBe(true);
    expect(writesOf(log)).toEqual([]);
  });

  it.runIf(has('strace'))('never opens a file for writing on this machine either (lspci, dmesg, dmidecode, virsh for real)', () => {
    const log = join(mkdtempSync(join(tmpdir(), 'atlas-strace-')), 'trace');
    const r = runShell(['strace', '-f', '-qq', '-e', 'trace=%file,%desc', '-o', log, 'sh', '-s'], {});
    expect(parseCollectorOutput(r.stdout).data.complete).toBe(true);
    expect(writesOf(log)).toEqual([]);
  });
});
