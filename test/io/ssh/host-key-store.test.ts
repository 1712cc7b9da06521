import { chmod, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultHostKeyStorePath, HostKeyStore } from '../../../main/io/ssh/host-key-store.ts';
import { checkHostKey } from '../../../main/io/ssh/known-hosts.ts';
import { generateKey, makeTempDir } from '../../helpers/sshd.ts';

let dir: string;
let keyLine: string;

beforeAll(async () => {
  dir = await makeTempDir('atlas-store-');
  keyLine = (await generateKey(join(dir, 'host_key'))).split(' ').slice(0, 2).join(' ');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('HostKeyStore', () => {
  it('defaults to ~/.config/iommu-atlas/known_hosts', () => {
    expect(defaultHostKeyStorePath('/home/ada')).toBe('/home/ada/.config/iommu-atlas/known_hosts');
  });

  it('has no entries before the first key is added', async () => {
    expect(await new HostKeyStore(join(dir, 'none', 'known_hosts')).entries()).toEqual([]);
  });

  it('creates its directory 0700 and file 0600, appends known_hosts lines and reads them back', async () => {
    const path = join(dir, 'fresh', 'iommu-atlas', 'known_hosts');
    const store = new HostKeyStore(path);
    const blob = Buffer.from(keyLine.split(' ')[1]!, 'base64');
    await store.add('[10.0.0.5]:2222', blob);
    await store.add('Pve.Lab', blob);
    expect(await readFile(path, 'utf8')).toBe(`[10.0.0.5]:2222 ${keyLine}\npve.lab ${keyLine}\n`);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'fresh', 'iommu-atlas'))).mode & 0o777).toBe(0o700);
    const entries = await store.entries();
    expect(entries.map((entry) => entry.line)).toEqual([1, 2]);
    expect(checkHostKey(entries, ['pve.lab'], 'ssh-ed25519', blob)).toBe('match');
  });

  it('makes an existing, too open store file private again when it writes to it', async () => {
    const path = join(dir, 'loose_known_hosts');
    await writeFile(path, '# written by hand\n');
    await chmod(path, 0o644);
    await new HostKeyStore(path).add('lab', Buffer.from(keyLine.split(' ')[1]!, 'base64'));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readFile(path, 'utf8')).toBe(`# written by hand\nlab ${keyLine}\n`);
  });
});
