/**
 * Reads the sysfs-walk sections of the collector output (main/io/collector/collect.sh):
 * `pci` (and `pci-ids`, its complement when lspci failed), `iommu-groups`, `iommu-class`,
 * `pci-slots`, `acpi-tables`, `dmi-id` and `hostusage`.
 * The files and links it interprets are described in spec section 3 (sysfs reference) and the
 * kernel's Documentation/ABI/testing/sysfs-bus-pci and sysfs-kernel-iommu_groups.
 *
 * Real example (from the lab's `mixed` capture; one block of the `pci` section, one of
 * `iommu-groups`):
 * ```
 * P 0000:02:00.0 /sys/devices/pci0000:00/0000:00:1c.0/0000:02:00.0
 * A class 0x010802
 * A current_link_speed 2.5 GT/s PCIe
 * A current_link_width 1
 * A max_link_speed 2.5 GT/s PCIe
 * A max_link_width 1
 * A reset_method flr bus
 * A sriov_totalvfs 4
 * A driver_override (null)
 * A sriov_numvfs 2
 * L driver /sys/bus/pci/drivers/nvme
 * L virtfn0 /sys/devices/pci0000:00/0000:00:1c.0/0000:02:00.1
 * L virtfn1 /sys/devices/pci0000:00/0000:00:1c.0/0000:02:00.2
 *
 * G 10
 * A type DMA-FQ
 * F reserved_regions
 * R 0x0000000000000000 0x0000000000ffffff direct-relaxable
 * R 0x00000000fee00000 0x00000000feefffff msi
 * M 0000:00:1f.0
 * M 0000:00:1f.2
 * M 0000:00:1f.3
 * ```
 * A function's IOMMU group is the group whose `M` lines name it: the kernel links the two both
 * ways at once (iommu_group_add_device), and the collector reads only the member lists. Output of
 * earlier collector versions also has `L iommu_group` (and `L iommu`, `M <name> <real path>`)
 * lines; a function's own `iommu_group` link wins when present. They also read the ids, revision,
 * NUMA node and bus numbers in the walk, which the collector now leaves to lspci (`pci-ids` when
 * lspci failed); either way a value that is here is used.
 * Lines `! <missing|empty|unreadable|dangling> <path>` are the collector's reasons for what it
 * could not read; they become `unreadable` entries.
 *
 * A function patch knows only what sysfs knows (parts.ts): the PCIe port type, ACS, FLR and the
 * header type are not in sysfs attributes (spec 2.1) and are left to lspci (undefined).
 */
import { comparePciAddresses } from '../model/pci-address.ts';
import type {
  Host, HostUsage, IommuGroup, Link, ParseIssue, ParseResult, Slot, Snapshot, Unreadable,
} from '../model/snapshot.ts';
import type { FunctionPatch } from '../snapshot/parts.ts';
import { canonicalAddressKey, canonicalPciAddress, isCanonicalPciAddress } from './canonical-address.ts';
import { sectionSpan, type CollectorSection, type SectionSpan } from './collector-output.ts';
import { decimalWithin, isBlank, isDigit, isHexDigit } from './char-codes.ts';

export type IommuUnitInfo = Snapshot['iommu']['units'][number];

export interface SysfsDump {
  /** Whole patches (parts.ts FunctionSlice.whole), one per function. */
  functions: FunctionPatch[];
  /** Groups from /sys/kernel/iommu_groups; [] when the directory is empty or absent; null when not collected. */
  groups: IommuGroup[] | null;
  rootBuses: Snapshot['rootBuses'];
  /** Units from /sys/class/iommu; null when not collected. */
  units: IommuUnitInfo[] | null;
  slots: Slot[];
  hostUsage: HostUsage | null;
  /** DMAR / IVRS when listed in /sys/firmware/acpi/tables; null when not collected. */
  firmwareTables: string[] | null;
  dmi: Host['dmi'] | null;
  unreadable: Unreadable[];
}

type SectionInput = Pick<CollectorSection, 'name' | 'content'>;

interface Ctx {
  section: string;
  issues: ParseIssue[];
  unreadable: Unreadable[];
}

interface RecordLine {
  tag: string;
  /** Text after the tag and one space. */
  rest: string;
  line: number;
}

/**
 * Non-empty lines as (tag, rest); the first space separates them. One record, refilled by each
 * next() and read at once by the section readers: neither a list of all lines (tens of thousands
 * on a big host, copied by every garbage collection) nor a generator's record and iterator
 * result per line.
 */
class RecordLines implements RecordLine {
  tag = '';
  rest = '';
  line = 0;
  private start = 0;

  constructor(private readonly content: string) {}

  /** Moves to the next non-empty line; false after the last. */
  next(): boolean {
    const content = this.content;
    while (this.start <= content.length) {
      let end = content.indexOf('\n', this.start);
      if (end < 0) end = content.length;
      const lineStart = this.start;
      const stop = end > lineStart && content.charCodeAt(end - 1) === 13 ? end - 1 : end;
      this.start = end + 1;
      this.line++;
      if (stop === lineStart) continue;
      const sp = content.indexOf(' ', lineStart);
      if (sp < 0 || sp >= stop) {
        this.tag = content.slice(lineStart, stop);
        this.rest = '';
      } else {
        this.tag = content.slice(lineStart, sp);
        this.rest = content.slice(sp + 1, stop);
      }
      return true;
    }
    return false;
  }
}

/** "A name value" / "L name value": split the rest at its first space. */
function nameValue(rest: string): [string, string] {
  const sp = rest.indexOf(' ');
  return sp < 0 ? [rest, ''] : [rest.slice(0, sp), rest.slice(sp + 1)];
}

const NOTE_WHY = new Map<string, string | null>([
  ['missing', 'does not exist on the host'],
  ['unreadable', 'not readable by the collecting user'],
  ['dangling', 'symlink whose target does not exist'],
  ['empty', null],
]);

/** A `!` line: record why something could not be read; `empty` is a fact, not a gap. */
function note(ctx: Ctx, r: RecordLine): void {
  const [kind, path] = nameValue(r.rest);
  const why = NOTE_WHY.get(kind);
  if (why === undefined) ctx.issues.push({ line: r.line, message: `${ctx.section}: unknown note "${r.rest}"` });
  else if (why !== null) ctx.unreadable.push({ what: path, why });
}

function unknownLine(ctx: Ctx, r: RecordLine): void {
  ctx.issues.push({ line: r.line, message: `${ctx.section}: unexpected line "${r.tag} ${r.rest}"` });
}

const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);

