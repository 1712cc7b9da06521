import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseLibvirtDomainXml, parseLibvirtNodeDeviceXml, parseVirshList } from '../../../main/core/parsers/libvirt.ts';
import { LibvirtDomain, LibvirtNodeDevice } from '../../../main/core/model/snapshot.ts';
import { fixtureText } from '../../helpers/fixture-text.ts';
import { damagedText } from '../../helpers/text-mutations.ts';

const domain = (path: string) => parseLibvirtDomainXml(fixtureText(path));
const nodedev = (path: string) => parseLibvirtNodeDeviceXml(fixtureText(path));

describe('parseLibvirtDomainXml', () => {
  it('joe-p win10: seven unmanaged PCI hostdevs, host addresses from <source>', () => {
    const { data, issues } = domain('realworld/joep-gigabyte-x570-aorus-pro-wifi/virsh-dumpxml-win10.xml');
    expect(issues).toEqual([]);
    expect(data.name).toBe('win10');
    expect(data.uuid).toBe('0fe2bda4-7410-42d7-a464-75e5b14eed75');
    expect(data.state).toBeNull();
    // Host sources per source.md: GTX 1080 Ti (0b:00.0/.1), RTL8111, ASM1062, Matisse USB, ADATA NVMe, FCH SATA.
    expect(data.hostdevs).toEqual(
      ['0000:0b:00.0', '0000:0b:00.1', '0000:07:00.0', '0000:04:00.0', '0000:0e:00.3', '0000:01:00.0', '0000:09:00.0']
        .map((address) => ({ address, managed: false })),
    );
  });

  it('spudd threadripper: five managed hostdevs, two on the second die', () => {
    const { data, issues } = domain('realworld/spudd-threadripper-1950x-x399-radeon-vii/virsh-dumpxml-domain.xml');
    expect(issues).toEqual([]);
    expect(data.name).toBe('CompromisedBeast');
    expect(data.hostdevs).toEqual(
      ['0000:0a:00.0', '0000:0d:00.0', '0000:0d:00.1', '0000:44:00.0', '0000:42:00.0'].map((address) => ({ address, managed: true })),
    );
  });

  it('ashtonian macOS (double-quoted attributes): three hostdevs, guest-side addresses ignored', () => {
    const { data, issues } = domain('realworld/ashtonian-alderlake-rx6700xt/libvirt-domain-macos.xml');
    expect(issues).toEqual([]);
    expect(data.name).toBe('macOS');
    expect(data.uuid).toBe('2aca0dd6-cec9-4717-9ab2-0b7b13d111c3');
    // Guest addresses of these hostdevs are 04:00.0, 04:00.1, 03:00.0: they must not appear.
    expect(data.hostdevs.map((h) => h.address)).toEqual(['0000:0b:00.0', '0000:0b:00.1', '0000:08:00.0']);
  });

  it('libvirt test driver `dumpxml test`: PCI addresses of guest devices are not hostdevs', () => {
    const { data, issues } = domain('libvirt-test-driver/virsh-dumpxml-test.xml');
    expect(issues).toEqual([]);
    expect(data).toEqual({ name: 'test', uuid: '6695eb01-f6a4-8304-79aa-97f2502e193f', state: null, hostdevs: [] });
  });

  it('a truncated document is reported and what precedes the cut is still read', () => {
    const xml = fixtureText('realworld/spudd-threadripper-1950x-x399-radeon-vii/virsh-dumpxml-domain.xml');
    const cut = xml.slice(0, xml.indexOf("<address domain='0x0000' bus='0x44'"));
    const { data, issues } = parseLibvirtDomainXml(cut);
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0]!.message).toMatch(/not well-formed|could not be read/);
    expect(data.name).toBe('CompromisedBeast');
    expect(data.hostdevs.map((h) => h.address)).toEqual(['0000:0a:00.0', '0000:0d:00.0', '0000:0d:00.1']);
  });

  it('entities are never expanded', () => {
    const xml = fixtureText('libvirt-test-driver/virsh-dumpxml-test.xml')
      .replace('<domain', '<!DOCTYPE domain [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>\n<domain')
      .replace('<name>test</name>', '<name>&b;</name>');
    expect(parseLibvirtDomainXml(xml).data.name).toBe('&b;');
  });

  it('text that is not a domain gives an empty domain and an issue', () => {
    const { data, issues } = parseLibvirtDomainXml(fixtureText('libvirt-test-driver/virsh-nodedev-dumpxml-computer.xml'));
    expect(data).toEqual({ name: '', uuid: null, state: null, hostdevs: [] });
    expect(issues).toEqual([{ line: null, message: 'no <domain> element found' }]);
  });
});

