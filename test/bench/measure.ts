/**
 * Wall-clock measurement for the benchmark: repeated runs summarised as median, min and max.
 * Medians because this machine is shared (other jobs, a QEMU guest): one slow outlier must not
 * decide a ratio; min and max show how wide the spread was.
 */
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Stats {
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Every run's time in ms, in run order. */
  samplesMs: number[];
}

export function statsOf(samplesMs: readonly number[]): Stats {
  if (samplesMs.length === 0) throw new Error('statsOf: no samples');
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return {
    runs: sorted.length,
    medianMs: round(median),
    minMs: round(sorted[0]!),
    maxMs: round(sorted.at(-1)!),
    samplesMs: samplesMs.map(round),
  };
}

export function round(ms: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(ms * f) / f;
}

/** Milliseconds since an arbitrary origin, sub-millisecond resolution. */
export function now(): number {
  return performance.now();
}

/** Times `fn` once. */
export async function timeOnce<T>(fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const start = now();
  const value = await fn();
  return { ms: now() - start, value };
}

/**
 * Runs several measurements round-robin (a, b, c, a, b, c, …) so that a change in the machine's
 * load during the run affects all of them alike and the ratios between them stay fair.
 */
export async function interleaved(
  rounds: number,
  tasks: Record<string, () => Promise<unknown>>,
): Promise<Record<string, Stats>> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(tasks).map((k) => [k, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, fn] of Object.entries(tasks)) samples[name]!.push((await timeOnce(fn)).ms);
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, statsOf(v)]));
}

/**
 * The median of the per-round ratios a[i] / b[i] of two interleaved measurements: each pair ran
 * back to back, so a burst of load from elsewhere hits both sides of a pair and cancels out, which
 * the ratio of the two medians does not manage on a busy machine.
 */
export function pairedRatio(a: Stats, b: Stats): number {
  if (a.samplesMs.length !== b.samplesMs.length) throw new Error('pairedRatio: measurements of different lengths');
  return round(statsOf(a.samplesMs.map((x, i) => x / b.samplesMs[i]!)).medianMs);
}

export async function repeated(runs: number, fn: () => Promise<unknown> | unknown): Promise<Stats> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push((await timeOnce(fn)).ms);
  return statsOf(samples);
}

/**
 * A scratch directory for the benchmark's trees, removed when the process exits; in /dev/shm
 * when it is writable: sysfs lives in memory, and so does tmpfs, while on a disk filesystem
 * building the 10,000-function tree (about 450,000 entries) alone takes minutes.
 */
export function scratchRoot(label: string): string {
  let base = tmpdir();
  try {
    accessSync('/dev/shm', constants.W_OK);
    base = '/dev/shm';
  } catch {
    // No writable tmpfs: the system temp dir.
  }
  const dir = mkdtempSync(join(base, `${label}-`));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
