import { readFileSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { z } from 'zod';
import { parseDmesg, summarizeDmesg } from '../../../main/core/parsers/dmesg.ts';
import { DmesgEvent } from '../../../main/core/model/snapshot.ts';
import { DMESG_FORMATS, KEEPS_BOOT_TIME, formatDmesg, readRawDmesg, type DmesgFormat } from '../../helpers/dmesg-formats.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));
const LAB = `${FIXTURES}lab/`;
const REAL = `${FIXTURES}realworld/`;
const read = (path: string) => readFileSync(path, 'utf8');

const TOPOLOGIES = readdirSync(LAB).filter((t) => statSync(LAB + t).isDirectory()).sort();

/** lab/SUMMARY.md rows: topology → iommu vendor, PCI function count, group count, group types. */
const SUMMARY = new Map(
  read(`${LAB}SUMMARY.md`).split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| topology') && !l.startsWith('| ---'))
    .map((l) => {
      const cells = l.split('|').map((c) => c.trim());
      return [cells[1]!, { iommu: cells[2]!, functions: Number(cells[4]), groups: Number(cells[5]), types: cells[6]! }];
    }),
);

/** lab iommu-groups.txt (`group<TAB>type<TAB>ndevices<TAB>devices…`) as device → group. */
function groupsOf(topology: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of read(`${LAB}${topology}/iommu-groups.txt`).split('\n').slice(1)) {
    const [group, , , devices] = line.split('\t');
    for (const d of devices?.split(' ').filter(Boolean) ?? []) map.set(d, Number(group));
  }
  return map;
}

const idsOf = (events: DmesgEvent[]) => events.map((e) => e.id);
const ofId = (events: DmesgEvent[], id: string) => events.filter((e) => e.id === id);

