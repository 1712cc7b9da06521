/**
 * Slots: each physical slot with its port, occupancy and the group a new card would get there
 * (spec 1.14). Real DMI slot tables (X570, Dell Latitude 7490) and the lab's PCIe slots (QEMU
 * root and downstream ports implement a slot: `SltCap: … Slot #N`).
 */
import { describe, expect, it } from 'vitest';
import { analyzeSnapshot } from '../../../main/core/analysis/analyze.ts';
import { DeviceIndex } from '../../../main/core/analysis/device-index.ts';
import { CARD_TEMPLATES, predictCardInSlot, shortAddress } from '../../../main/core/analysis/predictor/index.ts';
import { analyzeSlots, SLOT_CARD_TEMPLATES } from '../../../main/core/analysis/slots.ts';
import type { Slot, Snapshot } from '../../../main/core/model/snapshot.ts';
import { lab, realworld } from './load-fixture.ts';

/** The lab's slots as the kernel's pciehp would list them: one per port with a slot capability. */
function portSlots(s: Snapshot): Slot[] {
  const index = new DeviceIndex(s.devices);
  return s.devices.filter((d) => d.slotImplemented === true && d.slotNumber !== null).map((port) => ({
    name: String(port.slotNumber), source: 'sysfs', designation: null, type: null, width: null, inUse: null,
    busAddress: `${port.address.slice(0, 5)}${port.secondaryBus!.toString(16).padStart(2, '0')}:00`,
    rootPort: port.address,
    devices: index.childrenOf(port).map((d) => d.address),
  }));
}

