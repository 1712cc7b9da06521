/**
 * `dmidecode` text: the SMBIOS records that name the machine (types 0, 1, 2) and its expansion
 * slots (type 9, "System Slot Information", SMBIOS spec DSP0134 section 7.10). Accepts the full
 * output, `dmidecode -t 9` and records cut out of either; indentation may be tabs (as dmidecode
 * prints it) or spaces (after an editor or a web page converted them).
 *
 * Real example (dmidecode 3.4, Supermicro X11SCL-IF):
 *
 *     Handle 0x000A, DMI type 9, 17 bytes
 *     System Slot Information
 *     	Designation: CPU SLOT1 PCI-E 3.0 X16
 *     	Type: x16 PCI Express 3 x16
 *     	Current Usage: In Use
 *     	Length: Short
 *     	ID: 1
 *     	Characteristics:
 *     		3.3 V is provided
 *     		Opening is shared
 *     		PME signal is supported
 *     	Bus Address: 0000:01:00.0
 *
 * dmidecode up to 3.5 prints the data bus width as a prefix of `Type:` ("x16 PCI Express 3 x16");
 * later versions print `Type: PCI Express 3 x16` and a separate `Data Bus Width: 16x or x16`
 * (dmidecode.c, case 9). Both are read.
 *
 * Firmware often fills `Bus Address` with placeholders for empty slots (`0000:ff:00.0` on the
 * Fujitsu TX1320 M3, `0000:00:1f.7` on ASUS X570 boards, which have no such device). The value is
 * kept as printed: whether it means anything is for the analysis to judge against the topology.
 */
import type { ParseIssue, ParseResult, Slot } from '../model/snapshot.ts';
import { normalizePciAddress } from '../model/pci-address.ts';

export interface DmiInfo {
  system: { vendor: string | null; product: string | null };
  board: { vendor: string | null; name: string | null; version: string | null };
  bios: { vendor: string | null; version: string | null; date: string | null };
  slots: Slot[];
}

/** One record: its type, where it starts, and its top-level `Key: value` attributes. */
interface DmiRecord {
  type: number;
  handle: string | null;
  line: number;
  attributes: Map<string, string>;
}

const HANDLE = /^Handle 0x([0-9A-Fa-f]{4}), DMI type (\d+), (\d+) bytes\s*$/;
/** Record titles that identify the type when a paste starts without its `Handle` line. */
const TITLE_TYPES = new Map<string, number>([
  ['BIOS Information', 0],
  ['System Information', 1],
  ['Base Board Information', 2],
  ['System Slot Information', 9],
]);

/** Tabs count as 8 columns, so tab- and space-indented pastes measure alike. */
function indentWidth(line: string): number {
  let width = 0;
  for (const ch of line) {
    if (ch === '\t') width += 8 - (width % 8);
    else if (ch === ' ') width += 1;
    else break;
  }
  return width;
}

/**
 * dmidecode prints "Not Specified" for a string field whose index is 0, i.e. the firmware gave
 * no string (dmidecode.c `dmi_string`), and prints nothing after the colon for an empty string.
 * Both mean "unknown". Placeholders the firmware did store ("To Be Filled By O.E.M.") are kept.
 */
function stringValue(value: string | undefined): string | null {
  if (value === undefined) return null;
  const v = value.trim();
  return v === '' || v === 'Not Specified' ? null : v;
}

