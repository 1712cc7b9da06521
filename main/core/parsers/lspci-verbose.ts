/**
 * Parser for verbose lspci output: `lspci -vvv -nn -D` (the recommended capture, spec 2.3), also
 * `-vv`, `-v`, without `-D`/`-nn`, with `-PP` paths, with a hex dump (`-x`/`-xxx`/`-xxxx`), and
 * the bare dump `lspci -n -D -xxxx`. Real input (QEMU lab, pciutils 3.9, trimmed):
 *
 *     0000:00:1c.0 PCI bridge [0604]: Red Hat, Inc. QEMU PCIe Root port [1b36:000c] (prog-if 00 [Normal decode])
 *     	Subsystem: Red Hat, Inc. Device [1b36:0000]
 *     	Control: I/O+ Mem+ BusMaster+ SpecCycle- MemWINV- VGASnoop- ParErr- Stepping- SERR+ FastB2B- DisINTx+
 *     	IOMMU group: 3
 *     	Bus: primary=00, secondary=02, subordinate=02, sec-latency=0
 *     	Capabilities: [54] Express (v2) Root Port (Slot+), MSI 00
 *     		DevCap:	MaxPayload 128 bytes, PhantFunc 0
 *     			ExtTag- RBE+
 *     		LnkCap:	Port #0, Speed 8GT/s, Width x4, ASPM L0s, Exit Latency L0s <64ns
 *     		LnkSta:	Speed 2.5GT/s, Width x1
 *     		SltCap:	AttnBtn+ PwrCtrl+ MRL- AttnInd+ PwrInd+ HotPlug+ Surprise+
 *     			Slot #2, PowerLimit 0W; Interlock+ NoCompl-
 *     	Capabilities: [148 v1] Access Control Services
 *     		ACSCap:	SrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans+
 *     		ACSCtl:	SrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-
 *     	Kernel driver in use: pcieport
 *
 * Meaning of absence (why "unknown" and "absent" differ, spec 2.2): a device whose block shows
 * `Control:` (-vv) or `Flags:` (-v) had its capability list printed, so no ACS line means no ACS
 * capability; `Capabilities: <access denied>` (non-root) means nothing beyond 64 bytes is known.
 * `-v` names capabilities without their registers: an ACS capability there has unknown bits, and
 * FLR and link stay unknown. Without `Control:`/`Flags:` (e.g. `-nnk` or a bare dump) nothing
 * is concluded from missing lines. Indentation is compared, not counted, because pasted copies
 * turn tabs into spaces. One pass over the text; each regex starts with a literal and runs in
 * linear time.
 */
import type { ParseIssue, ParseResult, PcieType } from '../model/snapshot.ts';
import type { FunctionPatch } from '../snapshot/parts.ts';
import {
  VendorNames, buildLink, clipLine, indexWithin, keyAt, lspciSpeedToSysfs, parseAcsWords, parseExpressCapability,
  parseLspciHeader, parseModuleList, parseSubsystemValue,
  type LspciFunctions, type LspciHeader,
} from './lspci-common.ts';
import { CONFIG_SPACE_SIZE, LEGACY_CONFIG_SIZE, decodeConfigSpace, parseHexDumpLine, readHexDumpLine } from './lspci-config-space.ts';
import { decimalWithin, isBlank, isDigit, isHexDigit } from './char-codes.ts';

export { acsFlagNames, type LspciFunctions } from './lspci-common.ts';

type CapabilityKind = 'express' | 'acs' | 'sriov' | 'af' | 'other';

/** What one device block said, collected line by line and turned into a patch at its end. */
interface Block {
  patch: FunctionPatch;
  names: string | null;
  /** The header's vendor id, which names are split by (the dump's may fill the patch's). */
  vendorId: string | null;
  /** -1 until the first indented line: that line's indentation is the block's top level. */
  baseIndent: number;
  /** 0 header (+ -k lines), 1 `-v` (Flags:), 2 `-vv` (Control:). */
  detail: 0 | 1 | 2;
  denied: boolean;
  capability: CapabilityKind | null;
  express: { type: PcieType; slot: boolean | null } | null;
  devCapSeen: boolean;
  flr: boolean;
  previous: 'DevCap' | 'SltCap' | null;
  /** What LnkCap and LnkSta said, once read (the last of each counts). */
  linkCapSeen: boolean;
  capSpeed: string | null;
  capWidth: number | null;
  linkStatusSeen: boolean;
  statusSpeed: string | null;
  statusWidth: number | null;
  downgraded: boolean;
  slotNumber: number | null;
  afSeen: boolean;
  acsSeen: boolean;
  acsCap: number | null;
  acsCtl: number | null;
  sriov: { totalVfs: number | null; numVfs: number | null } | null;
  driverSeen: boolean;
  groupSeen: boolean;
  /** How far the hex dump went (0 without one); the bytes are in parseLspciVerbose's buffer. */
  configLength: number;
}

