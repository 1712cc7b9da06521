/**
 * The argument handling `predict` and `analyze` share: one SNAPSHOT file (or directory of
 * outputs) or TARGET, `--json`, and the SSH options of `show`. A usage problem prints the
 * command's usage and yields exit code 1; a path that does not exist is an input error (exit 2),
 * never an SSH attempt to a host named like a file.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Snapshot } from '../core/model/snapshot.ts';
import { InputError } from '../io/import.ts';
import { loadSnapshotOrCollect } from './load.ts';
import type { CliIo } from './main.ts';

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

/** A word that can only be a file path, not user@host, an ~/.ssh/config alias or `local`. */
function looksLikePath(arg: string): boolean {
  return /[/\\]/.test(arg) || arg.startsWith('.') || /\.(json|txt|log|xml)$/i.test(arg);
}

export async function readSnapshotCommand(args: string[], io: CliIo, usage: string): Promise<SnapshotCommand> {
  const usageError = (message: string): SnapshotCommand => {
    io.stderr(`iommu-atlas: ${message}\n\n${usage}`);
    return { kind: 'exit', code: 1 };
  };
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        json: { type: 'boolean' },
        sudo: { type: 'boolean' },
        'accept-new-host-key': { type: 'boolean' },
        identity: { type: 'string', short: 'i', multiple: true },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
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
  let timeoutSeconds: number | undefined;
  if (values.timeout !== undefined) {
    timeoutSeconds = Number(values.timeout);
    if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) return usageError(`--timeout needs a number of seconds, not "${values.timeout}"`);
  }
  const target = positionals[0]!;
  if (!existsSync(target) && looksLikePath(target)) throw new InputError(`${target}: no such file or directory`);
  const snapshot = await loadSnapshotOrCollect(target, {
    sudo: values.sudo === true,
    acceptNewHostKey: values['accept-new-host-key'] === true,
    identityFiles: values.identity ?? [],
    timeoutSeconds,
    progress: (message) => io.stderr(`${message}\n`),
  });
  return { kind: 'run', snapshot, json: values.json === true };
}
