/** A throwaway home directory for the app's back end: ~/.ssh and ~/.config/iommu-atlas live here. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from './sshd.ts';

export async function makeAtlasHome(sshConfig = ''): Promise<string> {
  const home = await makeTempDir('atlas-app-home-');
  await mkdir(join(home, '.ssh'), { recursive: true, mode: 0o700 });
  await writeFile(join(home, '.ssh', 'config'), sshConfig);
  return home;
}
