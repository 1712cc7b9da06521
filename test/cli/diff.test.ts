/** `iommu-atlas diff`, driven as a user would, on lab captures that differ in known ways. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FIXTURES_DIR } from '../helpers/fixture-text.ts';
import { labDevices } from '../helpers/lab-truth.ts';

const BIN = fileURLToPath(new URL('../../main/cli/bin.mjs', import.meta.url));
const lab = (t: string) => join(FIXTURES_DIR, 'lab', t);

function atlas(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('iommu-atlas diff', () => {
  it('Markdown by default: mixed → vfio-bound shows the rebound drivers', () => {
    const r = atlas(['diff', lab('mixed'), lab('vfio-bound')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('# IOMMU Atlas diff');
    expect(r.stdout).toContain('- `01:00.0` VGA compatible controller: `bochs-drm` → `vfio-pci`');
  });

  it('--json: the machine-readable diff; rootports → rootports-noacs merged one group', () => {
    const r = atlas(['diff', lab('rootports'), lab('rootports-noacs'), '--json']);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout);
    expect(d.identical).toBe(false);
    expect(d.groups.merged).toHaveLength(1);
    expect(d.groups.merged[0].into.devices).toHaveLength(11);
    // Same diff with --format json; only the import times (collectedAt) differ between the runs.
    const again = JSON.parse(atlas(['diff', lab('rootports'), lab('rootports-noacs'), '--format', 'json']).stdout);
    for (const x of [d, again]) for (const side of [x.a, x.b]) delete side.collectedAt;
    expect(again).toEqual(d);
  });

  it('the same capture twice: identical', () => {
    const d = JSON.parse(atlas(['diff', lab('flat'), lab('flat'), '--json']).stdout);
    expect(d.identical).toBe(true);
    expect(d.a.functions).toBe(labDevices('flat').length);
  });

  it('usage errors exit 1', () => {
    expect(atlas(['diff', lab('flat')]).code).toBe(1);
    expect(atlas(['diff', lab('flat'), lab('flat'), '--json', '--format', 'md']).code).toBe(1);
    expect(atlas(['diff', lab('flat'), lab('flat'), '--format', 'html']).stderr).toContain('unknown diff format "html": use md or json');
  });
});
