/**
 * What the commands share on their command lines: the usage error (exit 1, printed with the
 * usage), and the SSH options of every command that takes a TARGET, read into collection options.
 */
import type { ParseArgsConfig } from 'node:util';
import type { CollectCliOptions } from './load.ts';
import type { CliIo } from './main.ts';

/** A command-line mistake: main.ts prints it with the usage and exits 1. */
export class CliUsageError extends Error {}

export const SSH_OPTIONS = {
  sudo: { type: 'boolean' },
  'accept-new-host-key': { type: 'boolean' },
  identity: { type: 'string', short: 'i', multiple: true },
  timeout: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

export function sshCollectOptions(values: { sudo?: boolean; 'accept-new-host-key'?: boolean; identity?: string[]; timeout?: string }, io: CliIo): CollectCliOptions {
  let timeoutSeconds: number | undefined;
  if (values.timeout !== undefined) {
    timeoutSeconds = Number(values.timeout);
    if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new CliUsageError(`--timeout needs a number of seconds, not "${values.timeout}"`);
  }
  return {
    sudo: values.sudo === true,
    acceptNewHostKey: values['accept-new-host-key'] === true,
    identityFiles: values.identity ?? [],
    timeoutSeconds,
    progress: (message) => io.stderr(`${message}\n`),
  };
}