/**
 * What may still change in the patches once the whole text is read (see settle), gathered as the
 * blocks end. Only such patches are noted: in -vvv output most blocks say all they have to say
 * by themselves, and on a big host whatever is kept is copied by every garbage collection until
 * the end of the parse.
 */
interface Unsettled {
  /**
   * Patches whose names were split before their vendor (the header's, their vendorId) was learnt:
   * their deviceName holds the whole names, which settle splits again if the vendor is learnt by
   * then (see closeBlock).
   */
  names: FunctionPatch[];
  /** Blocks whose patch depends on what other blocks show. */
  blocks: PendingBlock[];
}

interface PendingBlock {
  patch: FunctionPatch;
  /** No driver line, and no -v to say that -k was in effect (another device's -k line will). */
  driverUnsaid: boolean;
  groupSeen: boolean;
  /** A 256-byte dump: no extended capabilities, if another function's dump went beyond 256. */
  legacyDump: boolean;
}

/**
 * The header's facts, as headerPatch states them, in a patch that has every field this parser
 * may set from the start, undefined until known (the same as absent to the snapshot builder):
 * all patches then share one object shape and are filled in place, where adding some 25 fields
 * one by one, in an order that differs from device to device, grows each object several times
 * and leaves the builder's reads of them megamorphic. Read from the header (one shape) rather
 * than from headerPatch's object, whose shape differs with the facts present.
 */
function newPatch(header: LspciHeader): FunctionPatch {
  return {
    address: header.address, parent: header.parent, vendorId: header.vendorId || undefined, deviceId: header.deviceId || undefined,
    classCode: header.classCode || undefined, className: header.className || undefined,
    // lspci.c show_terse prints "(rev xx)" only when the revision is non-zero.
    revision: header.revision ?? '00', progIf: header.progIf || undefined,
    vendorName: undefined, deviceName: undefined,
    subsystemVendorId: undefined, subsystemDeviceId: undefined, subsystemName: undefined,
    headerType: undefined, multifunction: undefined, pcieType: undefined,
    driver: undefined, modules: undefined, iommuGroup: undefined, numaNode: undefined,
    link: undefined, sriov: undefined, acs: undefined, flr: undefined, physicalSlot: undefined,
    secondaryBus: undefined, subordinateBus: undefined, slotImplemented: undefined, slotNumber: undefined,
  };
}

function newBlock(patch: FunctionPatch, names: string | null): Block {
  return {
    patch, names, vendorId: patch.vendorId ?? null, baseIndent: -1, detail: 0, denied: false, capability: null, express: null,
    devCapSeen: false, flr: false, previous: null,
    linkCapSeen: false, capSpeed: null, capWidth: null, linkStatusSeen: false, statusSpeed: null, statusWidth: null, downgraded: false,
    slotNumber: null,
    afSeen: false, acsSeen: false, acsCap: null, acsCtl: null, sriov: null, driverSeen: false, groupSeen: false,
    configLength: 0,
  };
}

/** AFCap's FLR+ (made once: a regex literal is a new RegExp each time it is evaluated). */
const AF_FLR_CAPABLE = /\bFLR\+/;
/** The top-level lines this parser reads (Region, Status, Latency... are not among them). */
const TOP_LEVEL_KEYS = [
  'Capabilities: ', 'Control:', 'Flags:', 'Subsystem: ', 'Physical Slot: ', 'IOMMU group: ', 'NUMA node: ',
  'Kernel driver in use: ', 'Kernel modules: ', 'Bus: ',
] as const;
type TopLevelKey = (typeof TOP_LEVEL_KEYS)[number];
/** The keys by their first character (ASCII): most top-level lines are not read, and one look says so. */
const KEYS_BY_INITIAL: (TopLevelKey[] | undefined)[] = Array.from({ length: 128 }, (_, c) => {
  const keys = TOP_LEVEL_KEYS.filter((k) => k.charCodeAt(0) === c);
  return keys.length ? keys : undefined;
});

/** keyAt, with the key ending by `stop`: a key ending in a space must not match a trimmed one. */
function keyWithin(text: string, at: number, stop: number, key: string): boolean {
  return at + key.length <= stop && keyAt(text, at, key);
}

/**
 * The number text[at...] starts with when it is 1 to 9 digits that end a word, as /\d{1,9}\b/
 * reads it there (the line ending at `stop`); -1 when it is not.
 */
