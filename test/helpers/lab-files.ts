/**
 * A lab capture's files as the app receives them when someone drops the capture folder's files on
 * the window: `{name, text}` for every file, read as UTF-8 (what a browser's File.text() gives).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAB_DIR } from './fstree.ts';

export function labFiles(topology: string): { name: string; text: string }[] {
  const dir = join(LAB_DIR, topology);
  return readdirSync(dir).sort().map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
}
