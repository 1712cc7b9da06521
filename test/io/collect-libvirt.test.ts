/**
 * libvirt state through the real collector and the real `virsh`, talking to libvirt's test driver
 * (a host definition in test/fixtures/libvirt-test-driver): each device shows which VM owns it.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { collectSnapshot } from '../../main/io/collect.ts';
import { LocalTransport } from '../../main/io/local-transport.ts';
import { FIXTURES_DIR } from '../helpers/fixture-text.ts';
import { captureTree } from '../helpers/fstree.ts';

describe('libvirt through virsh and the test driver', () => {
  it('domains, their states and their PCI hostdevs land in the snapshot', async () => {
    const uri = `test://${join(FIXTURES_DIR, 'libvirt-test-driver', 'node-with-hostdevs.xml')}`;
    const s = await collectSnapshot(new LocalTransport(), { env: { ATLAS_SYSROOT: captureTree('mixed'), ATLAS_LIBVIRT_URI: uri } });
    expect(s.libvirt).not.toBeNull();
    const byName = new Map(s.libvirt!.domains.map((d) => [d.name, d]));
    expect([...byName.keys()].sort()).toEqual(['router', 'win11-gaming']);
    expect(byName.get('win11-gaming')).toMatchObject({
      state: 'running',
      uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f',
      hostdevs: [{ address: '0000:01:00.0', managed: true }, { address: '0000:01:00.1', managed: false }],
    });
    expect(byName.get('router')?.hostdevs).toEqual([{ address: '0000:03:00.0', managed: true }]);
    expect(s.provenance.unreadable.some((u) => u.what.startsWith('libvirt'))).toBe(false);
  });

  it('without virsh access the snapshot says libvirt state is unknown, and why', async () => {
    const s = await collectSnapshot(new LocalTransport(), { env: { ATLAS_SYSROOT: captureTree('mixed') } });
    expect(s.libvirt).toBeNull();
    expect(s.provenance.unreadable.find((u) => u.what.startsWith('libvirt'))?.why).toMatch(/ATLAS_LIBVIRT_URI/);
  });
});
