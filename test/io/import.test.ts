import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importPaths, InputError } from '../../main/io/import.ts';
import { Snapshot } from '../../main/core/model/snapshot.ts';
import { FIXTURES_DIR } from '../helpers/fixture-text.ts';
import { labTopologies } from '../helpers/fstree.ts';
import { labDevices, labGroups, partitionKey } from '../helpers/lab-truth.ts';

const lab = (t: string) => join(FIXTURES_DIR, 'lab', t);
const real = (c: string, f = '') => join(FIXTURES_DIR, 'realworld', c, f);

describe('import of every lab capture directory', () => {
  for (const topology of labTopologies()) {
    it(`${topology}: devices, groups, drivers and topology equal the kernel's`, async () => {
      const s = await importPaths([lab(topology)]);
      expect(Snapshot.safeParse(s).success).toBe(true);
      const truth = labDevices(topology);
      expect(s.devices.map((d) => d.address).sort()).toEqual(truth.map((d) => d.address).sort());
      for (const t of truth) {
        const d = s.devices.find((x) => x.address === t.address)!;
        expect(d.vendorId, t.address).toBe(t.vendor);
        expect(d.deviceId, t.address).toBe(t.device);
        expect(d.classCode, t.address).toBe(t.classCode);
        expect(d.driver, t.address).toBe(t.driver);
        expect(d.iommuGroup, t.address).toBe(t.group);
        expect(d.physfn, t.address).toBe(t.physfn);
        // The real sysfs path gives the hierarchy: the parent is the path component before the device.
        const parts = t.realpath.split('/');
        const parent = parts[parts.length - 2]!;
        expect(d.parent, t.address).toBe(parent.startsWith('pci') ? null : parent);
        // A root dump: every function's PCIe type and ACS state are known.
        expect(d.pcieType, t.address).not.toBeNull();
        expect(d.acs.state, t.address).not.toBe('unknown');
      }
      expect(partitionKey(s.groups)).toEqual(partitionKey(labGroups(topology).values()));
      for (const g of s.groups) expect(g.type).toBe(labGroups(topology).get(g.id)!.type);
      expect(s.cmdline?.raw).toContain('trace_event=iommu');
      expect(s.host.kernelRelease).toBe('6.1.0-56-amd64');
      expect(s.provenance.method).toBe('import');
    });
  }

  it('mixed: Intel VT-d on, interrupt remapping, lazy domain, the edu DMA faults counted', async () => {
    const s = await importPaths([lab('mixed')]);
    expect(s.iommu.vendor).toBe('intel');
    expect(s.iommu.enabled).toBe(true);
    expect(s.iommu.interruptRemapping).toBe(true);
    expect(s.iommu.defaultDomain).toBe('lazy');
    // lab README: the edu card's two DMAs to an unmapped IOVA fault (DMAR fault lines).
    expect(s.iommu.dmesg.filter((e) => e.category === 'fault' && e.device === '0000:0c:00.0').length).toBeGreaterThan(0);
    const rp = s.devices.find((d) => d.address === '0000:00:1c.0')!;
    expect(rp.pcieType).toBe('root-port');
    // QEMU pcie-root-port: ACS SV TB RR CR UF DT advertised; the kernel enabled SV RR CR UF.
    expect(rp.acs).toEqual({ state: 'present', capability: 0x5f, control: 0x1d });
    const dsp = s.devices.find((d) => d.address === '0000:06:00.0')!;
    expect(dsp.pcieType).toBe('downstream-port');
    expect(dsp.acs).toEqual({ state: 'absent' });
    const pf = s.devices.find((d) => d.address === '0000:02:00.0')!;
    expect(pf.sriov?.vfs).toEqual(['0000:02:00.1', '0000:02:00.2']);
    const gpu = s.devices.find((d) => d.address === '0000:01:00.0')!;
    expect(gpu.multifunction).toBe(true);
    expect(gpu.bootVga).toBe(true);
  });

  it('passthrough: identity groups and the passthrough default domain', async () => {
    const s = await importPaths([lab('passthrough')]);
    expect(new Set(s.groups.map((g) => g.type))).toEqual(new Set(['identity']));
    expect(s.iommu.defaultDomain).toBe('passthrough');
    expect(s.cmdline?.iommu.iommu).toEqual(['pt']);
  });

  it('iommu-off: no groups, the kernel said disabled, interrupt remapping still on', async () => {
    const s = await importPaths([lab('iommu-off')]);
    expect(s.groups).toEqual([]);
    expect(s.iommu.enabled).toBe(false);
    expect(s.iommu.interruptRemapping).toBe(true);
    expect(s.cmdline?.iommu.intelIommu).toEqual(['off']);
  });

  it('amd: AMD-Vi, strict DMA groups, the IOMMU function itself in no group', async () => {
    const s = await importPaths([lab('amd')]);
    expect(s.iommu.vendor).toBe('amd');
    expect(s.iommu.defaultDomain).toBe('translated');
    expect(s.devices.find((d) => d.address === '0000:00:01.0')?.iommuGroup).toBeNull();
  });
});

