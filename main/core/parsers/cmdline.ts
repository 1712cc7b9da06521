/**
 * Kernel command line parser (`/proc/cmdline`, or the `Kernel command line:` line of dmesg),
 * with the IOMMU-relevant parameters of spec section 6 picked out.
 *
 * Real input (realworld `spudd-threadripper-1950x-x399-radeon-vii/proc-cmdline.txt`, shortened):
 *
 *     initrd=\amd-ucode.img root=PARTLABEL=NVMEROOT rw vfio-pci.ids=1002:66af,1002:ab20 video=efifb:off amd_iommu=on iommu=pt cgroup_no_v1="all"
 */
import type { KernelCommandLine, ParseIssue, ParseResult } from '../model/snapshot.ts';

type KernelParam = KernelCommandLine['params'][number];

interface Token {
  param: KernelParam;
  /** The parameter exactly as written, quotes included. */
  raw: string;
}

/** The kernel's isspace() on the command line; NUL is added because /proc/<pid>/cmdline uses it. */
function isSpace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\v' || ch === '\f' || ch === '\0';
}

/**
 * Split like `next_arg()` in lib/cmdline.c: whitespace separates parameters except inside double
 * quotes; a quote may open the whole parameter (`"a=b c"`) or its value (`a="b c"`); the first
 * `=` at index > 0 separates name and value; the surrounding quotes are dropped, inner ones kept.
 */
function splitCommandLine(text: string, issues: ParseIssue[]): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  while (pos < text.length && isSpace(text[pos]!)) pos++;
  while (pos < text.length) {
    const start = pos;
    let quoted = false;
    let inQuote = false;
    if (text[pos] === '"') {
      pos++;
      inQuote = true;
      quoted = true;
    }
    const argStart = pos;
    let equals = 0;
    let i = 0;
    for (; pos + i < text.length; i++) {
      const ch = text[pos + i]!;
      if (isSpace(ch) && !inQuote) break;
      // As in next_arg(), an `=` at index 0 does not count: "=x" is a name without a value.
      if (equals === 0 && ch === '=') equals = i;
      if (ch === '"') inQuote = !inQuote;
    }
    if (inQuote) issues.push({ line: 1, message: `unterminated quote in parameter starting at column ${start + 1}` });
    let body = text.slice(argStart, argStart + i);
    let param: KernelParam;
    if (equals === 0) {
      if (quoted && body.endsWith('"')) body = body.slice(0, -1);
      param = { name: body, value: null };
    } else {
      let value = body.slice(equals + 1);
      const valueQuoted = value.startsWith('"');
      if (valueQuoted) value = value.slice(1);
      if ((valueQuoted || quoted) && value.endsWith('"')) value = value.slice(0, -1);
      param = { name: body.slice(0, equals), value };
    }
    pos = argStart + i;
    tokens.push({ param, raw: text.slice(start, pos) });
    while (pos < text.length && isSpace(text[pos]!)) pos++;
  }
  return tokens;
}

/** Parameter names compare with `-` and `_` equal, as the kernel's parameq() does. */
function canonicalName(name: string): string {
  return name.replace(/-/g, '_');
}

/**
 * Other parameters that matter for IOMMU groups and device assignment (spec 6 and the usual
 * passthrough recipes): IOMMU core/driver knobs, VFIO and KVM module parameters, AMD IVRS
 * overrides, x2apic (interrupt remapping mode), driver blacklists and early binding, boot
 * framebuffer switches, DMA bounce buffers, and memory encryption (which refuses a passthrough
 * default domain, spec 5.2 core.memEncrypt).
 */
