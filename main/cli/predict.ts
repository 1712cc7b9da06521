/**
 * `iommu-atlas predict SNAPSHOT|TARGET [--json]`: the IOMMU groups the kernel's algorithm gives
 * for the snapshot's topology, compared group by group with the kernel's own groups when the
 * snapshot has them.
 */
import { predictReport } from '../core/analysis/predict-report.ts';
import { renderPredictText } from '../core/analysis/render-text.ts';
import type { CliIo } from './main.ts';
import { readSnapshotCommand, SNAPSHOT_COMMAND_OPTIONS } from './snapshot-command.ts';

export const PREDICT_USAGE = `Usage: iommu-atlas predict SNAPSHOT|TARGET [--json]

Predict the IOMMU groups from the PCI topology and ACS facts (the kernel's algorithm), and compare
them with the kernel's groups when the snapshot has them. SNAPSHOT: a saved snapshot, a directory
of outputs, or any file \`import\` reads; TARGET: \`local\`, user@host[:port] or an ~/.ssh/config alias.

${SNAPSHOT_COMMAND_OPTIONS}`;

export async function runPredict(args: string[], io: CliIo): Promise<number> {
  const command = await readSnapshotCommand(args, io, PREDICT_USAGE);
  if (command.kind === 'exit') return command.code;
  const report = predictReport(command.snapshot);
  io.stdout(command.json ? `${JSON.stringify(report, null, 2)}\n` : renderPredictText(report));
  return 0;
}