function wordNumberAt(text: string, at: number, stop: number): number {
  let end = at;
  let value = 0;
  for (; end < stop && isDigit(text.charCodeAt(end)); end++) value = value * 10 + text.charCodeAt(end) - 0x30;
  const digits = end - at;
  // \b after the digits: the line ends, or what follows is not a word character.
  return digits >= 1 && digits <= 9 && (end === stop || !isWordCharacter(text.charCodeAt(end))) ? value : -1;
}

/**
 * The speed of a `LnkCap:`/`LnkSta:` line text[from, stop), as the regex
 * /Speed ([0-9.]+GT\/s|unknown)/ finds it, read in place (every PCIe function has both lines), in
 * its sysfs form. `speeds` keeps each spelling's sysfs form, made once.
 */
function linkSpeedWithin(text: string, from: number, stop: number, speeds: Map<string, string | null>): string | null {
  for (let at = indexWithin(text, 'Speed ', from, stop); at >= 0; at = indexWithin(text, 'Speed ', at + 1, stop)) {
    const value = at + 6;
    let end = value;
    while (end < stop && (isDigit(text.charCodeAt(end)) || text.charCodeAt(end) === 0x2e)) end++;
    const length = end > value && keyWithin(text, end, stop, 'GT/s') ? end + 4 - value : keyWithin(text, value, stop, 'unknown') ? 7 : 0;
    if (length === 0) continue;
    const spelling = text.slice(value, value + length);
    // A spelling whose sysfs form is null has null, not undefined, in the map.
    const known = speeds.get(spelling);
    if (known !== undefined) return known;
    const speed = lspciSpeedToSysfs(spelling);
    speeds.set(spelling, speed);
    return speed;
  }
  return null;
}

/** The width of a `LnkCap:`/`LnkSta:` line text[from, stop), as /Width x(\d{1,9})\b/ finds it. */
function linkWidthWithin(text: string, from: number, stop: number): number | null {
  for (let at = indexWithin(text, 'Width x', from, stop); at >= 0; at = indexWithin(text, 'Width x', at + 1, stop)) {
    const lanes = wordNumberAt(text, at + 7, stop);
    if (lanes >= 0) return lanes;
  }
  return null;
}

/**
 * Where `secondary=XX, subordinate=YY` starts in a `Bus:` line's value text[from, stop) (lspci.c
 * show_htype1), as /secondary=([0-9a-fA-F]{2}), subordinate=([0-9a-fA-F]{2})/ finds it; -1 when
 * it is not there.
 */
function busNumbersAt(text: string, from: number, stop: number): number {
  for (let at = indexWithin(text, 'secondary=', from, stop); at >= 0; at = indexWithin(text, 'secondary=', at + 1, stop)) {
    if (at + 28 <= stop && isHexDigit(text.charCodeAt(at + 10)) && isHexDigit(text.charCodeAt(at + 11))
      && keyAt(text, at + 12, ', subordinate=') && isHexDigit(text.charCodeAt(at + 26)) && isHexDigit(text.charCodeAt(at + 27))) return at;
  }
  return -1;
}

/**
 * DevCap's "FLReset+" (the capability bit) in text[from, stop) at its start or after a blank, as
 * /(?:^|\s)FLReset\+/ finds it in the line.
 */
function flrCapableWithin(text: string, from: number, stop: number): boolean {
  for (let at = indexWithin(text, 'FLReset+', from, stop); at >= 0; at = indexWithin(text, 'FLReset+', at + 1, stop)) {
    if (at === from || isBlank(text.charCodeAt(at - 1))) return true;
  }
  return false;
}

function isWordCharacter(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
}

/** The characters besides "\n" that a regex's `.` does not match. */
const OTHER_LINE_BREAKS = ['\r', '\u2028', '\u2029'] as const;

/**
 * Where the next of each OTHER_LINE_BREAKS is in a text read from start to end: one search for
 * each, repeated only once the reading has passed what it found, rather than a look at every
 * character of every capability line (see capabilityNameStart).
 */
class LineBreaks {
  /** Per character: its next position, Infinity when there is none further on, -1 before the first search. */
  private readonly next: number[] = OTHER_LINE_BREAKS.map(() => -1);

  constructor(private readonly text: string) {}

  /** Whether text[from, stop) holds one; `from` never decreases from one call to the next. */
  within(from: number, stop: number): boolean {
    for (let k = 0; k < OTHER_LINE_BREAKS.length; k++) {
      if (this.next[k]! < from) {
        const at = this.text.indexOf(OTHER_LINE_BREAKS[k]!, from);
        this.next[k] = at < 0 ? Infinity : at;
      }
      if (this.next[k]! < stop) return true;
    }
    return false;
  }
}

