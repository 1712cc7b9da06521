/**
 * Where the time of one collection goes, measured without touching the collector script: the
 * same steps collectSnapshot() takes (connect, run the script, parse the framing, build the
 * snapshot, close), each timed, and the script's sections timed by when their `SECTION` marker
 * lines arrive. The gap between two markers is the first section's time plus whatever of its
 * output was still in transit. The script streams lspci while the pci walk and the other sysfs
 * walks (iommu-groups to hostusage) run beside it, and prints the walks after it: `lspci` holds
 * the time of all three and the walks' gaps only the rest of the wait and the shipping of their
 * output.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseCollectorOutput } from '../../main/core/parsers/collector-output.ts';
import { snapshotFromCollectorOutput } from '../../main/core/snapshot/from-collector.ts';
import type { Snapshot } from '../../main/core/model/snapshot.ts';
import { COLLECTOR_SCRIPT } from '../../main/io/collector/script.ts';
import type { Transport } from '../../main/io/transport.ts';
import { now, round } from './measure.ts';

export interface Breakdown {
  method: 'local' | 'ssh';
  connectMs: number;
  /** From the start of the run to the first byte of output. */
  firstByteMs: number;
  /** Each section's time as the client saw it (marker to next marker). */
  sections: { name: string; ms: number }[];
  /** The whole script run, start of exec to exit status. */
  runMs: number;
  /**
   * CPU time the whole machine spent during the run (/proc/stat, all processes: the script, lspci,
   * sshd, this process), and its CPU count: on loopback everything is this machine, so
   * machineCpuMs / cpus is the least the run could take, however well its parts overlap.
   */
  machineCpuMs: number | null;
  cpus: number;
  outputBytes: number;
  /** parseCollectorOutput (the framing). */
  framingMs: number;
  /** snapshotFromCollectorOutput (every section's parser, merge, zod-shaped result). */
  snapshotMs: number;
  closeMs: number;
  totalMs: number;
  functions: number;
}

const MARKER = /^@@ATLAS \S+ SECTION (\S+)$/gm;

/** Busy CPU time of the whole machine so far in ms (the `cpu` line of /proc/stat less idle and iowait), null off Linux. */
function machineBusyMs(): number | null {
  try {
    const ticks = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    const busy = ticks.reduce((a, b) => a + b, 0) - ticks[3]! - ticks[4]!;
    // USER_HZ is 100 on every Linux architecture that exposes it to user space (proc(5)).
    return busy * 10;
  } catch {
    return null;
  }
}

export async function breakdownRun(connect: () => Promise<Transport>, env: Record<string, string>): Promise<{ breakdown: Breakdown; snapshot: Snapshot }> {
  const t0 = now();
  const transport = await connect();
  const tConnected = now();
  const marks: { name: string; at: number }[] = [];
  let firstByte: number | null = null;
  let pending = '';
  const busyBefore = machineBusyMs();
  const result = await transport.run({
    command: 'plain',
    stdin: COLLECTOR_SCRIPT,
    env,
    timeoutMs: 300_000,
    onStdout: (chunk) => {
      const at = now();
      firstByte ??= at;
      pending += chunk;
      const cut = pending.lastIndexOf('\n');
      if (cut < 0) return;
      for (const m of pending.slice(0, cut).matchAll(MARKER)) if (!m[1]!.endsWith('.stderr')) marks.push({ name: m[1]!, at });
      pending = pending.slice(cut + 1);
    },
  });
  const tRan = now();
  const busyAfter = machineBusyMs();
  const parsed = parseCollectorOutput(result.stdout);
  const tFramed = now();
  if (!parsed.data.complete) throw new Error(`breakdown: the collector output is incomplete (${parsed.issues[0]?.message ?? 'no end marker'})`);
  const snapshot = snapshotFromCollectorOutput(parsed.data, {
    collectedAt: new Date().toISOString(),
    method: transport.method,
    target: transport.target,
    durationMs: null,
    inputs: [{ name: transport.target, format: 'collector-output' }],
    tool: 'bench',
  });
  const tBuilt = now();
  await transport.close();
  const tClosed = now();
  return {
    snapshot,
    breakdown: {
      method: transport.method,
      connectMs: round(tConnected - t0),
      firstByteMs: round((firstByte ?? tRan) - tConnected),
      sections: marks.map((m, i) => ({ name: m.name, ms: round((marks[i + 1]?.at ?? tRan) - m.at) })),
      runMs: round(tRan - tConnected),
      machineCpuMs: busyBefore !== null && busyAfter !== null ? busyAfter - busyBefore : null,
      cpus: cpus().length,
      outputBytes: Buffer.byteLength(result.stdout),
      framingMs: round(tFramed - tRan),
      snapshotMs: round(tBuilt - tFramed),
      closeMs: round(tClosed - tBuilt),
      totalMs: round(tClosed - t0),
      functions: snapshot.devices.length,
    },
  };
}
