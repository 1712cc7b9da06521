/** `iommu-atlas predict`, spawned as a user runs it, on real captures. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { labGroups, partitionKey } from '../helpers/lab-truth.ts';

const BIN = fileURLToPath(new URL('../../main/cli/bin.mjs', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

function atlas(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface PredictOut {
  predicted: { id: number; devices: string[]; reason: string; uncertain: boolean }[];
  actual: { id: number; devices: string[]; reason: null }[] | null;
  equal: boolean | null;
  comparison: { kind: string; predicted: string[]; actual: string[] }[] | null;
  uncertain: { device: string; what: string; affects: string[] }[];
  notes: string[];
}

describe('iommu-atlas predict', () => {
  it.concurrent('--json on the mixed capture: the kernel\'s 23 groups, equal, each with its reason', () => {
    const r = atlas(['predict', join(FIXTURES, 'lab/mixed'), '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as PredictOut;
    expect(Object.keys(out)).toEqual(expect.arrayContaining(['predicted', 'actual', 'equal']));
    expect(out.equal).toBe(true);
    expect(partitionKey(out.predicted)).toEqual(partitionKey(labGroups('mixed').values()));
    expect(partitionKey(out.actual!)).toEqual(partitionKey(labGroups('mixed').values()));
    expect(out.actual!.every((g) => g.reason === null)).toBe(true);
    const bridge = out.predicted.find((g) => g.devices.includes('0000:0a:00.0'))!;
    expect(bridge.devices).toEqual(['0000:0a:00.0', '0000:0b:01.0', '0000:0b:02.0']);
    expect(bridge.reason).toMatch(/0a:00\.0 is a PCIe-to-PCI bridge/);
    expect(out.comparison!.every((d) => d.kind === 'equal')).toBe(true);
  });

  it.concurrent('--json with the IOMMU off: no actual groups, equal is null, the note says why', () => {
    const r = atlas(['predict', join(FIXTURES, 'lab/iommu-off'), '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as PredictOut;
    expect(out.actual).toBeNull();
    expect(out.equal).toBeNull();
    expect(partitionKey(out.predicted)).toEqual(partitionKey(labGroups('mixed').values()));
    expect(out.notes).toContainEqual(expect.stringMatching(/IOMMU is not active/));
  });

  it.concurrent('--json on a non-root lspci: equal to the kernel, with the guessed facts listed', () => {
    const r = atlas(['predict', join(FIXTURES, 'realworld/linuxhw-asus-prime-a320i-k-nonroot'), '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as PredictOut;
    expect(out.equal).toBe(true);
    expect(out.uncertain.map((u) => u.device)).toContain('0000:01:00.2');
    expect(out.predicted.find((g) => g.devices.includes('0000:05:00.0'))!.uncertain).toBe(true);
  });

  it.concurrent('text output for a terminal', () => {
    const r = atlas(['predict', join(FIXTURES, 'lab/switch')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Predicted IOMMU groups: 10; the kernel's groups: 10$/m);
    expect(r.stdout).toContain('Equal to the kernel\'s groups: all 10 groups match.');
    expect(r.stdout).toMatch(/Group \d+: 02:00\.0, 03:00\.0\n {4}02:00\.0 \(Downstream Port\) has no ACS capability/);
  });

  it.concurrent('a saved snapshot file works like the directory it came from', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atlas-predict-'));
    const file = join(dir, 'legacy.json');
    const imported = atlas(['import', join(FIXTURES, 'lab/legacy-bridge'), '--output', file]);
    expect(imported.code).toBe(0);
    const out = JSON.parse(atlas(['predict', file, '--json']).stdout) as PredictOut;
    expect(out.equal).toBe(true);
    expect(partitionKey(out.predicted)).toEqual(partitionKey(labGroups('legacy-bridge').values()));
  });

  it.concurrent('exit code 1 on usage errors, 2 on a missing file, 0 with --help', () => {
    const none = atlas(['predict']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('Usage: iommu-atlas predict SNAPSHOT|TARGET [--json]');
    expect(atlas(['predict', '--frobnicate', join(FIXTURES, 'lab/mixed')]).code).toBe(1);
    expect(atlas(['predict', join(FIXTURES, 'lab/mixed'), join(FIXTURES, 'lab/amd')]).code).toBe(1);
    const missing = atlas(['predict', join(tmpdir(), 'no-such-dir', 'snapshot.json'), '--json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/snapshot\.json: no such file or directory/);
    expect(missing.stdout).toBe('');
    const help = atlas(['predict', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: iommu-atlas predict');
  });

  it.concurrent('a file that is not any known output is an input error (exit 2)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atlas-predict-'));
    const file = join(dir, 'notes.txt');
    writeFileSync(file, 'my shopping list\neggs\n');
    const r = atlas(['predict', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('notes.txt');
  });
});
