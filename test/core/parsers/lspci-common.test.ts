import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  acsFlagNames, buildLink, lspciSpeedToSysfs, parseAcsWords, parseExpressCapability, parseLspciHeader,
} from '../../../main/core/parsers/lspci-common.ts';
import { decodeConfigSpace, parseHexDumpLine, readHexDumpLine } from '../../../main/core/parsers/lspci-config-space.ts';
import { readFixture } from './lspci-fixtures.ts';

describe('lspci helpers', () => {
  it('ACS words and names (spec 1.2 bit order)', () => {
    // QEMU pcie-root-port, mixed lab capture line 76/77.
    const cap = parseAcsWords('SrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans+');
    const ctl = parseAcsWords('SrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-');
    expect([cap, ctl]).toEqual([0x5f, 0x1d]);
    expect(acsFlagNames(0x5f)).toEqual(['SV', 'TB', 'RR', 'CR', 'UF', 'DT']);
    expect(acsFlagNames(0x7f)).toEqual(['SV', 'TB', 'RR', 'CR', 'UF', 'EC', 'DT']);
    expect(acsFlagNames(0)).toEqual([]);
    // A cut line must not read as "bits clear".
    expect(parseAcsWords('SrcValid+ TransBlk+ ReqRedir+')).toBeNull();
  });

  it('link speeds in the kernel sysfs spelling', () => {
    expect(['2.5GT/s', '5GT/s', '8GT/s', '16GT/s', '32GT/s', '64GT/s', 'unknown', 'fast'].map(lspciSpeedToSysfs)).toEqual(
      ['2.5 GT/s PCIe', '5.0 GT/s PCIe', '8.0 GT/s PCIe', '16.0 GT/s PCIe', '32.0 GT/s PCIe', '64.0 GT/s PCIe', 'Unknown', null]);
    expect(buildLink('8.0 GT/s PCIe', 16, '8.0 GT/s PCIe', 8, false).downgraded).toBe(true);
    expect(buildLink('8.0 GT/s PCIe', 16, '8.0 GT/s PCIe', 16, false).downgraded).toBe(false);
    expect(buildLink('16.0 GT/s PCIe', 4, '8.0 GT/s PCIe', 4, true).downgraded).toBe(true);
    // QEMU xio3130 downstream port: LnkCap "Speed unknown, Width x0": nothing to compare with.
    expect(buildLink('Unknown', 0, '2.5 GT/s PCIe', 1, false).downgraded).toBeNull();
  });

  it('Express capability texts of several pciutils versions', () => {
    expect(parseExpressCapability('Express (v2) Root Port (Slot+), MSI 00')).toEqual({ type: 'root-port', slot: true });
    expect(parseExpressCapability('Express (v2) Downstream Port (Slot-), IntMsgNum 0')).toEqual({ type: 'downstream-port', slot: false });
    expect(parseExpressCapability('Express Root Complex Integrated Endpoint, MSI 00')).toEqual({ type: 'rciep', slot: null });
    expect(parseExpressCapability('Express (v1) Legacy Endpoint, MSI 00')?.type).toBe('legacy-endpoint');
    expect(parseExpressCapability('Express (v2) PCI/PCI-X to PCI-Express Bridge (Slot-), MSI 00')?.type).toBe('pci-to-pcie-bridge');
    expect(parseExpressCapability('Express (v2) Root Complex Event Collector, MSI 00')?.type).toBe('rcec');
    expect(parseExpressCapability('Express (v2) Something new')).toBeNull();
  });

  it('header lines of every lspci mode', () => {
    expect(parseLspciHeader('0000:01:00.0 VGA compatible controller [0300]: NVIDIA Corporation GA102 [GeForce RTX 3080] [10de:2206] (rev a1) (prog-if 00 [VGA controller])'))
      .toEqual({
        address: '0000:01:00.0', parent: undefined, className: 'VGA compatible controller', classCode: '0300',
        vendorId: '10de', deviceId: '2206', names: 'NVIDIA Corporation GA102 [GeForce RTX 3080]', revision: 'a1', progIf: '00',
      });
    expect(parseLspciHeader('10000:e1:00.0 0108: 144d:a808')).toMatchObject(
      { address: '10000:e1:00.0', classCode: '0108', className: null, vendorId: '144d', deviceId: 'a808', names: null, revision: null });
    expect(parseLspciHeader('00:02.0 Signal processing controller: Intel Corporation Device 0d57 (rev 01)')).toMatchObject(
      { className: 'Signal processing controller', vendorId: null, deviceId: '0d57', names: 'Intel Corporation Device', revision: '01' });
    expect(parseLspciHeader('00:1c.0/01:00.0 Class [ff00]: Device [1234:5678]')).toMatchObject(
      { address: '0000:01:00.0', parent: '0000:00:1c.0', className: null, classCode: 'ff00', names: 'Device' });
    expect(parseLspciHeader('alex@latitude7490:~$ lspci')).toBeNull();
    expect(parseLspciHeader('00:00.0 no colon here')).toBeNull();
  });

  it('hex dump lines and a header decoded from them', () => {
    expect(parseHexDumpLine('00: 86 80 c0 29 03 01 00 00 00 00 00 06 00 00 00 00')).toEqual(
      { offset: 0, bytes: [0x86, 0x80, 0xc0, 0x29, 3, 1, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0] });
    expect(parseHexDumpLine('ff0: 00 00')).toEqual({ offset: 0xff0, bytes: [0, 0] });
    expect(parseHexDumpLine('00: 86 80 zz')).toBeNull();
    expect(parseHexDumpLine('07: 00')).toBeNull();
    expect(parseHexDumpLine('00:00.0 Host bridge')).toBeNull();
    // First 64 bytes only (what a non-root `lspci -x` shows): header facts, no capability facts.
    const lines = readFixture('lab/mixed/lspci-n-D-xxxx.txt').split('\n').slice(19, 23);
    expect(lines[0]).toBe('00: 36 1b 0c 00 07 05 10 00 00 00 04 06 00 00 01 00');
    const config = new Uint8Array(4096);
    for (const line of lines) {
      const parsed = parseHexDumpLine(line)!;
      config.set(parsed.bytes, parsed.offset);
    }
    expect(decodeConfigSpace(config, 64)).toEqual({
      vendorId: '1b36', deviceId: '000c', revision: '00', progIf: '00', classCode: '0604', headerType: 1, multifunction: false,
      secondaryBus: 1, subordinateBus: 1,
    });
  });

  it('reading a dump line in place (readHexDumpLine) agrees with parseHexDumpLine wherever it accepts one', () => {
    const read = (line: string) => {
      const bytes = new Uint8Array(16);
      const at = { offset: -1 };
      const count = readHexDumpLine(line, 0, line.length, bytes, at);
      return count === 0 ? null : { offset: at.offset, bytes: [...bytes.subarray(0, count)] };
    };
    // Every line of a real 4096-byte dump.
    const dump = readFixture('lab/mixed/lspci-n-D-xxxx.txt').split('\n').filter((l) => /^[0-9a-f]{2,3}: /.test(l));
    expect(dump.length).toBeGreaterThan(1000);
    for (const line of dump) expect(read(line)).toEqual(parseHexDumpLine(line));
    expect(read('ff0: 00 00')).toEqual({ offset: 0xff0, bytes: [0, 0] });
    for (const line of ['00: 86 80 zz', '07: 00', '00:00.0 Host bridge', '00: 86 80 c0 29 03 01 00 00 00 00 00 06 00 00 00 00 11', '1000: 00', '0: 86']) {
      expect(read(line), line).toBeNull();
    }
    // Mutated lines: whatever it accepts, parseHexDumpLine reads the same (the rest is left to it).
    fc.assert(fc.property(fc.constantFrom(...dump), fc.nat(), fc.integer({ min: 0, max: 0x7f }), fc.nat({ max: 60 }), (line, at, c, cut) => {
      const i = at % line.length;
      const mutated = (line.slice(0, i) + String.fromCharCode(c) + line.slice(i + 1)).slice(0, Math.max(1, line.length - cut));
      const mine = read(mutated);
      if (mine) expect(mine).toEqual(parseHexDumpLine(mutated));
    }), { numRuns: 5000 });
  });

  it('the header parser never throws', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (line) => {
      const header = parseLspciHeader(line);
      if (header) expect(header.address).toMatch(/^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/);
    }), { numRuns: 2000 });
  });
});
