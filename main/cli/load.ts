/**
 * Where a CLI argument leads: an existing file or directory is imported; anything else is a
 * collection target ("this machine" when omitted, else SSH).
 */
import { existsSync } from 'node:fs';
import type { Snapshot } from '../core/model/snapshot.ts';
import { importPaths, InputError } from '../io/import.ts';
import { collectSnapshot } from '../io/collect.ts';
import { LocalTransport } from '../io/local-transport.ts';
import { connectSsh } from '../io/ssh/ssh-transport.ts';
import type { Transport } from '../io/transport.ts';
import { terminalAskSecret } from './prompt.ts';

export interface CollectCliOptions {
  sudo: boolean;
  acceptNewHostKey: boolean;
  identityFiles: string[];
  timeoutSeconds: number | undefined;
  progress: (message: string) => void;
}

export async function collectTarget(target: string | null, options: CollectCliOptions): Promise<Snapshot> {
  let transport: Transport;
  if (target === null) {
    transport = new LocalTransport();
  } else {
    options.progress(`connecting to ${target}…`);
    transport = await connectSsh(target, {
      acceptNewHostKey: options.acceptNewHostKey,
      identityFiles: options.identityFiles,
      readyTimeoutMs: (options.timeoutSeconds ?? 15) * 1000,
      askSecret: terminalAskSecret(),
    });
  }
  // The collector's test hooks (read a fixture tree, use libvirt's test driver) travel to an SSH
  // host as environment variables; a real sshd drops them unless it AcceptEnv's ATLAS_*.
  const env: Record<string, string> = {};
  if (target !== null) {
    for (const name of ['ATLAS_SYSROOT', 'ATLAS_LIBVIRT_URI']) {
      const value = process.env[name];
      if (value) env[name] = value;
    }
  }
  try {
    return await collectSnapshot(transport, {
      env,
      sudo: options.sudo,
      timeoutMs: (options.timeoutSeconds ?? 120) * 1000,
      progress: options.progress,
    });
  } finally {
    await transport.close();
  }
}

/** A word that can only be a file path, not user@host, an ~/.ssh/config alias or `local`. */
function looksLikePath(arg: string): boolean {
  return /[/\\]/.test(arg) || arg.startsWith('.') || /\.(json|txt|log|xml)$/i.test(arg);
}

/**
 * A SNAPSHOT (file or directory) or a TARGET. A word that can only be a path and does not exist
 * is an input error (exit 2), never an SSH attempt to a host named like a file.
 */
export async function loadSnapshotOrCollect(arg: string, options: CollectCliOptions): Promise<Snapshot> {
  if (existsSync(arg)) return importPaths([arg]);
  if (looksLikePath(arg)) throw new InputError(`${arg}: no such file or directory`);
  return collectTarget(arg === 'local' ? null : arg, options);
}
