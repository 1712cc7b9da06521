/**
 * `iommu-atlas import FILE…`: read files (or directories of them) and build a snapshot.
 * A saved snapshot JSON is validated and returned as it is (lossless round trip).
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Snapshot } from '../core/model/snapshot.ts';
import type { SnapshotParts } from '../core/snapshot/parts.ts';
import { partsFromTexts, type NamedText } from '../core/import/from-texts.ts';
import { detectFormat } from '../core/import/detect-format.ts';
import { buildSnapshot } from '../core/snapshot/build-snapshot.ts';
import { parseCollectorOutput } from '../core/parsers/collector-output.ts';
import { snapshotFromCollectorOutput } from '../core/snapshot/from-collector.ts';
import { TOOL_VERSION } from '../core/version.ts';

/** Bad input a person can fix: names the file (and line when known). Exit code 2. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** Largest file we read: real outputs are far smaller; anything bigger is not a pasted output. */
const MAX_FILE_BYTES = 256 * 1024 * 1024;
/** Files in a directory that are documentation, not command output. */
const SKIP_IN_DIRECTORY = /(?:^|\/)(?:source|README|INDEX|SUMMARY)\.md$|\.(?:md|png|jpg|gz|tar|hex)$/i;

function looksBinary(buf: Buffer): boolean {
  const n = Math.min(buf.length, 8192);
  for (let i = 0; i < n; i++) if (buf[i] === 0) return true;
  return false;
}

async function readText(path: string): Promise<string> {
  let info;
  try {
    info = await stat(path);
  } catch (e) {
    throw new InputError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
  }
  if (info.size > MAX_FILE_BYTES) throw new InputError(`${path} is ${info.size} bytes, larger than any command output this tool reads`);
  const buf = await readFile(path);
  if (looksBinary(buf)) throw new InputError(`${path} is a binary file, not a text output`);
  return buf.toString('utf8');
}

/** Expand directories (one level: a capture folder), keeping the order the user gave. */
async function expand(paths: string[]): Promise<{ files: NamedText[]; fromDirectory: Set<string> }> {
  const files: NamedText[] = [];
  const fromDirectory = new Set<string>();
  for (const p of paths) {
    let info;
    try {
      info = await stat(p);
    } catch {
      throw new InputError(`cannot read ${p}: no such file or directory`);
    }
    if (info.isDirectory()) {
      const names = (await readdir(p)).sort();
      for (const n of names) {
        const full = join(p, n);
        if (SKIP_IN_DIRECTORY.test(full)) continue;
        const s = await stat(full);
        if (!s.isFile()) continue;
        let text: string;
        try {
          text = await readText(full);
        } catch {
          continue;
        }
        files.push({ name: full, text });
        fromDirectory.add(full);
      }
    } else {
      files.push({ name: p, text: await readText(p) });
    }
  }
  return { files, fromDirectory };
}

