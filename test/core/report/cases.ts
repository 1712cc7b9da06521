/**
 * The snapshots the report, anonymisation and diff tests use, built from test/fixtures the way the
 * CLI builds them (`import` of a capture directory, or the collector's output as `collect` parses
 * it), with the few provenance fields that depend on the machine and the clock made fixed: the
 * collection time, the import's duration, and input paths (relative to test/fixtures), so golden
 * files are the same on every machine.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Snapshot } from '../../../main/core/model/snapshot.ts';
import { parseCollectorOutput } from '../../../main/core/parsers/collector-output.ts';
import { snapshotFromCollectorOutput } from '../../../main/core/snapshot/from-collector.ts';
import { importPaths } from '../../../main/io/import.ts';

export const FIXTURES = join(import.meta.dirname, '../../fixtures');
export const GOLDEN = join(FIXTURES, 'golden');
const COLLECTED_AT = '2026-01-01T00:00:00.000Z';

function fixed(s: Snapshot): Snapshot {
  const rel = (name: string) => (name.startsWith(FIXTURES) ? relative(FIXTURES, name) : name);
  return {
    ...s,
    provenance: {
      ...s.provenance,
      durationMs: 0,
      target: rel(s.provenance.target),
      inputs: s.provenance.inputs.map((i) => ({ ...i, name: rel(i.name) })),
    },
  };
}

const cache = new Map<string, Promise<Snapshot>>();

/** `lab/mixed`, `realworld/linuxhw-asus-prime-x570-pro`, …: a capture directory imported. */
export function fixtureSnapshot(path: string): Promise<Snapshot> {
  let s = cache.get(path);
  if (!s) {
    s = importPaths([join(FIXTURES, path)], () => new Date(COLLECTED_AT)).then(fixed);
    cache.set(path, s);
  }
  return s;
}

/**
 * The real SSH collection from the lab guest (test/fixtures/lab-ssh/source.md), as collectSnapshot
 * makes it: the guest was reached through QEMU's port forward, `root@127.0.0.1:2222`.
 */
export function sshCollectedSnapshot(): Snapshot {
  const text = readFileSync(join(FIXTURES, 'lab-ssh/mixed-collector-output.txt'), 'utf8');
  return snapshotFromCollectorOutput(parseCollectorOutput(text).data, {
    collectedAt: COLLECTED_AT, method: 'ssh', target: 'root@127.0.0.1:2222', durationMs: 0,
    inputs: [{ name: 'root@127.0.0.1:2222', format: 'collector-output' }], tool: 'iommu-atlas 0.1.0',
  });
}

/** Every lab capture and every real case with a group listing or lspci, by fixture path. */
export const LAB_CASES = [
  'amd', 'amd-flat', 'flat', 'iommu-off', 'legacy-bridge', 'mixed', 'noiommu', 'passthrough', 'rootports', 'rootports-noacs', 'switch', 'vfio-bound',
].map((t) => `lab/${t}`);