describe('parseDmesg on the lab captures', () => {
  it('knows every capture listed in SUMMARY.md', () => {
    expect(TOPOLOGIES).toEqual([...SUMMARY.keys()].sort());
    expect(TOPOLOGIES).toHaveLength(12);
  });

  describe.each(TOPOLOGIES)('%s', (topology) => {
    const plain = parseDmesg(read(`${LAB}${topology}/dmesg.txt`));
    const raw = parseDmesg(read(`${LAB}${topology}/dmesg-raw.txt`));
    const facts = SUMMARY.get(topology)!;
    const summary = summarizeDmesg(plain.data);

    it('reads dmesg.txt and dmesg-raw.txt to the same events, without issues', () => {
      expect(plain.issues).toEqual([]);
      expect(raw.issues).toEqual([]);
      expect(raw.data).toEqual(plain.data);
      expect(z.array(DmesgEvent).safeParse(plain.data).success).toBe(true);
    });

    it('has one "Adding to iommu group" event per grouped device, each in its sysfs group', () => {
      const groups = groupsOf(topology);
      const adds = ofId(plain.data, 'core.groupAdd');
      expect(adds).toHaveLength(groups.size);
      expect(new Map(summary.groupAdds.map((a) => [a.device, a.group]))).toEqual(groups);
      for (const add of adds) expect(add.category).toBe('group-add');
    });

    it('has one pci.enum event per PCI function of pci-devices.tsv, with its IDs and class', () => {
      const rows = read(`${LAB}${topology}/pci-devices.tsv`).trim().split('\n').slice(1).map((l) => l.split('\t'));
      expect(rows).toHaveLength(facts.functions);
      const enums = ofId(plain.data, 'pci.enum');
      expect(enums.map((e) => [e.device, e.fields.vid, e.fields.did, e.fields.class]).sort())
        .toEqual(rows.map((r) => [r[0], r[1]!.slice(2), r[2]!.slice(2), r[5]]).sort());
      // The 6.1 kernel prints no PCIe type string after the class (added in 6.8).
      expect(enums.every((e) => e.fields.kind === undefined && e.category === 'pci-enum')).toBe(true);
    });

    it('echoes the kernel command line of cmdline.txt twice (setup_arch and start_kernel)', () => {
      const lines = ofId(plain.data, 'boot.commandLine');
      expect(lines.map((e) => e.fields.cmdline)).toEqual([read(`${LAB}${topology}/cmdline.txt`).trim(), read(`${LAB}${topology}/cmdline.txt`).trim()]);
    });

    it('reports every DMAR DMA fault of the capture as a fault event', () => {
      const faultLines = read(`${LAB}${topology}/dmesg.txt`).split('\n').filter((l) => l.includes('] Request device ['));
      const faults = ofId(plain.data, 'intel.dmaFault');
      expect(faults).toHaveLength(faultLines.length);
      expect(summary.faults).toBe(faultLines.length);
      for (const f of faults) expect(f.category).toBe('fault');
    });

    if (facts.iommu === 'intel' && facts.groups > 0) {
      it('shows an active VT-d IOMMU with interrupt remapping in xapic mode', () => {
        expect(ofId(plain.data, 'intel.active')).toHaveLength(1);
        expect(ofId(plain.data, 'ir.enabled').map((e) => e.fields.mode)).toEqual(['xapic']);
        expect(ofId(plain.data, 'intel.haw').map((e) => e.fields.haw)).toEqual(['39']);
        expect(summary).toMatchObject({ vendor: 'intel', enabled: true, firmwarePresent: true, interruptRemapping: true });
      });
    }

    if (facts.types.startsWith('DMA-FQ')) {
      it('has a lazy translated default domain (group type DMA-FQ)', () => {
        expect(ofId(plain.data, 'core.defaultDomain')[0]!.fields).toEqual({ type: 'Translated' });
        expect(ofId(plain.data, 'core.tlbPolicy')[0]!.fields).toEqual({ mode: 'lazy' });
        expect(summary.defaultDomain).toBe('lazy');
      });
    }

    it('mentions no AMD-Vi catalogue message unless the IOMMU is AMD (the "IOMMUv2 not available" line is not one)', () => {
      const amd = plain.data.filter((e) => e.id.startsWith('amd.'));
      if (facts.iommu === 'amd') expect(amd.length).toBeGreaterThan(0);
      else expect(amd).toEqual([]);
    });
  });

  it('flat: the edu device faults are reported for 0000:00:09.0 with their reasons', () => {
    const events = parseDmesg(read(`${LAB}flat/dmesg.txt`)).data;
    const faults = ofId(events, 'intel.dmaFault');
    expect(faults.map((f) => [f.device, f.fields.dir, f.fields.addr, f.fields.reason, f.fields.text, f.time])).toEqual([
      ['0000:00:09.0', 'DMA Read', '3000000', '06', 'PTE Read access is not set', 10.133857],
      ['0000:00:09.0', 'DMA Write', '3001000', '05', 'PTE Write access is not set', 10.239523],
    ]);
    expect(faults[0]!.text).toBe('DMAR: [DMA Read NO_PASID] Request device [00:09.0] fault addr 0x3000000 [fault reason 0x06] PTE Read access is not set');
    // Each fault is preceded by the rate-limited status line, which is not counted twice.
    expect(ofId(events, 'intel.faultStatus').map((e) => e.fields.status)).toEqual(['2', '2']);
    expect(summarizeDmesg(events).faults).toBe(2);
    // 00:09.0 is the edu device: it sits in its own group 8.
    expect(groupsOf('flat').get('0000:00:09.0')).toBe(8);
  });

  it('mixed, passthrough and vfio-bound: the edu faults come from 0000:0c:00.0, the other captures have none', () => {
    const withFaults = TOPOLOGIES.filter((t) => ofId(parseDmesg(read(`${LAB}${t}/dmesg.txt`)).data, 'intel.dmaFault').length > 0);
    expect(withFaults).toEqual(['flat', 'mixed', 'passthrough', 'vfio-bound']);
    for (const t of ['mixed', 'passthrough', 'vfio-bound']) {
      const devices = ofId(parseDmesg(read(`${LAB}${t}/dmesg.txt`)).data, 'intel.dmaFault').map((f) => f.device);
      expect(devices).toEqual(['0000:0c:00.0', '0000:0c:00.0']);
      expect(groupsOf(t).has('0000:0c:00.0')).toBe(true);
    }
  });

  it('passthrough: default domain Passthrough set via the kernel command line, no TLB policy line', () => {
    const events = parseDmesg(read(`${LAB}passthrough/dmesg.txt`)).data;
    expect(ofId(events, 'core.defaultDomain').map((e) => e.fields))
      .toEqual([{ type: 'Passthrough', cmdline: '(set via kernel command line)' }]);
    expect(ofId(events, 'core.tlbPolicy')).toEqual([]);
    expect(summarizeDmesg(events).defaultDomain).toBe('passthrough');
    expect(SUMMARY.get('passthrough')!.types).toBe('identity×23');
  });

  it('iommu-off: "DMAR: IOMMU disabled", no groups, yet the firmware table and interrupt remapping are there', () => {
    const events = parseDmesg(read(`${LAB}iommu-off/dmesg.txt`)).data;
    expect(ofId(events, 'intel.disabledByParam')).toHaveLength(1);
    expect(ofId(events, 'intel.disabledByParam')[0]!.category).toBe('disabled');
    expect(ofId(events, 'intel.active')).toEqual([]);
    expect(ofId(events, 'ir.enabled').map((e) => e.fields.mode)).toEqual(['xapic']);
    expect(summarizeDmesg(events)).toMatchObject({
      vendor: 'intel', enabled: false, firmwarePresent: true, interruptRemapping: true, defaultDomain: null, groupAdds: [],
    });
  });

  it('noiommu: no IOMMU enabled, firmware or interrupt-remapping line; the core still prints its default domain', () => {
    const events = parseDmesg(read(`${LAB}noiommu/dmesg.txt`)).data;
    const iommuCategories = new Set(['enabled', 'disabled', 'firmware-present', 'interrupt-remapping', 'group-add', 'fault']);
    expect(events.filter((e) => iommuCategories.has(e.category))).toEqual([]);
    expect(ofId(events, 'core.defaultDomain')).toHaveLength(1);
    // spec 5.2: the default-domain line does not prove an IOMMU, so the summary does not repeat it.
    expect(summarizeDmesg(events)).toMatchObject({
      vendor: null, enabled: null, firmwarePresent: false, interruptRemapping: null, defaultDomain: null, faults: 0,
    });
  });

  it('amd: AMD-Vi found at the IOMMU function of class-iommu.txt, strict mode due to virtualization', () => {
    const events = parseDmesg(read(`${LAB}amd/dmesg.txt`)).data;
    const ivhd = /ivhd0 -> \.\.\/\.\.\/devices\/pci0000:00\/(\S+)\/iommu\/ivhd0/.exec(read(`${LAB}amd/class-iommu.txt`))![1];
    expect(ofId(events, 'amd.foundIommu').map((e) => [e.device, e.fields.cap, e.category])).toEqual([[ivhd, '40', 'firmware-present']]);
    expect(ofId(events, 'amd.globalEfr').map((e) => e.fields)).toEqual([{ efr: '0x0', efr2: '0x0' }]);
    expect(ofId(events, 'amd.features').map((e) => [e.fields.efr, e.fields.efr2, e.fields.feat!.trim(), e.category]))
      .toEqual([['0x29d3', '0x0', 'PreF PPR GT IA GA HE', 'enabled']]);
    expect(ofId(events, 'amd.irEnabled')[0]!.category).toBe('interrupt-remapping');
    expect(ofId(events, 'amd.strictVirt')[0]!.category).toBe('default-domain');
    // The bridge aliases of the legacy PCI segment behind 0a:00.0.
    expect(ofId(events, 'pci.alias').map((e) => [e.device, e.fields.slot, e.fields.fn, e.category]))
      .toEqual([['0000:0b:01.0', '00', '0', 'alias'], ['0000:0b:02.0', '00', '0', 'alias']]);
    // The core announces "lazy", then the AMD driver forces strict: the groups are DMA, not DMA-FQ.
    expect(ofId(events, 'core.tlbPolicy')[0]!.fields.mode).toBe('lazy');
    expect(SUMMARY.get('amd')!.types).toBe('DMA×21');
    expect(summarizeDmesg(events)).toMatchObject({
      vendor: 'amd', enabled: true, firmwarePresent: true, interruptRemapping: true, defaultDomain: 'translated',
    });
    expect(ofId(events, 'intel.active')).toEqual([]);
  });

  it('amd-flat: the same AMD facts on the small topology', () => {
    const events = parseDmesg(read(`${LAB}amd-flat/dmesg.txt`)).data;
    expect(SUMMARY.get('amd-flat')!.types).toBe('DMA×10');
    expect(summarizeDmesg(events)).toMatchObject({ vendor: 'amd', enabled: true, interruptRemapping: true, defaultDomain: 'translated' });
  });
});

