/**
 * A sysfs tree of any size N for the benchmark (issue 2 "Benchmark": ~300, ~5,000 and 10,000 PCI
 * functions), made by replicating a real lab capture (default `mixed`: 33 functions, 23 groups,
 * a PCIe switch, a PCIe-to-PCI bridge, SR-IOV VFs) under synthetic PCI segments (domains).
 *
 * Copy 0 is the capture itself, rebuilt by ./fstree.ts. Copy k (k ≥ 1) is the same hierarchy
 * under domain k (`0001:`, `0002:` … as 4 hex digits, the form the kernel uses below 0x10000):
 * - every device directory below `sys/devices/pci0000:00/` with its attribute files and its
 *   binary `config` (the capture's `lspci -xxxx` bytes), at `sys/devices/pci<dddd>:00/…`;
 * - the links that name a function: `sys/bus/pci/devices/<addr>`, the driver's
 *   `sys/bus/pci/drivers/<drv>/<addr>`, `sys/kernel/iommu_groups/<g>/devices/<addr>`, the IOMMU
 *   unit's `devices/<addr>`, `sys/class/pci_bus/<dddd>:<bb>`, and in each device `virtfnN`,
 *   `physfn` (domain rewritten) and `iommu_group` (group rewritten);
 * - group g of the capture becomes group g + k × stride (stride = the capture's highest group
 *   number + 1), with its `type` and `reserved_regions` files;
 * - `uevent` files get the new address (PCI_SLOT_NAME); other files are copied byte for byte;
 * - dmesg: one `pci <addr>: Adding to iommu group <g>` line per replicated function, as the kernel
 *   prints one per function (iommu_group_add_device). The capture's other per-device boot lines are
 *   not replicated: 20-odd lines × 5,000 functions would not fit a real kernel's ring buffer.
 * Bus numbers stay those of the capture inside each domain, so bridge config spaces (secondary /
 * subordinate bus) remain true without rewriting them.
 *
 * When N is not a multiple of the capture's size, the last copy keeps the first functions in
 * sysfs path order. A path sorts after its parent's path, so every kept function keeps its
 * parent bridge; a group of that copy keeps only its kept members, and a group with none is not
 * created.
 */
import { appendFileSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import type { Snapshot } from '../../main/core/model/snapshot.ts';
import { buildCaptureTree, LAB_DIR, parseConfigDump, parseFstree, type FstreeRecord } from './fstree.ts';

export interface BigTree {
  root: string;
  /** PCI functions in the tree (= the N asked for). */
  functions: number;
  /** Number of domains (copies of the capture, the last possibly partial). */
  copies: number;
  /** Every function's address. */
  addresses: string[];
  /** IOMMU group number → its members, for checking what the collector reports. */
  groups: Map<number, string[]>;
}

const ADDRESS = /^([0-9a-f]{4}):([0-9a-f]{2}:[0-9a-f]{2}\.[0-7])$/;
/** "0000:" at the start of a bus ("0000:05") or function address ("0000:05:00.0"), or in "pci0000:00". */
const DOMAIN_0 = /0000:(?=[0-9a-f]{2}(?:[:/\s]|$))/g;
const GROUP_LINK = /(kernel\/iommu_groups\/)(\d+)/;

function domainName(copy: number): string {
  return copy.toString(16).padStart(4, '0');
}

interface Capture {
  records: FstreeRecord[];
  configs: Map<string, Buffer>;
  /** Function address → its real path below sys/devices ("pci0000:00/0000:00:1c.0/0000:02:00.0"). */
  devicePaths: Map<string, string>;
  /** Functions in sysfs path order (parents first). */
  ordered: string[];
  groupOf: Map<string, number>;
  stride: number;
  dmesgGroupLines: Map<string, string>;
}

function readCapture(topology: string): Capture {
  const dir = join(LAB_DIR, topology);
  const records = parseFstree(readFileSync(join(dir, 'fstree.txt')));
  const devicePaths = new Map<string, string>();
  const groupOf = new Map<string, number>();
  let stride = 0;
  for (const r of records) {
    let m: RegExpExecArray | null;
    if (r.kind === 'L' && (m = /^sys\/bus\/pci\/devices\/([^/]+)$/.exec(r.path))) {
      const real = posix.normalize(posix.join('sys/bus/pci/devices', r.target));
      if (!real.startsWith('sys/devices/pci0000:00/')) throw new Error(`big-tree: ${topology}: ${m[1]} is not below pci0000:00 (${real})`);
      if (!ADDRESS.exec(m[1]!) || !m[1]!.startsWith('0000:')) throw new Error(`big-tree: ${topology}: unexpected function name ${m[1]}`);
      devicePaths.set(m[1]!, real.slice('sys/devices/'.length));
    } else if (r.kind === 'L' && (m = /^sys\/kernel\/iommu_groups\/(\d+)\/devices\/([^/]+)$/.exec(r.path))) {
      groupOf.set(m[2]!, Number(m[1]));
      stride = Math.max(stride, Number(m[1]) + 1);
    }
  }
  if (devicePaths.size === 0) throw new Error(`big-tree: ${topology} has no PCI functions`);
  const ordered = [...devicePaths.keys()].sort((a, b) => (devicePaths.get(a)! < devicePaths.get(b)! ? -1 : 1));
  const dmesgGroupLines = new Map<string, string>();
  for (const line of readFileSync(join(dir, 'dmesg-raw.txt'), 'utf8').split('\n')) {
    const m = /^(<\d+>\[\s*[\d.]+\] pci )(0000:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7])(: Adding to iommu group )\d+$/.exec(line);
    if (m) dmesgGroupLines.set(m[2]!, line);
  }
  return { records, configs: parseConfigDump(readFileSync(join(dir, 'lspci-n-D-xxxx.txt'), 'utf8')), devicePaths, ordered, groupOf, stride, dmesgGroupLines };
}