/**
 * Where the name starts in a capability line's value text[at, stop), `[54] Express ...` or
 * `[148 v1] Access Control Services` (lspci.c show_caps / ls-ecaps.c), as the regex
 * /^\[[0-9a-fA-F]{2,3}(?: v\d+)?\] (.*)$/ reads it; -1 when the value is not so.
 */
function capabilityNameStart(text: string, at: number, stop: number, breaks: LineBreaks): number {
  if (at >= stop || text.charCodeAt(at) !== 0x5b) return -1;
  let i = at + 1;
  while (i < stop && isHexDigit(text.charCodeAt(i))) i++;
  if (i - at - 1 < 2 || i - at - 1 > 3) return -1;
  if (keyWithin(text, i, stop, ' v')) {
    let end = i + 2;
    while (end < stop && isDigit(text.charCodeAt(end))) end++;
    if (end === i + 2) return -1;
    i = end;
  }
  if (!keyWithin(text, i, stop, '] ')) return -1;
  // `.` does not match the other line terminators, so neither does the regex.
  return breaks.within(i + 2, stop) ? -1 : i + 2;
}

/** The kind of the capability named at text[at, stop). */
function capabilityKind(text: string, at: number, stop: number): CapabilityKind {
  if (keyWithin(text, at, stop, 'Express ')) return 'express';
  if (keyWithin(text, at, stop, 'Access Control Services')) return 'acs';
  if (keyWithin(text, at, stop, 'Single Root I/O Virtualization')) return 'sriov';
  if (keyWithin(text, at, stop, 'PCI Advanced Features')) return 'af';
  return 'other';
}

/** Which of the PCI Express register lines this parser reads text[at...] starts with, if any. */
function expressKey(text: string, at: number): 'DevCap:' | 'LnkCap:' | 'LnkSta:' | 'SltCap:' | null {
  // All four are 7 characters long, the last a colon: that and the first character rule out
  // the other thirty-odd lines of the capability (DevCtl2, LnkSta2, continuations...) at once.
  if (text.charCodeAt(at + 6) !== 0x3a) return null;
  switch (text.charCodeAt(at)) {
    case 0x44: return keyAt(text, at, 'DevCap:') ? 'DevCap:' : null;
    case 0x4c: return keyAt(text, at, 'LnkCap:') ? 'LnkCap:' : keyAt(text, at, 'LnkSta:') ? 'LnkSta:' : null;
    case 0x53: return keyAt(text, at, 'SltCap:') ? 'SltCap:' : null;
    default: return null;
  }
}

function topLevelKey(text: string, at: number, keys: readonly TopLevelKey[]): TopLevelKey | null {
  for (const key of keys) if (keyAt(text, at, key)) return key;
  return null;
}

/**
 * Whether address a sorts after b in lspci's order: canonical addresses compare as strings, and a
 * longer domain is a larger one. It is a strict order on any two strings, so addresses that keep
 * sorting after one another are all different, canonical or not.
 */
function sortsAfter(a: string, b: string): boolean {
  return a.length > b.length || (a.length === b.length && a > b);
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d;
}

/**
 * The lspci output text[from, to): the whole text unless it is part of a larger one, such as a
 * section of collector output, which is then read in place (see collector-output.ts sectionSpan).
 */
export function parseLspciVerbose(text: string, from = 0, to = text.length): ParseResult<LspciFunctions> {
  return new VerboseReader(text).read(from, to);
}

/**
 * One parse: its state, and the steps of its line loop as methods. Methods rather than closures
 * made per parse: code V8 optimised for one parse inlined the closures of that parse, and the
 * next parse's (other functions) sent it back to the interpreter ("wrong call target"); with
 * methods the second parse of a 10,000-function host in a process ran a quarter fewer
 * instructions.
 */
class VerboseReader {
  private readonly issues: ParseIssue[] = [];
  /** The patches of the blocks read so far, and what settle may still change in them. */
  private readonly functions: FunctionPatch[] = [];
  private readonly unsettled: Unsettled = { names: [], blocks: [] };
  private accessDenied = false;
  /**
   * lspci lists devices sorted by address (lspci.c sort_them: domain, bus, device, function), so
   * while each header's address sorts after the one before, no address can be a repeat: the set
   * of addresses seen is made only once that order breaks (e.g. two captures pasted together).
   */
  private lastAddress = '';
  private seen: Set<string> | null = null;
  private readonly vendors = new VendorNames();
  /**
   * The secondary buses of the `Bus:` lines read so far, which `-P` paths leave out after their
   * first segment (lspci.c show_slot_path). Noted in text order and put in a map only when such a
   * path needs one: most output has no such path, and a big host thousands of bridges.
   */
  private readonly busLineBridges: string[] = [];
  private readonly busLineSecondaries: number[] = [];
  private readonly secondaryBuses = new Map<string, number>();
  private indexedBusLines = 0;
  private readonly secondaryBusOf = (bridge: string): number | undefined => {
    for (; this.indexedBusLines < this.busLineBridges.length; this.indexedBusLines++) {
      this.secondaryBuses.set(this.busLineBridges[this.indexedBusLines]!, this.busLineSecondaries[this.indexedBusLines]!);
    }
    return this.secondaryBuses.get(bridge);
  };
  private current: Block | null = null;
  private skipping = false;
  private anyGroup = false;
  private anyKernelLine = false;
  private extendedDump = false;
  private readonly speeds = new Map<string, string | null>();
  private readonly breaks: LineBreaks;
  /**
   * One buffer for the dump of the block being read, decoded when the block ends: bytes past
   * what the dump showed read as 0, and are zeroed again after each block.
   */
  private readonly config = new Uint8Array(CONFIG_SPACE_SIZE);
  private readonly dumpBytes = new Uint8Array(16);
  private readonly dumpAt = { offset: 0 };

