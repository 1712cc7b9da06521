/**
 * Small host-identity files: /proc/cpuinfo, /proc/version (or `uname` output), /etc/os-release
 * and /proc/modules (or `lsmod` output). Each feeds the snapshot's `host` object.
 */
import type { Host, ParseIssue, ParseResult } from '../model/snapshot.ts';

function lines(text: string): string[] {
  return String(text).split(/\r?\n/);
}

// ---------------------------------------------------------------------------------------------
// /proc/cpuinfo
// ---------------------------------------------------------------------------------------------

/**
 * ARM `CPU implementer` codes (arch/arm64/include/asm/cputype.h, ARM_CPU_IMP_*), so an ARM host
 * gets a vendor name as an x86 host does from `vendor_id`.
 */
const ARM_IMPLEMENTERS: Record<string, string> = {
  '0x41': 'ARM', '0x42': 'Broadcom', '0x43': 'Cavium', '0x46': 'Fujitsu', '0x48': 'HiSilicon',
  '0x4e': 'NVIDIA', '0x50': 'APM', '0x51': 'Qualcomm', '0x61': 'Apple', '0x6d': 'Microsoft', '0xc0': 'Ampere',
};

/** Keys naming the CPU model, most specific first: x86/ARM32 `model name`, Raspberry Pi `Model`, MIPS `cpu model`, PowerPC `cpu`, ARM SoC `Hardware`. */
const MODEL_KEYS = ['model name', 'Model', 'cpu model', 'cpu', 'Hardware'];

/**
 * Parse /proc/cpuinfo. `virtualization` comes from the x86 `flags` line (vmx = Intel VT-x,
 * svm = AMD-V); it stays null when there is no `flags` line (ARM lists `Features`, which has no
 * equivalent bit), and is "none" when flags were read and neither is present (disabled in
 * firmware, or a guest without nested virtualisation).
 *
 * Real input (lab capture `flat/cpuinfo.txt`, abridged):
 *
 *     processor	: 0
 *     vendor_id	: AuthenticAMD
 *     model name	: QEMU TCG CPU version 2.5+
 *     flags		: fpu de pse tsc msr pae … cmp_legacy svm cr8_legacy abm …
 */
export function parseCpuinfo(text: string): ParseResult<Host['cpu']> {
  const issues: ParseIssue[] = [];
  const first = new Map<string, string>();
  let count = 0;
  let pairs = 0;
  lines(text).forEach((line, index) => {
    if (line.trim() === '') return;
    const colon = line.indexOf(':');
    if (colon < 0) {
      issues.push({ line: index + 1, message: `not a "key : value" line: ${line.slice(0, 80)}` });
      return;
    }
    pairs++;
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    // Lowercase `processor` numbers the logical CPUs; old ARM kernels add a capitalised
    // `Processor : ARMv7 Processor rev 4` line that is a model, not a CPU.
    if (key === 'processor' && /^\d+$/.test(value)) count++;
    if (!first.has(key)) first.set(key, value);
  });
  if (pairs === 0) issues.push({ line: null, message: 'no cpuinfo fields found' });

  const model = MODEL_KEYS.map((k) => first.get(k)).find((v) => v !== undefined && v !== '') ?? null;
  const implementer = first.get('CPU implementer')?.toLowerCase();
  const vendor = first.get('vendor_id') || (implementer !== undefined ? ARM_IMPLEMENTERS[implementer] ?? implementer : null) || null;
  const flags = first.get('flags');
  let virtualization: Host['cpu']['virtualization'] = null;
  if (flags !== undefined) {
    const set = new Set(flags.split(/\s+/));
    virtualization = set.has('vmx') ? 'vmx' : set.has('svm') ? 'svm' : 'none';
  }
  return { data: { model, vendor, virtualization, count: count > 0 ? count : null }, issues };
}

// ---------------------------------------------------------------------------------------------
// /proc/version, uname -a, uname -r
// ---------------------------------------------------------------------------------------------

export interface KernelVersion {
  /** `uname -r`: "6.1.0-56-amd64". */
  kernelRelease: string | null;
  /** `uname -v`: "#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-11-16)". */
  kernelVersion: string | null;
  /** `uname -n`, only known from `uname -a` text (/proc/version names the build host instead). */
  hostname: string | null;
}

/** `uname -m`/`-p`/`-i` values that trail the version in `uname -a`. */
const MACHINE_RE = /^(?:x86_64|amd64|i[3-6]86|aarch64|arm64|armv\w+|ppc64(?:le)?|ppc|s390x?|riscv(?:32|64)|mips\w*|loongarch64|sparc64|alpha|ia64|parisc\w*|unknown)$/;
/** `uname -o`, last word of `uname -a`. */
const OS_RE = /^(?:GNU\/Linux|Linux)$/;
/** A bare release as `uname -r` and /proc/sys/kernel/osrelease print it. */
const RELEASE_RE = /^\d+\.\d+[\w.+~-]*$/;

/**
 * /proc/version is `Linux version <release> (<builder>) (<compiler>) <version>` (init/version.c);
 * the compiler part nests parentheses, so the version is found by its leading `#<build>`
 * (scripts/mkcompile_h). Also accepts the same line from dmesg.
 */
