/**
 * Runs the real collector script (main/io/collector/collect.sh) through LocalTransport, either on
 * this machine or on a lab capture rebuilt by ./fstree.ts (ATLAS_SYSROOT), and parses the framing.
 * Results are cached per capture within a test process: several tests read the same run.
 */
import { COLLECTOR_SCRIPT } from '../../main/io/collector/script.ts';
import { LocalTransport } from '../../main/io/local-transport.ts';
import type { RunResult } from '../../main/io/transport.ts';
import type { Snapshot } from '../../main/core/model/snapshot.ts';
import { parseCollectorOutput, type CollectorOutput, type CollectorSection } from '../../main/core/parsers/collector-output.ts';
import { snapshotFromCollectorOutput } from '../../main/core/snapshot/from-collector.ts';
import { captureTree } from './fstree.ts';

export interface CollectorRun {
  result: RunResult;
  output: CollectorOutput;
  issues: { line: number | null; message: string }[];
  section(name: string): CollectorSection;
  /** The run as collectSnapshot() turns it into a Snapshot (every section, not the sysfs walk alone). */
  snapshot(): Snapshot;
}

export async function runCollector(env: Record<string, string> = {}, command: 'plain' | 'sudo' = 'plain'): Promise<CollectorRun> {
  const transport = new LocalTransport();
  const result = await transport.run({ command, stdin: COLLECTOR_SCRIPT, env, timeoutMs: 60_000 });
  await transport.close();
  const parsed = parseCollectorOutput(result.stdout);
  return {
    result,
    output: parsed.data,
    issues: parsed.issues,
    section(name) {
      const s = parsed.data.sections.find((x) => x.name === name);
      if (!s) throw new Error(`collector output has no section "${name}"`);
      return s;
    },
    snapshot() {
      return snapshotFromCollectorOutput(parsed.data, {
        collectedAt: '2026-11-21T00:00:00.000Z', method: 'local', target: env.ATLAS_SYSROOT ?? 'localhost', durationMs: null, inputs: [], tool: 'test',
      });
    },
  };
}

const runs = new Map<string, Promise<CollectorRun>>();

/** The collector's run on a lab capture's rebuilt tree (cached per capture). */
export function runOnCapture(topology: string): Promise<CollectorRun> {
  let run = runs.get(topology);
  if (!run) {
    run = runCollector({ ATLAS_SYSROOT: captureTree(topology) });
    runs.set(topology, run);
  }
  return run;
}