  constructor(private readonly text: string) {
    this.breaks = new LineBreaks(text);
  }

  read(from: number, to: number): ParseResult<LspciFunctions> {
    const text = this.text;
    const issues = this.issues;
    let lineNumber = 0;
    let start = from;
    // Lines are walked by position: most of a -vvv text is detail of capabilities nobody reads
    // here (AER, MSI, DevCtl2...), and those lines are skipped without being copied.
    while (start <= to) {
      let end = text.indexOf('\n', start);
      if (end < 0 || end > to) end = to;
      const lineStart = start;
      start = end + 1;
      lineNumber++;
      let first = lineStart;
      let indent = 0;
      for (; first < end; first++) {
        const c = text.charCodeAt(first);
        if (c === 0x09) indent = (Math.floor(indent / 8) + 1) * 8;
        else if (c === 0x20) indent++;
        else break;
      }
      // Inside a capability this parser does not read (or under a top-level line that is no
      // capability), a line says nothing here; in an Express capability neither does one that is
      // none of the four expressKey knows while no continuation of DevCap or SltCap is awaited; nor
      // does a blank line. Most of a -vvv text, passed over without more.
      const open = this.current;
      if (open !== null && indent > open.baseIndent && open.baseIndent >= 0) {
        if (open.capability === 'other' || open.capability === null) continue;
        if (open.capability === 'express' && open.previous === null && expressKey(text, first) === null) continue;
      }
      let stop = end;
      while (stop > lineStart && isSpace(text.charCodeAt(stop - 1))) stop--;
      if (first >= stop) continue;

      if (indent === 0) {
        this.unindentedLine(lineStart, stop, lineNumber);
        continue;
      }
      if (this.skipping) continue;
      const block = this.current;
      if (!block) {
        issues.push({ line: lineNumber, message: `indented line before any device header, skipped: ${clipLine(text.slice(lineStart, stop))}` });
        continue;
      }
      if (block.baseIndent < 0) block.baseIndent = indent;
      if (indent <= block.baseIndent) {
        block.previous = null;
        block.capability = null;
        // Most top-level lines are not read at all; their first letter already says so.
        const initial = text.charCodeAt(first);
        const keys = initial < 128 ? KEYS_BY_INITIAL[initial] : undefined;
        if (keys) this.topLevelLine(block, first, stop, lineNumber, keys);
      } else if (block.capability === 'other' || block.capability === null) {
        block.previous = null;
      } else {
        this.nestedLine(block, first, stop, lineNumber);
      }
    }
    this.finish();
    settle(this.unsettled, this.vendors, this.anyGroup, this.anyKernelLine, this.extendedDump);
    return { data: { functions: this.functions, accessDenied: this.accessDenied }, issues };
  }

  /** A line without indentation, text[lineStart, stop): a hex dump line, a device header, or neither. */
  private unindentedLine(lineStart: number, stop: number, lineNumber: number): void {
    const text = this.text;
    const current = this.current;
    // Hex dump lines (-x) first, read in place: a device has one header line and 4 to 256 of these.
    if (current || this.skipping) {
      const count = readHexDumpLine(text, lineStart, stop, this.dumpBytes, this.dumpAt);
      if (count > 0) {
        if (current && !this.skipping) {
          this.addDump(current, this.dumpAt.offset, this.dumpBytes, count);
        }
        return;
      }
    }
    const line = text.slice(lineStart, stop);
    const colon = line.indexOf(':');
    if ((colon === 2 || colon === 3) && line[colon + 1] === ' ') {
      const dump = parseHexDumpLine(line);
      if (dump && current && !this.skipping) {
        this.addDump(current, dump.offset, dump.bytes, dump.bytes.length);
        return;
      }
      if (dump && this.skipping) return;
    }
    const header = parseLspciHeader(line, this.secondaryBusOf);
    if (header) {
      this.finish();
      if (this.isRepeat(header.address)) {
        this.issues.push({ line: lineNumber, message: `device ${header.address} appears twice; the later block is ignored` });
        this.skipping = true;
        return;
      }
      this.skipping = false;
      const patch = newPatch(header);
      this.vendors.learn(header.vendorId, header.names);
      this.current = newBlock(patch, header.names);
      return;
    }
    this.issues.push({ line: lineNumber, message: `not lspci device output, skipped: ${clipLine(line)}` });
  }