function fromProcVersion(line: string): KernelVersion | null {
  const m = /Linux version (\S+)/.exec(line);
  if (!m) return null;
  const version = / (#\d.*)$/.exec(line.slice(m.index + m[0].length));
  return { kernelRelease: m[1]!, kernelVersion: version ? version[1]!.trim() : null, hostname: null };
}

/** `uname -a`: sysname nodename release version… machine [processor] [platform] os. */
function fromUnameAll(line: string): KernelVersion | null {
  const words = line.trim().split(/\s+/);
  if (words.length < 4 || !words[3]!.startsWith('#')) return null;
  let end = words.length;
  if (end > 4 && OS_RE.test(words[end - 1]!)) end--;
  while (end > 4 && MACHINE_RE.test(words[end - 1]!)) end--;
  return { kernelRelease: words[2]!, kernelVersion: words.slice(3, end).join(' '), hostname: words[1]! };
}

/**
 * Kernel release and version from /proc/version, `uname -a` or `uname -r` text.
 *
 * Real input (lab capture `flat/uname.txt`, `uname -a`):
 *
 *     Linux iommu-lab 6.1.0-56-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-11-16) x86_64 GNU/Linux
 */
export function parseProcVersion(text: string): ParseResult<KernelVersion> {
  const issues: ParseIssue[] = [];
  const all = lines(text);
  for (let i = 0; i < all.length; i++) {
    const line = all[i]!.trim();
    if (line === '') continue;
    const found = fromProcVersion(line) ?? fromUnameAll(line)
      ?? (RELEASE_RE.test(line) ? { kernelRelease: line, kernelVersion: null, hostname: null } : null);
    if (found) {
      if (found.kernelVersion === null && !RELEASE_RE.test(line)) {
        issues.push({ line: i + 1, message: 'kernel version (#build …) not found after the release' });
      }
      return { data: found, issues };
    }
  }
  issues.push({ line: null, message: 'no kernel release found (expected /proc/version, uname -a or uname -r output)' });
  return { data: { kernelRelease: null, kernelVersion: null, hostname: null }, issues };
}

// ---------------------------------------------------------------------------------------------
// /etc/os-release
// ---------------------------------------------------------------------------------------------

/**
 * Unquote an os-release value: it is a shell-compatible assignment (os-release(5)), so double
 * quotes allow the escapes \" \\ \$ \` and single quotes none. Returns null on an open quote.
 */
function unquoteShell(value: string): string | null {
  const quote = value[0];
  if (quote === "'") {
    const end = value.indexOf("'", 1);
    return end < 0 ? null : value.slice(1, end);
  }
  if (quote !== '"') return value.replace(/\\(.)/g, '$1');
  let out = '';
  for (let i = 1; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '"') return out;
    if (ch === '\\' && i + 1 < value.length && '"\\$`'.includes(value[i + 1]!)) {
      out += value[++i];
    } else {
      out += ch;
    }
  }
  return null;
}

/**
 * The distribution's display name from /etc/os-release (or /usr/lib/os-release): PRETTY_NAME,
 * else NAME and VERSION, else an lsb-release DISTRIB_DESCRIPTION; null when none is present.
 *
 * Real input (Debian 12 /etc/os-release, the lab guests' distribution):
 *
 *     PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
 *     NAME="Debian GNU/Linux"
 *     VERSION_ID="12"
 *     ID=debian
 */
export function parseOsRelease(text: string): ParseResult<string | null> {
  const issues: ParseIssue[] = [];
  const vars = new Map<string, string>();
  lines(text).forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(trimmed);
    if (!m) {
      issues.push({ line: index + 1, message: `not a VARIABLE=value line: ${trimmed.slice(0, 80)}` });
      return;
    }
    const value = unquoteShell(m[2]!);
    if (value === null) {
      issues.push({ line: index + 1, message: `unterminated quote in ${m[1]}` });
      vars.set(m[1]!, m[2]!.slice(1));
      return;
    }
    vars.set(m[1]!, value);
  });
  const nameVersion = [vars.get('NAME'), vars.get('VERSION')].filter((v) => v).join(' ');
  const pretty = vars.get('PRETTY_NAME') || nameVersion || vars.get('DISTRIB_DESCRIPTION') || null;
  if (pretty === null) issues.push({ line: null, message: 'no PRETTY_NAME, NAME or DISTRIB_DESCRIPTION found' });
  return { data: pretty, issues };
}

// ---------------------------------------------------------------------------------------------
// /proc/modules
// ---------------------------------------------------------------------------------------------

/** Module names use [A-Za-z0-9_] (the kernel turns `-` into `_` when loading). */
const MODULE_LINE_RE = /^([A-Za-z0-9_]+)(?:\s+\d+\b.*)?$/;

/**
 * Loaded module names, in file order, from /proc/modules
 * (`name size refcount deps state address`, kernel/module/procfs.c) or `lsmod` output.
 *
 * Real input (lab capture `flat` /proc/modules):
 *
 *     vfio_pci 16384 0 - Live 0xffffffffc0791000
 *     vfio_pci_core 73728 1 vfio_pci, Live 0xffffffffc07d0000
 */
export function parseProcModules(text: string): ParseResult<string[]> {
  const issues: ParseIssue[] = [];
  const names: string[] = [];
  const seen = new Set<string>();
  lines(text).forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '' || /^Module\s+Size\s+Used by/.test(trimmed)) return;
    const m = MODULE_LINE_RE.exec(trimmed);
    if (!m) {
      issues.push({ line: index + 1, message: `not a module line: ${trimmed.slice(0, 80)}` });
      return;
    }
    if (!seen.has(m[1]!)) {
      seen.add(m[1]!);
      names.push(m[1]!);
    }
  });
  return { data: names, issues };
}
