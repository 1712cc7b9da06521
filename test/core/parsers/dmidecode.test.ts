import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseDmidecode } from '../../../main/core/parsers/dmidecode.ts';
import { Slot } from '../../../main/core/model/snapshot.ts';
import { fixtureText } from '../../helpers/fixture-text.ts';
import { damagedText } from '../../helpers/text-mutations.ts';

const dmi = (path: string) => parseDmidecode(fixtureText(`realworld/${path}`));
/** Designation, usage and bus address of every slot, in table order. */
const slotSummary = (path: string) =>
  dmi(path).data.slots.map((s) => [s.designation, s.inUse, s.busAddress]);

describe('parseDmidecode: full dmidecode output', () => {
  it('asrock z370m (8-space indentation instead of tabs): board, BIOS, three slots', () => {
    const { data, issues } = dmi('asokolsky-asrock-z370m-itx-ac/dmidecode.txt');
    expect(issues).toEqual([]);
    // The firmware stored the placeholder string; it is kept, not guessed away.
    expect(data.system).toEqual({ vendor: 'To Be Filled By O.E.M.', product: 'To Be Filled By O.E.M.' });
    // "Version:" with nothing after it: the firmware gave an empty string.
    expect(data.board).toEqual({ vendor: 'ASRock', name: 'Z370M-ITX/ac', version: null });
    expect(data.bios).toEqual({ vendor: 'American Megatrends Inc.', version: 'P4.20', date: '10/31/2019' });
    expect(slotSummary('asokolsky-asrock-z370m-itx-ac/dmidecode.txt')).toEqual([
      ['Slot1', true, '0000:01:00.0'],
      ['Slot2', true, '0000:05:00.0'],
      // Kept as the firmware wrote it (a bus 1c device 00 function 6 address).
      ['Slot3', false, '0000:1c:00.6'],
    ]);
    expect(data.slots[0]).toEqual({
      name: 'Slot1', source: 'dmi', designation: 'Slot1', type: 'x16 PCI Express', width: 'x16',
      inUse: true, busAddress: '0000:01:00.0', rootPort: null, devices: [],
    });
  });

  it('supermicro x11scl: CPU slot and M.2 socket, width from the type prefix', () => {
    const { data } = dmi('asokolsky-supermicro-x11scl-if/dmidecode.txt');
    expect(data.system).toEqual({ vendor: 'Supermicro', product: 'Super Server' });
    expect(data.board).toEqual({ vendor: 'Supermicro', name: 'X11SCL-IF', version: '1.01' });
    expect(data.bios).toEqual({ vendor: 'American Megatrends Inc.', version: '2.2', date: '10/27/2023' });
    expect(data.slots.map((s) => [s.name, s.type, s.width, s.inUse, s.busAddress])).toEqual([
      ['CPU SLOT1 PCI-E 3.0 X16', 'x16 PCI Express 3 x16', 'x16', true, '0000:01:00.0'],
      ['M.2-H', 'x4 M.2 Socket 3', 'x4', true, '0000:07:00.0'],
    ]);
  });

  it('supermicro a2sdi: a slot whose bus width is not given has no width', () => {
    const { data } = dmi('asokolsky-supermicro-a2sdi-4c-hln4f/dmidecode.txt');
    expect(data.board.name).toBe('A2SDi-4C-HLN4F');
    expect(data.slots.map((s) => [s.name, s.type, s.width, s.inUse])).toEqual([
      ['CPU SLOT7 PCI-E 3.0 X4', 'PCI Express 3 x4', null, false],
      ['M.2 PCI-E 3.0 X2', 'x2 M.2 Socket 3', 'x2', false],
    ]);
  });

  it('fujitsu tx1320 m3: system/board records late in the table; empty slots report bus ff', () => {
    const { data } = dmi('asokolsky-fujitsu-primergy-tx1320m3/dmidecode.txt');
    expect(data.system).toEqual({ vendor: 'FUJITSU', product: 'PRIMERGY TX1320 M3' });
    expect(data.board).toEqual({ vendor: 'FUJITSU', name: 'D3373-B1', version: 'S26361-D3373-B12 WGS03 GS02' });
    expect(data.bios.version).toBe('V5.0.0.11 R1.37.0 for D3373-B1x');
    expect(slotSummary('asokolsky-fujitsu-primergy-tx1320m3/dmidecode.txt')).toEqual([
      ['SLOT 1', false, '0000:ff:00.0'],
      ['SLOT2', true, '0000:05:00.0'],
      ['SLOT3', false, '0000:ff:00.0'],
      ['SLOT4', true, '0000:01:00.0'],
    ]);
  });

  it('dell latitude 7490: "Product Name:" of the board is empty; six x1 slots', () => {
    const { data } = dmi('asokolsky-dell-latitude-7490/dmidecode.txt');
    expect(data.system).toEqual({ vendor: 'Dell Inc.', product: 'Latitude 7490' });
    expect(data.board).toEqual({ vendor: 'Dell Inc.', name: null, version: null });
    expect(data.bios).toEqual({ vendor: 'Dell Inc.', version: '1.41.0', date: '11/06/2024' });
    expect(data.slots.map((s) => s.designation)).toEqual(['Slot1', 'Slot2', 'Slot3', 'Slot9', 'Slot10', 'Slot11']);
    expect(data.slots.filter((s) => s.inUse).map((s) => s.busAddress)).toEqual(['0000:00:1c.0', '0000:00:1c.2', '0000:00:1d.0']);
    expect(data.slots.every((s) => s.width === 'x1')).toBe(true);
  });
});