describe('parseDmesg on real machines', () => {
  it('linuxhw-asus-prime-x570-pro: 41 group adds matching the lspci-derived listing, AMD-Vi with IR', () => {
    const text = read(`${REAL}linuxhw-asus-prime-x570-pro/dmesg-excerpt.txt`);
    const { data, issues } = parseDmesg(text);
    expect(issues).toEqual([]);
    const summary = summarizeDmesg(data);
    expect(summary.groupAdds).toHaveLength(41);
    const derived = read(`${REAL}linuxhw-asus-prime-x570-pro/iommu-groups.derived.txt`).trim().split('\n')
      .map((l) => /^IOMMU Group (\d+) (\S+) /.exec(l)!)
      .map((m) => [`0000:${m[2]}`, Number(m[1])] as const);
    expect(new Map(summary.groupAdds.map((a) => [a.device, a.group]))).toEqual(new Map(derived));
    expect(summary).toMatchObject({ vendor: 'amd', enabled: true, firmwarePresent: true, interruptRemapping: true, defaultDomain: 'lazy' });
    // The kernel printed "Translated " and "lazy mode " with a trailing space (source.md).
    expect(text.split('\n')[0]).toMatch(/Translated $/);
    expect(ofId(data, 'core.defaultDomain')[0]).toMatchObject({ fields: { type: 'Translated' }, time: 0.544316, text: 'iommu: Default domain type: Translated' });
    expect(ofId(data, 'amd.perf').map((e) => [e.device, e.fields.banks ?? null]))
      .toEqual([['0000:00:00.2', null], [null, '2']]);
    expect(ofId(data, 'amd.foundIommu')[0]!.device).toBe('0000:00:00.2');
    expect(ofId(data, 'amd.features')[0]!.fields).toMatchObject({ efr: '0x58f77ef22294a5a', feat: ' PPR NX GT IA PC GA_vAPIC' });
    expect(ofId(data, 'dma.swiotlb').map((e) => e.time)).toEqual([0.566637]);
    expect(new Set(data.map((e) => e.category)))
      .toEqual(new Set(['default-domain', 'group-add', 'firmware-present', 'enabled', 'interrupt-remapping', 'other']));
  });

  it('saelzler-am4-matisse-rtx2060-proxmox: the five AMD-Vi grep lines, the shell prompt ignored', () => {
    const { data, issues } = parseDmesg(read(`${REAL}saelzler-am4-matisse-rtx2060-proxmox/dmesg-grep-iommu.txt`));
    expect(issues).toEqual([]);
    expect(data.map((e) => [e.id, e.category, e.device, e.time])).toEqual([
      ['amd.perf', 'firmware-present', '0000:00:00.2', 0.680418],
      ['amd.foundIommu', 'firmware-present', '0000:00:00.2', 0.683153],
      ['amd.features', 'enabled', null, 0.683156],
      ['amd.irEnabled', 'interrupt-remapping', null, 0.68316],
      ['amd.perf', 'firmware-present', null, 0.693138],
    ]);
    expect(ofId(data, 'amd.perf')[1]!.fields).toEqual({ idx: '0', banks: '2', counters: '4' });
    expect(summarizeDmesg(data)).toMatchObject({
      vendor: 'amd', enabled: true, firmwarePresent: true, interruptRemapping: true, defaultDomain: null, groupAdds: [],
    });
  });
});

