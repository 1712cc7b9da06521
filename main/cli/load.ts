/**
 * Where a CLI argument leads: an existing file or directory is imported; anything else is a
 * collection target ("this machine" when omitted, else SSH).
 */
import { existsSync } from 'node:fs';
import type { Snapshot } from '../core/model/snapshot.ts';
import { importPaths } from '../io/import.ts';
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

export async function loadSnapshotOrCollect(arg: string, options: CollectCliOptions): Promise<Snapshot> {
  if (existsSync(arg)) return importPaths([arg]);
  return collectTarget(arg === 'local' ? null : arg, options);
}