  private addDump(block: Block, offset: number, bytes: ArrayLike<number>, count: number): void {
    const config = this.config;
    for (let i = 0; i < count; i++) config[offset + i] = bytes[i]!;
    block.configLength = Math.max(block.configLength, offset + count);
    if (offset >= LEGACY_CONFIG_SIZE) this.extendedDump = true;
  }

  /** The block being read, if any, is complete: its patch is made and listed. */
  private finish(): void {
    const current = this.current;
    if (current) {
      closeBlock(current, this.config, this.vendors, this.unsettled);
      this.functions.push(current.patch);
      this.accessDenied ||= current.denied;
      this.config.fill(0, 0, current.configLength);
    }
    this.current = null;
  }

  private isRepeat(address: string): boolean {
    if (this.seen === null) {
      if (sortsAfter(address, this.lastAddress)) {
        this.lastAddress = address;
        return false;
      }
      this.seen = new Set(this.functions.map((patch) => patch.address));
    }
    if (this.seen.has(address)) return true;
    this.seen.add(address);
    return false;
  }

  /** A line at the block's top level, text[first, stop); only the values read are copied. */
  private topLevelLine(block: Block, first: number, stop: number, at: number, keys: readonly TopLevelKey[]): void {
    const text = this.text;
    const key = topLevelKey(text, first, keys);
    if (!key) return;
    const patch = block.patch;
    // The lines every device has are read in place (a group or node number is copied out only
    // for an issue); the values of the others are copied out once, below.
    switch (key) {
      case 'Capabilities: ':
        this.capabilityLine(block, first + key.length, stop, at);
        return;
      case 'Control:':
        block.detail = 2;
        return;
      case 'IOMMU group: ':
      case 'NUMA node: ': {
        const number = decimalWithin(text, first + key.length, stop, 9);
        if (number === null) this.issues.push({ line: at, message: `${key.slice(0, -2)} is not a number: ${clipLine(text.slice(first + key.length, stop))}` });
        else if (key === 'IOMMU group: ') this.setGroup(block, number);
        else patch.numaNode = number;
        return;
      }
      case 'Bus: ': {
        const numbers = busNumbersAt(text, first + key.length, stop);
        if (numbers < 0) {
          this.issues.push({ line: at, message: `unreadable bridge bus numbers: ${clipLine(text.slice(first + key.length, stop))}` });
          return;
        }
        patch.secondaryBus = parseInt(text.slice(numbers + 10, numbers + 12), 16);
        patch.subordinateBus = parseInt(text.slice(numbers + 26, numbers + 28), 16);
        this.busLineBridges.push(patch.address);
        this.busLineSecondaries.push(patch.secondaryBus);
        return;
      }
    }
    const value = text.slice(first + key.length, stop);
    switch (key) {
      case 'Flags:': {
        if (block.detail < 1) block.detail = 1;
        // -v folds the group and NUMA node into Flags: "..., IRQ 16, NUMA node 0, IOMMU group 1".
        const group = /IOMMU group (\d{1,9})\b/.exec(value);
        if (group) this.setGroup(block, parseInt(group[1]!, 10));
        const numa = /NUMA node (\d{1,9})\b/.exec(value);
        if (numa) patch.numaNode = parseInt(numa[1]!, 10);
        return;
      }
      case 'Subsystem: ': {
        const sub = parseSubsystemValue(value);
        if (sub.vendorId) patch.subsystemVendorId = sub.vendorId;
        if (sub.deviceId) patch.subsystemDeviceId = sub.deviceId;
        patch.subsystemName = sub.name;
        this.vendors.learn(sub.vendorId, sub.text);
        return;
      }
      case 'Physical Slot: ':
        patch.physicalSlot = value;
        return;
      case 'Kernel driver in use: ':
        patch.driver = value;
        block.driverSeen = true;
        this.anyKernelLine = true;
        return;
      case 'Kernel modules: ':
        patch.modules = parseModuleList(value);
        this.anyKernelLine = true;
    }
  }