describe('parseDmesg on other log formats (mechanically re-formatted lab captures)', () => {
  const captures = ['flat', 'amd', 'vfio-bound', 'iommu-off'];

  it('the helper reproduces dmesg.txt byte for byte from dmesg-raw.txt', () => {
    for (const t of TOPOLOGIES) {
      expect(formatDmesg(readRawDmesg(read(`${LAB}${t}/dmesg-raw.txt`)), 'plain')).toBe(read(`${LAB}${t}/dmesg.txt`));
    }
  });

  describe.each(captures)('%s', (topology) => {
    const records = readRawDmesg(read(`${LAB}${topology}/dmesg-raw.txt`));
    const reference = parseDmesg(read(`${LAB}${topology}/dmesg.txt`)).data;
    it.each(Object.keys(DMESG_FORMATS) as DmesgFormat[])('%s', (format) => {
      const text = formatDmesg(records, format);
      const { data, issues } = parseDmesg(text);
      expect(issues).toEqual([]);
      const expected = KEEPS_BOOT_TIME[format] ? reference : reference.map((e) => ({ ...e, time: null }));
      expect(data).toEqual(expected);
    });
  });

  it('journal output: a format sample is what the transformation produces', () => {
    const [first] = readRawDmesg('<6>[    1.624247] pci 0000:00:00.0: Adding to iommu group 0\n');
    expect(DMESG_FORMATS.journal(first!)).toBe('Nov 21 10:00:01 iommu-lab kernel: pci 0000:00:00.0: Adding to iommu group 0');
    expect(DMESG_FORMATS.ctime(first!)).toBe('[Sat Nov 21 10:00:01 2026] pci 0000:00:00.0: Adding to iommu group 0');
    expect(DMESG_FORMATS.decode(first!)).toBe('kern  :info  : [    1.624247] pci 0000:00:00.0: Adding to iommu group 0');
    expect(DMESG_FORMATS.syslog(first!)).toBe('2026-11-21T10:00:01.624247+00:00 iommu-lab kernel: [    1.624247] pci 0000:00:00.0: Adding to iommu group 0');
    expect(DMESG_FORMATS.kmsg(first!, 7)).toBe('6,7,1624247,-;pci 0000:00:00.0: Adding to iommu group 0');
  });

  it('/dev/kmsg: a multi-line record (escaped \\x0a) yields its continuation line; dictionary lines are skipped', () => {
    const text = [
      '3,812,2154321,-;DMAR: [Firmware Bug]: No firmware reserved region can cover this RMRR [0x000000003e2e0000-0x000000003e2fffff], contact BIOS vendor for fixes\\x0aBIOS vendor: American Megatrends Inc.; Ver: 1.40; Product Version: Default string',
      ' SUBSYSTEM=pci',
      ' DEVICE=+pci:0000:00:02.0',
    ].join('\n');
    const { data } = parseDmesg(text);
    expect(data.map((e) => [e.id, e.category, e.time])).toEqual([
      ['intel.fwBug', 'firmware-bug', 2.154321],
      ['fw.biosLine', 'firmware-bug', 2.154321],
    ]);
    expect(data[1]!.fields).toEqual({ vendor: 'American Megatrends Inc.', ver: '1.40', product: 'Default string' });
    expect(summarizeDmesg(data).firmwareBugs).toHaveLength(2);
  });
});

