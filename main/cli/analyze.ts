/**
 * `iommu-atlas analyze SNAPSHOT|TARGET [--json]`: the readiness checklist, a passthrough verdict
 * for every device and group, why shared groups are shared, and the group a new card would get
 * in each physical slot.
 */
import { analysisJson, analyzeSnapshot } from '../core/analysis/analyze.ts';
import { renderAnalysisText } from '../core/analysis/render-text.ts';
import type { CliIo } from './main.ts';
import { readSnapshotCommand, SNAPSHOT_COMMAND_OPTIONS } from './snapshot-command.ts';

export const ANALYZE_USAGE = `Usage: iommu-atlas analyze SNAPSHOT|TARGET [--json]

Check the host's readiness for device passthrough, give each device and IOMMU group a verdict
(ready, whole-group, blocked, host-critical) with its reasons, explain shared groups, and predict
the group a new card would get in each physical slot.

${SNAPSHOT_COMMAND_OPTIONS}`;

export async function runAnalyze(args: string[], io: CliIo): Promise<number> {
  const command = await readSnapshotCommand(args, io, ANALYZE_USAGE);
  if (command.kind === 'exit') return command.code;
  const analysis = analyzeSnapshot(command.snapshot);
  io.stdout(command.json ? `${JSON.stringify(analysisJson(analysis), null, 2)}\n` : renderAnalysisText(analysis));
  return 0;
}
