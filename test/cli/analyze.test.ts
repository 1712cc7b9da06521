/** `iommu-atlas analyze`, spawned as a user runs it, on real captures. */
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { labDevices } from '../helpers/lab-truth.ts';

const BIN = fileURLToPath(new URL('../../main/cli/bin.mjs', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

function atlas(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const CHECK_IDS = [
  'cpu-virtualization', 'iommu-firmware', 'iommu-enabled', 'interrupt-remapping', 'domain-type', 'vfio-modules',
  'acs-override', 'kvm', 'libvirt', 'firmware-bugs', 'iommu-faults',
];

interface AnalyzeOut {
  checks: { id: string; status: string; evidence: string; remedy: string }[];
  devices: { address: string; verdict: string; reasons: string[] }[];
  slots: { name: string; rootPort: string | null; occupied: boolean | null; predictedGroup: string[] }[];
}

describe('iommu-atlas analyze', () => {
  it.concurrent('--json on the mixed capture follows the documented contract', () => {
    const r = atlas(['analyze', join(FIXTURES, 'lab/mixed'), '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as AnalyzeOut;
    expect(Object.keys(out)).toEqual(expect.arrayContaining(['checks', 'devices', 'slots']));
    expect(out.checks.map((c) => c.id).slice(0, 11)).toEqual(CHECK_IDS);
    for (const c of out.checks) {
      expect(Object.keys(c)).toEqual(expect.arrayContaining(['id', 'status', 'evidence', 'remedy']));
      expect(['pass', 'warn', 'fail', 'unknown']).toContain(c.status);
    }
    expect(out.devices.map((d) => d.address)).toEqual(labDevices('mixed').map((d) => d.address));
    const byAddress = new Map(out.devices.map((d) => [d.address, d]));
    expect(byAddress.get('0000:01:00.0')!.verdict).toBe('ready');
    expect(byAddress.get('0000:00:1f.2')!.verdict).toBe('blocked');
    expect(byAddress.get('0000:00:1f.0')!.verdict).toBe('host-critical');
    expect(byAddress.get('0000:0b:01.0')!.verdict).toBe('whole-group');
    expect(out.checks.find((c) => c.id === 'iommu-faults')!.status).toBe('warn');
    expect(out.slots).toEqual([]);
  });

  it.concurrent('--json on iommu-off: iommu-enabled fails with the intel_iommu=off evidence', () => {
    const out = JSON.parse(atlas(['analyze', join(FIXTURES, 'lab/iommu-off'), '--json']).stdout) as AnalyzeOut;
    const c = out.checks.find((x) => x.id === 'iommu-enabled')!;
    expect(c.status).toBe('fail');
    expect(c.evidence).toContain('/proc/cmdline: intel_iommu=off');
    expect(c.remedy).toContain('`sudo update-grub`');
  });

  it.concurrent('--json on the X570 board: the DMI slots with their predicted groups', () => {
    const out = JSON.parse(atlas(['analyze', join(FIXTURES, 'realworld/linuxhw-asus-prime-x570-pro'), '--json']).stdout) as AnalyzeOut;
    expect(out.slots[0]).toMatchObject({ name: 'PCIEX16_1', rootPort: '0000:00:03.1', occupied: true, predictedGroup: ['0000:08:00.0'] });
    expect(out.slots.slice(1).every((s) => s.rootPort === null && s.occupied === false && s.predictedGroup.length === 0)).toBe(true);
  });

  it.concurrent('text output: checks, then groups with verdicts and reasons, then explanations', () => {
    const r = atlas(['analyze', join(FIXTURES, 'lab/mixed')]);
    expect(r.code).toBe(0);
    const text = r.stdout;
    expect(text.indexOf('Readiness checks')).toBeLessThan(text.indexOf('IOMMU groups and passthrough verdicts'));
    expect(text.indexOf('IOMMU groups and passthrough verdicts')).toBeLessThan(text.indexOf('Why groups are shared'));
    expect(text).toMatch(/\[WARN\] iommu-faults: IOMMU faults since boot/);
    expect(text).toContain('  IOMMU group 10 (DMA-FQ): blocked');
    expect(text).toMatch(/ {4}00:1f\.2 \(Intel Corporation .*SATA.*\): blocked\n {6}- IOMMU group 10 also holds 00:1f\.0 \(ISA\/LPC bridge\) and 00:1f\.3 \(SMBus controller\)/);
    expect(text).toMatch(/ {2}IOMMU group 19: 0a:00\.0, 0b:01\.0, 0b:02\.0\n {4}- 0a:00\.0 .* is a PCIe-to-PCI bridge/);
  });

  it.concurrent('exit code 1 on usage errors, 2 on a missing file', () => {
    expect(atlas(['analyze']).code).toBe(1);
    const bad = atlas(['analyze', '--timeout', 'soon', join(FIXTURES, 'lab/mixed')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--timeout needs a number of seconds');
    expect(bad.stderr).toContain('Usage: iommu-atlas analyze');
    const missing = atlas(['analyze', join(tmpdir(), 'no-such-dir', 'host.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/host\.json: no such file or directory/);
  });

  it.concurrent('the top-level usage lists both commands', () => {
    const r = atlas(['--help']);
    expect(r.stdout).toMatch(/^ {2}predict SNAPSHOT\|TARGET \[--json\]/m);
    expect(r.stdout).toMatch(/^ {2}analyze SNAPSHOT\|TARGET \[--json\]/m);
  });
});