const RELEVANT_NAMES = new Set([
  'amd_iommu_intr', 'amd_iommu_dump', 'ivrs_ioapic', 'ivrs_hpet', 'ivrs_acpihid', 'nox2apic', 'swiotlb', 'mem_encrypt',
  'rd.driver.pre', 'rd.driver.blacklist', 'rd.driver.post', 'modprobe.blacklist', 'module_blacklist',
  'initcall_blacklist', 'efifb', 'nofb', 'nomodeset',
]);
const RELEVANT_PREFIXES = ['iommu.', 'vfio.', 'vfio_pci.', 'vfio_iommu_type1.', 'vfio_pci_core.', 'kvm.', 'kvm_amd.', 'kvm_intel.', 'iommufd.'];

function isRelevant(name: string): boolean {
  return RELEVANT_NAMES.has(name) || RELEVANT_PREFIXES.some((p) => name.startsWith(p));
}

function splitList(value: string | null): string[] {
  if (value === null) return [];
  return value.split(',').filter((v) => v !== '');
}

/** A command line pasted straight from dmesg (`[    0.0] Kernel command line: …`). */
const DMESG_PREFIX_RE = /^\s*(?:<\d+>)?(?:\[\s*\d+\.\d+\]\s*)?(?:Kernel c|C)ommand line:\s?/;

/**
 * Parse a kernel command line into its parameters, in order, with the IOMMU-relevant ones
 * classified (spec 6). Everything after `--` belongs to init, not the kernel (init/main.c stops
 * parsing there), so those words are kept in `params` and `unknown` but never classified.
 */
export function parseKernelCommandLine(text: string): ParseResult<KernelCommandLine> {
  const issues: ParseIssue[] = [];
  let raw = String(text).replace(/\r?\n$/, '');
  const prefix = DMESG_PREFIX_RE.exec(raw);
  if (prefix) raw = raw.slice(prefix[0].length);
  if (/\n./.test(raw.trimEnd())) {
    issues.push({ line: 2, message: 'the command line spans several lines; they are read as one, as the kernel would' });
  }

  const data: KernelCommandLine = {
    raw: raw.trim(),
    params: [],
    iommu: {
      intelIommu: [], amdIommu: [], iommu: [], iommuPassthrough: null, iommuStrict: null, vfioPciIds: [],
      pcieAcsOverride: [], pciOptions: [], video: [], intremap: null, other: [],
    },
    unknown: [],
  };
  let forInit = false;
  for (const { param, raw: rawParam } of splitCommandLine(raw, issues)) {
    data.params.push(param);
    if (forInit) {
      data.unknown.push(rawParam);
      continue;
    }
    if (param.name === '--' && param.value === null) {
      forInit = true;
      data.unknown.push(rawParam);
      continue;
    }
    const iommu = data.iommu;
    const value = param.value;
    switch (canonicalName(param.name)) {
      // Several occurrences accumulate in order; each driver's setup() parses a comma list.
      case 'intel_iommu': iommu.intelIommu.push(...splitList(value)); break;
      case 'amd_iommu': iommu.amdIommu.push(...splitList(value)); break;
      case 'iommu': iommu.iommu.push(...splitList(value)); break;
      // Single-valued settings: the last occurrence wins, as it does in the kernel.
      case 'iommu.passthrough': iommu.iommuPassthrough = value; break;
      case 'iommu.strict': iommu.iommuStrict = value; break;
      case 'intremap': iommu.intremap = value; break;
      case 'vfio_pci.ids': iommu.vfioPciIds.push(...splitList(value)); break;
      case 'pcie_acs_override': iommu.pcieAcsOverride.push(...splitList(value)); break;
      // pci_setup() splits on commas; config_acs/disable_acs_redir lists use ';' inside one option.
      case 'pci': iommu.pciOptions.push(...splitList(value)); break;
      // A video= value is one mode or driver option string (`efifb:off`, `DP-1:1920x1080@60`).
      case 'video': if (value !== null) iommu.video.push(value); break;
      default:
        if (isRelevant(canonicalName(param.name))) iommu.other.push(param);
        else data.unknown.push(rawParam);
    }
  }
  return { data, issues };
}