describe('real DMI slot tables', () => {
  it('ASUS PRIME X570-PRO: PCIEX16_1 is the GPU\'s CPU port; the empty slots\' placeholder address gives no prediction', async () => {
    const a = analyzeSnapshot(await realworld('linuxhw-asus-prime-x570-pro'));
    expect(a.slots.map((s) => s.name)).toEqual(['PCIEX16_1', 'PCIEX16_2', 'PCIEX16_3', 'PCIEX1_1', 'PCIEX1_2', 'PCIEX1_3']);
    const x16 = a.slots[0]!;
    expect(x16).toMatchObject({ rootPort: '0000:00:03.1', occupied: true, devices: ['0000:08:00.0', '0000:08:00.1'], problem: null });
    // 00:03.1 has ACS enabled (source.md): any card there gets a group of its own.
    expect(x16.predictedGroup).toEqual(['0000:08:00.0']);
    expect(x16.predictions.map((p) => [p.card, p.group, p.newGroup])).toEqual([
      ['nvme', ['0000:08:00.0'], true],
      ['gpu', ['0000:08:00.0', '0000:08:00.1'], true],
      ['switch-card', ['0000:08:00.0'], true],
    ]);
    expect(x16.notes).toContainEqual('The card replaces what is in the slot today: 08:00.0, 08:00.1.');
    for (const empty of a.slots.slice(1)) {
      expect(empty.occupied).toBe(false);
      expect(empty.predictedGroup).toBeNull();
      expect(empty.problem).toMatch(/no port with a secondary bus matching the slot's bus address 0000:00:1f\.7 is visible/);
    }
  });

  it('Dell Latitude 7490: occupied ports give the card its own group, as the endpoints there have (Flags: IOMMU group)', async () => {
    const s = await realworld('asokolsky-dell-latitude-7490');
    // dmidecode.txt and its type 9 extract hold the same six slots; each is listed once.
    expect(s.slots).toHaveLength(6);
    const a = analyzeSnapshot(s);
    expect(a.slots.map((x) => [x.name, x.rootPort])).toEqual([
      ['Slot1', '0000:00:1c.0'], ['Slot2', null], ['Slot3', '0000:00:1c.2'], ['Slot9', '0000:00:1d.0'], ['Slot10', null], ['Slot11', null],
    ]);
    // Card reader 01:00.0 is in group 9, the root port 00:1c.0 in group 5: the port isolates.
    expect(s.devices.find((d) => d.address === '0000:01:00.0')!.iommuGroup).toBe(9);
    expect(s.devices.find((d) => d.address === '0000:00:1c.0')!.iommuGroup).toBe(5);
    const slot1 = a.slots[0]!;
    expect(slot1.predictedGroup).toEqual(['0000:01:00.0']);
    // Its ACS was not readable (lspci -v without bits): the isolation is inferred from the groups.
    expect(slot1.predictions[0]!.uncertain).toContainEqual(expect.stringMatching(/^00:1c\.0: ACS not readable without root; inferred isolating from the kernel's current groups/));
    // 1c.1, 1d.1 and 1d.2 do not exist in lspci (firmware lists disabled ports, source.md).
    expect(a.slots[1]!.problem).toMatch(/0000:00:1c\.1 is visible/);
  });

  it('Supermicro X11SCL-IF: the slot\'s bus holds devices but no bridge bus numbers are known', async () => {
    const a = analyzeSnapshot(await realworld('asokolsky-supermicro-x11scl-if'));
    expect(a.slots.map((s) => s.name)).toEqual(['CPU SLOT1 PCI-E 3.0 X16', 'M.2-H']);
    expect(a.slots[0]!.problem).toMatch(/devices sit on the slot's bus 0000:01, but the bridge above that bus is not known/);
  });
});

describe('lab slots (QEMU PCIe slot capabilities)', () => {
  it('mixed: a GPU in the empty switch port 06:02.0 joins that port\'s group 18; below a root port it gets a new group', async () => {
    const s = await lab('mixed');
    s.slots = portSlots(s);
    const a = analyzeSnapshot(s);
    const bySlot = new Map(a.slots.map((x) => [x.rootPort, x]));
    const dsp = bySlot.get('0000:06:02.0')!;
    expect(dsp.occupied).toBeNull();
    expect(dsp.devices).toEqual([]);
    const gpu = dsp.predictions.find((p) => p.card === 'gpu')!;
    // The xio3130 downstream port has no ACS capability (spec 7, lab expectations).
    expect(gpu).toMatchObject({ newGroup: false, joinsExistingGroup: 18, group: ['0000:06:02.0', '0000:09:00.0', '0000:09:00.1'] });
    expect(gpu.reason).toMatch(/06:02\.0 \(Downstream Port\) has no ACS capability/);
    const rp = bySlot.get('0000:00:1c.5')!;
    expect(rp.devices).toEqual(['0000:0c:00.0']);
    expect(rp.predictions.find((p) => p.card === 'gpu')).toMatchObject({ newGroup: true, group: ['0000:0c:00.0', '0000:0c:00.1'] });
    expect(rp.predictedGroup).toEqual(['0000:0c:00.0']);
  });

  it('rootports-noacs: any card joins the big group 1 of the ACS-less ports', async () => {
    const s = await lab('rootports-noacs');
    s.slots = portSlots(s);
    const a = analyzeSnapshot(s);
    expect(a.slots.length).toBeGreaterThan(0);
    for (const slot of a.slots) {
      for (const p of slot.predictions) expect(p, `${slot.name} ${p.card}`).toMatchObject({ newGroup: false, joinsExistingGroup: 1 });
    }
  });

  it('two PCI segments: the prediction on the port\'s segment alone equals the whole snapshot\'s', async () => {
    // The mixed capture, and the same hierarchy again as segment 0001 (groups renumbered).
    const s = await lab('mixed');
    const copy = (a: string) => `0001${a.slice(4)}`;
    const offset = s.groups.length;
    s.devices.push(...s.devices.map((d) => ({
      ...d, address: copy(d.address), parent: d.parent && copy(d.parent), physfn: d.physfn && copy(d.physfn),
      iommuGroup: d.iommuGroup === null ? null : d.iommuGroup + offset,
    })));
    s.groups.push(...s.groups.map((g) => ({ ...g, id: g.id + offset, devices: g.devices.map(copy) })));
    s.slots = portSlots(s);
    const slots = analyzeSlots(s, new DeviceIndex(s.devices));
    const dsp = slots.find((x) => x.rootPort === '0001:06:02.0')!;
    expect(dsp.predictions.find((p) => p.card === 'gpu')).toMatchObject({ joinsExistingGroup: 18 + offset, group: ['0001:06:02.0', '0001:09:00.0', '0001:09:00.1'] });
    for (const slot of slots) {
      for (const id of SLOT_CARD_TEMPLATES) {
        const whole = predictCardInSlot(s, slot.rootPort!, CARD_TEMPLATES.find((t) => t.id === id)!).cardFunctions[0]!;
        const mine = slot.predictions.find((p) => p.card === id)!;
        expect([mine.group, mine.newGroup, mine.joinsExistingGroup], `${slot.rootPort} ${id}`).toEqual([whole.group, whole.newGroup, whole.joinsExistingGroup]);
      }
    }
  });

  it('two PCI segments with their kernel log lines: reasons, uncertainties and notes equal the whole snapshot\'s', async () => {
    // Each segment reads only its own devices' log lines (slots.ts segmentLog); the answers must not
    // change. Without copied lines segment 0001 has no "Adding to iommu group" line of its own,
    // while on AMD the predictor notes the absence of any such line in the whole log.
    for (const [topology, copyLog] of [['mixed', true], ['amd', true], ['amd', false], ['rootports', true]] as const) {
      const s = await lab(topology);
      const copy = (a: string) => `0001${a.slice(4)}`;
      const offset = Math.max(...s.groups.map((g) => g.id)) + 1;
      s.devices.push(...s.devices.map((d) => ({
        ...d, address: copy(d.address), parent: d.parent && copy(d.parent), physfn: d.physfn && copy(d.physfn),
        iommuGroup: d.iommuGroup === null ? null : d.iommuGroup + offset,
      })));
      s.groups.push(...s.groups.map((g) => ({ ...g, id: g.id + offset, devices: g.devices.map(copy) })));
      const devicesLines = s.iommu.dmesg.filter((e) => e.device !== null && e.device.startsWith('0000:'));
      expect(devicesLines.length, topology).toBeGreaterThan(0);
      if (copyLog) s.iommu.dmesg.push(...devicesLines.map((e) => ({ ...e, device: copy(e.device!), text: e.text.replaceAll('0000:', '0001:') })));
      s.slots = portSlots(s);
      const slots = analyzeSlots(s, new DeviceIndex(s.devices));
      expect(slots.some((x) => x.rootPort!.startsWith('0001:')), topology).toBe(true);
      for (const slot of slots) {
        const notes = new Set<string>();
        for (const id of SLOT_CARD_TEMPLATES) {
          const whole = predictCardInSlot(s, slot.rootPort!, CARD_TEMPLATES.find((t) => t.id === id)!);
          for (const n of whole.notes) notes.add(n);
          if (whole.removed.length > 0) notes.add(`The card replaces what is in the slot today: ${whole.removed.map(shortAddress).join(', ')}.`);
          const mine = slot.predictions.find((p) => p.card === id)!;
          expect([mine.reason, mine.uncertain], `${topology} ${slot.rootPort} ${id}`)
            .toEqual([whole.cardFunctions[0]!.reason, whole.uncertain.map((u) => `${shortAddress(u.device)}: ${u.what}`)]);
        }
        expect(slot.notes, `${topology} ${slot.rootPort}`).toEqual([...notes]);
      }
    }
  });

  it('every lab capture: slot predictions equal predictCardInSlot on the whole snapshot', async () => {
    for (const topology of ['mixed', 'switch', 'legacy-bridge', 'rootports', 'rootports-noacs', 'amd', 'iommu-off']) {
      const s = await lab(topology);
      s.slots = portSlots(s);
      const scoped = analyzeSlots(s, new DeviceIndex(s.devices));
      for (const slot of scoped) {
        for (const id of SLOT_CARD_TEMPLATES) {
          const whole = predictCardInSlot(s, slot.rootPort!, CARD_TEMPLATES.find((t) => t.id === id)!);
          const lead = whole.cardFunctions[0]!;
          const mine = slot.predictions.find((p) => p.card === id)!;
          expect([mine.group, mine.newGroup, mine.joinsExistingGroup], `${topology} ${slot.name} ${id}`)
            .toEqual([lead.group, lead.newGroup, lead.joinsExistingGroup]);
        }
      }
    }
  });
});
