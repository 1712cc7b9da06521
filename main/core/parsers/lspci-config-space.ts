/**
 * Decoding of the configuration-space hex dump lspci prints with `-x` (64 bytes), `-xxx` (256)
 * and `-xxxx` (4096, root only), one line per 16 bytes:
 *
 *     00: 36 1b 0c 00 07 05 10 00 00 00 04 06 00 00 01 00
 *     ...
 *     140: 00 00 00 00 00 00 00 00 0d 00 01 00 5f 00 1d 00
 *
 * Offsets follow the PCI Local Bus spec 3.0 (type 0/1/2 headers) and `include/uapi/linux/pci_regs.h`;
 * the capability walks mirror the kernel's `pci_find_capability` / `pci_find_ext_capability`
 * (spec 1.2, 2.1). Only what the dump covers is decoded: beyond the 64-byte header a non-root
 * reader sees nothing (spec 2.2).
 */
import type { FunctionPatch } from '../snapshot/parts.ts';
import { buildLink, pcieTypeFromCode } from './lspci-common.ts';

export const CONFIG_SPACE_SIZE = 4096;
/** Size of a conventional PCI function's config space; `-xxxx` shows only this much for such a function. */
export const LEGACY_CONFIG_SIZE = 256;

/** What a dump can say about a function. */
type Facts = Omit<FunctionPatch, 'address'>;

/** One dump line, e.g. "00: 86 80 c0 29 03 01 00 00 00 00 00 06 00 00 00 00"; null when not one. */
export function parseHexDumpLine(text: string): { offset: number; bytes: number[] } | null {
  const line = text.trimEnd();
  const colon = line.indexOf(':');
  if (colon < 2 || colon > 3) return null;
  const offset = hexValue(line, 0, colon);
  if (offset < 0 || offset % 16 !== 0) return null;
  const bytes: number[] = [];
  let i = colon + 1;
  for (; i + 3 <= line.length; i += 3) {
    if (line.charCodeAt(i) !== 0x20) return null;
    const value = hexValue(line, i + 1, i + 3);
    if (value < 0) return null;
    bytes.push(value);
  }
  if (i !== line.length || bytes.length === 0 || bytes.length > 16 || offset + bytes.length > CONFIG_SPACE_SIZE) return null;
  return { offset, bytes };
}

/**
 * The dump line text[start, stop) (no trailing blanks) read straight into `bytes` (16 long):
 * the number of bytes and, in `at.offset`, their offset; 0 when the line is not exactly one.
 * For the parsers' hot loop: nothing is copied out of the text. Every line it accepts,
 * parseHexDumpLine reads the same; the few it does not (odd trailing whitespace) are left to it.
 */
export function readHexDumpLine(text: string, start: number, stop: number, bytes: Uint8Array, at: { offset: number }): number {
  const colon = text.charCodeAt(start + 2) === 0x3a ? start + 2 : text.charCodeAt(start + 3) === 0x3a ? start + 3 : -1;
  if (colon < 0) return 0;
  const offset = hexValue(text, start, colon);
  if (offset < 0 || offset % 16 !== 0) return 0;
  let count = 0;
  let i = colon + 1;
  for (; i + 3 <= stop && count < 16; i += 3) {
    const high = text.charCodeAt(i + 1);
    const low = text.charCodeAt(i + 2);
    if (text.charCodeAt(i) !== 0x20 || (high | low) >= 128) return 0;
    // One table lookup per byte, not one per digit: a big host's dump is tens of thousands of
    // these lines (some 2% of the parse of a 10,000-function host).
    const value = PAIR_VALUES[(high << 7) | low]!;
    if (value < 0) return 0;
    bytes[count++] = value;
  }
  if (i !== stop || count === 0 || offset + count > CONFIG_SPACE_SIZE) return 0;
  at.offset = offset;
  return count;
}

/** The value of each lower-case hex digit (lspci prints no other), -1 for any other ASCII code. */
const DIGIT_VALUES = Int8Array.from({ length: 128 }, (_, c) => (c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1));

