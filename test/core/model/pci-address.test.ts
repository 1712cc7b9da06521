import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { comparePciAddresses, formatPciAddress, normalizePciAddress, parsePciAddress } from '../../../main/core/model/pci-address.ts';

describe('PCI addresses', () => {
  it('normalises every spelling lspci and the kernel print to the full form', () => {
    expect(normalizePciAddress('01:00.0')).toBe('0000:01:00.0');
    expect(normalizePciAddress('0000:0A:1f.7')).toBe('0000:0a:1f.7');
    // Intel VMD puts devices in domains past 0xffff.
    expect(normalizePciAddress('10000:e1:00.0')).toBe('10000:e1:00.0');
    expect(normalizePciAddress('00:20.0')).toBeNull(); // device numbers stop at 0x1f
    expect(normalizePciAddress('00:1f.8')).toBeNull();
    expect(normalizePciAddress('not an address')).toBeNull();
  });

  it('sorts as the kernel enumerates: domain, bus, device, function — numerically', () => {
    const sorted = ['0000:00:1f.3', '10000:00:00.0', '0000:0a:00.0', '0000:00:02.0', '0001:00:00.0', '0000:00:1f.0']
      .sort(comparePciAddresses);
    expect(sorted).toEqual(['0000:00:02.0', '0000:00:1f.0', '0000:00:1f.3', '0000:0a:00.0', '0001:00:00.0', '10000:00:00.0']);
  });

  it('the fast string comparison agrees with comparing the parsed numbers', () => {
    const address = fc.record({
      domain: fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0x10000, max: 0xfffffff })),
      bus: fc.integer({ min: 0, max: 255 }),
      device: fc.integer({ min: 0, max: 31 }),
      function: fc.integer({ min: 0, max: 7 }),
    });
    fc.assert(fc.property(address, address, (a, b) => {
      const numeric = a.domain - b.domain || a.bus - b.bus || a.device - b.device || a.function - b.function;
      expect(Math.sign(comparePciAddresses(formatPciAddress(a), formatPciAddress(b)))).toBe(Math.sign(numeric));
      expect(parsePciAddress(formatPciAddress(a))).toEqual(a);
    }), { numRuns: 2000 });
  });
});
