/** Text fixtures under test/fixtures, read as UTF-8. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** `fixtureText('realworld/<case>/<file>')`. */
export function fixtureText(relativePath: string): string {
  return readFileSync(FIXTURES_DIR + relativePath, 'utf8');
}
