/**
 * Snapshots of the fixtures for the analysis tests, imported once per test file through the real
 * import path (main/io/import.ts), as `iommu-atlas analyze <dir>` would.
 */
import { join } from 'node:path';
import { importPaths } from '../../../main/io/import.ts';
import { parseKernelCommandLine } from '../../../main/core/parsers/cmdline.ts';
import type { Snapshot } from '../../../main/core/model/snapshot.ts';

export const FIXTURES = join(import.meta.dirname, '../../fixtures');

const cache = new Map<string, Promise<Snapshot>>();

/** A fresh copy each call: tests may add facts (hostUsage, cmdline) to it. */
export async function fixture(path: string): Promise<Snapshot> {
  let p = cache.get(path);
  if (!p) {
    p = importPaths([join(FIXTURES, path)]);
    cache.set(path, p);
  }
  return structuredClone(await p);
}

export const lab = (topology: string) => fixture(`lab/${topology}`);
export const realworld = (name: string) => fixture(`realworld/${name}`);

export function withCmdline(s: Snapshot, cmdline: string): Snapshot {
  return { ...s, cmdline: parseKernelCommandLine(cmdline).data };
}