describe('parseLibvirtNodeDeviceXml', () => {
  it('libvirt 82576 PF: decimal address fields, IOMMU group 12, no driver element', () => {
    expect(nodedev('libvirt-nodedev-schemadata/pci_8086_10c9_sriov_pf.xml')).toEqual({
      data: { name: 'pci_0000_02_00_0', address: '0000:02:00.0', driver: null, iommuGroup: 12, capability: 'pci' },
      issues: [],
    });
  });

  it('libvirt Centrino 6300: group 8', () => {
    expect(nodedev('libvirt-nodedev-schemadata/pci_8086_4238_pcie_wireless.xml').data).toMatchObject({
      name: 'pci_0000_03_00_0', address: '0000:03:00.0', iommuGroup: 8,
    });
  });

  it('libvirt 82576 VF: <slot>16</slot> is decimal (0x10); nested capabilities do not replace "pci"', () => {
    expect(nodedev('libvirt-nodedev-schemadata/pci_0000_02_10_7_sriov_pf_vfs_all_header_type.xml').data).toEqual({
      name: 'pci_0000_02_10_7', address: '0000:02:10.7', driver: null, iommuGroup: 31, capability: 'pci',
    });
  });

  it('libvirt <bus>4294967295</bus>: no address, reported; the IOMMU group is still read', () => {
    const { data, issues } = nodedev('libvirt-nodedev-schemadata/pci_0000_00_02_0_header_type.xml');
    expect(data).toEqual({ name: 'pci_0000_00_02_0', address: null, driver: null, iommuGroup: 1, capability: 'pci' });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toContain('4294967295');
  });

  it('test driver `nodedev-dumpxml computer`: a system device, no PCI facts', () => {
    expect(nodedev('libvirt-test-driver/virsh-nodedev-dumpxml-computer.xml')).toEqual({
      data: { name: 'computer', address: null, driver: null, iommuGroup: null, capability: 'system' },
      issues: [],
    });
  });
});

describe('parseVirshList', () => {
  it('test driver `list --all`: one running domain', () => {
    expect(parseVirshList(fixtureText('libvirt-test-driver/virsh-list-all.txt'))).toEqual({
      data: [{ name: 'test', state: 'running' }],
      issues: [],
    });
  });

  it('after `destroy`: "shut off" (two words) with Id "-"; the command\'s own message is reported', () => {
    expect(parseVirshList(fixtureText('libvirt-test-driver/virsh-destroy-then-list-all.txt'))).toEqual({
      data: [{ name: 'test', state: 'shut off' }],
      issues: [{ line: 1, message: 'not a `virsh list` row; ignored' }],
    });
  });

  it('a domain XML is not a list', () => {
    const { data, issues } = parseVirshList(fixtureText('libvirt-test-driver/virsh-dumpxml-test.xml'));
    expect(data).toEqual([]);
    expect(issues.at(-1)).toEqual({ line: null, message: 'no `virsh list` table found' });
  });
});

describe('libvirt parsers: fuzz', () => {
  const domainSamples = [
    'realworld/joep-gigabyte-x570-aorus-pro-wifi/virsh-dumpxml-win10.xml',
    'realworld/spudd-threadripper-1950x-x399-radeon-vii/virsh-dumpxml-domain.xml',
    'realworld/ashtonian-alderlake-rx6700xt/libvirt-domain-macos.xml',
    'libvirt-test-driver/virsh-dumpxml-test.xml',
  ].map(fixtureText);
  const nodedevSamples = [
    'libvirt-nodedev-schemadata/pci_8086_10c9_sriov_pf.xml',
    'libvirt-nodedev-schemadata/pci_8086_4238_pcie_wireless.xml',
    'libvirt-nodedev-schemadata/pci_0000_02_10_7_sriov_pf_vfs_all_header_type.xml',
    'libvirt-test-driver/virsh-nodedev-dumpxml-computer.xml',
  ].map(fixtureText);
  const listSamples = ['libvirt-test-driver/virsh-list-all.txt', 'libvirt-test-driver/virsh-destroy-then-list-all.txt'].map(fixtureText);
  const issueShape = z.array(z.object({ line: z.number().int().nullable(), message: z.string() }));

  it('damaged domain XML (cut, bytes flipped, lines shuffled) never throws', () => {
    fc.assert(
      fc.property(damagedText(domainSamples), (xml) => {
        const { data, issues } = parseLibvirtDomainXml(xml);
        LibvirtDomain.parse(data);
        issueShape.parse(issues);
      }),
      { numRuns: 600 },
    );
  });

  it('damaged node-device XML never throws', () => {
    fc.assert(
      fc.property(damagedText(nodedevSamples), (xml) => {
        const { data, issues } = parseLibvirtNodeDeviceXml(xml);
        LibvirtNodeDevice.parse(data);
        issueShape.parse(issues);
      }),
      { numRuns: 1000 },
    );
  });

  it('damaged `virsh list` output never throws', () => {
    fc.assert(
      fc.property(damagedText(listSamples), (text) => {
        const { data, issues } = parseVirshList(text);
        z.array(z.object({ name: z.string().min(1), state: z.string().min(1) })).parse(data);
        issueShape.parse(issues);
      }),
      { numRuns: 1000 },
    );
  });
});
