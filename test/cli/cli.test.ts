/** The `iommu-atlas` binary driven as a user would: spawned, reading real fixtures. */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIXTURES_DIR } from '../helpers/fixture-text.ts';
import { captureTree } from '../helpers/fstree.ts';
import { labGroups, partitionKey } from '../helpers/lab-truth.ts';

const BIN = fileURLToPath(new URL('../../main/cli/bin.mjs', import.meta.url));
const lab = (t: string) => join(FIXTURES_DIR, 'lab', t);

function atlas(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('iommu-atlas CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'atlas-cli-'));

  it('show --json on a capture directory follows the documented contract', () => {
    const r = atlas(['show', lab('mixed'), '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out).sort()).toEqual(['devices', 'groups', 'host', 'iommu', 'unreadable']);
    expect(out.host).toEqual({ hostname: 'iommu-lab', kernel: '6.1.0-56-amd64', board: null });
    expect(out.iommu).toEqual({ vendor: 'intel', enabled: true, interruptRemapping: true, defaultDomain: 'lazy', faults: expect.any(Number) });
    expect(out.iommu.faults).toBeGreaterThan(0);
    expect(partitionKey(out.groups)).toEqual(partitionKey(labGroups('mixed').values()));
    const gpu = out.devices.find((d: { address: string }) => d.address === '0000:01:00.0');
    expect(gpu).toMatchObject({ vendorId: '1234', deviceId: '1111', classCode: '0300', driver: 'bochs-drm', group: 11 });
    for (const d of out.devices) expect(d.address).toMatch(/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/);
  });

  it('show prints groups with devices for a terminal, and what could not be read', () => {
    const r = atlas(['show', join(FIXTURES_DIR, 'realworld', 'linuxhw-asus-prime-a320i-k-nonroot', 'lspci-vvnn.nonroot.txt')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^IOMMU Group \d+: /m);
    expect(r.stdout).toContain('Could not read:');
    expect(r.stdout).toContain('ACS and PCIe capabilities');
  });

  it('import writes a snapshot that show and import read back unchanged', () => {
    const out = join(dir, 'legacy.json');
    const r = atlas(['import', lab('legacy-bridge'), '--output', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('as lspci-verbose');
    const snapshot = JSON.parse(readFileSync(out, 'utf8'));
    expect(snapshot.schemaVersion).toBe(1);
    const again = join(dir, 'legacy-again.json');
    expect(atlas(['import', out, '-o', again]).code).toBe(0);
    expect(JSON.parse(readFileSync(again, 'utf8'))).toEqual(snapshot);
  });

  it('collect on this machine through the test hook gives the capture\'s groups', () => {
    const r = atlas(['collect'], { ATLAS_SYSROOT: captureTree('switch') });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('reading lspci');
    const s = JSON.parse(r.stdout);
    expect(s.provenance.method).toBe('local');
    expect(partitionKey(s.groups)).toEqual(partitionKey(labGroups('switch').values()));
  });

  it('show with no argument shows this machine when it has IOMMU groups', () => {
    const r = atlas(['show', '--json'], { ATLAS_SYSROOT: captureTree('rootports') });
    expect(r.code).toBe(0);
    expect(partitionKey(JSON.parse(r.stdout).groups)).toEqual(partitionKey(labGroups('rootports').values()));
    expect(r.stderr).not.toContain('bundled sample');
  });

  it('show with no argument falls back to the bundled sample, and says why, when this machine has no groups', () => {
    const r = atlas(['show', '--json'], { ATLAS_SYSROOT: captureTree('noiommu') });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/This machine has 33 PCI functions but its IOMMU is off or absent; showing the bundled sample "lab-q35-mixed"/);
    expect(partitionKey(JSON.parse(r.stdout).groups)).toEqual(partitionKey(labGroups('mixed').values()));
  });

  it('show --sample shows a bundled real machine', () => {
    const r = atlas(['show', '--sample', 'asus-prime-x570-pro', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.iommu.vendor).toBe('amd');
    expect(out.devices.filter((d: { group: number | null }) => d.group !== null)).toHaveLength(41);
    expect(atlas(['show', '--sample', 'nonesuch']).code).toBe(2);
  });

  it('exit code 1 for usage errors, with the usage text', () => {
    for (const args of [[], ['frobnicate'], ['import'], ['show', 'a', 'b'], ['show', 'x', '--sample', 'y'], ['collect', '--timeout', 'soon']]) {
      const r = atlas(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stdout + r.stderr).toContain('Usage: iommu-atlas');
    }
  });

  it('exit code 2 for input a person must fix, naming the file', () => {
    const junk = join(dir, 'junk.txt');
    writeFileSync(junk, 'hello\nworld\n');
    const r = atlas(['import', junk]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/junk\.txt: cannot tell what this file is/);
    const missing = atlas(['import', join(dir, 'missing.txt')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing\.txt: no such file/);
  });

  it('show of a path that does not exist is an input error, not an SSH attempt to a host named like a file', () => {
    const missing = atlas(['show', join(dir, 'missing-snapshot.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing-snapshot\.json: no such file or directory/);
    expect(missing.stderr).not.toMatch(/connecting to/);
  });

  it('the real binary resolves ~/.ssh/config aliases, keywords in any case (as ssh does)', () => {
    const home = mkdtempSync(join(tmpdir(), 'atlas-cli-home-'));
    mkdirSync(join(home, '.ssh'));
    writeFileSync(join(home, '.ssh', 'config'), 'host lab\n  hostname 127.0.0.9\n  PORT 1\n');
    const r = atlas(['collect', 'lab', '--timeout', '5'], { HOME: home });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('127.0.0.9:1');
  });

  it('exit code 2 and a clear message when an SSH target cannot be reached', () => {
    const r = atlas(['collect', 'nobody@127.0.0.1:1', '--timeout', '5']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/127\.0\.0\.1/);
    expect(r.stdout).toBe('');
  });
});
