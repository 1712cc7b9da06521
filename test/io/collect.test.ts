/**
 * The whole local path: the real collector script over LocalTransport on each lab capture's
 * rebuilt sysfs tree (ATLAS_SYSROOT), then the snapshot builder. Compared with what the lab's
 * own capture script recorded from the kernel, and with importing the same capture's files.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { collectSnapshot } from '../../main/io/collect.ts';
import { LocalTransport } from '../../main/io/local-transport.ts';
import { importPaths } from '../../main/io/import.ts';
import { Snapshot } from '../../main/core/model/snapshot.ts';
import { TransportError, type RunOptions, type RunResult, type Transport } from '../../main/io/transport.ts';
import { captureTree, labTopologies, LAB_DIR } from '../helpers/fstree.ts';
import { labDevices, labGroups, partitionKey } from '../helpers/lab-truth.ts';

async function collectCapture(topology: string) {
  const progress: string[] = [];
  const s = await collectSnapshot(new LocalTransport(), {
    env: { ATLAS_SYSROOT: captureTree(topology) },
    progress: (m) => progress.push(m),
  });
  return { s, progress };
}

describe('collect through the real script on every lab capture', () => {
  for (const topology of labTopologies()) {
    it(`${topology}: the snapshot holds the kernel's devices, groups and facts`, async () => {
      const { s, progress } = await collectCapture(topology);
      expect(Snapshot.safeParse(s).success).toBe(true);
      expect(progress.some((p) => p.includes('reading lspci'))).toBe(true);
      const truth = labDevices(topology);
      expect(s.devices).toHaveLength(truth.length);
      for (const t of truth) {
        const d = s.devices.find((x) => x.address === t.address)!;
        expect(d.driver, t.address).toBe(t.driver);
        expect(d.iommuGroup, t.address).toBe(t.group);
        expect(d.resetMethods?.join(' ') || null, t.address).toBe(t.resetMethod);
        expect(d.sysfsPath, t.address).toBe(t.realpath.replace(/^sys\/devices\//, ''));
        // lspci ran as root on the tree's config space: port type and ACS are known.
        expect(d.pcieType, t.address).not.toBeNull();
        expect(d.acs.state, t.address).not.toBe('unknown');
        expect(d.sources).toContain('sysfs');
        expect(d.sources).toContain('lspci-vvv');
      }
      const groups = labGroups(topology);
      expect(partitionKey(s.groups)).toEqual(partitionKey(groups.values()));
      for (const g of s.groups) expect(g.type, `group ${g.id}`).toBe(groups.get(g.id)!.type);
      expect(s.provenance.method).toBe('local');
      expect(s.provenance.durationMs).toBeGreaterThan(0);
      expect(s.cmdline?.raw).toContain('trace_event=iommu');
      // The sysroot has no DMI tables: that is stated, not silently empty.
      expect(s.provenance.unreadable.some((u) => u.what.startsWith('DMI tables'))).toBe(true);
    });
  }

  it('the collected and the imported snapshot of one capture agree on every device fact both know', async () => {
    const { s: collected } = await collectCapture('mixed');
    const imported = await importPaths([join(LAB_DIR, 'mixed')]);
    const keys = ['vendorId', 'deviceId', 'classCode', 'driver', 'iommuGroup', 'pcieType', 'acs', 'parent', 'secondaryBus',
      'physfn', 'multifunction', 'flr', 'link', 'sriov'] as const;
    for (const d of collected.devices) {
      const twin = imported.devices.find((x) => x.address === d.address)!;
      for (const k of keys) expect(d[k], `${d.address} ${k}`).toEqual(twin[k]);
    }
    // reserved_regions exist only in sysfs; everything else about the groups is the same.
    const withoutRegions = (gs: typeof collected.groups) => gs.map(({ reservedRegions: _r, ...g }) => g);
    expect(withoutRegions(collected.groups)).toEqual(withoutRegions(imported.groups));
    expect(collected.groups.find((g) => g.id === 0)?.reservedRegions).toContainEqual({ start: '0x00000000fee00000', end: '0x00000000feefffff', type: 'msi' });
    expect(collected.iommu.vendor).toBe('intel');
    expect(collected.iommu.units.map((u) => u.name)).toEqual(['dmar0']);
    expect(collected.iommu.interruptRemapping).toBe(true);
    expect(collected.iommu.defaultDomain).toBe('lazy');
  });

  it('noiommu: groups directory empty, no IOMMU unit: the IOMMU is reported off, not unknown', async () => {
    const { s } = await collectCapture('noiommu');
    expect(s.groups).toEqual([]);
    expect(s.iommu.units).toEqual([]);
    expect(s.iommu.enabled).toBe(false);
  });

  it('sysfs slots are joined to the port whose secondary bus they name', async () => {
    const { s } = await collectCapture('mixed');
    const nvmeSlot = s.slots.find((x) => x.busAddress === '0000:02:00')!;
    expect(nvmeSlot.rootPort).toBe('0000:00:1c.0');
    expect(nvmeSlot.devices).toEqual(['0000:02:00.0', '0000:02:00.1', '0000:02:00.2']);
  });
});

/** A transport that hands back what a host printed before its connection dropped. */
class CutTransport implements Transport {
  readonly target = 'cut-host';
  readonly method = 'ssh' as const;
  constructor(private readonly full: RunResult, private readonly keep: number) {}
  async run(_o: RunOptions): Promise<RunResult> {
    return { stdout: this.full.stdout.slice(0, this.keep), stderr: '', exitCode: null };
  }
  async close(): Promise<void> {}
}

describe('an output cut off halfway is an error, never a partial snapshot', () => {
  it('refuses every truncation of a real run', async () => {
    const full = await new LocalTransport().run({
      command: 'plain',
      stdin: (await import('../../main/io/collector/script.ts')).COLLECTOR_SCRIPT,
      env: { ATLAS_SYSROOT: captureTree('flat') },
      timeoutMs: 60_000,
    });
    const length = full.stdout.length;
    for (const fraction of [0.01, 0.3, 0.6, 0.95, 0.9999]) {
      await expect(collectSnapshot(new CutTransport(full, Math.floor(length * fraction))))
        .rejects.toThrow(TransportError);
    }
    await expect(collectSnapshot(new CutTransport(full, length - 1))).rejects.toThrow(/did not finish.*Nothing was kept/);
    await expect(collectSnapshot(new CutTransport(full, length))).resolves.toBeTruthy();
  });
});