  /** `Capabilities: <value>`, the value text[from, stop): read in place, most name nothing read here. */
  private capabilityLine(block: Block, from: number, stop: number, at: number): void {
    const text = this.text;
    if (keyWithin(text, from, stop, '<access denied>')) {
      block.denied = true;
      return;
    }
    const nameStart = capabilityNameStart(text, from, stop, this.breaks);
    if (nameStart < 0) {
      this.issues.push({ line: at, message: `unreadable capability line: ${clipLine(text.slice(from, stop))}` });
      return;
    }
    block.capability = capabilityKind(text, nameStart, stop);
    if (block.capability === 'express' && !block.express) {
      block.express = parseExpressCapability(text, nameStart, stop);
      if (!block.express) this.issues.push({ line: at, message: `unknown PCI Express capability text: ${clipLine(text.slice(nameStart, stop))}` });
    } else if (block.capability === 'acs') {
      block.acsSeen = true;
    } else if (block.capability === 'af') {
      block.afSeen = true;
    } else if (block.capability === 'sriov' && !block.sriov) {
      block.sriov = { totalVfs: null, numVfs: null };
    }
  }

  private setGroup(block: Block, group: number): void {
    block.patch.iommuGroup = group;
    block.groupSeen = true;
    this.anyGroup = true;
  }

  /** A line inside a capability, text[first, stop); copied only when it is one this parser reads. */
  private nestedLine(block: Block, first: number, stop: number, at: number): void {
    const text = this.text;
    const previous = block.previous;
    block.previous = null;
    switch (block.capability) {
      case 'express': {
        const key = expressKey(text, first);
        if (key === 'DevCap:') {
          block.devCapSeen = true;
          block.previous = 'DevCap';
        } else if (key === 'LnkCap:') {
          block.linkCapSeen = true;
          block.capSpeed = linkSpeedWithin(text, first, stop, this.speeds);
          block.capWidth = linkWidthWithin(text, first, stop);
        } else if (key === 'LnkSta:') {
          block.linkStatusSeen = true;
          block.statusSpeed = linkSpeedWithin(text, first, stop, this.speeds);
          block.statusWidth = linkWidthWithin(text, first, stop);
          block.downgraded = indexWithin(text, '(downgraded)', first, stop) >= 0;
        } else if (key === 'SltCap:') {
          block.previous = 'SltCap';
        } else if (previous === 'DevCap') {
          // FLReset+ here is the capability bit; DevCtl's continuation has the control bit.
          if (flrCapableWithin(text, first, stop)) block.flr = true;
        } else if (previous === 'SltCap' && keyAt(text, first, 'Slot #')) {
          const slot = wordNumberAt(text, first + 6, stop);
          if (slot >= 0) block.slotNumber = slot;
        }
        return;
      }
      case 'acs':
        if (keyAt(text, first, 'ACSCap:') || keyAt(text, first, 'ACSCtl:')) {
          const bits = parseAcsWords(text, first + 7, stop);
          if (bits === null) this.issues.push({ line: at, message: `unreadable ACS flags: ${clipLine(text.slice(first, stop))}` });
          else if (keyAt(text, first, 'ACSCap:')) block.acsCap = bits;
          else block.acsCtl = bits;
        }
        return;
      case 'sriov':
        if (keyAt(text, first, 'Initial VFs:') && block.sriov) {
          const line = text.slice(first, stop);
          const total = /Total VFs: (\d{1,9})\b/.exec(line);
          const enabled = /Number of VFs: (\d{1,9})\b/.exec(line);
          block.sriov.totalVfs = total ? parseInt(total[1]!, 10) : null;
          block.sriov.numVfs = enabled ? parseInt(enabled[1]!, 10) : null;
        }
        return;
      case 'af':
        if (keyAt(text, first, 'AFCap:') && AF_FLR_CAPABLE.test(text.slice(first, stop))) block.flr = true;
        return;
      default:
        return;
    }
  }
}

/**
 * Everything the block says by itself, once its last line is read, written to its patch;
 * `config` holds its dump, `vendors` the vendor names learnt so far. What settle may still have
 * to do for the patch goes to `unsettled`.
 */
