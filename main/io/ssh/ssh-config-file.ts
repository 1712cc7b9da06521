/**
 * Reads ~/.ssh/config and splices in its `Include` files, because the ssh-config package parses one text
 * and does not follow Include. ssh_config(5) "Include": several paths per line, glob wildcards, `~`, paths
 * relative to ~/.ssh, missing files ignored, at most 16 levels (readconf.c READCONF_MAX_DEPTH). Example:
 *
 *     Include config.d/* ~/.orbstack/ssh/config
 *     Host pve
 *         User root
 *
 * After the spliced text the block that contained the Include line is reopened (`Host *` at top level), so the
 * lines after it keep applying where they did. Known difference: Host/Match lines inside a file that is
 * included from within a Host block are not additionally limited by that block.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';

const MAX_INCLUDE_DEPTH = 16;

async function readTextIfPresent(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'EISDIR') return null;
    throw error;
  }
}

/** glob(7) for the last path component (`*`, `?`), the form Include lines use in practice; sorted like glob(3). */
async function expandWildcards(path: string): Promise<string[]> {
  const name = basename(path);
  if (!/[*?]/.test(name)) return [path];
  const directory = dirname(path);
  const pattern = new RegExp(`^${name.replace(/[\\^$.|+()[\]{}]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    return [];
  }
  return names.filter((entry) => !entry.startsWith('.') && pattern.test(entry)).sort().map((entry) => join(directory, entry));
}

function includePaths(argument: string, homeDir: string): string[] {
  return argument
    .split(/\s+/)
    .filter((word) => word !== '')
    .map((word) => word.replace(/^"(.*)"$/, '$1'))
    .map((word) => (word === '~' ? homeDir : word.startsWith('~/') ? join(homeDir, word.slice(2)) : word))
    .map((word) => (isAbsolute(word) ? word : join(homeDir, '.ssh', word)));
}

async function expandIncludes(text: string, homeDir: string, depth: number): Promise<string> {
  const output: string[] = [];
  let currentBlock = 'Host *';
  for (const line of text.split('\n')) {
    const include = /^\s*include(?:\s*=\s*|\s+)(.+?)\s*$/i.exec(line);
    if (include === null || depth >= MAX_INCLUDE_DEPTH) {
      if (/^\s*(host|match)(\s|=)/i.test(line)) currentBlock = line.trim();
      output.push(line);
      continue;
    }
    for (const pattern of includePaths(include[1] ?? '', homeDir)) {
      for (const file of await expandWildcards(pattern)) {
        const included = await readTextIfPresent(file);
        if (included !== null) output.push(await expandIncludes(included, homeDir, depth + 1));
      }
    }
    output.push(currentBlock);
  }
  return output.join('\n');
}

/** The user's ssh config with Includes spliced in; '' when ~/.ssh/config does not exist. */
export async function readUserSshConfig(homeDir: string): Promise<string> {
  const text = await readTextIfPresent(join(homeDir, '.ssh', 'config'));
  return text === null ? '' : expandIncludes(text, homeDir, 0);
}