/** The value of each pair of lower-case hex digits (ASCII codes c1, c2) at c1 * 128 + c2, -1 for any other pair. */
const PAIR_VALUES = Int16Array.from({ length: 128 * 128 }, (_, pair) => {
  const high = DIGIT_VALUES[pair >> 7]!;
  const low = DIGIT_VALUES[pair & 127]!;
  return high < 0 || low < 0 ? -1 : high * 16 + low;
});

function digitValue(c: number): number {
  return c < 128 ? DIGIT_VALUES[c]! : -1;
}

/** Lower-case hex digits of text[start, end) as a number; -1 when any is not one. */
function hexValue(text: string, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = digitValue(text.charCodeAt(i));
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

/** "00" to "ff", made once: every function with a dump needs eight or so. */
const HEX_BYTES = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
const hexByte = (config: Uint8Array, at: number) => HEX_BYTES[byteAt(config, at)]!;
/** A little-endian word as four hex digits, high byte first. */
const hexWord = (config: Uint8Array, at: number) => hexByte(config, at + 1) + hexByte(config, at);

/** PCIe Link Capabilities/Status speed field (PCI_EXP_LNKCAP_SLS_*) in sysfs spelling. */
function speedFromCode(code: number): string {
  const speeds = ['Unknown', '2.5 GT/s PCIe', '5.0 GT/s PCIe', '8.0 GT/s PCIe', '16.0 GT/s PCIe', '32.0 GT/s PCIe', '64.0 GT/s PCIe'];
  return speeds[code] ?? 'Unknown';
}

/**
 * Facts from the first `length` bytes of a function's config space, written into `facts` where
 * it does not know them yet (undefined), and `facts` returned. parseLspciVerbose passes the
 * patch of the text printed beside the dump, so what the text already said is not decoded again
 * (the ids, class and revision are in every header line). The extended capabilities (ACS,
 * SR-IOV) are decoded only from a 4096-byte dump; whether a 256-byte dump means "no extended
 * space" depends on the other devices of the same dump (see parseLspciVerbose).
 */
export function decodeConfigSpace(config: Uint8Array, length: number, facts: Facts = {}): Facts {
  if (length < 64) return facts;

  if (facts.vendorId === undefined) facts.vendorId = hexWord(config, 0x00);
  if (facts.deviceId === undefined) facts.deviceId = hexWord(config, 0x02);
  if (facts.revision === undefined) facts.revision = hexByte(config, 0x08);
  if (facts.progIf === undefined) facts.progIf = hexByte(config, 0x09);
  if (facts.classCode === undefined) facts.classCode = hexWord(config, 0x0a);
  const headerType = byteAt(config, 0x0e) & 0x7f;
  if (facts.headerType === undefined) facts.headerType = headerType;
  if (facts.multifunction === undefined) facts.multifunction = (byteAt(config, 0x0e) & 0x80) !== 0;
  if (headerType === 0) {
    if (facts.subsystemVendorId === undefined) facts.subsystemVendorId = hexWord(config, 0x2c);
    if (facts.subsystemDeviceId === undefined) facts.subsystemDeviceId = hexWord(config, 0x2e);
  } else if (headerType === 1 || headerType === 2) {
    // PCI_SECONDARY_BUS / PCI_CB_CARD_BUS and the subordinate bus share offsets 0x19/0x1a.
    if (facts.secondaryBus === undefined) facts.secondaryBus = byteAt(config, 0x19);
    if (facts.subordinateBus === undefined) facts.subordinateBus = byteAt(config, 0x1a);
  }
  if (length < LEGACY_CONFIG_SIZE) return facts;

  decodeCapabilities(facts, config, headerType);

  if (length > LEGACY_CONFIG_SIZE) decodeExtendedCapabilities(facts, config);
  return facts;
}

/** Little-endian reads; bytes past the buffer read as 0. */
function byteAt(config: Uint8Array, at: number): number {
  return config[at] ?? 0;
}

function wordAt(config: Uint8Array, at: number): number {
  return byteAt(config, at) | (byteAt(config, at + 1) << 8);
}

function dwordAt(config: Uint8Array, at: number): number {
  return (wordAt(config, at) | (wordAt(config, at + 2) << 16)) >>> 0;
}

/** Standard capability list (PCI_CAPABILITY_LIST, Status bit 4 says it exists). */
function decodeCapabilities(facts: Facts, config: Uint8Array, headerType: number): void {
  let express = false;
  let afFlr = false;
  let devCapFlr = false;
  if (wordAt(config, 0x06) & 0x10) {
    let pointer = byteAt(config, headerType === 2 ? 0x14 : 0x34);
    // 48 steps is the kernel's PCI_FIND_CAP_TTL: a looping list must not hang us.
    for (let ttl = 48; ttl > 0 && pointer >= 0x40; ttl--) {
      pointer &= 0xfc;
      const id = byteAt(config, pointer);
      if (id === 0xff) break;
      if (id === 0x10 && !express) {
        express = true;
        const flags = wordAt(config, pointer + 2);
        const typeCode = (flags >> 4) & 0xf;
        const slotImplemented = (flags & 0x0100) !== 0;
        if (facts.pcieType === undefined) facts.pcieType = pcieTypeFromCode(typeCode);
        if (facts.slotImplemented === undefined) facts.slotImplemented = slotImplemented;
        devCapFlr = (dwordAt(config, pointer + 4) & 0x10000000) !== 0;
        if (facts.link === undefined) {
          // RCiEPs and event collectors have no link (PCIe 6.0 7.5.3: Link registers not applicable).
          if (typeCode !== 9 && typeCode !== 10) {
            const lnkCap = dwordAt(config, pointer + 0x0c);
            const lnkSta = wordAt(config, pointer + 0x12);
            facts.link = buildLink(speedFromCode(lnkCap & 0xf), (lnkCap >> 4) & 0x3f,
              speedFromCode(lnkSta & 0xf), (lnkSta >> 4) & 0x3f, false);
          } else {
            facts.link = null;
          }
        }
        if (facts.slotNumber === undefined) facts.slotNumber = slotImplemented ? dwordAt(config, pointer + 0x14) >>> 19 : null;
      } else if (id === 0x13) {
        afFlr = (byteAt(config, pointer + 3) & 0x02) !== 0;
      }
      pointer = byteAt(config, pointer + 1);
    }
  }
  if (!express) {
    if (facts.pcieType === undefined) facts.pcieType = 'conventional';
    if (facts.slotImplemented === undefined) facts.slotImplemented = false;
    if (facts.slotNumber === undefined) facts.slotNumber = null;
    if (facts.link === undefined) facts.link = null;
  }
  if (facts.flr === undefined) facts.flr = devCapFlr || afFlr;
}

/** Extended capability list at 0x100 (PCI_CFG_SPACE_SIZE); ACS is ID 0x000d, SR-IOV 0x0010. */
function decodeExtendedCapabilities(facts: Facts, config: Uint8Array): void {
  let acs: FunctionPatch['acs'] = { state: 'absent' };
  let sriov: FunctionPatch['sriov'] = null;
  let pointer = LEGACY_CONFIG_SIZE;
  // Same bound as the kernel: at most (4096 - 256) / 8 entries.
  for (let ttl = (CONFIG_SPACE_SIZE - LEGACY_CONFIG_SIZE) / 8; ttl > 0 && pointer >= LEGACY_CONFIG_SIZE; ttl--) {
    const header = dwordAt(config, pointer);
    if (header === 0 || header === 0xffffffff) break;
    const id = header & 0xffff;
    if (id === 0x000d && acs.state === 'absent') {
      acs = { state: 'present', capability: wordAt(config, pointer + 4), control: wordAt(config, pointer + 6) };
    } else if (id === 0x0010 && sriov === null) {
      sriov = { totalVfs: wordAt(config, pointer + 0x0e), numVfs: wordAt(config, pointer + 0x10), vfs: [] };
    }
    pointer = (header >>> 20) & 0xffc;
  }
  if (facts.acs === undefined) facts.acs = acs;
  if (facts.sriov === undefined) facts.sriov = sriov;
}
