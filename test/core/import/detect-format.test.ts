import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { detectFormat } from '../../../main/core/import/detect-format.ts';
import { partsFromTexts } from '../../../main/core/import/from-texts.ts';
import { fixtureText } from '../../helpers/fixture-text.ts';

/** Every real output in the fixtures, with what it is (from its source note or the lab README). */
const KNOWN: [string, string][] = [
  ['lab/mixed/lspci-vvv-nn-D.txt', 'lspci-verbose'],
  ['lab/mixed/lspci-vvv-nn.txt', 'lspci-verbose'],
  ['lab/mixed/lspci-n-D-xxxx.txt', 'lspci-hexdump'],
  ['lab/mixed/lspci-nnk.txt', 'lspci-nnk'],
  ['lab/mixed/lspci-Dnnmm.txt', 'lspci-machine'],
  ['lab/mixed/lspci-D-vmm-nn-k.txt', 'lspci-machine'],
  ['lab/mixed/lspci-tv.txt', 'lspci-tree'],
  ['lab/mixed/lspci-tvnn.txt', 'lspci-tree'],
  ['lab/mixed/iommu-groups.txt', 'group-listing'],
  ['lab/mixed/find-iommu_groups.txt', 'group-listing'],
  ['lab/mixed/pci-devices.tsv', 'pci-devices-tsv'],
  ['lab/mixed/dmesg.txt', 'dmesg'],
  ['lab/mixed/dmesg-raw.txt', 'dmesg'],
  ['lab/mixed/cmdline.txt', 'cmdline'],
  ['lab/mixed/cpuinfo.txt', 'cpuinfo'],
  ['lab/mixed/uname.txt', 'proc-version'],
  ['lab-ssh/mixed-collector-output.txt', 'collector-output'],
  ['realworld/linuxhw-asus-prime-x570-pro/lspci-vvnn.txt', 'lspci-verbose'],
  ['realworld/linuxhw-asus-prime-x570-pro/dmesg-excerpt.txt', 'dmesg'],
  ['realworld/linuxhw-asus-prime-x570-pro/dmidecode-t9.other-unit-same-model.txt', 'dmidecode'],
  ['realworld/linuxhw-asus-prime-a320i-k-nonroot/lspci-vvnn.nonroot.txt', 'lspci-verbose'],
  ['realworld/asokolsky-dell-latitude-7490/lspci-v.sudo.txt', 'lspci-verbose'],
  ['realworld/asokolsky-dell-latitude-7490/lspci.txt', 'lspci-nnk'],
  ['realworld/asokolsky-dell-latitude-7490/lspci-tv.txt', 'lspci-tree'],
  ['realworld/asokolsky-dell-latitude-7490/dmidecode.txt', 'dmidecode'],
  ['realworld/kitakar-surface3-lspci-tree/lspci-nntv.txt', 'lspci-tree'],
  ['realworld/kitakar-surface3-lspci-tree/lspci-nn.txt', 'lspci-nnk'],
  ['realworld/asokolsky-asrock-z370m-itx-ac/dmidecode.txt', 'dmidecode'],
  ['realworld/asokolsky-asrock-z370m-itx-ac/lspci-nnk.txt', 'lspci-nnk'],
  ['realworld/asokolsky-supermicro-x11scl-if/iommu-groups.txt', 'group-listing'],
  ['realworld/ashtonian-alderlake-rx6700xt/iommu-groups.lsgroup-format.txt', 'group-listing'],
  ['realworld/ashtonian-alderlake-rx6700xt/libvirt-domain-macos.xml', 'libvirt-domain'],
  ['realworld/mistikan-b560-rocketlake-rx7600/iommu-groups.txt', 'group-listing'],
  ['realworld/ethanzhf-sapphire-rapids-server-dmar-tree/iommu-tree-by-dmar.txt', 'group-listing'],
  ['realworld/kram64-asrock-fatal1ty-z170-gaming-itx-ac/iommu-groups.txt', 'group-listing'],
  ['realworld/naunter-asrock-b550-phantom-gaming-itx-ax/iommu-groups.txt', 'group-listing'],
  ['realworld/saelzler-am4-matisse-rtx2060-proxmox/iommu-groups.partial.txt', 'group-listing'],
  ['realworld/saelzler-am4-matisse-rtx2060-proxmox/dmesg-grep-iommu.txt', 'dmesg'],
  ['realworld/spudd-threadripper-1950x-x399-radeon-vii/proc-cmdline.txt', 'cmdline'],
  ['realworld/spudd-threadripper-1950x-x399-radeon-vii/virsh-dumpxml-domain.xml', 'libvirt-domain'],
  ['realworld/joep-gigabyte-x570-aorus-pro-wifi/virsh-dumpxml-win10.xml', 'libvirt-domain'],
  ['libvirt-test-driver/virsh-list-all.txt', 'virsh-list'],
];

describe('detectFormat on real outputs', () => {
  for (const [path, format] of KNOWN) {
    it(`${path} is ${format}`, () => {
      expect(detectFormat(fixtureText(path), path).format).toBe(format);
    });
  }

  it('logs and transcripts that are not command outputs are not taken for lspci', () => {
    for (const path of ['lab/mixed/vfio-test.log', 'lab/mixed/modprobe.log', 'lab/mixed/meta.txt']) {
      expect(detectFormat(fixtureText(path), path).format, path).not.toBe('lspci-verbose');
    }
  });

  it('empty and foreign JSON are refused with a reason', () => {
    expect(detectFormat('').reason).toBe('the file is empty');
    expect(detectFormat('{"a": 1}').format).toBeNull();
  });
});

describe('detection and parsing never throw', () => {
  const sources = KNOWN.map(([p]) => fixtureText(p).slice(0, 20_000));
  it('on mutated real inputs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: sources.length - 1 }), fc.nat(), fc.nat(), fc.string(), (i, cut, flip, junk) => {
        const text = sources[i]!;
        const at = cut % (text.length + 1);
        const mutated = text.slice(0, at) + junk + text.slice(at + (flip % 50));
        const r = partsFromTexts([{ name: 'x', text: mutated }]);
        expect(Array.isArray(r.parts.functions)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });
});