/** The last PCI address among the components of a sysfs path: the device that path belongs to. */
function pciOfPath(path: string): string | null {
  const parts = path.split('/');
  for (let i = parts.length - 1; i >= 0; i--) {
    const a = canonicalPciAddress(parts[i]!);
    if (a) return a;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// pci

/** The attribute files the collector reads per function (collect.sh `col_pci`), by index. */
const PCI_ATTRIBUTES = [
  'vendor', 'device', 'subsystem_vendor', 'subsystem_device', 'class', 'revision', 'numa_node',
  'current_link_speed', 'current_link_width', 'max_link_speed', 'max_link_width', 'reset_method',
  'boot_vga', 'sriov_totalvfs', 'sriov_numvfs', 'driver_override', 'secondary_bus_number', 'subordinate_bus_number',
] as const;
type PciAttribute = (typeof PCI_ATTRIBUTES)[number];
const ATTRIBUTE_INDEX = new Map<string, number>(PCI_ATTRIBUTES.map((name, i) => [name, i]));
/** Attribute indexes by name length, to match a name in place, without copying it out of the text. */
const ATTRIBUTES_BY_LENGTH: number[][] = [];
PCI_ATTRIBUTES.forEach((name, i) => (ATTRIBUTES_BY_LENGTH[name.length] ??= []).push(i));

/** The index of the attribute named by text[start, end), or -1. */
function attributeAt(text: string, start: number, end: number): number {
  const candidates = ATTRIBUTES_BY_LENGTH[end - start];
  if (!candidates) return -1;
  for (const i of candidates) {
    const name = PCI_ATTRIBUTES[i]!;
    // From the end: names of one length differ there (max_link_speed, max_link_width).
    let k = name.length - 1;
    while (k >= 0 && text.charCodeAt(start + k) === name.charCodeAt(k)) k--;
    if (k < 0) return i;
  }
  return -1;
}
const attributeIndex = (name: PciAttribute) => ATTRIBUTE_INDEX.get(name)!;
const VENDOR = attributeIndex('vendor');
const DEVICE = attributeIndex('device');
const SUBSYSTEM_VENDOR = attributeIndex('subsystem_vendor');
const SUBSYSTEM_DEVICE = attributeIndex('subsystem_device');
const CLASS = attributeIndex('class');
const REVISION = attributeIndex('revision');
const NUMA_NODE = attributeIndex('numa_node');
const CURRENT_LINK_SPEED = attributeIndex('current_link_speed');
const CURRENT_LINK_WIDTH = attributeIndex('current_link_width');
const MAX_LINK_SPEED = attributeIndex('max_link_speed');
const MAX_LINK_WIDTH = attributeIndex('max_link_width');
const RESET_METHOD = attributeIndex('reset_method');
const BOOT_VGA = attributeIndex('boot_vga');
const SRIOV_TOTALVFS = attributeIndex('sriov_totalvfs');
const SRIOV_NUMVFS = attributeIndex('sriov_numvfs');
const DRIVER_OVERRIDE = attributeIndex('driver_override');
const SECONDARY_BUS = attributeIndex('secondary_bus_number');
const SUBORDINATE_BUS = attributeIndex('subordinate_bus_number');

/**
 * One `P` block. Values are kept by attribute index (a line naming an attribute twice: the last
 * one counts); the links the patch needs are fields. Other attributes and links are not read by
 * this parser, so they are not kept.
 */
interface RawFunction {
  name: string;
  realPath: string;
  /**
   * The text the block was read in (the section's, or the collector output it lies in up to
   * `end`), where its P line starts at `start` and is line `line`.
   */
  text: string;
  start: number;
  end: number;
  line: number;
  values: (string | undefined)[];
  /** The pci-ids block each value taken from it came from (see parseSysfsSections); null when none. */
  filledFrom: (RawFunction | undefined)[] | null;
  driver: string | undefined;
  iommuGroup: string | undefined;
  physfn: string | undefined;
  /** `virtfnN` → target; null when the block has none. */
  virtfns: Map<string, string> | null;
  /** Attributes a `! unreadable` line named; null when none. */
  unreadable: Set<string> | null;
}

/** Whether text[start, end) is `word`. */
function wordAt(text: string, start: number, end: number, word: string): boolean {
  return end - start === word.length && text.startsWith(word, start);
}

/** Which of the links the patch needs text[start, end) names: `virtfn` for any `virtfn…`. */
function linkAt(text: string, start: number, end: number): 'driver' | 'iommu_group' | 'physfn' | 'virtfn' | null {
  if (wordAt(text, start, end, 'driver')) return 'driver';
  if (wordAt(text, start, end, 'iommu_group')) return 'iommu_group';
  if (wordAt(text, start, end, 'physfn')) return 'physfn';
  if (end - start >= 6 && text.startsWith('virtfn', start)) return 'virtfn';
  return null;
}

/**
 * One non-empty line of a walk section, by position in its text: "<tag> <name> <value>", the tag
 * one character for every line these sections should have (`tag` is -1 otherwise), the name up
 * to the next space, the value the rest. One object serves every line: on a host with thousands
 * of functions the pci section has hundreds of thousands of lines, and only the pieces kept are
 * copied out of the text.
 */
interface LineSpan {
  line: number;
  at: number;
  stop: number;
  tag: number;
  /** End of the tag (the first space, or the end of the line). */
  tagEnd: number;
  nameStart: number;
  nameEnd: number;
  valueStart: number;
}

/**
 * Calls `visit` for each non-empty line of content[from, to) (the first is line `firstLine`),
 * until it returns false.
 */
function scanLines(content: string, from: number, to: number, firstLine: number, visit: (l: LineSpan) => boolean | void): void {
  const l: LineSpan = { line: 0, at: 0, stop: 0, tag: -1, tagEnd: 0, nameStart: 0, nameEnd: 0, valueStart: 0 };
  for (let start = from, line = firstLine; start <= to; line++) {
    let end = content.indexOf('\n', start);
    if (end < 0 || end > to) end = to;
    const stop = end > start && content.charCodeAt(end - 1) === 13 ? end - 1 : end;
    const at = start;
    start = end + 1;
    if (stop === at) continue;
    // Tags are one character: the first space is searched for only when it is not just after it.
    let sp = content.charCodeAt(at + 1) === 0x20 && content.charCodeAt(at) !== 0x20 ? at + 1 : content.indexOf(' ', at);
    if (sp < 0 || sp > stop) sp = stop;
    const nameStart = Math.min(sp + 1, stop);
    let nameEnd = content.indexOf(' ', nameStart);
    if (nameEnd < 0 || nameEnd > stop) nameEnd = stop;
    l.line = line;
    l.at = at;
    l.stop = stop;
    l.tag = sp === at + 1 ? content.charCodeAt(at) : -1;
    l.tagEnd = sp;
    l.nameStart = nameStart;
    l.nameEnd = nameEnd;
    l.valueStart = Math.min(nameEnd + 1, stop);
    if (visit(l) === false) return;
  }
}

/** The line as a record, for a note or an issue: only such lines are copied out whole. */
function recordOf(content: string, l: LineSpan): RecordLine {
  return { tag: content.slice(l.at, l.tagEnd), rest: content.slice(l.nameStart, l.stop), line: l.line };
}

/**
 * The line of the block's `A` line for attribute `attr`, the last one (its value is kept), found
 * again by reading the block's lines: only an issue needs it, so blocks do not keep the line of
 * each attribute.
 */
function attributeLine(block: RawFunction, attr: number): number {
  const content = block.text;
  let found = block.line;
  const afterHeader = content.indexOf('\n', block.start) + 1;
  if (afterHeader === 0) return found;
  scanLines(content, afterHeader, block.end, block.line + 1, (l) => {
    if (l.tag === 0x50 /* P */) return false;
    if (l.tag === 0x41 /* A */ && attributeAt(content, l.nameStart, l.nameEnd) === attr) found = l.line;
    return true;
  });
  return found;
}

/**
 * The blocks of the pci section, each handed to `done` once its last line is read. With
 * `reuse`, one record is refilled for every block, so `done` must not keep it: on a big host a
 * record (and its list of values) per block would be garbage that brings every garbage
 * collection sooner.
 */
function readPciBlocks(ctx: Ctx, section: SectionSpan, reuse: boolean, done: (block: RawFunction) => void): void {
  const { output: content, start: from, end: to } = section;
  let cur: RawFunction | null = null;
  scanLines(content, from, to, 1, (l) => {
    const { line, at, stop, tag, nameStart, nameEnd, valueStart } = l;
    if (tag === 0x50 /* P */) {
      if (cur) done(cur);
      const name = content.slice(nameStart, nameEnd);
      const realPath = content.slice(valueStart, stop);
      if (reuse && cur) {
        cur.name = name;
        cur.realPath = realPath;
        cur.start = at;
        cur.line = line;
        cur.values.fill(undefined);
        cur.driver = undefined;
        cur.iommuGroup = undefined;
        cur.physfn = undefined;
        cur.virtfns = null;
        cur.unreadable = null;
      } else {
        cur = {
          name, realPath, text: content, start: at, end: to, line,
          values: new Array<string | undefined>(PCI_ATTRIBUTES.length), filledFrom: null,
          driver: undefined, iommuGroup: undefined, physfn: undefined, virtfns: null, unreadable: null,
        };
      }
    } else if (tag === 0x41 /* A */ && cur) {
      const index = attributeAt(content, nameStart, nameEnd);
      if (index >= 0) cur.values[index] = content.slice(valueStart, stop);
    } else if (tag === 0x4c /* L */ && cur) {
      // Link names compared in place: most blocks have one link, `driver`, and no other.
      const link = linkAt(content, nameStart, nameEnd);
      if (link === 'driver') cur.driver = content.slice(valueStart, stop);
      else if (link === 'iommu_group') cur.iommuGroup = content.slice(valueStart, stop);
      else if (link === 'physfn') cur.physfn = content.slice(valueStart, stop);
      else if (link === 'virtfn') (cur.virtfns ??= new Map()).set(content.slice(nameStart, nameEnd), content.slice(valueStart, stop));
    } else {
      const r = recordOf(content, l);
      if (r.tag !== '!') {
        unknownLine(ctx, r);
        return;
      }
      note(ctx, r);
      // An unreadable attribute of the current function: its value is unknown, not absent.
      const [kind, path] = nameValue(r.rest);
      if (cur && kind === 'unreadable' && path.startsWith(`${cur.realPath}/`)) (cur.unreadable ??= new Set()).add(baseName(path));
    }
  });
  if (cur) done(cur);
}

/** sysfs `0x%04x` / `0x%06x` / `0x%02x` values → "8086"; null when not exactly that form. */
function hexId(value: string | undefined, digits: number): string | null {
  if (value === undefined) return null;
  const v = value.trim();
  if (v.length !== digits + 2 || v.charCodeAt(0) !== 0x30 || v.charCodeAt(1) !== 0x78) return null;
  for (let i = 2; i < v.length; i++) if (!isHexDigit(v.charCodeAt(i))) return null;
  return v.slice(2).toLowerCase();
}

/**
 * A value of up to 10 decimal digits, with a "-" before them or not, blanks around it allowed
 * (as trim removes them), as Number reads it; null otherwise. Summed digit by digit: such a
 * number is exact.
 */
function decimal(value: string | undefined): number | null {
  if (value === undefined) return null;
  let from = 0;
  let to = value.length;
  while (from < to && isBlank(value.charCodeAt(from))) from++;
  while (to > from && isBlank(value.charCodeAt(to - 1))) to--;
  const negative = from < to && value.charCodeAt(from) === 0x2d;
  const n = decimalWithin(value, negative ? from + 1 : from, to, 10);
  return n !== null && negative ? -n : n;
}

/**
 * "8.0 GT/s PCIe" → 8; "Unknown" (and anything unparsable) → null. The form /^\d+(\.\d+)? GT\/s/,
 * read as parseFloat reads it: the digits as one integer over a power of ten, which one division
 * rounds as parseFloat does while both are exact (below 2^53 and up to 10^22).
 */
function speedGts(speed: string | null): number | null {
  if (!speed) return null;
  let i = 0;
  let digits = 0;
  let scale = 1;
  for (; isDigit(speed.charCodeAt(i)); i++) digits = digits * 10 + speed.charCodeAt(i) - 0x30;
  if (i === 0) return null;
  if (speed.charCodeAt(i) === 0x2e && isDigit(speed.charCodeAt(i + 1))) {
    for (i++; isDigit(speed.charCodeAt(i)); i++, scale *= 10) digits = digits * 10 + speed.charCodeAt(i) - 0x30;
  }
  if (!speed.startsWith(' GT/s', i)) return null;
  return digits <= Number.MAX_SAFE_INTEGER && scale <= 1e22 ? digits / scale : parseFloat(speed);
}

function linkSpeed(value: string | undefined): string | null {
  const v = value?.trim();
  return v && v !== 'Unknown' ? v : null;
}

function linkWidth(value: string | undefined): number | null {
  const v = decimal(value);
  return v && v > 0 ? v : null;
}

/**
 * PCIe link attributes exist only for PCIe functions (spec 3.2). "Unknown" speeds and width 0
 * (QEMU's xio3130 downstream ports report both as their maximum) are unknown, never a downgrade.
 */
function linkOf(values: readonly (string | undefined)[]): Link | null {
  const cur = values[CURRENT_LINK_SPEED];
  const curWidth = values[CURRENT_LINK_WIDTH];
  const max = values[MAX_LINK_SPEED];
  const maxWidth = values[MAX_LINK_WIDTH];
  if (cur === undefined && curWidth === undefined && max === undefined && maxWidth === undefined) return null;
  const currentSpeed = linkSpeed(cur);
  const currentWidth = linkWidth(curWidth);
  const maxSpeed = linkSpeed(max);
  const maximumWidth = linkWidth(maxWidth);
  const cs = speedGts(currentSpeed);
  const ms = speedGts(maxSpeed);
  const speedKnown = cs !== null && ms !== null;
  const widthKnown = currentWidth !== null && maximumWidth !== null;
  const slower = speedKnown && cs < ms;
  const narrower = widthKnown && currentWidth < maximumWidth;
  const downgraded = slower || narrower ? true : speedKnown && widthKnown ? false : null;
  return { currentSpeed, currentWidth, maxSpeed, maxWidth: maximumWidth, downgraded };
}

/** The virtfn links of a function that has none (most have none). */
const NO_LINKS: readonly string[] = [];

/**
 * The words of a `reset_method` value ("flr bus"), as value.split(/\s+/).filter(Boolean) finds
 * them, in a list of exactly that length: the list is kept in the snapshot, where filter's would
 * keep room for 17.
 */
function wordsOf(value: string): string[] {
  let count = 0;
  for (let i = 0; i < value.length; i++) {
    if (!isBlank(value.charCodeAt(i)) && (i === 0 || isBlank(value.charCodeAt(i - 1)))) count++;
  }
  const words = new Array<string>(count);
  for (let start = 0, k = 0; k < count; k++) {
    while (isBlank(value.charCodeAt(start))) start++;
    let end = start;
    while (end < value.length && !isBlank(value.charCodeAt(end))) end++;
    words[k] = value.slice(start, end);
    start = end;
  }
  return words;
}

/** `pci_is_vga()`: VGA-compatible display controller, or the pre-2.0 "not defined, VGA" class. */
const isVgaClass = (classCode: string) => classCode === '0300' || classCode === '0001';

function malformed(ctx: Ctx, raw: RawFunction, address: string, attr: number): void {
  ctx.issues.push({ line: attributeLine(raw.filledFrom?.[attr] ?? raw, attr), message: `pci: ${address} ${PCI_ATTRIBUTES[attr]} "${raw.values[attr]}" is malformed` });
}

/** The device directory above a function's: the parent bridge's address, null for a root bus. */
function parentOfPath(sysfsPath: string): string | null {
  const last = sysfsPath.lastIndexOf('/');
  if (last < 0) return null;
  return canonicalPciAddress(sysfsPath.slice(sysfsPath.lastIndexOf('/', last - 1) + 1, last));
}

/** An id attribute (`0x%04x`) as four hex digits; undefined when the block has no such line. */
function idOf(ctx: Ctx, raw: RawFunction, address: string, attr: number): string | null | undefined {
  if (raw.values[attr] === undefined) return undefined;
  const id = hexId(raw.values[attr], 4);
  if (id === null) malformed(ctx, raw, address, attr);
  return id;
}

/**
 * The function's patch; `resetMethods` is undefined when the block says nothing about it (see
 * parseSysfsSections), `physicalSlot` until the slots are read. A whole patch (parts.ts
 * FunctionSlice.whole): one object with every field of PciFunction but `sources`, in its order,
 * undefined where sysfs says nothing, which the snapshot builder can make the function itself.
 */
function toPatch(ctx: Ctx, raw: RawFunction, groupOf: ReadonlyMap<number, number>): FunctionPatch | null {
  const address = canonicalPciAddress(raw.name);
  if (!address) {
    ctx.issues.push({ line: raw.line, message: `pci: "${raw.name}" is not a PCI address; block skipped` });
    return null;
  }
  const a = raw.values;

  const vendorId = idOf(ctx, raw, address, VENDOR);
  const deviceId = idOf(ctx, raw, address, DEVICE);
  const subsystemVendorId = idOf(ctx, raw, address, SUBSYSTEM_VENDOR);
  const subsystemDeviceId = idOf(ctx, raw, address, SUBSYSTEM_DEVICE);
  let classCode: string | null | undefined;
  let progIf: string | null | undefined;
  if (a[CLASS] !== undefined) {
    const cls = hexId(a[CLASS], 6);
    if (cls === null) malformed(ctx, raw, address, CLASS);
    classCode = cls ? cls.slice(0, 4) : null;
    progIf = cls ? cls.slice(4) : null;
  }
  let revision: string | null | undefined;
  if (a[REVISION] !== undefined) {
    revision = hexId(a[REVISION], 2);
    if (revision === null) malformed(ctx, raw, address, REVISION);
  }
  let numaNode: number | null | undefined;
  if (a[NUMA_NODE] !== undefined) {
    const node = decimal(a[NUMA_NODE]);
    if (node === null) malformed(ctx, raw, address, NUMA_NODE);
    numaNode = node !== null && node >= 0 ? node : null;
  }

  let resetMethods: string[] | null | undefined;
  if (raw.unreadable?.has('reset_method')) resetMethods = null;
  else if (a[RESET_METHOD] !== undefined) resetMethods = wordsOf(a[RESET_METHOD]);

  // boot_vga is created for VGA-class functions only (pci-sysfs.c) and the walk looks for it on
  // every function: absent = not the boot VGA. Earlier collectors looked only where the class was
  // VGA, so there a VGA function without the file stays unknown.
  let bootVga: boolean | null | undefined;
  if (a[BOOT_VGA] !== undefined) bootVga = a[BOOT_VGA].trim() === '1';
  else if (!raw.unreadable?.has('boot_vga')) bootVga = classCode && isVgaClass(classCode) ? null : false;

  const vfLinks = raw.virtfns === null ? NO_LINKS : [...raw.virtfns.keys()]
    .filter((n) => /^virtfn\d+$/.test(n))
    .sort((x, y) => Number(x.slice(6)) - Number(y.slice(6)));
  let sriov: FunctionPatch['sriov'] = null;
  if (a[SRIOV_TOTALVFS] !== undefined || vfLinks.length > 0) {
    const vfs: string[] = [];
    for (const n of vfLinks) {
      const vf = canonicalPciAddress(baseName(raw.virtfns!.get(n)!));
      if (vf) vfs.push(vf);
      else ctx.issues.push({ line: raw.line, message: `pci: ${address} ${n} does not point at a PCI function` });
    }
    sriov = { totalVfs: decimal(a[SRIOV_TOTALVFS]), numVfs: decimal(a[SRIOV_NUMVFS]), vfs };
  }

  let driverOverride: string | null | undefined;
  if (a[DRIVER_OVERRIDE] !== undefined) {
    const o = a[DRIVER_OVERRIDE].trim();
    driverOverride = o === '' || o === '(null)' ? null : o;
  }
  // The collector reads a function's group from the group's member list (iommu-groups), the
  // kernel's other link between the two (iommu_group_add_device); older output has the link.
  const group = raw.iommuGroup;
  let iommuGroup: number | null;
  if (group === undefined) {
    iommuGroup = groupOf.get(canonicalAddressKey(address)) ?? null;
  } else if (group) {
    iommuGroup = decimal(baseName(group));
    if (iommuGroup === null) ctx.issues.push({ line: raw.line, message: `pci: ${address} iommu_group "${group}" is not a group directory` });
  } else {
    iommuGroup = null;
  }

  let sysfsPath: string | undefined;
  let parent: string | null | undefined;
  if (raw.realPath.startsWith('/sys/devices/')) {
    sysfsPath = raw.realPath.slice('/sys/devices/'.length);
    // The directory above the function: a bridge's address, or pciDDDD:BB for a root bus.
    parent = parentOfPath(sysfsPath);
  } else {
    ctx.issues.push({ line: raw.line, message: `pci: ${address} resolves outside /sys/devices: "${raw.realPath}"` });
  }
  return {
    address, vendorId, deviceId, subsystemVendorId, subsystemDeviceId,
    vendorName: undefined, deviceName: undefined, subsystemName: undefined,
    classCode, progIf, className: undefined, revision, headerType: undefined, multifunction: undefined, pcieType: undefined,
    driver: raw.driver ? baseName(raw.driver) : null,
    driverOverride, modules: undefined, iommuGroup, numaNode, link: linkOf(a), resetMethods, bootVga, sriov,
    physfn: raw.physfn ? canonicalPciAddress(baseName(raw.physfn)) : null,
    acs: undefined, flr: undefined, parent, sysfsPath, physicalSlot: undefined,
    // secondary_bus_number / subordinate_bus_number are decimal (spec 3.2), bridges only.
    secondaryBus: decimal(a[SECONDARY_BUS]),
    subordinateBus: decimal(a[SUBORDINATE_BUS]),
    slotImplemented: undefined, slotNumber: undefined,
  };
}

type RootBus = Snapshot['rootBuses'][number];

/** Adds the root buses a sysfs path goes through to `seen`, by name, the first time each is met. */
function addRootBuses(seen: Map<string, RootBus>, path: string): void {
  // Only path components that start with "pci" can name a root bus ("pci0000:00").
  for (let at = path.indexOf('pci'); at >= 0; at = path.indexOf('pci', at + 3)) {
    if (at > 0 && path.charCodeAt(at - 1) !== 0x2f) continue;
    let end = path.indexOf('/', at);
    if (end < 0) end = path.length;
    const part = path.slice(at, end);
    if (seen.has(part)) continue;
    const m = /^pci([0-9a-f]{4,8}):([0-9a-f]{2})$/.exec(part);
    if (m) seen.set(part, { name: part, domain: parseInt(m[1]!, 16), bus: parseInt(m[2]!, 16) });
  }
}

// ---------------------------------------------------------------------------------------------
// iommu-groups, iommu-class

/** `0x%016llx 0x%016llx <type>` (spec 3.1); tested, not matched: its two spaces then split it. */
const RESERVED_REGION = /^0x[0-9a-fA-F]+ 0x[0-9a-fA-F]+ \S+$/;

type ReservedRegion = NonNullable<IommuGroup['reservedRegions']>[number];

/**
 * Sorts addresses in place (comparePciAddresses) unless they already are in order, as a group's
 * members nearly always are: the collector lists them with the shell's glob (`devices/*`), which
 * sorts them.
 */
function sortAddresses(addresses: string[]): void {
  for (let i = 1; i < addresses.length; i++) {
    if (comparePciAddresses(addresses[i - 1]!, addresses[i]!) > 0) {
      addresses.sort(comparePciAddresses);
      return;
    }
  }
}

/**
 * The `iommu-groups` section, read by position like the pci section: a big host has thousands
 * of groups, and only their numbers, types, regions and member names are copied out.
 */
function parseGroups(ctx: Ctx, section: SectionSpan): IommuGroup[] {
  const { output: content, start: from, end: to } = section;
  const groups: IommuGroup[] = [];
  // The group being read: its number (null before the first `G` line and after an unreadable
  // one), its type, and whether its reserved_regions file was read. Its object is made when it
  // ends, with all it holds, rather than filled in as its lines come.
  let id: number | null = null;
  let type: string | null = null;
  let regionsRead = false;
  // The groups' lists are collected in one list each, group after group, and a group gets a copy
  // of its part when it ends: an array grown by push keeps room for 17 entries, and a big host
  // has thousands of groups of one or two members and regions each, all kept in the snapshot.
  const devices: string[] = [];
  const otherMembers: string[] = [];
  const regions: ReservedRegion[] = [];
  // A big host's groups have the same few types and reserved regions (the MSI window in every
  // group): each is read once, and its strings then serve every group in the snapshot.
  let lastType: string | null = null;
  const regionsByText = new Map<string, ReservedRegion>();
  /** Where the current group's part of each list starts. */
  let devicesFrom = 0;
  let otherMembersFrom = 0;
  let regionsFrom = 0;
  const finishGroup = () => {
    if (id !== null) {
      groups.push({
        id, type, devices: devices.slice(devicesFrom), otherMembers: otherMembers.slice(otherMembersFrom),
        reservedRegions: regionsRead ? regions.slice(regionsFrom) : null,
      });
    }
    devicesFrom = devices.length;
    otherMembersFrom = otherMembers.length;
    regionsFrom = regions.length;
  };
  scanLines(content, from, to, 1, (l) => {
    const { line, stop, tag, nameStart, nameEnd, valueStart } = l;
    if (tag === 0x47 /* G */) {
      finishGroup();
      id = decimal(content.slice(nameStart, stop));
      type = null;
      regionsRead = false;
      if (id === null) ctx.issues.push({ line, message: `iommu-groups: "${content.slice(nameStart, stop)}" is not a group number` });
    } else if (tag === 0x21 /* ! */) {
      note(ctx, recordOf(content, l));
    } else if (id === null) {
      unknownLine(ctx, recordOf(content, l));
    } else if (tag === 0x41 /* A */) {
      if (wordAt(content, nameStart, nameEnd, 'type')) {
        const read = content.slice(valueStart, stop).trim() || null;
        type = read === lastType ? lastType : (lastType = read);
      }
    } else if (tag === 0x46 /* F */ && wordAt(content, nameStart, stop, 'reserved_regions')) {
      // The file is there: its regions follow (and replace any listed before).
      regionsRead = true;
      regionsFrom = regions.length;
    } else if (tag === 0x52 /* R */) {
      const text = content.slice(nameStart, stop).trim();
      let known = regionsByText.get(text);
      if (!known && RESERVED_REGION.test(text)) {
        const startEnd = text.indexOf(' ');
        const endEnd = text.indexOf(' ', startEnd + 1);
        known = { start: text.slice(0, startEnd), end: text.slice(startEnd + 1, endEnd), type: text.slice(endEnd + 1) };
        regionsByText.set(text, known);
      }
      if (known) {
        regionsRead = true;
        // A region object of its own: groups do not share what the snapshot lets be changed.
        regions.push({ start: known.start, end: known.end, type: known.type });
      } else {
        ctx.issues.push({ line, message: `iommu-groups: reserved region "${content.slice(nameStart, stop)}" is malformed` });
      }
    } else if (tag === 0x4d /* M */) {
      const name = content.slice(nameStart, nameEnd);
      const address = canonicalPciAddress(name);
      if (address) devices.push(address);
      else otherMembers.push(name);
    } else {
      unknownLine(ctx, recordOf(content, l));
    }
  });
  finishGroup();
  // Indexed, as the loops of parseSysfsSections (see there).
  for (let i = 0; i < groups.length; i++) sortAddresses(groups[i]!.devices);
  return groups.sort((x, y) => x.id - y.id);
}

/** Unit kind: the attribute directory the driver creates; SMMU units are named smmu3.<addr> / smmu.<addr>. */
function unitKind(name: string, attrDir: string | null): IommuUnitInfo['kind'] {
  if (attrDir === 'intel-iommu') return 'intel';
  if (attrDir === 'amd-iommu') return 'amd';
  if (/^smmu/.test(name)) return 'arm-smmu';
  return 'other';
}

/** Always `<attribute dir>/<file>` (intel-iommu/cap): never a bare key such as "constructor". */
const UNIT_ATTRIBUTE = /^[\w-]+\/[\w.-]+$/;

/** The `iommu-class` section, read by position: each unit lists every device it translates for. */
function parseUnits(ctx: Ctx, section: SectionSpan): IommuUnitInfo[] {
  const { output: content, start: from, end: to } = section;
  const units: { unit: IommuUnitInfo; attrDir: string | null; attributes: Map<string, string> }[] = [];
  let cur: (typeof units)[number] | null = null;
  scanLines(content, from, to, 1, (l) => {
    const { stop, tag, nameStart, nameEnd, valueStart } = l;
    if (tag === 0x55 /* U */) {
      cur = { unit: { name: content.slice(nameStart, nameEnd), kind: 'other', devices: [], attributes: {} }, attrDir: null, attributes: new Map() };
      units.push(cur);
    } else if (tag === 0x21 /* ! */) {
      note(ctx, recordOf(content, l));
    } else if (!cur) {
      unknownLine(ctx, recordOf(content, l));
    } else if (tag === 0x4b /* K */) {
      cur.attrDir = content.slice(nameStart, stop);
    } else if (tag === 0x41 /* A */) {
      const name = content.slice(nameStart, nameEnd);
      if (UNIT_ATTRIBUTE.test(name)) cur.attributes.set(name, content.slice(valueStart, stop));
      else unknownLine(ctx, recordOf(content, l));
    } else if (tag === 0x4d /* M */) {
      cur.unit.devices.push(content.slice(nameStart, nameEnd));
    } else {
      unknownLine(ctx, recordOf(content, l));
    }
  });
  // fromEntries defines own properties, so a file named "__proto__" cannot reach the prototype.
  return units.map(({ unit, attrDir, attributes }) => ({
    ...unit, kind: unitKind(unit.name, attrDir), attributes: Object.fromEntries(attributes),
  }));
}

// ---------------------------------------------------------------------------------------------
// pci-slots, acpi-tables, dmi-id

/**
 * The `pci-slots` section. A slot holds the functions its address names; each of those gets the
 * first slot naming it as its physicalSlot (as lspci's "Physical Slot:"). Elsewhere DMI may still
 * know the slot, so there sysfs says nothing.
 */
function parseSlots(ctx: Ctx, content: string, functions: readonly FunctionPatch[]): Slot[] {
  const slots: Slot[] = [];
  let cur: Slot | null = null;
  for (const r = new RecordLines(content); r.next();) {
    if (r.tag === 'S') {
      cur = {
        name: r.rest, source: 'sysfs', designation: null, type: null, width: null, inUse: null,
        busAddress: null, rootPort: null, devices: [],
      };
      slots.push(cur);
    } else if (r.tag === '!') {
      note(ctx, r);
    } else if (r.tag === 'A' && cur) {
      const [name, value] = nameValue(r.rest);
      if (name === 'address') cur.busAddress = value.trim() || null;
      // `adapter` exists for hotplug slots only: 1 = a card is present (spec 3.3).
      else if (name === 'adapter') cur.inUse = value.trim() === '1' ? true : value.trim() === '0' ? false : null;
    } else {
      unknownLine(ctx, r);
    }
  }
  // The slots that name a device, by the key of its function 0 (canonicalAddressKey, whose last
  // three bits are the function number): one pass over the functions then finds the members of
  // all of them, each by a number rather than a string cut out of its address.
  const bySlot = new Map<number, Slot[]>();
  for (const slot of slots) {
    // `DDDD:BB:SS` names one slot; `DDDD:BB` (slot number unknown) matches no function, as in lspci.
    const m = slot.busAddress ? /^([0-9a-f]{4,8}):([0-9a-f]{2}):([0-9a-f]{2})$/i.exec(slot.busAddress) : null;
    if (!m) continue;
    // The functions are named canonically: none is in a slot whose function 0 would not be.
    const functionZero = `${m[1]!.toLowerCase().padStart(4, '0')}:${m[2]!.toLowerCase()}:${m[3]!.toLowerCase()}.0`;
    if (!isCanonicalPciAddress(functionZero)) continue;
    const key = canonicalAddressKey(functionZero);
    const named = bySlot.get(key);
    if (named) named.push(slot);
    else bySlot.set(key, [slot]);
  }
  if (bySlot.size > 0) {
    // Indexed, as the loops of parseSysfsSections (see there).
    for (let i = 0; i < functions.length; i++) {
      const f = functions[i]!;
      const a = f.address;
      const key = canonicalAddressKey(a);
      const named = bySlot.get(key - (key % 8));
      if (!named) continue;
      f.physicalSlot = named[0]!.name;
      for (const slot of named) slot.devices.push(a);
    }
    for (const named of bySlot.values()) for (const slot of named) slot.devices.sort(comparePciAddresses);
  }
  return slots;
}

const IOMMU_TABLES = ['DMAR', 'IVRS'];

function parseAcpiTables(ctx: Ctx, content: string): string[] | null {
  const names: string[] = [];
  let readable = true;
  for (const r = new RecordLines(content); r.next();) {
    if (r.tag === 'T') names.push(r.rest);
    else if (r.tag === '!') {
      note(ctx, r);
      if (r.rest.startsWith('unreadable')) readable = false;
    } else unknownLine(ctx, r);
  }
  return readable ? IOMMU_TABLES.filter((t) => names.includes(t)) : null;
}

const DMI_FIELDS = new Map<string, keyof Host['dmi']>([
  ['sys_vendor', 'systemVendor'], ['product_name', 'systemProduct'], ['board_vendor', 'boardVendor'],
  ['board_name', 'boardName'], ['board_version', 'boardVersion'], ['bios_vendor', 'biosVendor'],
  ['bios_version', 'biosVersion'], ['bios_date', 'biosDate'],
]);

function parseDmi(ctx: Ctx, content: string): Host['dmi'] | null {
  const dmi: Host['dmi'] = {
    systemVendor: null, systemProduct: null, boardVendor: null, boardName: null, boardVersion: null,
    biosVendor: null, biosVersion: null, biosDate: null,
  };
  let any = false;
  for (const r = new RecordLines(content); r.next();) {
    if (r.tag === '!') {
      note(ctx, r);
      continue;
    }
    const [name, value] = nameValue(r.rest);
    const field = DMI_FIELDS.get(name);
    if (r.tag !== 'A' || !field) {
      unknownLine(ctx, r);
      continue;
    }
    dmi[field] = value.trim() || null;
    any = true;
  }
  return any ? dmi : null;
}

// ---------------------------------------------------------------------------------------------
// hostusage

/** /proc/mounts escapes space, tab, newline and backslash as octal (`\040`). */
const unescapeMount = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

function ipv4ToInt(ip: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return null;
  const b = m.slice(1).map(Number);
  return b.some((x) => x > 255) ? null : ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

const byteSwap = (n: number) => (((n & 0xff) << 24) | ((n & 0xff00) << 8) | ((n >>> 8) & 0xff00) | (n >>> 24)) >>> 0;

/** IPv6 text → 32 lowercase hex digits (the /proc/net/if_inet6 form); null when not IPv6. */
function ipv6Hex(ip: string): string | null {
  if (!/^[0-9a-fA-F:]+$/.test(ip) || ip.split('::').length > 2) return null;
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, null];
  const groups = (s: string | undefined) => (s ? s.split(':') : []);
  const h = groups(head);
  const t = tail === null ? [] : groups(tail);
  const missing = 8 - h.length - t.length;
  if (missing < 0 || (tail === null && missing !== 0)) return null;
  const all = [...h, ...Array<string>(missing).fill('0'), ...t];
  if (all.some((g) => g.length < 1 || g.length > 4)) return null;
  return all.map((g) => g.toLowerCase().padStart(4, '0')).join('');
}

interface Route { iface: string; dest: number; gateway: number; mask: number }

/**
 * The interface holding the SSH server address: `ip -o addr` when it ran; else the most specific
 * directly connected route in /proc/net/route (IPv4; its hex words are in host byte order, so
 * both orders are tried) or the address list in /proc/net/if_inet6 (IPv6).
 */
function sshInterfaceName(serverIp: string, ipAddrs: { iface: string; ip: string }[], routes: Route[], inet6: { hex: string; iface: string }[]): string | null {
  const [bare, zone] = serverIp.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '').split('%') as [string, string | undefined];
  if (zone) return zone;
  const byIp = ipAddrs.find((a) => a.ip.toLowerCase() === bare.toLowerCase());
  if (byIp) return byIp.iface;
  const v4 = ipv4ToInt(bare);
  if (v4 !== null) {
    for (const order of [byteSwap, (n: number) => n]) {
      const ip = order(v4);
      const hit = routes
        .filter((r) => r.gateway === 0 && ((ip & r.mask) >>> 0) === r.dest)
        .sort((x, y) => order(y.mask) - order(x.mask))[0];
      if (hit) return hit.iface;
    }
    return null;
  }
  const hex = ipv6Hex(bare);
  return (hex && inet6.find((a) => a.hex === hex)?.iface) || null;
}

function parseHostUsage(ctx: Ctx, content: string): HostUsage {
  const mounts: { source: string; mountPoint: string }[] = [];
  const blocks = new Map<string, { path: string; slaves: string[]; dmName: string | null }>();
  const nets: { name: string; pciDevice: string | null }[] = [];
  const ipAddrs: { iface: string; ip: string }[] = [];
  const routes: Route[] = [];
  const inet6: { hex: string; iface: string }[] = [];
  const consoles = new Set<string>();
  let ssh: string | null = null;

  const block = (name: string) => {
    let b = blocks.get(name);
    if (!b) blocks.set(name, (b = { path: '', slaves: [], dmName: null }));
    return b;
  };
  for (const r = new RecordLines(content); r.next();) {
    const f = r.rest.split(/\s+/);
    switch (r.tag) {
      case 'mount':
        if (f.length >= 2) mounts.push({ source: unescapeMount(f[0]!), mountPoint: unescapeMount(f[1]!) });
        else unknownLine(ctx, r);
        break;
      case 'block': block(f[0]!).path = f[1] ?? ''; break;
      case 'slave': if (f[1]) block(f[0]!).slaves.push(f[1]); break;
      case 'dm': block(f[0]!).dmName = nameValue(r.rest)[1] || null; break;
      case 'net': nets.push({ name: f[0]!, pciDevice: f[1] ? pciOfPath(f[1]) : null }); break;
      case 'ssh': ssh = r.rest; break;
      case 'ipaddr': {
        const m = /^\d+:\s+(\S+)\s+inet6?\s+([0-9a-fA-F:.]+)\//.exec(r.rest);
        if (m) ipAddrs.push({ iface: m[1]!, ip: m[2]! });
        break;
      }
      case 'route': {
        // Iface Destination Gateway Flags RefCnt Use Metric Mask …; the header line has no hex.
        const hex = (s: string | undefined) => (s && /^[0-9A-Fa-f]{8}$/.test(s) ? parseInt(s, 16) : null);
        const [dest, gateway, mask] = [hex(f[1]), hex(f[2]), hex(f[7])];
        if (dest !== null && gateway !== null && mask !== null) routes.push({ iface: f[0]!, dest, gateway, mask });
        break;
      }
      case 'inet6':
        if (f.length >= 6 && /^[0-9a-f]{32}$/.test(f[0]!)) inet6.push({ hex: f[0]!, iface: f[5]! });
        break;
      case 'fb':
      case 'drm': {
        const pci = f[1] ? pciOfPath(f[1]) : null;
        if (pci) consoles.add(pci);
        break;
      }
      case '!': note(ctx, r); break;
      default: unknownLine(ctx, r);
    }
  }

  // A filesystem's PCI devices: the controller in its block device's path, or, for device-mapper
  // and md devices (virtual paths), those of the devices in its `slaves/`.
  const pciOfBlock = (name: string, seen: Set<string>): string[] => {
    const b = blocks.get(name);
    if (!b || seen.has(name)) return [];
    seen.add(name);
    const own = pciOfPath(b.path);
    return own ? [own] : b.slaves.flatMap((s) => pciOfBlock(s, seen));
  };
  const blockOfSource = (source: string): string | null => {
    const mapper = /^\/dev\/mapper\/(.+)$/.exec(source);
    if (mapper) return [...blocks].find(([, b]) => b.dmName === mapper[1])?.[0] ?? null;
    const dev = /^\/dev\/([^/]+)$/.exec(source);
    return dev && blocks.has(dev[1]!) ? dev[1]! : null;
  };

  let sshInterface: HostUsage['sshInterface'] = null;
  if (ssh !== null) {
    const serverIp = (ssh as string).split(/\s+/)[2];
    const name = serverIp ? sshInterfaceName(serverIp, ipAddrs, routes, inet6) : null;
    if (name) sshInterface = { name, pciDevice: nets.find((n) => n.name === name)?.pciDevice ?? null };
    else ctx.unreadable.push({ what: 'SSH interface', why: `no interface found holding the SSH server address in "${ssh}"` });
  }

  return {
    mounts: mounts.map((m) => {
      const name = blockOfSource(m.source);
      const pci = name ? [...new Set(pciOfBlock(name, new Set()))].sort(comparePciAddresses) : [];
      return { mountPoint: m.mountPoint, source: m.source, pciDevices: pci };
    }),
    sshInterface,
    consoleDevices: [...consoles].sort(comparePciAddresses),
    netInterfaces: nets,
  };
}

// ---------------------------------------------------------------------------------------------

/** Parse the sysfs sections of one collector run; sections that are absent yield null / []. */
export function parseSysfsSections(sections: readonly SectionInput[]): ParseResult<SysfsDump> {
  const issues: ParseIssue[] = [];
  const unreadable: Unreadable[] = [];
  const ctx = (section: string): Ctx => ({ section, issues, unreadable });
  const content = (name: string) => sections.find((s) => s.name === name)?.content ?? null;
  // The big sections are read where they lie in the collector output, when that is known (see
  // collector-output.ts sectionSpan).
  const span = (name: string): SectionSpan | null => {
    const section = sections.find((s) => s.name === name);
    if (!section) return null;
    return sectionSpan(section) ?? { output: section.content, start: 0, end: section.content.length };
  };

  // The groups come first (a function's group is its group's member list), their issues and
  // notes go to where they always were: after the pci and pci-slots sections'.
  const groupsText = span('iommu-groups');
  const groupsCtx: Ctx = { section: 'iommu-groups', issues: [], unreadable: [] };
  const groups = groupsText === null ? null : parseGroups(groupsCtx, groupsText);
  // A function two groups list is in the first: the groups are read last to first, each setting
  // its members, so that each member costs one map operation; they are canonical addresses, by
  // canonicalAddressKey. The loops over all groups or all functions here are indexed: this runs
  // once per parse, largely before the optimiser compiles it, and a for-of there allocates an
  // iterator result per element.
  const groupOf = new Map<number, number>();
  const listed = groups ?? [];
  for (let i = listed.length - 1; i >= 0; i--) {
    const { id, devices } = listed[i]!;
    for (let k = 0; k < devices.length; k++) groupOf.set(canonicalAddressKey(devices[k]!), id);
  }

  const pci = span('pci');
  const functions: FunctionPatch[] = [];
  const rootBuses = new Map<string, RootBus>();
  let kernelHasResetMethod = false;
  // The issues about values follow those about lines (of both pci sections).
  const patchCtx: Ctx = { section: 'pci', issues: [], unreadable };
  const convert = (f: RawFunction) => {
    kernelHasResetMethod ||= f.values[RESET_METHOD] !== undefined || f.unreadable?.has('reset_method') === true;
    addRootBuses(rootBuses, f.realPath);
    const patch = toPatch(patchCtx, f, groupOf);
    if (patch) functions.push(patch);
  };
  // pci-ids: what the walk leaves to lspci, read when lspci failed. Its blocks complete the
  // pci section's blocks of the same name (a value already there stays), so then the pci blocks
  // are all kept until it is read. Without it each block is converted as soon as it ends: on a
  // big host, kept blocks would be copied by every garbage collection until the last one.
  const ids = span('pci-ids');
  if (ids === null) {
    if (pci !== null) readPciBlocks(ctx('pci'), pci, true, convert);
  } else {
    const raw: RawFunction[] = [];
    if (pci !== null) readPciBlocks(ctx('pci'), pci, false, (f) => raw.push(f));
    const byName = new Map(raw.map((f) => [f.name, f]));
    readPciBlocks(ctx('pci-ids'), ids, false, (extra) => {
      const f = byName.get(extra.name);
      if (!f) return;
      extra.values.forEach((value, i) => {
        if (value === undefined || f.values[i] !== undefined) return;
        f.values[i] = value;
        (f.filledFrom ??= [])[i] = extra;
      });
      for (const name of extra.unreadable ?? []) (f.unreadable ??= new Set()).add(name);
    });
    raw.forEach(convert);
  }
  // reset_method (Linux 5.15+) exists only for resettable functions; on a kernel that has it
  // (some function lists it) an absent file means "cannot be reset", on an older one: unknown.
  for (let i = 0; i < functions.length; i++) {
    const f = functions[i]!;
    if (f.resetMethods === undefined) f.resetMethods = kernelHasResetMethod ? [] : null;
  }
  issues.push(...patchCtx.issues);

  const slotsText = content('pci-slots');
  const slots = slotsText === null ? [] : parseSlots(ctx('pci-slots'), slotsText, functions);
  issues.push(...groupsCtx.issues);
  unreadable.push(...groupsCtx.unreadable);

  const unitsText = span('iommu-class');
  const acpiText = content('acpi-tables');
  const dmiText = content('dmi-id');
  const hostText = content('hostusage');
  return {
    data: {
      functions,
      groups,
      rootBuses: [...rootBuses.values()].sort((x, y) => x.domain - y.domain || x.bus - y.bus),
      units: unitsText === null ? null : parseUnits(ctx('iommu-class'), unitsText),
      slots,
      hostUsage: hostText === null ? null : parseHostUsage(ctx('hostusage'), hostText),
      firmwareTables: acpiText === null ? null : parseAcpiTables(ctx('acpi-tables'), acpiText),
      dmi: dmiText === null ? null : parseDmi(ctx('dmi-id'), dmiText),
      unreadable,
    },
    issues,
  };
}
