/**
 * Collect, then analyze: the real collector script run over a lab capture's rebuilt sysfs tree
 * (test/helpers/fstree.ts, ATLAS_SYSROOT), as `iommu-atlas analyze TARGET` does on a live host.
 * The tree holds the capture's /proc/modules and ACPI table list, which an import does not.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeSnapshot } from '../../../main/core/analysis/analyze.ts';
import { runOnCapture } from '../../helpers/run-collector.ts';
import { FIXTURES } from './load-fixture.ts';

async function collected(topology: string) {
  return (await runOnCapture(topology)).snapshot();
}

describe('collected lab captures', () => {
  it('vfio-bound: modules from the capture\'s /proc/modules, DMAR from its ACPI table list', async () => {
    const lsmod = readFileSync(join(FIXTURES, 'lab/vfio-bound/lsmod.txt'), 'utf8');
    expect(lsmod).toMatch(/^vfio_pci /m);
    expect(lsmod).toMatch(/^vfio_iommu_type1 /m);
    const a = analyzeSnapshot(await collected('vfio-bound'));
    const check = (id: string) => a.checks.find((c) => c.id === id)!;
    expect(check('vfio-modules')).toMatchObject({ status: 'pass', evidence: '/proc/modules: vfio_pci, vfio_pci_core, vfio_iommu_type1, vfio loaded' });
    expect(check('iommu-firmware')).toMatchObject({ status: 'pass', evidence: '/sys/firmware/acpi/tables lists DMAR' });
    expect(a.devices.find((d) => d.address === '0000:01:00.0')!.driver).toEqual({ name: 'vfio-pci', kind: 'vfio' });
  });

  it('noiommu: the ACPI table list has no DMAR or IVRS, so iommu-firmware fails on it', async () => {
    // The capture's own listing (acpi-tables.txt): APIC DSDT FACP FACS HPET MCFG WAET, no DMAR.
    const listing = readFileSync(join(FIXTURES, 'lab/noiommu/acpi-tables.txt'), 'utf8');
    expect(listing).not.toMatch(/DMAR|IVRS/);
    expect(listing).toMatch(/ FACP$/m);
    const a = analyzeSnapshot(await collected('noiommu'));
    expect(a.checks.find((c) => c.id === 'iommu-firmware')).toMatchObject({
      status: 'fail', evidence: '/sys/firmware/acpi/tables lists no DMAR or IVRS table',
    });
  });

  it('a capture without /proc/mounts does not pass for a host that uses nothing', async () => {
    const s = await collected('mixed');
    expect(s.hostUsage).not.toBeNull();
    expect(s.provenance.unreadable.map((u) => u.what)).toContain('/proc/mounts');
    const a = analyzeSnapshot(s);
    expect(a.notes).toContainEqual(expect.stringMatching(/^What the host itself uses .* was not collected or could not be read/));
    expect(a.devices.find((d) => d.address === '0000:00:1f.2')!.details).toContainEqual(expect.stringMatching(/whether the host uses it .* is not known/));
  });
});
