/**
 * Pieces shared by the lspci text parsers: the one-line device header every lspci mode except `-m`
 * and `-t` prints, vendor/device name pairs, the `Subsystem:`/`Kernel modules:` values, ACS flag
 * words and link speed spellings. Formats follow pciutils 3.9-3.14 `lspci.c` (`show_terse`,
 * `show_slot_path`), `lib/names.c` (`format_name_pair`) and the spec, section 2.3.
 */
import { linkDowngraded } from '../model/link.ts';
import { formatPciAddress, parsePciAddress, type PciAddress } from '../model/pci-address.ts';
import type { Link, PcieType } from '../model/snapshot.ts';
import type { FunctionPatch } from '../snapshot/parts.ts';
import { isCanonicalPciAddress } from './canonical-address.ts';
import { hexDigitValue, isBlank, isHexDigit } from './char-codes.ts';

/** What every lspci parser returns. */
export interface LspciFunctions {
  functions: FunctionPatch[];
  /** Some capability list read `<access denied>`: the text was captured without root. */
  accessDenied: boolean;
}

/** text[at...] starts with key; compared in place so that skipped lines are never copied. */
export function keyAt(text: string, at: number, key: string): boolean {
  for (let i = 0; i < key.length; i++) {
    if (text.charCodeAt(at + i) !== key.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * The first index of `needle` in text[from, stop), or -1. Searched in a slice of the line:
 * text.indexOf would search on past it, and a loop of charCodeAt over it took longer than slicing
 * and V8's own search (some 4% of the parse of a 10,000-function host; a slice of 13 characters
 * or more is a view of the text, not a copy).
 */
export function indexWithin(text: string, needle: string, from: number, stop: number): number {
  if (stop - from < needle.length) return -1;
  const at = text.slice(from, stop).indexOf(needle);
  return at < 0 ? -1 : from + at;
}

/** A line shortened for an issue message. */
export function clipLine(line: string): string {
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
}

const HEX4 = /^[0-9a-fA-F]{4}$/;
const HEX2 = /^[0-9a-fA-F]{2}$/;

export function isHex4(text: string): boolean {
  return HEX4.test(text);
}

/** What the device header line says, e.g.
 * `0000:01:00.0 VGA compatible controller [0300]: NVIDIA Corporation GA102 [GeForce RTX 3080] [10de:2206] (rev a1) (prog-if 00 [VGA controller])`.
 */
export interface LspciHeader {
  /** Full "0000:01:00.0" form. */
  address: string;
  /** With `-PP` the header names the bridge path; the last bridge on it. null on a root bus, undefined without a path. */
  parent: string | null | undefined;
  className: string | null;
  classCode: string | null;
  vendorId: string | null;
  deviceId: string | null;
  /** The vendor+device name text as printed (names.c joins both names with one space). */
  names: string | null;
  /** null when the header printed no `(rev xx)`; lspci prints it only when non-zero. */
  revision: string | null;
  /** null when the header printed no `(prog-if xx)`; lspci prints it only with -v and when non-zero or named. */
  progIf: string | null;
}

/**
 * lspci `-P`/`-PP` paths ("00:1c.0/00.0", "0000:00:1c.0/01:00.0") or a plain address not in
 * canonical form. With `-P` the child segments carry no bus number; `secondaryBusOf` supplies the
 * bridge's secondary bus.
 */
function parseAddressPath(
  token: string,
  secondaryBusOf: (bridge: string) => number | undefined,
): { address: string; parent: string | null | undefined } | null {
  const segments = token.split('/');
  const first = parsePciAddress(segments[0]!);
  if (!first) return null;
  if (segments.length === 1) return { address: formatPciAddress(first), parent: undefined };
  let current: PciAddress = first;
  let parent: string | null = null;
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i]!;
    parent = formatPciAddress(current);
    const withBus = /^([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$/.exec(segment);
    const withoutBus = withBus ? null : /^([0-9a-fA-F]{2})\.([0-7])$/.exec(segment);
    let bus: number | undefined;
    let device: number;
    let fn: number;
    if (withBus) {
      bus = parseInt(withBus[1]!, 16);
      device = parseInt(withBus[2]!, 16);
      fn = parseInt(withBus[3]!, 10);
    } else if (withoutBus) {
      bus = secondaryBusOf(parent);
      device = parseInt(withoutBus[1]!, 16);
      fn = parseInt(withoutBus[2]!, 10);
    } else {
      return null;
    }
    if (bus === undefined || device > 31) return null;
    current = { domain: first.domain, bus, device, function: fn };
  }
  return { address: formatPciAddress(current), parent };
}

/** text[at, at + 4) is four hex digits, /^[0-9a-fA-F]{4}$/ in place. */
function isHex4At(text: string, at: number): boolean {
  return isHexDigit(text.charCodeAt(at)) && isHexDigit(text.charCodeAt(at + 1))
    && isHexDigit(text.charCodeAt(at + 2)) && isHexDigit(text.charCodeAt(at + 3));
}

/** text[at, at + 9) is "vvvv:dddd", /^([0-9a-fA-F]{4}):([0-9a-fA-F]{4})$/ in place. */
function isIdPairAt(text: string, at: number): boolean {
  return isHex4At(text, at) && text.charCodeAt(at + 4) === 0x3a && isHex4At(text, at + 5);
}

/**
 * The strings hexAt made last, in slots picked by 10 bits of their value and length:
 * HEX_STRINGS[i] is the string of HEX_KEYS[i] (8 times its value plus its length; -1 for none
 * yet). A big host repeats a few hundred ids (vendor, device, class, subsystem) and revisions
 * thousands of times, and each copy would be kept in the patches and the snapshot, where the
 * garbage collector copies every one of them again. A slot costs a few operations per id, where
 * a map lookup cost about as much as the copies it saved.
 */
const HEX_SLOTS = 1024;
const HEX_KEYS = new Int32Array(HEX_SLOTS).fill(-1);
const HEX_STRINGS = new Array<string>(HEX_SLOTS).fill('');

/** The hex digits text[at, at + length) (2 or 4 of them, checked by the caller), lower-cased. */
function hexAt(text: string, at: number, length: number): string {
  let value = 0;
  for (let i = at; i < at + length; i++) {
    const c = text.charCodeAt(i);
    value = value * 16 + hexDigitValue(c);
  }
  const key = value * 8 + length;
  const slot = (value ^ (value >> 10) ^ length) & (HEX_SLOTS - 1);
  if (HEX_KEYS[slot] !== key) {
    HEX_KEYS[slot] = key;
    HEX_STRINGS[slot] = text.slice(at, at + length).toLowerCase();
  }
  return HEX_STRINGS[slot]!;
}

/** text[at, at + 4) as an id, lower-cased. */
const idAt = (text: string, at: number) => hexAt(text, at, 4);

/**
 * Where the " (prog-if 00 [Normal decode])" show_terse appends in verbose mode starts in
 * text[from...] (the name in brackets only when pci.ids has one), as the regex
 * / \(prog-if ([0-9a-fA-F]{2})(?: \[[^\]]*\])?\)$/ finds it (its leftmost match); -1 when the
 * text does not end so. Checked in place: an end-anchored regex without a fixed start tries
 * every position of every header.
 */
function progIfSuffix(text: string, from: number): number {
  const close = text.length - 1;
  if (close < from || text.charCodeAt(close) !== 0x29) return -1;
  for (let at = text.indexOf(' (prog-if ', from); at >= 0; at = text.indexOf(' (prog-if ', at + 1)) {
    const digits = at + 10;
    if (!isHexDigit(text.charCodeAt(digits)) || !isHexDigit(text.charCodeAt(digits + 1))) continue;
    if (digits + 2 === close) return at;
    // " [name]": no "]" inside the brackets, the one closing them just before the ")".
    if (text.startsWith(' [', digits + 2) && text.indexOf(']', digits + 4) === close - 1) return at;
  }
  return -1;
}

/** Where " (rev a1)" (show_terse, non-zero revisions) ends text[from, end), / \(rev ([0-9a-fA-F]{2})\)$/; -1 when it does not. */
function revisionSuffix(text: string, from: number, end: number): number {
  const at = end - 9;
  return at >= from && text.startsWith(' (rev ', at) && isHexDigit(text.charCodeAt(at + 6)) && isHexDigit(text.charCodeAt(at + 7))
    && text.charCodeAt(at + 8) === 0x29 ? at : -1;
}

/**
 * The ids names.c appends with -nn, " [8086:10d3]" at the end of text[from, end) (the space
 * optional), as the regex / ?\[([0-9a-fA-F]{4}):([0-9a-fA-F]{4})\]$/ would find them: the index
 * of the "[", -1 when the text does not end so. Checked in place: every header and Subsystem
 * line has them, and a regex without a fixed start tries every position.
 */
function idsSuffix(text: string, from: number, end: number): number {
  const open = end - 11;
  return open >= from && text.charCodeAt(open) === 0x5b && text.charCodeAt(end - 1) === 0x5d && isIdPairAt(text, open + 1)
    ? open : -1;
}

/** Where the names before idsSuffix's "[" at `open` end: the space before it is not theirs. */
function namesEnd(text: string, from: number, open: number): number {
  return open > from && text.charCodeAt(open - 1) === 0x20 ? open - 1 : open;
}

/**
 * Parse a device header line; null when the line is not one. Accepts `lspci`, `-n`, `-nn`, `-D`,
 * `-P`/`-PP`, `-v` (prog-if) forms. Linear time, without regexes for lspci's own forms: the
 * parts are found by position and only the values are copied out (a big host has thousands of
 * headers).
 */
export function parseLspciHeader(
  line: string,
  secondaryBusOf: (bridge: string) => number | undefined = () => undefined,
): LspciHeader | null {
  const space = line.indexOf(' ');
  if (space <= 0) return null;
  let address = line.slice(0, space);
  let parent: string | null | undefined;
  // lspci -D prints every address in canonical form: no parse and format round trip for it.
  if (!isCanonicalPciAddress(address)) {
    const path = parseAddressPath(address, secondaryBusOf);
    if (!path) return null;
    ({ address, parent } = path);
  }
  // "-n" prints "0600: 8086:29c0"; with a name the class is "Host bridge [0600]" or "Host bridge".
  const classStart = space + 1;
  const colon = line.indexOf(': ', classStart);
  const classEnd = colon >= 0 ? colon : line.length > classStart && line.charCodeAt(line.length - 1) === 0x3a ? line.length - 1 : -1;
  if (classEnd <= classStart) return null;

  let className: string | null = null;
  let classCode: string | null = null;
  const classLength = classEnd - classStart;
  if (classLength === 4 && isHex4At(line, classStart)) {
    // "-n" prints "0600".
    classCode = idAt(line, classStart);
  } else if (classLength === 10 && line.startsWith('Class ', classStart) && isHex4At(line, classStart + 6)) {
    // names.c prints "Class 1234" for a class pci.ids does not know.
    classCode = idAt(line, classStart + 6);
  } else if (classLength >= 6 && line.charCodeAt(classEnd - 1) === 0x5d && line.charCodeAt(classEnd - 6) === 0x5b && isHex4At(line, classEnd - 5)) {
    classCode = idAt(line, classEnd - 5);
    let nameEnd = classEnd - 6;
    while (nameEnd > classStart && isBlank(line.charCodeAt(nameEnd - 1))) nameEnd--;
    const unnamed = nameEnd === classStart || (nameEnd - classStart === 5 && line.startsWith('Class', classStart));
    className = unnamed ? null : line.slice(classStart, nameEnd);
  } else {
    className = line.slice(classStart, classEnd);
  }

  const tailStart = colon >= 0 ? colon + 2 : line.length;
  let tailEnd = line.length;
  let progIf: string | null = null;
  const progAt = progIfSuffix(line, tailStart);
  if (progAt >= 0) {
    progIf = hexAt(line, progAt + 10, 2);
    tailEnd = progAt;
  }
  let revision: string | null = null;
  const revAt = revisionSuffix(line, tailStart, tailEnd);
  if (revAt >= 0) {
    revision = hexAt(line, revAt + 6, 2);
    tailEnd = revAt;
  }
  const { vendorId, deviceId, names } = descriptionAt(line, tailStart, tailEnd);
  return { address, parent, className, classCode, vendorId, deviceId, names, revision, progIf };
}

/**
 * The vendor/device part of a header or tree line, as names.c `format_name_pair` prints it:
 * "Intel Corporation 82574L ... [8086:10d3]" (-nn), "8086:10d3" (-n), "Device [1234:1111]" or
 * "Device 1234:1111" (unknown vendor), "Intel Corporation Device 0d57" (unknown device, no -nn).
 */
export function parseDescription(text: string): { vendorId: string | null; deviceId: string | null; names: string | null } {
  return descriptionAt(text, 0, text.length);
}

/** parseDescription of text[from, end), read in place. */
function descriptionAt(text: string, from: number, end: number): { vendorId: string | null; deviceId: string | null; names: string | null } {
  const length = end - from;
  // "8086:10d3" (-n), or "Device 1234:1111" (unknown vendor, no -nn).
  const pairAt = length === 9 ? from : length === 16 && text.startsWith('Device ', from) ? from + 7 : -1;
  if (pairAt >= 0 && isIdPairAt(text, pairAt)) return { vendorId: idAt(text, pairAt), deviceId: idAt(text, pairAt + 5), names: null };
  const open = idsSuffix(text, from, end);
  if (open >= 0) {
    const stop = namesEnd(text, from, open);
    return { vendorId: idAt(text, open + 1), deviceId: idAt(text, open + 6), names: stop === from ? null : text.slice(from, stop) };
  }
  // " Device 0d57" at the end: an unknown device of a known vendor.
  const unknownAt = end - 12;
  if (unknownAt >= from && text.startsWith(' Device ', unknownAt) && isHex4At(text, unknownAt + 8)) {
    return { vendorId: null, deviceId: idAt(text, unknownAt + 8), names: `${text.slice(from, unknownAt)} Device` };
  }
  return { vendorId: null, deviceId: null, names: length === 0 ? null : text.slice(from, end) };
}

interface NamePair {
  vendorName: string | null;
  deviceName: string | null;
}

/**
 * Vendor names learnt from the text itself: names.c prints "<vendor> Device [vvvv:dddd]" when only
 * the vendor is in pci.ids, so such lines (headers and `Subsystem:` lines alike) name vendor vvvv.
 */
export class VendorNames {
  private readonly byId = new Map<string, string>();

  /** Learn from a name text whose ids are known; "Red Hat, Inc. Device" teaches 1b36 = "Red Hat, Inc.". */
  learn(vendorId: string | null, names: string | null): void {
    if (!vendorId || !names || !names.endsWith(' Device')) return;
    if (!this.byId.has(vendorId)) this.byId.set(vendorId, names.slice(0, -7));
  }

  /**
   * Split "Intel Corporation 82574L Gigabit Network Connection" into vendor and device. Without
   * pci.ids the boundary is known only when the vendor was learnt; otherwise the whole text goes
   * to deviceName (vendorName null) so that joining the two still reads as lspci printed it.
   */
  split(vendorId: string | null, names: string | null): NamePair {
    if (!names || names === 'Device') return { vendorName: null, deviceName: null };
    if (names.endsWith(' Device')) return { vendorName: names.slice(0, -7), deviceName: null };
    const vendor = vendorId ? this.byId.get(vendorId) : undefined;
    // "<vendor> <device>", compared in place rather than against a joined string per device.
    if (vendor && names.startsWith(vendor) && names.charCodeAt(vendor.length) === 0x20) {
      return { vendorName: vendor, deviceName: names.slice(vendor.length + 1) };
    }
    return { vendorName: null, deviceName: names };
  }

  /** Whether a name was learnt for the vendor. */
  knows(vendorId: string): boolean {
    return this.byId.has(vendorId);
  }

  /**
   * split, when nothing learnt later can change it: the names say the vendor themselves, or the
   * vendor is learnt already (the first name learnt for a vendor stays). null when it still can:
   * such names are split once the whole text is read.
   */
  splitIfSettled(vendorId: string | null, names: string): NamePair | null {
    const settled = names === 'Device' || names.endsWith(' Device') || (vendorId !== null && this.byId.has(vendorId));
    return settled ? this.split(vendorId, names) : null;
  }
}

/**
 * `Subsystem: Red Hat, Inc. QEMU Virtual Machine [1af4:1100]` (ids only with -nn). names.c prints
 * "<vendor> Device" for an unknown subsystem device; the name is then just the vendor's.
 * `text` is the name as printed, for VendorNames.learn.
 */
export function parseSubsystemValue(value: string): {
  vendorId: string | null; deviceId: string | null; name: string | null; text: string;
} {
  const open = idsSuffix(value, 0, value.length);
  const text = open >= 0 ? value.slice(0, namesEnd(value, 0, open)) : value;
  const name = text === 'Device' ? '' : text.endsWith(' Device') ? text.slice(0, -7) : text;
  return {
    vendorId: open >= 0 ? idAt(value, open + 1) : null,
    deviceId: open >= 0 ? idAt(value, open + 6) : null,
    name: name === '' ? null : name,
    text,
  };
}

/** The facts a header line carries, as a patch. */
export function headerPatch(header: LspciHeader): FunctionPatch {
  const patch: FunctionPatch = { address: header.address };
  if (header.parent !== undefined) patch.parent = header.parent;
  if (header.vendorId) patch.vendorId = header.vendorId;
  if (header.deviceId) patch.deviceId = header.deviceId;
  if (header.classCode) patch.classCode = header.classCode;
  if (header.className) patch.className = header.className;
  // lspci.c show_terse prints "(rev xx)" only when the revision is non-zero.
  patch.revision = header.revision ?? '00';
  if (header.progIf) patch.progIf = header.progIf;
  return patch;
}

/** `Kernel modules: 8139cp, 8139too`. */
export function parseModuleList(value: string): string[] {
  return value.split(',').map((m) => m.trim()).filter((m) => m.length > 0);
}

/** Accepts a two-digit hex byte ("03"), lower-cased; null otherwise. */
export function hexByte(text: string): string | null {
  return HEX2.test(text) ? text.toLowerCase() : null;
}

/** ACS register bits (spec 1.2, `include/uapi/linux/pci_regs.h` PCI_ACS_*), in register order. */
const ACS_FLAGS = [
  { bit: 0x0001, name: 'SV', lspci: 'SrcValid' },
  { bit: 0x0002, name: 'TB', lspci: 'TransBlk' },
  { bit: 0x0004, name: 'RR', lspci: 'ReqRedir' },
  { bit: 0x0008, name: 'CR', lspci: 'CmpltRedir' },
  { bit: 0x0010, name: 'UF', lspci: 'UpstreamFwd' },
  { bit: 0x0020, name: 'EC', lspci: 'EgressCtrl' },
  { bit: 0x0040, name: 'DT', lspci: 'DirectTrans' },
] as const;

/** Short names of the ACS bits set in a capability/control value, e.g. 0x1d → ["SV","RR","CR","UF"]. */
export function acsFlagNames(bits: number): string[] {
  return ACS_FLAGS.filter((f) => (bits & f.bit) !== 0).map((f) => f.name);
}

/**
 * `SrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-` → 0x1d,
 * from text[from, to). null unless all seven words are present (a truncated line must not read
 * as "bits clear").
 */
export function parseAcsWords(text: string, from = 0, to = text.length): number | null {
  let value = 0;
  let seen = 0;
  // Words are compared in place (every function with ACS has two such lines).
  for (let start = from; start < to;) {
    while (start < to && isBlank(text.charCodeAt(start))) start++;
    let end = start;
    while (end < to && !isBlank(text.charCodeAt(end))) end++;
    if (end - start >= 2) {
      const sign = text.charCodeAt(end - 1);
      if (sign === 0x2b || sign === 0x2d) {
        const flag = acsFlagAt(text, start, end - 1);
        if (flag) {
          seen |= flag.bit;
          if (sign === 0x2b) value |= flag.bit;
        }
      }
    }
    start = end;
  }
  return seen === 0x7f ? value : null;
}

/** The flags by the first character of their lspci name, which differs for each (ASCII). */
const ACS_FLAG_BY_INITIAL: ((typeof ACS_FLAGS)[number] | undefined)[] = Array.from(
  { length: 128 }, (_, c) => ACS_FLAGS.find((f) => f.lspci.charCodeAt(0) === c),
);

/** The ACS flag whose lspci name is text[start, end), if any. */
function acsFlagAt(text: string, start: number, end: number): (typeof ACS_FLAGS)[number] | undefined {
  const f = ACS_FLAG_BY_INITIAL[text.charCodeAt(start)];
  return f && f.lspci.length === end - start && text.startsWith(f.lspci, start) ? f : undefined;
}

/**
 * lspci link speed ("2.5GT/s", "8GT/s", "unknown"; ls-caps.c `link_speed`) in the kernel's sysfs
 * spelling ("2.5 GT/s PCIe", "8.0 GT/s PCIe", "Unknown"; drivers/pci/probe.c `pci_speed_string`),
 * so both sources compare equal.
 */
export function lspciSpeedToSysfs(speed: string): string | null {
  if (speed === 'unknown') return 'Unknown';
  const m = /^(\d+(?:\.\d+)?)GT\/s$/.exec(speed);
  if (!m) return null;
  const value = m[1]!;
  return `${value.includes('.') ? value : `${value}.0`} GT/s PCIe`;
}

/** PCIe Device/Port Type names as lspci prints them (ls-caps.c `cap_express`), longest first. */
const PCIE_TYPE_NAMES: [string, PcieType][] = [
  ['Root Complex Integrated Endpoint', 'rciep'],
  ['Root Complex Event Collector', 'rcec'],
  ['PCI-Express to PCI/PCI-X Bridge', 'pcie-to-pci-bridge'],
  ['PCI/PCI-X to PCI-Express Bridge', 'pci-to-pcie-bridge'],
  ['Legacy Endpoint', 'legacy-endpoint'],
  ['Downstream Port', 'downstream-port'],
  ['Upstream Port', 'upstream-port'],
  ['Root Port', 'root-port'],
  ['Endpoint', 'endpoint'],
  ['Unknown type', 'unknown-pcie'],
];
/** The names by their first character (ASCII), in the same order: one look rules out the others. */
const PCIE_TYPES_BY_INITIAL: ([string, PcieType][] | undefined)[] = Array.from({ length: 128 }, (_, c) => {
  const names = PCIE_TYPE_NAMES.filter(([label]) => label.charCodeAt(0) === c);
  return names.length ? names : undefined;
});

/** Device/Port Type field values (PCIe Capabilities register bits 7:4, PCI_EXP_TYPE_*). */
export function pcieTypeFromCode(code: number): PcieType {
  switch (code) {
    case 0: return 'endpoint';
    case 1: return 'legacy-endpoint';
    case 4: return 'root-port';
    case 5: return 'upstream-port';
    case 6: return 'downstream-port';
    case 7: return 'pcie-to-pci-bridge';
    case 8: return 'pci-to-pcie-bridge';
    case 9: return 'rciep';
    case 10: return 'rcec';
    default: return 'unknown-pcie';
  }
}

/**
 * The PCI Express capability name text[from, end): `Express (v2) Root Port (Slot+), MSI 00`
 * (-vv), `Express Root Complex Integrated Endpoint, MSI 00` (-v), `..., IntMsgNum 0` (pciutils
 * >= 3.11). null when the text is not an Express capability. Read in place: every PCIe function
 * has one.
 */
export function parseExpressCapability(
  text: string, from = 0, end = text.length,
): { type: PcieType; slot: boolean | null } | null {
  if (end - from < 8 || !text.startsWith('Express ', from)) return null;
  let at = from + 8;
  if (at + 2 <= end && text.startsWith('(v', at)) {
    const close = indexWithin(text, ') ', at, end);
    if (close < 0) return null;
    at = close + 2;
  }
  const initial = text.charCodeAt(at);
  const names = initial < 128 ? PCIE_TYPES_BY_INITIAL[initial] : undefined;
  if (!names) return null;
  for (const [label, type] of names) {
    if (at + label.length > end || !text.startsWith(label, at)) continue;
    const after = at + label.length;
    const slot = indexWithin(text, '(Slot+)', after, end) >= 0 ? true : indexWithin(text, '(Slot-)', after, end) >= 0 ? false : null;
    return { type, slot };
  }
  return null;
}

/**
 * Link facts in the snapshot's shape. `downgraded`: lspci's own "(downgraded)" verdict, else the
 * comparison every source uses (model/link.ts), so lspci and sysfs agree on the same link.
 */
export function buildLink(
  maxSpeed: string | null, maxWidth: number | null,
  currentSpeed: string | null, currentWidth: number | null,
  saysDowngraded: boolean,
): Link {
  // Built whole rather than spread from a partial one: there is one per PCIe function.
  const link: Link = { currentSpeed, currentWidth, maxSpeed, maxWidth, downgraded: null };
  link.downgraded = saysDowngraded ? true : linkDowngraded(link);
  return link;
}