function parseSnapshotJson(text: string, name: string): Snapshot {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${name}: not valid JSON (${(e as Error).message})`);
  }
  const version = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof version === 'number' && version > 1) {
    throw new InputError(`${name}: snapshot schema version ${version} is newer than this tool understands (1); update IOMMU Atlas`);
  }
  // Reports (issue 5) wrap the snapshot with its analysis; accept both shapes.
  const candidate = (json as { snapshot?: unknown }).snapshot ?? json;
  const result = Snapshot.safeParse(candidate);
  if (!result.success) {
    const first = result.error.issues[0];
    throw new InputError(`${name}: not a valid IOMMU Atlas snapshot: ${first ? `${first.path.join('.')}: ${first.message}` : 'schema mismatch'}`);
  }
  return result.data;
}

/** Kinds of facts an import can only know if the user gave the output that holds them. */
const IMPORT_COVERAGE: { what: string; covered: (parts: SnapshotParts, formats: Set<string>) => boolean; give: string }[] = [
  {
    what: 'IOMMU groups',
    covered: (p) => p.groups !== undefined || p.functions.some((slice) => slice.functions.some((f) => f.iommuGroup != null)),
    give: 'an IOMMU group listing or `lspci -vvv` (recent pciutils prints the group)',
  },
  { what: 'ACS, PCIe port types and link capabilities', covered: (_p, f) => f.has('lspci-verbose'), give: '`sudo lspci -vvv -nn`' },
  { what: 'kernel log (IOMMU enabled, interrupt remapping, faults)', covered: (_p, f) => f.has('dmesg'), give: '`sudo dmesg`' },
  // A pasted `cat /proc/cmdline; for d in …` listing carries the command line too.
  { what: 'kernel command line', covered: (p) => p.cmdline !== undefined, give: '`cat /proc/cmdline`' },
];

/** What the imported files could not tell, said rather than left silently empty. */
function notImported(parts: SnapshotParts, formats: Set<string>): { what: string; why: string }[] {
  return IMPORT_COVERAGE.filter((c) => !c.covered(parts, formats))
    .map((c) => ({ what: c.what, why: `not in the imported files (add the output of ${c.give})` }));
}

export async function importPaths(paths: string[], now: () => Date = () => new Date()): Promise<Snapshot> {
  const started = Date.now();
  const { files, fromDirectory } = await expand(paths);
  if (files.length === 0) throw new InputError(`nothing to import in ${paths.join(', ')}`);
  return importTexts(files, {
    target: paths.map((p) => basename(p)).join(', '),
    source: paths.join(', '),
    skippable: (name) => fromDirectory.has(name),
    now,
    started,
  });
}

export interface ImportTextsOptions {
  /** `provenance.target`: what was imported, as a person names it. */
  target: string;
  /** How messages name the whole input ("nothing importable in …"); default: the texts' names. */
  source?: string;
  /**
   * Texts that are dropped with a warning when they are not a known command output, instead of
   * failing the import: files found in a folder, or several files dropped together.
   */
  skippable?: (name: string) => boolean;
  now?: () => Date;
  /** When the import started (Date.now()), for `provenance.durationMs`; default: now. */
  started?: number;
}

/** A NUL in the first 8 KiB: a binary file read as text, not a command output. */
function textLooksBinary(text: string): boolean {
  return text.slice(0, 8192).includes('\0');
}

/**
 * The import itself, on texts already in memory (files read by importPaths, or texts dropped on
 * the app's window and pasted): one saved snapshot or collector transcript on its own, else any
 * mix of command outputs merged into one snapshot.
 */
export function importTexts(texts: NamedText[], options: ImportTextsOptions): Snapshot {
  const started = options.started ?? Date.now();
  const now = options.now ?? (() => new Date());
  const skippable = options.skippable ?? (() => false);
  const source = options.source ?? texts.map((t) => t.name).join(', ');
  const files: NamedText[] = [];
  for (const t of texts) {
    if (!textLooksBinary(t.text)) files.push(t);
    else if (!skippable(t.name)) throw new InputError(`${t.name} is a binary file, not a text output`);
  }
  if (files.length === 0) throw new InputError(`nothing to import in ${source}`);

  const whole = files.filter((f) => {
    const format = detectFormat(f.text, f.name).format;
    return format === 'snapshot-json' || format === 'collector-output';
  });
  if (whole.length > 0) {
    if (files.length > 1) throw new InputError(`${whole[0]!.name} is a complete snapshot; import it on its own`);
    const only = files[0]!;
    if (detectFormat(only.text, only.name).format === 'snapshot-json') return parseSnapshotJson(only.text, only.name);
    const parsed = parseCollectorOutput(only.text);
    if (!parsed.data.complete) {
      throw new InputError(`${only.name}: the collector output is incomplete (${parsed.issues[0]?.message ?? 'no end marker'}); collect again`);
    }
    return snapshotFromCollectorOutput(parsed.data, {
      collectedAt: now().toISOString(), method: 'import', target: basename(only.name), durationMs: Date.now() - started,
      inputs: [{ name: only.name, format: 'collector-output' }], tool: TOOL_VERSION,
    });
  }

  const result = partsFromTexts(files);
  const explicit = result.unrecognised.filter((u) => !skippable(u.name));
  if (explicit.length > 0) {
    const u = explicit[0]!;
    throw new InputError(`${u.name}: cannot tell what this file is (${u.reason}). Expected lspci, an IOMMU group listing, dmesg, /proc/cmdline, dmidecode or virsh XML output`);
  }
  if (result.inputs.length === 0) throw new InputError(`nothing importable in ${source}`);
  const skipped = result.unrecognised.length
    ? [`skipped ${result.unrecognised.length} file(s) that are not a known command output: ${result.unrecognised.map((u) => basename(u.name)).join(', ')}`]
    : [];
  return buildSnapshot(result.parts, {
    unreadable: notImported(result.parts, new Set(result.inputs.map((i) => i.format))),
    collectedAt: now().toISOString(),
    method: 'import',
    target: options.target,
    user: null,
    root: null,
    durationMs: Date.now() - started,
    inputs: result.inputs,
    warnings: [...result.warnings, ...skipped],
    tool: TOOL_VERSION,
  });
}
