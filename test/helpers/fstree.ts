/**
 * Rebuilds a lab capture (test/fixtures/lab/<topology>/) as a directory tree that the real
 * collector script, lspci and dmesg can read through ATLAS_SYSROOT.
 *
 * - `fstree.txt` (format "fstree-v1", see test/fixtures/README.md): `D` directories, `F` files with
 *   their exact bytes, `L` symlinks with the recorded relative target; `E` (read error) and `C`
 *   (character device) records are not recreated.
 * - `lspci-n-D-xxxx.txt`: every function's config space as printed by `lspci -n -D -xxxx`
 *   (header `0000:00:1f.3 0c05: 8086:2930 (rev 02)`, then `000: 86 80 …` rows of 16 bytes),
 *   written back as the binary `config` file in the function's real sysfs directory so that
 *   `lspci -O sysfs.path=<root>/sys/bus/pci` finds the same capabilities the guest had.
 * - `dmesg-raw.txt` (`dmesg -r`, `<6>[    0.000000] msg`) is copied to `<root>/dmesg-raw.txt`,
 *   where the collector points `dmesg -F` in sysroot mode.
 *
 * Trees are built once per capture per test process and removed when the process exits.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const LAB_DIR = fileURLToPath(new URL('../fixtures/lab/', import.meta.url));

export type FstreeRecord =
  | { kind: 'D'; path: string }
  | { kind: 'F'; path: string; content: Buffer }
  | { kind: 'L'; path: string; target: string }
  | { kind: 'E'; path: string; message: string }
  | { kind: 'C'; path: string; devno: string };

/** Parse fstree.txt; throws on a malformed capture (fixtures are trusted, a bad one must fail loudly). */
export function parseFstree(buf: Buffer): FstreeRecord[] {
  const records: FstreeRecord[] = [];
  const header = Buffer.from('=== ');
  let pos = 0;
  while (pos < buf.length) {
    const eol = buf.indexOf(0x0a, pos);
    if (eol < 0) throw new Error(`fstree: truncated header at byte ${pos}`);
    if (!buf.subarray(pos, pos + 4).equals(header)) throw new Error(`fstree: bad header at byte ${pos}`);
    const line = buf.toString('utf8', pos, eol);
    pos = eol + 1;
    const kind = line[4];
    const rest = line.slice(6);
    if (kind === 'F') {
      const sp = rest.lastIndexOf(' ');
      const n = Number(rest.slice(sp + 1));
      const content = buf.subarray(pos, pos + n);
      pos += n;
      if (buf[pos] !== 0x0a) throw new Error(`fstree: missing separator after ${rest.slice(0, sp)}`);
      pos += 1;
      records.push({ kind, path: rest.slice(0, sp), content });
    } else if (kind === 'L') {
      const i = rest.indexOf(' -> ');
      records.push({ kind, path: rest.slice(0, i), target: rest.slice(i + 4) });
    } else if (kind === 'E') {
      const i = rest.indexOf(' ');
      records.push({ kind, path: i < 0 ? rest : rest.slice(0, i), message: i < 0 ? '' : rest.slice(i + 1) });
    } else if (kind === 'C') {
      const i = rest.lastIndexOf(' ');
      records.push({ kind, path: rest.slice(0, i), devno: rest.slice(i + 1) });
    } else if (kind === 'D') {
      records.push({ kind, path: rest });
    } else {
      throw new Error(`fstree: unknown record kind ${kind}`);
    }
  }
  return records;
}

/** Config space per function from `lspci -n -D -xxxx` output: address → bytes (256 or 4096). */
export function parseConfigDump(text: string): Map<string, Buffer> {
  const dumps = new Map<string, Buffer>();
  let address: string | null = null;
  let bytes: number[] = [];
  const flush = () => {
    if (address) dumps.set(address, Buffer.from(bytes));
    address = null;
    bytes = [];
  };
  for (const line of text.split('\n')) {
    const head = /^([0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) /.exec(line);
    if (head) {
      flush();
      address = head[1]!;
      continue;
    }
    const row = /^([0-9a-f]{2,3}): ((?:[0-9a-f]{2} ?){1,16})$/.exec(line);
    if (row && address) {
      const offset = parseInt(row[1]!, 16);
      if (offset !== bytes.length) throw new Error(`config dump of ${address}: row ${row[1]} out of order`);
      for (const b of row[2]!.trim().split(' ')) bytes.push(parseInt(b, 16));
    }
  }
  flush();
  return dumps;
}

/** Build the tree of capture `topology` under `root` (which must not exist or be empty). */
export function buildCaptureTree(topology: string, root: string): void {
  const dir = join(LAB_DIR, topology);
  mkdirSync(root, { recursive: true });
  for (const r of parseFstree(readFileSync(join(dir, 'fstree.txt')))) {
    const p = join(root, r.path);
    if (r.kind === 'D') {
      mkdirSync(p, { recursive: true });
    } else if (r.kind === 'F') {
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, r.content);
    } else if (r.kind === 'L') {
      mkdirSync(dirname(p), { recursive: true });
      rmSync(p, { force: true, recursive: true });
      symlinkSync(r.target, p);
    }
  }
  for (const [address, config] of parseConfigDump(readFileSync(join(dir, 'lspci-n-D-xxxx.txt'), 'utf8'))) {
    // Through the /sys/bus/pci/devices link, i.e. into the real device directory.
    const device = join(root, 'sys/bus/pci/devices', address);
    if (!existsSync(device)) throw new Error(`${topology}: config dump for ${address}, which fstree.txt does not list`);
    writeFileSync(join(device, 'config'), config);
  }
  copyFileSync(join(dir, 'dmesg-raw.txt'), join(root, 'dmesg-raw.txt'));
}

/** The topologies captured in test/fixtures/lab (folders with an fstree.txt). */
export function labTopologies(): string[] {
  return readdirSync(LAB_DIR, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(LAB_DIR, e.name, 'fstree.txt')))
    .map((e) => e.name)
    .sort();
}

const built = new Map<string, string>();
let tempRoot: string | null = null;

/** A fresh temporary directory, removed when this test process exits. */
export function scratchDir(label: string): string {
  if (!tempRoot) {
    const created = mkdtempSync(join(tmpdir(), 'atlas-fstree-'));
    tempRoot = created;
    process.on('exit', () => rmSync(created, { recursive: true, force: true }));
  }
  return mkdtempSync(join(tempRoot, `${label}-`));
}

/** The rebuilt tree of a capture, built on first use and shared within this test process. */
export function captureTree(topology: string): string {
  const cached = built.get(topology);
  if (cached) return cached;
  const root = scratchDir(topology);
  buildCaptureTree(topology, root);
  built.set(topology, root);
  return root;
}
