/**
 * The kernel parameters that change ACS and therefore IOMMU groups:
 *
 * - `pci=disable_acs_redir=<pci_dev>[;<pci_dev>…]` and `pci=config_acs=<flags>@<pci_dev>[;…]`
 *   (mainline, spec 1.4 step 4 and section 6), e.g.
 *   `pci=noats,disable_acs_redir=0000:00:01.0;pci:10de:0000` or `pci=config_acs=10x@pci:0:0`;
 * - `pcie_acs_override=downstream,multifunction,id:8086:1901` (out-of-tree patch, spec 1.11).
 *
 * `<pci_dev>` is `[<domain>:]<bus>:<dev>.<fn>[/<dev>.<fn>]*` (a path from a top device down
 * through bridges) or `pci:<vendor>:<device>[:<subvendor>:<subdevice>]` where 0 means "any"
 * (kernel-parameters.txt, "pci_dev" syntax).
 */
import type { KernelCommandLine } from '../../model/snapshot.ts';
import { ACS } from './acs-bits.ts';

export type PciDevSpec =
  | { kind: 'path'; domain: number; bus: number; path: { device: number; function: number }[]; text: string }
  | { kind: 'ids'; vendor: number; device: number; subsystemVendor: number; subsystemDevice: number; text: string };

/** What a matching parameter does to ACS Control: `ctrl = (firmware & ~mask) | (flags & mask)`. */
export interface AcsControlChange {
  mask: number;
  flags: number;
  /** The parameter as written, for explanations: "pci=disable_acs_redir=0000:00:1c.0". */
  param: string;
}

export interface ConfigAcsEntry {
  change: AcsControlChange;
  spec: PciDevSpec;
}

export interface AcsOverride {
  downstream: boolean;
  multifunction: boolean;
  ids: { vendor: number; device: number; token: string }[];
}

export interface AcsCommandLine {
  /** Devices of the last `pci=disable_acs_redir=` (null when absent). */
  disableAcsRedir: PciDevSpec[] | null;
  /** Entries of the last `pci=config_acs=` (null when absent). */
  configAcs: ConfigAcsEntry[] | null;
  /** `pcie_acs_override=` options, accumulated over all occurrences; null when the token is absent. */
  override: AcsOverride | null;
  /** The parameters as written, for the report. */
  overrideTokens: string[];
  problems: string[];
}

const HEX = /^[0-9a-fA-F]+$/;

function parseHexStrict(text: string): number | null {
  return HEX.test(text) ? parseInt(text, 16) : null;
}

/** One `<pci_dev>`; null when it cannot be read (the kernel stops parsing the list there). */
export function parsePciDevSpec(text: string): PciDevSpec | null {
  const t = text.trim();
  if (t.startsWith('pci:')) {
    const parts = t.slice(4).split(':');
    if (parts.length !== 2 && parts.length !== 4) return null;
    const nums = parts.map((p) => (p.length >= 1 && p.length <= 4 ? parseHexStrict(p) : null));
    if (nums.some((n) => n === null)) return null;
    return {
      kind: 'ids', vendor: nums[0]!, device: nums[1]!, subsystemVendor: nums[2] ?? 0, subsystemDevice: nums[3] ?? 0, text: t,
    };
  }
  const segments = t.split('/');
  const top = /^(?:([0-9a-fA-F]{1,8}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-7])$/.exec(segments[0] ?? '');
  if (!top) return null;
  const path = [{ device: parseInt(top[3]!, 16), function: parseInt(top[4]!, 10) }];
  for (const seg of segments.slice(1)) {
    const m = /^([0-9a-fA-F]{1,2})\.([0-7])$/.exec(seg);
    if (!m) return null;
    path.push({ device: parseInt(m[1]!, 16), function: parseInt(m[2]!, 10) });
  }
  if (path.some((p) => p.device > 31)) return null;
  return { kind: 'path', domain: top[1] ? parseInt(top[1], 16) : 0, bus: parseInt(top[2]!, 16), path, text: t };
}

/**
 * `config_acs` flags: read right to left, rightmost = bit 0 (SV), then TB, RR, CR, UF, EC, DT;
 * '1' forces on, '0' forces off, 'x'/'X' keeps the firmware bit. Any other character, or a forced
 * bit beyond DT, makes the kernel ignore the parameter from there on.
 */
function parseConfigAcsFlags(text: string): { mask: number; flags: number } | null {
  let mask = 0;
  let flags = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[text.length - 1 - i]!;
    const bit = 1 << i;
    if (ch === '1') { mask |= bit; flags |= bit; } else if (ch === '0') mask |= bit;
    else if (ch !== 'x' && ch !== 'X') return null;
  }
  const valid = ACS.SV | ACS.TB | ACS.RR | ACS.CR | ACS.UF | ACS.EC | ACS.DT;
  if (mask & ~valid) return null;
  return { mask, flags };
}

function parseDisableAcsRedir(value: string, problems: string[]): PciDevSpec[] {
  const specs: PciDevSpec[] = [];
  for (const item of value.split(';')) {
    const spec = parsePciDevSpec(item);
    if (!spec) {
      problems.push(`pci=disable_acs_redir: cannot read "${item}"; the kernel ignores the rest of the list`);
      break;
    }
    specs.push(spec);
  }
  return specs;
}