/** The function whose directory holds `path` (a path below sys/devices/), or null outside any. */
function ownerOf(path: string, devicePaths: Map<string, string>): string | null {
  const parts = path.slice('sys/devices/'.length).split('/');
  for (let i = parts.length; i > 0; i--) {
    if (devicePaths.get(parts[i - 1]!) === parts.slice(0, i).join('/')) return parts[i - 1]!;
  }
  return null;
}

/**
 * Builds a tree of exactly `functions` PCI functions under `root` (which must not exist or be
 * empty) from lab capture `topology`. Throws when `functions` is smaller than the capture.
 */
export function buildBigTree(functions: number, root: string, topology = 'mixed'): BigTree {
  const capture = readCapture(topology);
  const perCopy = capture.ordered.length;
  if (!Number.isInteger(functions) || functions < perCopy) {
    throw new Error(`big-tree: ${functions} functions asked for; the ${topology} capture alone has ${perCopy}`);
  }
  const copies = Math.ceil(functions / perCopy);
  if (copies > 0x10000) throw new Error(`big-tree: ${copies} domains do not fit 4 hex digits`);
  buildCaptureTree(topology, root);

  const addresses = [...capture.ordered];
  const groups = new Map<number, string[]>();
  for (const address of capture.ordered) {
    const g = capture.groupOf.get(address);
    if (g !== undefined) groups.set(g, [...(groups.get(g) ?? []), address]);
  }

  const dmesg: string[] = [];
  for (let copy = 1; copy < copies; copy++) {
    const domain = domainName(copy);
    const keep = new Set(capture.ordered.slice(0, Math.min(perCopy, functions - copy * perCopy)));
    const rename = (text: string) => text.replace(DOMAIN_0, `${domain}:`);
    const regroup = (text: string) => text.replace(GROUP_LINK, (_, prefix: string, g: string) => `${prefix}${Number(g) + copy * capture.stride}`);
    const newAddress = (address: string) => `${domain}:${address.slice(5)}`;
    const keptGroups = new Set([...keep].map((a) => capture.groupOf.get(a)).filter((g): g is number => g !== undefined));

    const wanted = (r: FstreeRecord): boolean => {
      let m: RegExpExecArray | null;
      if (r.path.startsWith('sys/devices/pci0000:00/')) {
        const owner = ownerOf(r.path, capture.devicePaths);
        return owner === null || keep.has(owner);
      }
      if ((m = /^sys\/(?:bus\/pci\/devices|bus\/pci\/drivers\/[^/]+|devices\/virtual\/iommu\/[^/]+\/devices)\/(0000:[^/]+)$/.exec(r.path))) {
        return keep.has(m[1]!);
      }
      if ((m = /^sys\/kernel\/iommu_groups\/(\d+)(?:\/devices\/([^/]+))?(\/[^/]+)?$/.exec(r.path))) {
        return m[2] !== undefined ? keep.has(m[2]) : keptGroups.has(Number(m[1]));
      }
      if (r.kind === 'L' && r.path.startsWith('sys/class/pci_bus/0000:')) {
        const owner = ownerOf(posix.normalize(posix.join(dirname(r.path), r.target)), capture.devicePaths);
        return owner === null || keep.has(owner);
      }
      return false;
    };

    for (const r of capture.records) {
      if (!wanted(r)) continue;
      const path = join(root, regroup(rename(r.path)));
      if (r.kind === 'D') {
        mkdirSync(path, { recursive: true });
      } else if (r.kind === 'F') {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, r.path.endsWith('/uevent') ? Buffer.from(rename(r.content.toString('latin1')), 'latin1') : r.content);
      } else if (r.kind === 'L') {
        mkdirSync(dirname(path), { recursive: true });
        // A capture may list a link twice (fstree.ts does the same): the last record wins.
        rmSync(path, { force: true });
        symlinkSync(regroup(rename(r.target)), path);
      }
    }
    for (const address of keep) {
      addresses.push(newAddress(address));
      const config = capture.configs.get(address);
      if (!config) throw new Error(`big-tree: ${topology} has no config dump for ${address}`);
      writeFileSync(join(root, 'sys/devices', rename(capture.devicePaths.get(address)!), 'config'), config);
      const g = capture.groupOf.get(address);
      if (g === undefined) continue;
      const id = g + copy * capture.stride;
      groups.set(id, [...(groups.get(id) ?? []), newAddress(address)]);
      const line = capture.dmesgGroupLines.get(address);
      if (line) dmesg.push(line.replace(/ pci 0000:(\S+): Adding to iommu group \d+$/, ` pci ${domain}:$1: Adding to iommu group ${id}`));
    }
  }
  if (dmesg.length) appendFileSync(join(root, 'dmesg-raw.txt'), `${dmesg.join('\n')}\n`);
  return { root, functions, copies, addresses, groups };
}

