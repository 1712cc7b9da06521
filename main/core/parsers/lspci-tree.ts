/**
 * Parser for the lspci bus tree: `lspci -t`, `-tv`, `-tvnn`, `-tvv` (pciutils ls-tree.c). Real
 * input (QEMU lab `mixed`, `lspci -tvnn`, trimmed):
 *
 *     -[0000:00]-+-00.0  Intel Corporation 82G33/G31/P35/P31 Express DRAM Controller [8086:29c0]
 *                +-01.0-[01]--+-00.0  Device [1234:1111]
 *                |            \-00.1  Intel Corporation 82801I (ICH9 Family) HD Audio Controller [8086:293e]
 *                +-1c.3-[05-09]----00.0-[06-09]--+-00.0-[07]----00.0  Red Hat, Inc. QEMU NVM Express Controller [1b36:0010]
 *                |                               \-02.0-[09]--
 *                \-1f.3  Intel Corporation 82801I (ICH9 Family) SMBus Controller [8086:2930]
 *
 * How ls-tree.c draws it, which is what the parser undoes: a bus's devices hang off one column,
 * each entry starting there with `+-` (more follow), `\-` (last) or `--` (only one); a bridge
 * prints `-[sec]-` or `-[sec-sub]-` and one `-` and its secondary bus continues to the right;
 * root buses are `[dddd:bb]` (several: `+-[dddd:bb]-` entries at one column). Each printed line
 * is reused as the prefix of the next with everything but `|` blanked, so the column where a
 * line's text starts names the bus it continues. The parent of a device is the bridge whose
 * bus it is on, as the sysfs path /sys/devices/pci0000:00/<bridge>/<device> shows it.
 * Also accepted: the `dd.[a-b]` shorthand for several functions of one device, the per-bridge
 * trees lspci prints when filtered (`0000:00:1c.0-[01]----00.0`), and `-tvv` region lines (skipped).
 */
import { formatPciAddress } from '../model/pci-address.ts';
import type { ParseIssue, ParseResult, Snapshot } from '../model/snapshot.ts';
import type { FunctionPatch } from '../snapshot/parts.ts';
import { VendorNames, clipLine, parseDescription, type LspciFunctions } from './lspci-common.ts';

/** A root bus as sysfs names its host bridge: { name: "pci0000:00", domain: 0, bus: 0 }. */
type RootBus = Snapshot['rootBuses'][number];

export interface LspciTree extends LspciFunctions {
  rootBuses: RootBus[];
}

/** A column where bus entries hang. `bus` null: a list of buses (several roots under the host). */
interface Level {
  column: number;
  domain: number;
  bus: number | null;
  /** Bridge above this bus; null for a root bus; undefined when a filtered tree does not show it. */
  parent: string | null | undefined;
}

const BUS_MARKER = /^\[([0-9a-f]{4,8}):([0-9a-f]{2})\]-/;
const DEVICE = /^([0-9a-f]{2})\.(?:([0-7])|\[([0-7])-([0-7])\])/;
const BRIDGE_RANGE = /^-\[([0-9a-f]{2})(?:-([0-9a-f]{2}))?\]-/;
const FILTERED_ROOT = /^([0-9a-f]{4,8}):([0-9a-f]{2}):/;
const REGION_LINE = /^(?:Region \d+: )?(?:\[(?:virtual|enhanced)\] )?(?:Memory at|I\/O ports at)/;

