/**
 * The app's saved hosts: `~/.config/iommu-atlas/hosts.json`, private to the user (directory 0700,
 * file 0600, like ~/.ssh) and replaced atomically (write a temporary file, then rename over the old
 * one), so a crash mid-write never leaves half a file. Example:
 *
 *     {
 *       "version": 1,
 *       "hosts": [{ "id": "local", "label": "This machine", "target": "local", "kind": "local", "origin": "builtin",
 *                   "lastCollectedAt": "2025-11-21T15:20:00.000Z", "lastSnapshotId": null, "lastError": null }],
 *       "dismissed": ["pve-old"]
 *     }
 *
 * `hosts` holds what the person added or used; `dismissed` the targets of offered entries (this
 * machine, ~/.ssh/config aliases) they removed, so those are not offered again.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { HostEntry } from '../core/contract/api.ts';
import { ServiceError } from './service-error.ts';

export const HostsFile = z.object({
  version: z.literal(1),
  hosts: z.array(HostEntry),
  dismissed: z.array(z.string()),
});
export type HostsFile = z.infer<typeof HostsFile>;

export function defaultConfigDir(homeDir: string): string {
  return join(homeDir, '.config', 'iommu-atlas');
}

export class HostsStore {
  readonly path: string;

  constructor(configDir: string) {
    this.path = join(configDir, 'hosts.json');
  }

  /** The saved state, or null when nothing was saved yet. A corrupt file is an error, never silently replaced. */
  async read(): Promise<HostsFile | null> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new ServiceError('internal', `cannot read ${this.path}: ${(error as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new ServiceError('input', `${this.path} is not valid JSON (${(error as Error).message}); fix or remove it`);
    }
    const parsed = HostsFile.safeParse(json);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new ServiceError('input', `${this.path} is not a hosts list this version understands (${first ? `${first.path.join('.')}: ${first.message}` : 'schema mismatch'}); fix or remove it`);
    }
    return parsed.data;
  }

  async write(state: HostsFile): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const temporary = `${this.path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      // `mode` applies on creation; the rename then swaps the finished file in (rename(2) is atomic).
      await writeFile(temporary, `${JSON.stringify(HostsFile.parse(state), null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      await chmod(temporary, 0o600);
      await rename(temporary, this.path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }
}