describe('import of real machines', () => {
  it('ASUS PRIME X570-PRO root lspci: 41 grouped devices, 00:00.0 and the IOMMU 00:00.2 ungrouped, AMD-Vi from dmesg', async () => {
    const s = await importPaths([real('linuxhw-asus-prime-x570-pro')]);
    expect(s.devices.filter((d) => d.iommuGroup !== null)).toHaveLength(41);
    expect(s.devices.find((d) => d.address === '0000:00:00.0')?.iommuGroup).toBeNull();
    expect(s.devices.find((d) => d.address === '0000:00:00.2')?.iommuGroup).toBeNull();
    expect(s.iommu.vendor).toBe('amd');
    expect(s.iommu.interruptRemapping).toBe(true);
    expect(s.devices.every((d) => d.acs.state !== 'unknown')).toBe(true);
    expect(s.slots.length).toBeGreaterThan(0);
  });

  it('non-root lspci: ACS unknown for every device, and the snapshot says why', async () => {
    const s = await importPaths([real('linuxhw-asus-prime-a320i-k-nonroot', 'lspci-vvnn.nonroot.txt')]);
    // Functions whose Status says Cap+ print "Capabilities: <access denied>": their ACS is unknown.
    // Cap- functions (host bridges, 00:14.0 SMBus…) have no capability list at all: no ACS.
    expect(s.devices.filter((d) => d.acs.state === 'present')).toEqual([]);
    const bridges = s.devices.filter((d) => d.classCode === '0604');
    expect(bridges.length).toBeGreaterThan(0);
    expect(bridges.every((d) => d.acs.state === 'unknown')).toBe(true);
    expect(s.devices.find((d) => d.address === '0000:00:00.2')?.acs.state).toBe('unknown');
    expect(s.devices.find((d) => d.address === '0000:00:00.0')?.acs.state).toBe('absent');
    expect(s.provenance.unreadable.map((u) => u.what)).toContain('ACS and PCIe capabilities');
  });

  it('a pasted group listing with the command line in it gives groups, names and the IOMMU parameters', async () => {
    const s = await importPaths([real('asokolsky-supermicro-x11scl-if', 'iommu-groups.txt')]);
    expect(s.cmdline?.iommu.intelIommu).toEqual(['on']);
    expect(s.cmdline?.iommu.iommu).toEqual(['pt']);
    expect(s.groups.length).toBeGreaterThan(10);
    expect(s.iommu.enabled).toBe(true);
    // A group listing says nothing of the kernel log: that is said, not left silent.
    expect(s.provenance.unreadable.some((u) => u.what.startsWith('kernel log'))).toBe(true);
    // …while the command line, found inside the paste, is not reported missing.
    expect(s.provenance.unreadable.some((u) => u.what === 'kernel command line')).toBe(false);
  });

  it('libvirt domain XML marks which VM owns which device', async () => {
    const s = await importPaths([real('joep-gigabyte-x570-aorus-pro-wifi')]);
    expect(s.libvirt?.domains).toHaveLength(1);
    expect(s.libvirt?.domains[0]!.hostdevs).toHaveLength(7);
  });

  it('every real case imports without error', async () => {
    const cases = ['ashtonian-alderlake-rx6700xt', 'asokolsky-asrock-z370m-itx-ac', 'asokolsky-dell-latitude-7490',
      'asokolsky-fujitsu-primergy-tx1320m3', 'asokolsky-supermicro-a2sdi-4c-hln4f', 'ethanzhf-sapphire-rapids-server-dmar-tree',
      'kitakar-surface3-lspci-tree', 'kram64-asrock-fatal1ty-z170-gaming-itx-ac', 'kram64-msi-b450m-mortar',
      'kram64-msi-b450m-mortar-max', 'kram64-msi-mag-b550m-mortar', 'mistikan-b560-rocketlake-rx7600',
      'naunter-asrock-b550-phantom-gaming-itx-ax', 'saelzler-am4-matisse-rtx2060-proxmox', 'spudd-threadripper-1950x-x399-radeon-vii'];
    for (const c of cases) {
      const s = await importPaths([real(c)]);
      expect(Snapshot.safeParse(s).success, c).toBe(true);
      expect(s.devices.length, c).toBeGreaterThan(0);
    }
  });

  it('a truncated listing is imported with a warning naming the file and line', async () => {
    const s = await importPaths([real('kram64-msi-b450m-mortar-max', 'iommu-groups.txt')]);
    expect(s.provenance.warnings.some((w) => /iommu-groups\.txt:51:/.test(w))).toBe(true);
  });
});