describe('parseDmidecode: type 9 records alone', () => {
  it.each([
    'asokolsky-asrock-z370m-itx-ac',
    'asokolsky-dell-latitude-7490',
    'asokolsky-fujitsu-primergy-tx1320m3',
    'asokolsky-supermicro-a2sdi-4c-hln4f',
    'asokolsky-supermicro-x11scl-if',
  ])('%s: the extracted records give the same slots as the full output', (machine) => {
    const extracted = dmi(`${machine}/dmidecode-t9.extracted.txt`);
    expect(extracted.issues).toEqual([]);
    expect(extracted.data.slots).toEqual(dmi(`${machine}/dmidecode.txt`).data.slots);
    expect(extracted.data.board).toEqual({ vendor: null, name: null, version: null });
  });

  it('asus prime x570-pro: the GPU slot names the root port; empty slots all say 0000:00:1f.7', () => {
    const { data, issues } = dmi('linuxhw-asus-prime-x570-pro/dmidecode-t9.other-unit-same-model.txt');
    expect(issues).toEqual([]);
    expect(data.slots.map((s) => [s.name, s.width, s.inUse, s.busAddress])).toEqual([
      ['PCIEX16_1', 'x16', true, '0000:00:03.1'],
      ['PCIEX16_2', 'x8', false, '0000:00:1f.7'],
      ['PCIEX16_3', 'x4', false, '0000:00:1f.7'],
      ['PCIEX1_1', 'x1', false, '0000:00:1f.7'],
      ['PCIEX1_2', 'x1', false, '0000:00:1f.7'],
      ['PCIEX1_3', 'x1', false, '0000:00:1f.7'],
    ]);
    expect(data.slots[1]!.type).toBe('x8 PCI Express x8');
  });
});

describe('parseDmidecode: damaged and foreign input', () => {
  it('a bus address that is not a PCI address is reported and left unknown', () => {
    const text = fixtureText('realworld/asokolsky-supermicro-x11scl-if/dmidecode-t9.extracted.txt').replace('0000:07:00.0', '0000:07:00');
    const { data, issues } = parseDmidecode(text);
    expect(data.slots[1]!.busAddress).toBeNull();
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toContain('M.2-H');
  });

  it('text without any record is reported', () => {
    const listing = fixtureText('realworld/joep-gigabyte-x570-aorus-pro-wifi/iommu-groups.txt');
    expect(parseDmidecode(listing).issues).toEqual([{ line: null, message: 'no dmidecode record found in the text' }]);
  });

  const SlotShape = Slot.extend({ source: z.literal('dmi') });
  const samples = [
    'asokolsky-asrock-z370m-itx-ac/dmidecode.txt',
    'asokolsky-fujitsu-primergy-tx1320m3/dmidecode.txt',
    'asokolsky-supermicro-x11scl-if/dmidecode-t9.extracted.txt',
    'linuxhw-asus-prime-x570-pro/dmidecode-t9.other-unit-same-model.txt',
  ].map((p) => fixtureText(`realworld/${p}`));

  it('fuzz: damaged dmidecode output never throws and keeps the result shape', () => {
    fc.assert(
      fc.property(damagedText(samples), (text) => {
        const { data, issues } = parseDmidecode(text);
        for (const slot of data.slots) SlotShape.parse(slot);
        for (const value of [...Object.values(data.system), ...Object.values(data.board), ...Object.values(data.bios)]) {
          expect(value === null || typeof value === 'string').toBe(true);
        }
        for (const issue of issues) expect(issue.line === null || Number.isInteger(issue.line)).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });
});