function splitRecords(text: string, issues: ParseIssue[]): DmiRecord[] {
  const records: DmiRecord[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n|\r/);
  let current: DmiRecord | null = null;
  /** Type announced by a `Handle` line whose title line has not been seen yet. */
  let pending: { type: number; handle: string; line: number } | null = null;
  let baseIndent: number | null = null;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const lineNo = i + 1;
    if (!line.trim()) continue;
    const indent = indentWidth(line);

    if (indent === 0) {
      const handle = HANDLE.exec(line);
      if (handle) {
        pending = { type: Number(handle[2]), handle: `0x${handle[1]!.toUpperCase()}`, line: lineNo };
        current = null;
        continue;
      }
      if (/^Handle\b/.test(line)) {
        issues.push({ line: lineNo, message: 'unreadable record header; the record is skipped' });
        pending = null;
        current = null;
        continue;
      }
      if (pending) {
        // The line after `Handle …` is the record title ("System Slot Information").
        current = { type: pending.type, handle: pending.handle, line: pending.line, attributes: new Map() };
        records.push(current);
        pending = null;
        baseIndent = null;
        continue;
      }
      const titled = TITLE_TYPES.get(line.trim());
      if (titled !== undefined) {
        current = { type: titled, handle: null, line: lineNo, attributes: new Map() };
        records.push(current);
        baseIndent = null;
        continue;
      }
      // Prompts, "# dmidecode 3.5", "SMBIOS 3.1.1 present.", "Table at …": not records.
      current = null;
      continue;
    }

    if (!current) continue;
    baseIndent ??= indent;
    // Deeper lines are list items (Characteristics, Peer Devices…): not needed here.
    if (indent > baseIndent) continue;
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim();
    if (key && !current.attributes.has(key)) current.attributes.set(key, line.slice(colon + 1).trim());
  }
  return records;
}

/** "16x or x16" (dmidecode ≥ 3.6) → "x16"; "Other"/"Unknown" → null; anything else verbatim. */
function normaliseWidth(value: string): string | null {
  const v = value.trim();
  const lanes = /^\d+x or (x\d+)$/.exec(v);
  if (lanes) return lanes[1]!;
  if (v === '' || v === 'Other' || v === 'Unknown') return null;
  return v;
}

function slotFromRecord(record: DmiRecord, index: number, issues: ParseIssue[]): Slot {
  const a = record.attributes;
  const designation = stringValue(a.get('Designation'));
  let type = stringValue(a.get('Type'));
  if (type === '<OUT OF SPEC>') {
    issues.push({ line: record.line, message: 'slot type is out of the SMBIOS specification; left unknown' });
    type = null;
  }

  let width: string | null = null;
  const busWidth = a.get('Data Bus Width');
  if (busWidth !== undefined) {
    width = normaliseWidth(busWidth);
  } else if (type !== null) {
    // Older dmidecode: `dmi_slot_bus_width` strings ("x16 ", "32-bit ") prefix the type.
    const prefix = /^(x\d+|\d+-bit) /.exec(type);
    if (prefix) width = prefix[1]!;
  }

  const usage = a.get('Current Usage')?.trim();
  const inUse = usage === 'In Use' ? true : usage === 'Available' ? false : null;

  let busAddress: string | null = null;
  const rawBus = a.get('Bus Address');
  if (rawBus !== undefined) {
    busAddress = normalizePciAddress(rawBus);
    if (busAddress === null) {
      issues.push({ line: record.line, message: `slot ${designation ?? index + 1}: bus address "${rawBus.trim()}" is not a PCI address` });
    }
  }

  return {
    name: designation ?? `DMI slot ${record.handle ?? index + 1}`,
    source: 'dmi',
    designation,
    type,
    width,
    inUse,
    busAddress,
    rootPort: null,
    devices: [],
  };
}

/** Parse dmidecode output (full, `-t 9`, or cut-out records); never throws. */
export function parseDmidecode(text: string): ParseResult<DmiInfo> {
  const issues: ParseIssue[] = [];
  const records = splitRecords(text, issues);
  const first = (type: number) => records.find((r) => r.type === type)?.attributes;

  const bios = first(0);
  const system = first(1);
  const board = first(2);
  const slotRecords = records.filter((r) => r.type === 9);

  if (records.length === 0 && text.trim()) {
    issues.push({ line: null, message: 'no dmidecode record found in the text' });
  }

  return {
    data: {
      system: { vendor: stringValue(system?.get('Manufacturer')), product: stringValue(system?.get('Product Name')) },
      board: {
        vendor: stringValue(board?.get('Manufacturer')),
        name: stringValue(board?.get('Product Name')),
        version: stringValue(board?.get('Version')),
      },
      bios: {
        vendor: stringValue(bios?.get('Vendor')),
        version: stringValue(bios?.get('Version')),
        date: stringValue(bios?.get('Release Date')),
      },
      slots: slotRecords.map((r, i) => slotFromRecord(r, i, issues)),
    },
    issues,
  };
}