describe('bad input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'atlas-import-'));

  it('an unknown text is refused with the file named', async () => {
    const f = join(dir, 'notes.txt');
    writeFileSync(f, 'my GPU does not work, please help\nthanks\n');
    await expect(importPaths([f])).rejects.toThrow(InputError);
    await expect(importPaths([f])).rejects.toThrow(/notes\.txt: cannot tell what this file is/);
  });

  it('a missing file is a clear error', async () => {
    await expect(importPaths([join(dir, 'nope.txt')])).rejects.toThrow(/nope\.txt: no such file/);
  });

  it('a binary file is refused', async () => {
    const f = join(dir, 'blob.bin');
    writeFileSync(f, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2]));
    await expect(importPaths([f])).rejects.toThrow(/binary/);
  });

  it('a snapshot JSON from a newer schema is refused with the reason', async () => {
    const f = join(dir, 'future.json');
    writeFileSync(f, JSON.stringify({ schemaVersion: 9 }));
    await expect(importPaths([f])).rejects.toThrow(/schema version 9 is newer/);
  });

  it('a damaged snapshot JSON names the field that is wrong', async () => {
    const s = await importPaths([lab('flat')]);
    const broken = JSON.parse(JSON.stringify(s)) as { devices: { address: string }[] };
    broken.devices[0]!.address = 'not-an-address';
    const f = join(dir, 'broken.json');
    writeFileSync(f, JSON.stringify(broken));
    await expect(importPaths([f])).rejects.toThrow(/broken\.json: not a valid IOMMU Atlas snapshot: devices\.0\.address/);
  });

  it('a snapshot JSON round-trips losslessly', async () => {
    const s = await importPaths([lab('mixed')]);
    const f = join(dir, 'mixed.json');
    writeFileSync(f, JSON.stringify(s));
    expect(await importPaths([f])).toEqual(s);
  });
});

describe('a collector transcript from a real host over SSH', () => {
  it('imports into the groups the guest kernel reported, with its provenance', async () => {
    const s = await importPaths([join(FIXTURES_DIR, 'lab-ssh', 'mixed-collector-output.txt')]);
    const kernel = readFileSync(join(FIXTURES_DIR, 'lab-ssh', 'mixed-kernel-groups.txt'), 'utf8').trim().split('\n')
      .map((l) => l.split('\t'))
      .map(([id, type, members]) => ({ id: Number(id), type, devices: members!.trim().split(' ').sort() }));
    expect(s.groups.map((g) => ({ id: g.id, type: g.type, devices: [...g.devices].sort() }))).toEqual(kernel);
    expect(s.devices).toHaveLength(33);
    expect(s.host.hostname).toBe('iommu-lab');
    expect(s.provenance.user).toBe('root');
    expect(s.provenance.root).toBe(true);
    // What the guest lacks is said, with the reason.
    const what = s.provenance.unreadable.map((u) => `${u.what}: ${u.why}`);
    expect(what).toContainEqual(expect.stringMatching(/^DMI tables.*dmidecode is not installed/));
    expect(what).toContainEqual(expect.stringMatching(/^libvirt state.*virsh is not installed/));
  });

  it('the same transcript cut short is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atlas-cut-'));
    const text = readFileSync(join(FIXTURES_DIR, 'lab-ssh', 'mixed-collector-output.txt'), 'utf8');
    const f = join(dir, 'cut.txt');
    writeFileSync(f, text.slice(0, Math.floor(text.length / 2)));
    await expect(importPaths([f])).rejects.toThrow(/collector output is incomplete/);
  });
});