function parseConfigAcs(value: string, problems: string[]): ConfigAcsEntry[] {
  const entries: ConfigAcsEntry[] = [];
  for (const item of value.split(';')) {
    const at = item.indexOf('@');
    const flags = at >= 0 ? parseConfigAcsFlags(item.slice(0, at)) : null;
    const spec = at >= 0 ? parsePciDevSpec(item.slice(at + 1)) : null;
    if (!flags || !spec) {
      problems.push(`pci=config_acs: cannot read "${item}"; the kernel ignores the rest of the list`);
      break;
    }
    entries.push({ change: { ...flags, param: `pci=config_acs=${item}` }, spec });
  }
  return entries;
}

/** At most 15 `id:` entries fit (the patch reserves 16 slots but fills one fewer). */
const MAX_OVERRIDE_IDS = 15;

/**
 * `pcie_acs_override=` as the public copies of the patch read it: comma-separated options matched
 * by prefix; `id:VVVV:DDDD` reads four characters for each ID.
 */
function parseOverride(value: string, into: AcsOverride, problems: string[]): void {
  for (const token of value.split(',')) {
    if (token.startsWith('downstream')) into.downstream = true;
    else if (token.startsWith('multifunction')) into.multifunction = true;
    else if (token.startsWith('id:')) {
      // Each ID is read from (at most) the next four characters, which must all be hex digits.
      const m = /^id:([0-9a-fA-F]{4}):([0-9a-fA-F]{4}|[0-9a-fA-F]{1,3}$)/.exec(token);
      if (!m) problems.push(`pcie_acs_override: cannot read "${token}"`);
      else if (into.ids.length >= MAX_OVERRIDE_IDS) problems.push(`pcie_acs_override: "${token}" ignored, out of override slots`);
      else into.ids.push({ vendor: parseInt(m[1]!, 16), device: parseInt(m[2]!, 16), token });
    } else if (token !== '') problems.push(`pcie_acs_override: unknown option "${token}"`);
  }
}

/** Pick the ACS parameters out of a parsed command line. */
export function readAcsCommandLine(cmdline: KernelCommandLine | null): AcsCommandLine {
  const result: AcsCommandLine = {
    disableAcsRedir: null, configAcs: null, override: null, overrideTokens: [], problems: [],
  };
  if (!cmdline) return result;
  for (const { name, value } of cmdline.params) {
    if (value === null) continue;
    if (name === 'pci') {
      // pci_setup() splits its value at commas; a later occurrence of an option replaces an earlier one.
      for (const option of value.split(',')) {
        if (option.startsWith('disable_acs_redir=')) {
          result.disableAcsRedir = parseDisableAcsRedir(option.slice('disable_acs_redir='.length), result.problems);
        } else if (option.startsWith('config_acs=')) {
          result.configAcs = parseConfigAcs(option.slice('config_acs='.length), result.problems);
        }
      }
    } else if (name === 'pcie_acs_override') {
      result.override ??= { downstream: false, multifunction: false, ids: [] };
      result.overrideTokens.push(`pcie_acs_override=${value}`);
      parseOverride(value, result.override, result.problems);
    }
  }
  if (result.override && !result.override.downstream && !result.override.multifunction && result.override.ids.length === 0) {
    result.override = null;
  }
  return result;
}

/** What `matchesSpec` needs to know about a device and its ancestors. */
export interface SpecTarget {
  domain: number;
  bus: number;
  device: number;
  function: number;
  vendorId: number | null;
  deviceId: number | null;
  subsystemVendorId: number | null;
  subsystemDeviceId: number | null;
  /** Kernel `pci_upstream_bridge()`: the bridge above the (PF's) bus, null on a root bus. */
  upstream: () => SpecTarget | null;
}

/** Kernel `pci_dev_str_match()` in our words: IDs with 0 as wildcard, or the bridge path. */
export function matchesSpec(spec: PciDevSpec, target: SpecTarget): boolean {
  if (spec.kind === 'ids') {
    const eq = (want: number, have: number | null) => want === 0 || want === have;
    return eq(spec.vendor, target.vendorId) && eq(spec.device, target.deviceId)
      && eq(spec.subsystemVendor, target.subsystemVendorId) && eq(spec.subsystemDevice, target.subsystemDeviceId);
  }
  // The last path element names the device itself, each earlier one the bridge above it; the
  // first element also carries the domain and bus of that top-most device.
  let current: SpecTarget | null = target;
  for (let i = spec.path.length - 1; i >= 0; i--) {
    if (!current) return false;
    const step = spec.path[i]!;
    if (current.device !== step.device || current.function !== step.function) return false;
    if (i === 0) return current.domain === spec.domain && current.bus === spec.bus;
    current = current.upstream();
  }
  return false;
}

/**
 * The change a device gets from the parameters (spec 1.4 step 4): `config_acs` wins over
 * `disable_acs_redir` when both match; the first matching `config_acs` entry is used.
 */
export function acsChangeFor(params: AcsCommandLine, target: SpecTarget): AcsControlChange | null {
  const config = params.configAcs?.find((e) => matchesSpec(e.spec, target));
  if (config) return config.change;
  const redir = params.disableAcsRedir?.find((s) => matchesSpec(s, target));
  if (redir) return { mask: ACS.RR | ACS.CR | ACS.EC, flags: 0, param: `pci=disable_acs_redir=${redir.text}` };
  return null;
}