function closeBlock(block: Block, config: Uint8Array, vendors: VendorNames, unsettled: Unsettled): void {
  const patch = block.patch;
  if (block.detail >= 1) {
    // show_terse prints prog-if in verbose mode whenever it is non-zero or has a name.
    patch.progIf ??= '00';
  }
  // lspci -v implies -k; with -k in effect a device without the line has no driver bound.
  if (!block.driverSeen && block.detail >= 1) patch.driver = null;

  const listed = block.detail >= 1 && !block.denied;
  const detailed = block.detail >= 2 && !block.denied;
  if (block.denied) patch.acs = { state: 'unknown' };
  if (block.express) {
    patch.pcieType = block.express.type;
    patch.slotImplemented = block.express.slot === true;
  } else if (listed) {
    patch.pcieType = 'conventional';
    patch.slotImplemented = false;
  }
  if (block.slotNumber !== null) patch.slotNumber = block.slotNumber;
  else if (block.devCapSeen) patch.slotNumber = null;

  if (block.linkCapSeen || block.linkStatusSeen) {
    patch.link = buildLink(block.capSpeed, block.capWidth, block.statusSpeed, block.statusWidth, block.downgraded);
  } else if (detailed) {
    patch.link = null;
  }

  // FLR is advertised in DevCap or the AF capability; -v prints neither's bits, so there it stays unknown.
  if (block.flr) patch.flr = true;
  else if (block.devCapSeen || (listed && !block.express && (detailed || !block.afSeen))) patch.flr = false;

  if (block.acsSeen) {
    patch.acs = block.acsCap !== null && block.acsCtl !== null
      ? { state: 'present', capability: block.acsCap, control: block.acsCtl }
      : { state: 'unknown' };
  } else if (listed) {
    patch.acs = { state: 'absent' };
  }
  if (block.sriov) patch.sriov = { ...block.sriov, vfs: [] };
  else if (listed) patch.sriov = null;

  if (block.configLength > 0) {
    // What the text says nowhere else, from the dump; the header type is always the dump's.
    decodeConfigSpace(config, block.configLength, patch);
    // A bridge's subsystem ids are its SSVID capability's, else 0 (probe.c pci_setup_device), and
    // lspci prints the Subsystem line only for a vendor other than 0 and ffff (lspci.c
    // show_verbose): verbose output without the line means 0000.
    if (patch.headerType === 1 && block.detail >= 1 && patch.subsystemVendorId === undefined) {
      patch.subsystemVendorId = '0000';
      patch.subsystemDeviceId = '0000';
    }
  }
  // The names are split now, while they are at hand. When the header's vendor is not learnt yet,
  // one learnt further on can still change that: they are split as if it never is (no vendor,
  // the whole text the device's name, as VendorNames.split does) and again by settle, with the
  // patch's vendor id (the header's: a dump fills only what the text leaves unknown). Without a
  // vendor id, nothing learnt can change them.
  if (block.names !== null) {
    const pair = vendors.splitIfSettled(block.vendorId, block.names);
    if (pair) {
      patch.vendorName = pair.vendorName;
      patch.deviceName = pair.deviceName;
    } else {
      patch.vendorName = null;
      patch.deviceName = block.names;
      if (block.vendorId !== null) unsettled.names.push(patch);
    }
  }
  const driverUnsaid = !block.driverSeen && block.detail < 1;
  const legacyDump = block.configLength === LEGACY_CONFIG_SIZE;
  if (driverUnsaid || !block.groupSeen || legacyDump) unsettled.blocks.push({ patch, driverUnsaid, groupSeen: block.groupSeen, legacyDump });
}

/**
 * What depends on the whole text: learnt vendor names (for the names closeBlock left), and whether
 * any device showed a group, a -k line or a 4096-byte dump.
 */
function settle(unsettled: Unsettled, vendors: VendorNames, anyGroup: boolean, anyKernelLine: boolean, extendedDump: boolean): void {
  // Indexed: this runs once per text, largely before the optimiser has compiled it, and there a
  // for-of allocates an iterator result per element.
  for (let i = 0; i < unsettled.names.length; i++) {
    const patch = unsettled.names[i]!;
    // A vendor still not learnt leaves the names as closeBlock wrote them (as split would), and
    // they are not read again: each lies elsewhere in a text of megabytes, out of the CPU's caches
    // (reading them took some 2% of the parse of a 10,000-function host).
    if (!vendors.knows(patch.vendorId!)) continue;
    const { vendorName, deviceName } = vendors.split(patch.vendorId!, patch.deviceName!);
    patch.vendorName = vendorName;
    patch.deviceName = deviceName;
  }
  for (let i = 0; i < unsettled.blocks.length; i++) {
    const pending = unsettled.blocks[i]!;
    const patch = pending.patch;
    if (pending.driverUnsaid && anyKernelLine) patch.driver = null;
    // This lspci prints groups; a device without one is not in any group (e.g. the AMD IOMMU itself).
    if (!pending.groupSeen && anyGroup) patch.iommuGroup = null;
    if (pending.legacyDump && extendedDump) {
      // -xxxx showed 4096 bytes elsewhere, so this function's config space ends at 256: no extended capabilities.
      if (patch.acs === undefined) patch.acs = { state: 'absent' };
      if (patch.sriov === undefined) patch.sriov = null;
    }
  }
}
