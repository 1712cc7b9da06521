/**
 * `iommu-atlas report`, driven as a user would: the real binary on real fixtures, every format,
 * the JSON round trip through `import`, anonymisation, and the mistakes a user can make.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES_DIR } from '../helpers/fixture-text.ts';
import { labGroups } from '../helpers/lab-truth.ts';

const BIN = fileURLToPath(new URL('../../main/cli/bin.mjs', import.meta.url));
const lab = (t: string) => join(FIXTURES_DIR, 'lab', t);
const dir = mkdtempSync(join(tmpdir(), 'atlas-cli-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function atlas(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('iommu-atlas report', () => {
  it('Markdown by default, on stdout', () => {
    const r = atlas(['report', lab('mixed')]);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('# IOMMU report: iommu-lab\n')).toBe(true);
    for (const id of labGroups('mixed').keys()) expect(r.stdout).toMatch(new RegExp(`^IOMMU Group ${id}: `, 'm'));
  });

  it('the format from the --output extension: HTML, SVG', () => {
    for (const [ext, head] of [['html', '<!DOCTYPE html>'], ['svg', '<svg xmlns="http://www.w3.org/2000/svg"']]) {
      const out = join(dir, `mixed.${ext}`);
      const r = atlas(['report', lab('mixed'), '--output', out]);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain(`wrote ${out}`);
      expect(readFileSync(out, 'utf8').startsWith(head!)).toBe(true);
    }
  });

  it('PNG needs --output, and then writes a PNG of the graph', () => {
    const refused = atlas(['report', lab('flat'), '--format', 'png']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('PNG is binary: give --output FILE');
    const out = join(dir, 'flat.png');
    const r = atlas(['report', lab('flat'), '--format', 'png', '-o', out]);
    expect(r.code).toBe(0);
    const png = readFileSync(out);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const [, w, h] = /\((\d+)×(\d+) px\)/.exec(r.stderr)!.map(Number);
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([w, h]);
  });

  it('JSON → import → report JSON is byte-identical', () => {
    const report = join(dir, 'report.json');
    const snapshot = join(dir, 'snapshot.json');
    expect(atlas(['report', lab('vfio-bound'), '--format', 'json', '--output', report]).code).toBe(0);
    const imported = atlas(['import', report, '--output', snapshot]);
    expect(imported.code).toBe(0);
    expect(JSON.parse(readFileSync(snapshot, 'utf8'))).toEqual(JSON.parse(readFileSync(report, 'utf8')).snapshot);
    const again = atlas(['report', snapshot, '--format', 'json']);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(readFileSync(report, 'utf8'));
    expect(atlas(['report', report, '--format', 'json']).stdout).toBe(readFileSync(report, 'utf8'));
  });

  it('--anonymize: says what it replaced; the hostname and the MAC are gone', () => {
    const r = atlas(['report', lab('mixed'), '--anonymize', '--format', 'json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('anonymised: 1 hostname, 1 mac');
    expect(r.stdout).not.toContain('iommu-lab');
    expect(r.stdout).not.toContain('52:54:00:12:34:56');
    expect(JSON.parse(r.stdout).snapshot.host.hostname).toBe('host-1');
  });

  it('usage errors exit 1 with a message', () => {
    const unknown = atlas(['report', lab('mixed'), '--format', 'pdf']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unknown format "pdf": use md, html, json, svg, png');
    const guess = atlas(['report', lab('mixed'), '--output', join(dir, 'report.txt')]);
    expect(guess.code).toBe(1);
    expect(guess.stderr).toContain('cannot tell the format from');
    expect(atlas(['report']).code).toBe(1);
    // A path that does not exist is an input error, not an SSH target.
    const missing = atlas(['report', join(dir, 'no-such-snapshot.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no-such-snapshot.json: no such file or directory');
    expect(atlas(['report', lab('mixed'), '--help']).stdout).toContain('Usage: iommu-atlas report SNAPSHOT|TARGET');
  });
});