/**
 * One line per catalogue id of spec 5.2/5.3 that the lab captures do not contain, each built
 * from the kernel format string quoted in the spec (values filled in), with the category the
 * task assigns and the device the line is about.
 */
const CATALOGUE: [line: string, id: string, category: string, device: string | null][] = [
  ['iommu: DMA domain TLB invalidation policy: strict mode (set via kernel command line)', 'core.tlbPolicy', 'default-domain', null],
  ['iommu: Memory encryption detected - Disabling default IOMMU Passthrough', 'core.memEncrypt', 'default-domain', null],
  ['pci 0000:03:00.0: Removing from iommu group 12', 'core.groupRemove', 'group-remove', '0000:03:00.0'],
  ['pci 0000:00:14.0: Failed to add to iommu group 3: -16', 'core.groupAddFail', 'other', '0000:00:14.0'],
  ['platform AMDI0010:00: Adding to iommu group 5', 'core.groupAdd', 'group-add', 'AMDI0010:00'],
  ['vfio-pci 0000:00:14.0: Firmware has requested this device have a 1:1 IOMMU mapping, rejecting configuring the device without a 1:1 mapping. Contact your platform vendor.', 'core.requireDirect', 'rmrr', '0000:00:14.0'],
  ['iommu: Device needs domain type DMA, but device 0000:00:02.0 in the same iommu group requires type identity - using default', 'core.domainConflict', 'default-domain', null],
  ['DMAR: RMRR base: 0x0000003e2e0000 end: 0x0000003e2fffff', 'intel.rmrr', 'rmrr', null],
  ['DMAR: ATSR flags: 0x0', 'intel.otherStruct', 'firmware-present', null],
  ['DMAR: Intel-IOMMU force enabled due to platform opt in', 'intel.optin', 'enabled', null],
  ['DMAR: Forcing Intel-IOMMU to enabled', 'intel.tboot', 'enabled', null],
  ['DMAR: Disable GFX device mapping', 'intel.paramEcho', 'other', null],
  ["DMAR: Unknown option - 'sm'", 'intel.unknownOpt', 'unknown-params', null],
  ['DMAR: Translation already enabled - trying to copy translation structures', 'intel.kdump', 'other', null],
  ['DMAR: IOMMU batching disallowed due to virtualization', 'intel.strictVirt', 'default-domain', null],
  ['DMAR-IR: HPET id 0 under DRHD base 0xfed91000', 'ir.hpet', 'firmware-present', null],
  ['DMAR-IR: Queued invalidation will be enabled to support x2apic and Intr-remapping.', 'ir.qi', 'interrupt-remapping', null],
  ['DMAR-IR: Enabled IRQ remapping in x2apic mode', 'ir.enabled', 'interrupt-remapping', null],
  ['DMAR-IR: Failed to enable irq remapping. You are vulnerable to irq-injection attacks.', 'ir.off', 'interrupt-remapping-off', null],
  ['DMAR-IR: x2apic is disabled because BIOS sets x2apic opt out bit.', 'ir.off', 'interrupt-remapping-off', null],
  ["x2apic: IRQ remapping doesn't support X2APIC mode", 'ir.off', 'interrupt-remapping-off', null],
  ['DMAR: [Firmware Bug]: RMRR entry for device 00:14.0 is broken - applying workaround', 'intel.fwBug', 'firmware-bug', null],
  ['BIOS vendor: Dell Inc.; Ver: 2.9.0; Product Version: ', 'fw.biosLine', 'firmware-bug', null],
  ['DMAR: [DMA Read] Request device [00:02.0] fault addr 7f1e000 [fault reason 05] PTE Write access is not set', 'intel.dmaFault', 'fault', '0000:00:02.0'],
  ['DMAR: [DMA Write PASID 0x2] Request device [0x3a:0x00.1] fault addr 0xfee00000 [fault reason 0x31] SM: Invalid Scalable-Mode Context Entry', 'intel.dmaFault', 'fault', '0000:3a:00.1'],
  ['DMAR: [INTR-REMAP] Request device [f0:1f.0] fault index 0x0 [fault reason 0x26] Blocked an interrupt request due to source-id verification failure', 'intel.irFault', 'fault', '0000:f0:1f.0'],
  ['DMAR: VT-d detected Invalidation Time-out Error: SID 0', 'intel.qiError', 'fault', null],
  ['vfio-pci 0000:00:14.0: Device is ineligible for IOMMU domain attach due to platform RMRR requirement.  Contact your platform vendor.', 'intel.rmrrLocked', 'rmrr', '0000:00:14.0'],
  ['pci 0000:3c:00.0: DMAR: Skipping IOMMU quirk for dev [8086:15EB] on untrusted PCI link', 'intel.untrustedQuirk', 'other', '0000:3c:00.0'],
  ['AMD-Vi: Found IOMMU at 0000:00:00.2 cap 0x40', 'amd.foundIommu', 'firmware-present', null],
  ['AMD-Vi: X2APIC enabled', 'amd.x2apic', 'interrupt-remapping', null],
  ['AMD-Vi: Virtual APIC enabled', 'amd.vapic', 'interrupt-remapping', null],
  ['AMD-Vi: V2 page table enabled (Paging mode : 4 level)', 'amd.v2pgtbl', 'other', null],
  ["AMD-Vi: Unknown option - 'on'", 'amd.unknownOpt', 'unknown-params', null],
  ['AMD-Vi: [Firmware Bug]: : IOAPIC[33] not in IVRS table', 'amd.fw', 'firmware-bug', null],
  ['AMD-Vi: [Firmware Warn]: EFR mismatch. Use IVHD EFR (0xf77ef22294ada : 0x400f77ef22294ada).', 'amd.fw', 'firmware-bug', null],
  ['AMD-Vi: Disabling interrupt remapping', 'amd.irDisabled', 'interrupt-remapping-off', null],
  ['AMD-Vi: IOMMU not currently supported when SME is active', 'amd.sme', 'disabled', null],
  ['AMD-Vi: Disable IOMMU on Stoney Ridge', 'amd.stoney', 'disabled', null],
  ['vfio-pci 0000:0b:00.0: AMD-Vi: Event logged [IO_PAGE_FAULT domain=0x0011 address=0xfd000000 flags=0x0020]', 'amd.pageFault', 'fault', '0000:0b:00.0'],
  ['AMD-Vi: Event logged [IO_PAGE_FAULT device=0b:00.0 domain=0x0000 address=0x0000000000000000 flags=0x0000]', 'amd.pageFault', 'fault', '0000:0b:00.0'],
  ['iommu ivhd0: AMD-Vi: Event logged [ILLEGAL_DEV_TABLE_ENTRY device=0000:00:14.0 pasid=0x00000 address=0x0 flags=0x0000]', 'amd.event', 'fault', '0000:00:14.0'],
  ['iommu ivhd0: AMD-Vi: Event logged [IOTLB_INV_TIMEOUT]', 'amd.event', 'fault', 'ivhd0'],
  ['AMD-Vi: Event logged [Device not attached to domain properly]', 'amd.notAttached', 'fault', null],
  ['pci 0000:00:1c.0: [8086:a110] type 01 class 0x060400 PCIe Root Port', 'pci.enum', 'pci-enum', '0000:00:1c.0'],
  ['pcieport 0000:00:1c.0: Intel PCH root port ACS workaround enabled', 'pci.pchAcsOk', 'acs', '0000:00:1c.0'],
  ['pci 0000:00:1c.0: Failed to enable Intel PCH ACS quirk', 'pci.pchAcsFail', 'acs', '0000:00:1c.0'],
  ['pci 0000:00:1b.0: Intel SPT PCH root port ACS workaround enabled', 'pci.sptAcs', 'acs', '0000:00:1b.0'],
  ['pci 0000:00:1f.0: Enabling fixed DMA alias for devfn range from 1f.0 to 1f.7', 'pci.aliasRange', 'alias', '0000:00:1f.0'],
  ['pci 0000:03:00.1: Setting PLX NTB proxy ID aliases', 'pci.ntbAlias', 'alias', '0000:03:00.1'],
  ['pci 0000:00:01.1: Configured ACS to 0x005d', 'pci.configAcs', 'acs', '0000:00:01.1'],
  ['pci 0000:00:1c.0: Intel SPT PCH root port workaround: disabled ACS redirect', 'pci.redirOff', 'acs', '0000:00:1c.0'],
  ['Warning: PCIe ACS overrides enabled; This may allow non-IOMMU protected peer-to-peer DMA', 'pci.override', 'acs-override', null],
  ['vfio_iommu_type1_attach_group: No interrupt remapping support.  Use the module param "allow_unsafe_interrupts" to enable VFIO IOMMU support on this platform', 'vfio.noIR', 'vfio', null],
  ['vfio-pci 0000:01:00.0: MSI interrupts are not secure, they cannot be isolated by the platform. Check that platform features like interrupt remapping are enabled. Use the "allow_unsafe_interrupts" module parameter to override', 'vfio.msiInsecure', 'vfio', '0000:01:00.0'],
  ['vfio-pci 0000:01:00.0: Adding kernel taint for vfio-noiommu group on device', 'vfio.noiommu', 'vfio', '0000:01:00.0'],
  ['PCI-DMA: Using software bounce buffering for IO (SWIOTLB)', 'dma.swiotlb', 'other', null],
  ['Unknown kernel command line parameters "pcie_acs_override=downstream,multifunction BOOT_IMAGE=/vmlinuz", will be passed to user space.', 'boot.unknownParams', 'unknown-params', null],
];

