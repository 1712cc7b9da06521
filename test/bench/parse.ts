/**
 * In-process timing of the pure steps (issue 2: parse of 10,000 functions under 300 ms; issue 3:
 * analysis of a 10,000-function snapshot together with parsing under 300 ms), on collector output
 * captured once from a real run of the script, and a CPU profile of them (node:inspector) that
 * says which functions the time is spent in.
 */
import { Session } from 'node:inspector/promises';
import { fileURLToPath } from 'node:url';
import type { Snapshot } from '../../main/core/model/snapshot.ts';
import { parseCollectorOutput } from '../../main/core/parsers/collector-output.ts';
import { snapshotFromCollectorOutput } from '../../main/core/snapshot/from-collector.ts';
import { analyzeSnapshot } from '../../main/core/analysis/analyze.ts';
import { now, round, statsOf, type Stats } from './measure.ts';

export interface Analysis {
  /** What was timed, e.g. "analyzeSnapshot (main/core/analysis/analyze.ts)". */
  name: string;
  run(snapshot: Snapshot): unknown;
}

/** Issue 3's analysis entry point: what `iommu-atlas analyze` runs on a snapshot. */
export const ANALYSIS: Analysis = { name: 'analyzeSnapshot (main/core/analysis/analyze.ts)', run: (s) => analyzeSnapshot(s) };

/** The collector's output text into a Snapshot, as collectSnapshot() does after the run. */
export function snapshotOfOutput(text: string): Snapshot {
  const parsed = parseCollectorOutput(text);
  return snapshotFromCollectorOutput(parsed.data, {
    collectedAt: '2025-01-01T00:00:00.000Z',
    method: 'local',
    target: 'bench',
    durationMs: null,
    inputs: [{ name: 'bench', format: 'collector-output' }],
    tool: 'bench',
  });
}

export interface PureTimings {
  functions: number;
  outputBytes: number;
  analysis: string;
  /** The first run in this process (code not yet optimised by the JIT), as a one-shot CLI sees it. */
  coldParseMs: number;
  coldAnalysisMs: number;
  /** Runs after that one. */
  parse: Stats;
  analysisOnly: Stats;
  parseAndAnalysis: Stats;
}

/** Runs parse then analysis `runs` + 1 times, back to the event loop between runs (so Ctrl-C is seen). */
export async function timePure(text: string, analysis: Analysis, runs: number): Promise<PureTimings> {
  const parseMs: number[] = [];
  const analysisMs: number[] = [];
  let functions = 0;
  for (let i = 0; i <= runs; i++) {
    const t0 = now();
    const snapshot = snapshotOfOutput(text);
    const t1 = now();
    analysis.run(snapshot);
    const t2 = now();
    functions = snapshot.devices.length;
    parseMs.push(t1 - t0);
    analysisMs.push(t2 - t1);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const warm = (list: number[]) => list.slice(1);
  return {
    functions,
    outputBytes: Buffer.byteLength(text),
    analysis: analysis.name,
    coldParseMs: round(parseMs[0]!),
    coldAnalysisMs: round(analysisMs[0]!),
    parse: statsOf(warm(parseMs)),
    analysisOnly: statsOf(warm(analysisMs)),
    parseAndAnalysis: statsOf(warm(parseMs).map((p, i) => p + warm(analysisMs)[i]!)),
  };
}

export interface ProfileEntry {
  function: string;
  file: string;
  selfMs: number;
  percent: number;
  /** Who called it ("caller (file) ← its caller (file)"), by how much of its self time each accounts for. */
  callers: { caller: string; percent: number }[];
}

const REPO = fileURLToPath(new URL('../../', import.meta.url));

function frameName(frame: { functionName: string; url: string }): { function: string; file: string } {
  const path = frame.url.startsWith('file://') ? fileURLToPath(frame.url) : frame.url;
  return { function: frame.functionName || '(anonymous)', file: path.startsWith(REPO) ? path.slice(REPO.length) : path };
}

/**
 * Self time per function over `runs` calls of `work` (sampled every 200 µs), the `top` largest,
 * per call, each with its three biggest callers: a comparator or a helper called from many places
 * says nothing until one knows who calls it.
 */
export async function profile(work: () => void, runs: number, top: number): Promise<ProfileEntry[]> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
    for (let i = 0; i < runs; i++) work();
    const { profile: cpu } = await session.post('Profiler.stop');
    const nodes = new Map(cpu.nodes.map((n) => [n.id, n]));
    const parentOf = new Map<number, number>();
    for (const n of cpu.nodes) for (const child of n.children ?? []) parentOf.set(child, n.id);
    const entries = new Map<string, { function: string; file: string; us: number; callers: Map<string, number> }>();
    const samples = cpu.samples ?? [];
    const deltas = cpu.timeDeltas ?? [];
    let totalUs = 0;
    const isInspector = (id: number): boolean => {
      for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
        if (nodes.get(at)!.callFrame.url.startsWith('node:inspector')) return true;
      }
      return false;
    };
    const label = (id: number | undefined): string => {
      if (id === undefined) return '(root)';
      const f = frameName(nodes.get(id)!.callFrame);
      return f.file ? `${f.function} (${f.file.split('/').at(-1)})` : f.function;
    };
    samples.forEach((id, i) => {
      // The profiler's own round trip (Session.post) is not the code being measured.
      if (isInspector(id)) return;
      const us = deltas[i] ?? 0;
      totalUs += us;
      const name = frameName(nodes.get(id)!.callFrame);
      const key = `${name.function}\0${name.file}`;
      const entry = entries.get(key) ?? { ...name, us: 0, callers: new Map<string, number>() };
      entry.us += us;
      // Two frames up: an anonymous comparator or callback says little without its own caller.
      const parent = parentOf.get(id);
      const caller = parent === undefined ? '(root)' : `${label(parent)} ← ${label(parentOf.get(parent))}`;
      entry.callers.set(caller, (entry.callers.get(caller) ?? 0) + us);
      entries.set(key, entry);
    });
    return [...entries.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((e) => ({
        function: e.function,
        file: e.file,
        selfMs: round(e.us / 1000 / runs, 1),
        percent: round((100 * e.us) / totalUs, 1),
        callers: [...e.callers]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 3)
          .map(([caller, us]) => ({ caller, percent: round((100 * us) / e.us, 0) })),
      }));
  } finally {
    session.disconnect();
  }
}
