/**
 * Collect a snapshot through a transport: run the fixed collector script once, check that its
 * output is complete, parse it. A run cut off halfway is an error, never a partial snapshot.
 */
import type { Snapshot } from '../core/model/snapshot.ts';
import { parseCollectorOutput } from '../core/parsers/collector-output.ts';
import { snapshotFromCollectorOutput } from '../core/snapshot/from-collector.ts';
import { TOOL_VERSION } from '../core/version.ts';
import { COLLECTOR_SCRIPT } from './collector/script.ts';
import { TransportError, type Transport } from './transport.ts';

export interface CollectOptions {
  sudo?: boolean;
  /** Test hooks for the script (ATLAS_SYSROOT, ATLAS_LIBVIRT_URI). */
  env?: Record<string, string>;
  timeoutMs?: number;
  progress?: (message: string) => void;
  now?: () => Date;
}

const SECTION_MARKER = /^@@ATLAS \S+ SECTION (\S+)$/gm;

export async function collectSnapshot(transport: Transport, options: CollectOptions = {}): Promise<Snapshot> {
  const started = Date.now();
  const now = options.now ?? (() => new Date());
  const progress = options.progress;
  let pending = '';
  const result = await transport.run({
    command: options.sudo ? 'sudo' : 'plain',
    stdin: COLLECTOR_SCRIPT,
    env: options.env,
    timeoutMs: options.timeoutMs ?? 120_000,
    onStdout: progress
      ? (chunk) => {
        pending += chunk;
        const cut = pending.lastIndexOf('\n');
        if (cut < 0) return;
        for (const m of pending.slice(0, cut).matchAll(SECTION_MARKER)) {
          if (!m[1]!.endsWith('.stderr')) progress(`${transport.target}: reading ${m[1]}…`);
        }
        pending = pending.slice(cut + 1);
      }
      : undefined,
  });
  const parsed = parseCollectorOutput(result.stdout);
  if (!parsed.data.complete) {
    const why = parsed.issues[0]?.message ?? 'the output has no end marker';
    throw new TransportError(
      `collection from ${transport.target} did not finish (${why}; exit code ${result.exitCode ?? 'none'}${result.stderr.trim() ? `; stderr: ${result.stderr.trim().slice(0, 300)}` : ''}). Nothing was kept.`,
      'exec',
    );
  }
  const snapshot = snapshotFromCollectorOutput(parsed.data, {
    collectedAt: now().toISOString(),
    method: transport.method,
    target: transport.target,
    durationMs: Date.now() - started,
    inputs: [{ name: transport.target, format: 'collector-output' }],
    tool: TOOL_VERSION,
  });
  progress?.(`${transport.target}: ${snapshot.devices.length} PCI functions, ${snapshot.groups.length} IOMMU groups in ${snapshot.provenance.durationMs} ms`);
  return snapshot;
}
