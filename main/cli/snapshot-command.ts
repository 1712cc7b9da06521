/**
 * The argument handling `predict` and `analyze` share: one SNAPSHOT file (or directory of
 * outputs) or TARGET, `--json`, and the SSH options of `show`. A usage problem prints the
 * command's usage and yields exit code 1; a path that does not exist is an input error (exit 2),
 * never an SSH attempt to a host named like a file.
 */
import { parseArgs } from 'node:util';
import type { Snapshot } from '../core/model/snapshot.ts';
import { loadSnapshotOrCollect } from './load.ts';
import type { CliIo } from './main.ts';
import { CliUsageError, SSH_OPTIONS, sshCollectOptions } from './options.ts';

export const SNAPSHOT_COMMAND_OPTIONS = `Options:
  --json                  Machine-readable output (stable shape, see the README).
  --sudo                  With a TARGET: run the root-only parts through sudo -n.
  --accept-new-host-key   Trust an unknown SSH host key (check the fingerprint first).
  -i, --identity FILE     SSH private key to use (repeatable).
  --timeout SECONDS       Connect and collection time limit.
`;

export type SnapshotCommand =
  | { kind: 'run'; snapshot: Snapshot; json: boolean }
  | { kind: 'exit'; code: number };

export async function readSnapshotCommand(args: string[], io: CliIo, usage: string): Promise<SnapshotCommand> {
  const usageError = (message: string): SnapshotCommand => {
    io.stderr(`iommu-atlas: ${message}\n\n${usage}`);
    return { kind: 'exit', code: 1 };
  };
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { ...SSH_OPTIONS, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    return usageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(usage);
    return { kind: 'exit', code: 0 };
  }
  if (positionals.length !== 1) return usageError('give exactly one SNAPSHOT file, directory of outputs, or TARGET');
  let options;
  try {
    options = sshCollectOptions(values, io);
  } catch (e) {
    if (e instanceof CliUsageError) return usageError(e.message);
    throw e;
  }
  const snapshot = await loadSnapshotOrCollect(positionals[0]!, options);
  return { kind: 'run', snapshot, json: values.json === true };
}