describe('parseDmesg catalogue coverage (lines built from the spec 5.2 kernel formats)', () => {
  it.each(CATALOGUE)('%s', (line, id, category, device) => {
    const { data, issues } = parseDmesg(`[    5.000001] ${line}\n`);
    expect(issues).toEqual([]);
    expect(data).toHaveLength(1);
    expect(data[0]).toMatchObject({ id, category, device, time: 5.000001, text: line.trimEnd() });
  });

  it('pci.enum keeps the 6.8+ type string and names it as a PcieType', () => {
    const { data } = parseDmesg('pci 0000:02:00.0: [1b21:2142] type 00 class 0x0c0330 PCIe Legacy Endpoint\npci 0000:05:01.0: [1b36:0001] type 01 class 0x060400 conventional PCI bridge\n');
    expect(data.map((e) => [e.fields.kind, e.fields.pcieType])).toEqual([['PCIe Legacy Endpoint', 'legacy-endpoint'], ['conventional PCI bridge', 'conventional']]);
  });

  it('summary: an ACS override, an unknown parameter and IR off are reported', () => {
    const lines = CATALOGUE.map(([l]) => l).filter((l) => /overrides|Disabling interrupt|Unknown kernel/.test(l));
    const summary = summarizeDmesg(parseDmesg(lines.join('\n')).data);
    expect(summary).toMatchObject({ acsOverride: true, interruptRemapping: false, vendor: 'amd', enabled: null });
  });

  it('summary: group adds alone prove an active IOMMU; Translated with the strict TLB policy is "translated"', () => {
    const text = ['iommu: Default domain type: Translated', 'iommu: DMA domain TLB invalidation policy: strict mode', 'pci 0000:00:00.0: Adding to iommu group 0'].join('\n');
    expect(summarizeDmesg(parseDmesg(text).data)).toMatchObject({ enabled: true, vendor: null, firmwarePresent: true, defaultDomain: 'translated' });
  });

  it('reports a DMAR fault line it cannot read, with its line number', () => {
    const { data, issues } = parseDmesg('[    1.0] DMAR: IOMMU enabled\n[   10.1] DMAR: [DMA Read NO_PASID] Request device [garbled] fault addr\n');
    expect(idsOf(data)).toEqual(['intel.enabledByParam']);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.line).toBe(2);
  });
});