/**
 * What is wrong with a snapshot collected from `tree`, [] when nothing: every function present
 * once and nothing else, each seen by lspci too (not only by the sysfs walk), each in the group
 * the tree puts it in, and the snapshot's groups exactly the tree's.
 */
export function checkSnapshotOfTree(snapshot: Snapshot, tree: BigTree): string[] {
  const problems: string[] = [];
  const expected = new Set(tree.addresses);
  const seen = new Set(snapshot.devices.map((d) => d.address));
  if (snapshot.devices.length !== tree.functions) problems.push(`${snapshot.devices.length} functions collected, ${tree.functions} in the tree`);
  const missing = tree.addresses.filter((a) => !seen.has(a));
  const extra = [...seen].filter((a) => !expected.has(a));
  if (missing.length) problems.push(`${missing.length} functions missing, e.g. ${missing.slice(0, 3).join(' ')}`);
  if (extra.length) problems.push(`${extra.length} functions not in the tree, e.g. ${extra.slice(0, 3).join(' ')}`);
  const groupOf = new Map<string, number>();
  for (const [id, members] of tree.groups) for (const m of members) groupOf.set(m, id);
  const notInLspci = snapshot.devices.filter((d) => !d.sources.includes('lspci-vvv'));
  if (notInLspci.length) problems.push(`${notInLspci.length} functions not in lspci's output, e.g. ${notInLspci.slice(0, 3).map((d) => d.address).join(' ')}`);
  const wrongGroup = snapshot.devices.filter((d) => d.iommuGroup !== (groupOf.get(d.address) ?? null));
  if (wrongGroup.length) {
    const d = wrongGroup[0]!;
    problems.push(`${wrongGroup.length} functions in the wrong group, e.g. ${d.address} in ${d.iommuGroup}, the tree says ${groupOf.get(d.address)}`);
  }
  if (snapshot.groups.length !== tree.groups.size) problems.push(`${snapshot.groups.length} groups collected, ${tree.groups.size} in the tree`);
  for (const g of snapshot.groups) {
    const members = tree.groups.get(g.id);
    if (!members || members.length !== g.devices.length || !members.every((m) => g.devices.includes(m))) {
      problems.push(`group ${g.id} holds ${g.devices.join(' ')}, the tree says ${members?.join(' ') ?? 'no such group'}`);
      break;
    }
  }
  return problems;
}
