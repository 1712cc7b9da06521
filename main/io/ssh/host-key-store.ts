/**
 * The host keys this app was told to trust (--accept-new-host-key or the UI prompt), kept apart from the
 * user's ~/.ssh/known_hosts so the app never edits ssh's own files. Same format as known_hosts, unhashed:
 *
 *     [192.168.1.20]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHhMg4n6P6YVSQrqJ8m3Vx0ZcX9GsZ7l5Ofn0j1pUqZb
 *
 * The directory is created 0700 and the file written 0600, like ~/.ssh.
 */
import { appendFile, chmod, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { formatKnownHostsLine, parseKnownHosts, type KnownHostEntry } from './known-hosts.ts';

export function defaultHostKeyStorePath(homeDir: string): string {
  return join(homeDir, '.config', 'iommu-atlas', 'known_hosts');
}

export class HostKeyStore {
  constructor(readonly path: string) {}

  /** The stored entries; none when the file does not exist yet. Unreadable lines are skipped, as ssh does. */
  async entries(): Promise<KnownHostEntry[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return parseKnownHosts(text).data;
  }

  /** Appends one accepted key under the name it was checked with (`host` or `[host]:port` or the HostKeyAlias). */
  async add(hostName: string, keyBlob: Buffer): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    await appendFile(this.path, `${formatKnownHostsLine(hostName, keyBlob)}\n`, { mode: 0o600 });
    // appendFile's mode only applies when it creates the file; keep an older file private as well.
    await chmod(this.path, 0o600);
  }
}