export function parseLspciTree(text: string): ParseResult<LspciTree> {
  const issues: ParseIssue[] = [];
  const functions: FunctionPatch[] = [];
  const names = new Map<FunctionPatch, string>();
  const byAddress = new Map<string, FunctionPatch>();
  const rootBuses: RootBus[] = [];
  const vendors = new VendorNames();
  let stack: Level[] = [];
  let lineNumber = 0;

  const fail = (message: string) => issues.push({ line: lineNumber, message });

  const addFunction = (level: Level, device: number, fn: number): FunctionPatch | null => {
    if (level.bus === null) {
      fail('a device where a bus was expected');
      return null;
    }
    const address = formatPciAddress({ domain: level.domain, bus: level.bus, device, function: fn });
    if (byAddress.has(address)) {
      fail(`device ${address} appears twice`);
      return null;
    }
    const patch: FunctionPatch = { address };
    if (level.parent !== undefined) patch.parent = level.parent;
    byAddress.set(address, patch);
    functions.push(patch);
    return patch;
  };

  const addRootBus = (domain: number, bus: number) => {
    const name = `pci${domain.toString(16).padStart(4, '0')}:${bus.toString(16).padStart(2, '0')}`;
    if (!rootBuses.some((r) => r.name === name)) rootBuses.push({ name, domain, bus });
  };

  /** A `[dddd:bb]-` bus marker at `pos`; returns the bus's level. */
  const busMarker = (line: string, pos: number, parent: string | null | undefined): Level | null => {
    const marker = BUS_MARKER.exec(line.slice(pos));
    if (!marker) {
      fail(`unreadable bus marker: ${clipLine(line.slice(pos))}`);
      return null;
    }
    const domain = parseInt(marker[1]!, 16);
    const bus = parseInt(marker[2]!, 16);
    if (parent === null) addRootBus(domain, bus);
    const level: Level = { column: pos + marker[0].length, domain, bus, parent };
    stack.push(level);
    return level;
  };

  /** Entries of `level` starting at its column: a connector, then a bus marker or a device. */
  const busContent = (line: string, level: Level): void => {
    let pos = level.column;
    let current = level;
    // Loop instead of recursion: each step moves right along one line.
    for (;;) {
      if (pos >= line.length) return; // a bridge with an empty secondary bus
      const connector = line.slice(pos, pos + 2);
      if (connector !== '+-' && connector !== '\\-' && connector !== '--') {
        fail(`expected a tree branch at column ${pos + 1}: ${clipLine(line.slice(pos))}`);
        return;
      }
      pos += 2;
      if (line[pos] === '[') {
        const bus = busMarker(line, pos, current.parent);
        if (!bus) return;
        current = bus;
        pos = bus.column;
        continue;
      }
      const next = deviceEntry(line, pos, current);
      if (!next) return;
      current = next;
      pos = next.column;
    }
  };

  /** A device at `pos` on `level`'s bus; returns its secondary bus's level if it is a bridge. */
  const deviceEntry = (line: string, pos: number, level: Level): Level | null => {
    const rest = line.slice(pos);
    const device = DEVICE.exec(rest);
    if (!device) {
      fail(`expected a device number at column ${pos + 1}: ${clipLine(rest)}`);
      return null;
    }
    const slot = parseInt(device[1]!, 16);
    if (slot > 31) {
      fail(`device number ${device[1]} is above 1f`);
      return null;
    }
    const first = device[2] !== undefined ? parseInt(device[2], 10) : parseInt(device[3]!, 10);
    const last = device[2] !== undefined ? first : parseInt(device[4]!, 10);
    if (last < first) {
      fail(`empty function range ${device[0]}`);
      return null;
    }
    const patches: FunctionPatch[] = [];
    for (let fn = first; fn <= last; fn++) {
      const patch = addFunction(level, slot, fn);
      if (patch) patches.push(patch);
    }
    const after = rest.slice(device[0].length);
    const range = BRIDGE_RANGE.exec(after);
    if (range) {
      const bridge = patches[0];
      if (patches.length !== 1 || !bridge) {
        fail('a bridge entry must name exactly one new function');
        return null;
      }
      bridge.secondaryBus = parseInt(range[1]!, 16);
      bridge.subordinateBus = range[2] !== undefined ? parseInt(range[2], 16) : bridge.secondaryBus;
      // "]-" then show_tree_bridge's own "-": the secondary bus's entries start right after.
      const column = pos + device[0].length + range[0].length;
      if (line[column] !== '-') {
        fail(`expected "-" after the bus range of ${bridge.address}`);
        return null;
      }
      const child: Level = { column: column + 1, domain: level.domain, bus: bridge.secondaryBus, parent: bridge.address };
      stack.push(child);
      return child;
    }
    if (after.startsWith('  ')) {
      const description = parseDescription(after.slice(2));
      for (const patch of patches) {
        if (description.vendorId) patch.vendorId = description.vendorId;
        if (description.deviceId) patch.deviceId = description.deviceId;
        if (description.names !== null) names.set(patch, description.names);
      }
      vendors.learn(description.vendorId, description.names);
    } else if (after.trim() !== '') {
      fail(`unexpected text after device ${device[0]}: ${clipLine(after)}`);
    }
    return null;
  };

  for (const rawLine of text.split('\n')) {
    lineNumber++;
    const line = rawLine.replace(/\r$/, '').trimEnd();
    if (line === '') continue;
    let column = 0;
    while (column < line.length && (line[column] === ' ' || line[column] === '|')) column++;

    if (column === 0) {
      stack = [];
      if (line[0] === '-') {
        // show_tree_bridge(host): "-" then one "[dddd:bb]-" root, or a list of "+-[dddd:bb]-" roots.
        if (line[1] === '[') {
          const root = busMarker(line, 1, null);
          if (root) busContent(line, root);
        } else {
          const host: Level = { column: 1, domain: 0, bus: null, parent: null };
          stack.push(host);
          busContent(line, host);
        }
        continue;
      }
      const filtered = FILTERED_ROOT.exec(line);
      if (filtered) {
        // Filtered trees start at a matching bridge: "0000:00:1c.0-[01]----00.0"; its own parent is not shown.
        const level: Level = {
          column: filtered[0].length, domain: parseInt(filtered[1]!, 16), bus: parseInt(filtered[2]!, 16), parent: undefined,
        };
        const child = deviceEntry(line, level.column, level);
        if (child) busContent(line, child);
        continue;
      }
      fail(`not lspci -t output, skipped: ${clipLine(line)}`);
      continue;
    }

    const levelIndex = stack.findIndex((l) => l.column === column);
    if (levelIndex < 0) {
      if (!REGION_LINE.test(line.slice(column))) fail(`line does not continue any bus of the tree: ${clipLine(line)}`);
      continue;
    }
    // Depth-first output: back at this column, every deeper bus is complete.
    stack = stack.slice(0, levelIndex + 1);
    busContent(line, stack[levelIndex]!);
  }

  for (const [patch, text] of names) Object.assign(patch, vendors.split(patch.vendorId ?? null, text));
  return { data: { functions, accessDenied: false, rootBuses }, issues };
}