describe('parseDmesg on a large log', () => {
  // Speed is measured by `npm run bench`, not asserted here: this checks that a 5 MB log of
  // repeated real boots yields exactly the events of each copy.
  it('5 MB of kernel log gives each repeated boot\'s events once per copy', () => {
    const sample = ['flat', 'amd', 'mixed', 'vfio-bound', 'passthrough'].map((t) => read(`${LAB}${t}/dmesg.txt`)).join('');
    const copies = Math.ceil(5e6 / sample.length);
    const big = sample.repeat(copies);
    expect(big.length).toBeGreaterThanOrEqual(5e6);
    const once = parseDmesg(sample).data.length;
    expect(once).toBeGreaterThan(0);
    expect(parseDmesg(big).data.length).toBe(once * copies);
  });
});

describe('parseDmesg fuzz', () => {
  const Result = z.object({
    data: z.array(DmesgEvent),
    issues: z.array(z.object({ line: z.number().int().positive().nullable(), message: z.string() })),
  });
  const sources = [
    read(`${LAB}flat/dmesg-raw.txt`), read(`${LAB}amd/dmesg.txt`),
    read(`${REAL}linuxhw-asus-prime-x570-pro/dmesg-excerpt.txt`), read(`${REAL}saelzler-am4-matisse-rtx2060-proxmox/dmesg-grep-iommu.txt`),
    CATALOGUE.map(([l]) => l).join('\n'),
  ].map((t) => t.split('\n'));

  const mutatedLog = fc.tuple(
    fc.integer({ min: 0, max: sources.length - 1 }),
    fc.array(fc.oneof(
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('shuffle' as const), seed: fc.nat() }),
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), ch: fc.string({ minLength: 1, maxLength: 1 }) }),
      fc.record({ kind: fc.constant('huge' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.string({ maxLength: 200 }) }),
    ), { maxLength: 6 }),
  ).map(([source, mutations]) => {
    let lines = sources[source]!.slice(0, 400);
    for (const m of mutations) {
      if (m.kind === 'truncate') lines = lines.join('\n').slice(0, m.at % (lines.join('\n').length + 1)).split('\n');
      else if (m.kind === 'shuffle') lines = [...lines].sort((a, b) => ((a.length * 31 + m.seed) % 17) - ((b.length * 31 + m.seed) % 17));
      else if (m.kind === 'huge') lines = lines.map((l, i) => (i % 7 === m.at % 7 ? l.replace(/\d+/g, '99999999999999999999999') : l));
      else {
        const text = lines.join('\n');
        const at = m.at % (text.length + 1);
        lines = (text.slice(0, at) + (m.kind === 'flip' ? m.ch : m.text) + text.slice(at + 1)).split('\n');
      }
    }
    return lines.join('\n');
  });

  it('never throws on mutated real logs, and the result keeps its shape', () => {
    fc.assert(fc.property(mutatedLog, (text) => {
      const result = parseDmesg(text);
      expect(Result.safeParse(result).success).toBe(true);
      const summary = summarizeDmesg(result.data);
      expect(summary.faults).toBeGreaterThanOrEqual(0);
      expect(summary.groupAdds.every((a) => Number.isSafeInteger(a.group))).toBe(true);
    }), { numRuns: 1500 });
  });

  it('never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 2000, unit: 'binary' }), (text) => {
      expect(Result.safeParse(parseDmesg(text)).success).toBe(true);
    }), { numRuns: 1500 });
  });
});
