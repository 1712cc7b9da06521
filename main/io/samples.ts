/**
 * Bundled sample snapshots, kept as the real command outputs they come from (main/samples/<name>/)
 * and imported on demand, so they always match the current parsers and schema.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { Snapshot } from '../core/model/snapshot.ts';
import { importPaths, InputError } from './import.ts';

const SAMPLES_DIR = fileURLToPath(new URL('../samples/', import.meta.url));

/** The sample shown when this machine has no IOMMU groups. */
export const DEFAULT_SAMPLE = 'lab-q35-mixed';

export function listSamples(): string[] {
  return readdirSync(SAMPLES_DIR, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

export async function loadSample(name: string): Promise<Snapshot> {
  const names = listSamples();
  if (!names.includes(name)) throw new InputError(`no bundled sample "${name}"; samples: ${names.join(', ')}`);
  const snapshot = await importPaths([join(SAMPLES_DIR, name)]);
  return { ...snapshot, provenance: { ...snapshot.provenance, target: `sample ${name}` } };
}
