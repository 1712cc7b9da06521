/**
 * canonicalPciAddress: normalizePciAddress's answer for every input, with the canonical form
 * ("0000:00:1c.0", as sysfs, lspci -D and dmesg print it) recognised without parsing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizePciAddress } from '../../../main/core/model/pci-address.ts';
import { canonicalAddressKey, canonicalPciAddress, isCanonicalPciAddress, pciAddressOf } from '../../../main/core/parsers/canonical-address.ts';

describe('canonicalPciAddress', () => {
  it('recognises the canonical form, and only it', () => {
    for (const a of ['0000:00:1c.0', '0000:ff:1f.7', '10000:e1:00.0', 'abcdef12:00:00.0']) expect(isCanonicalPciAddress(a)).toBe(true);
    // Upper case, no domain, a domain with a leading zero beyond 4 digits, slot 20+, function 8, spaces.
    for (const a of ['0000:00:1C.0', '00:1c.0', '00010000:00:00.0', '0000:00:20.0', '0000:00:1c.8', ' 0000:00:1c.0', '0000:00:1c.0\n', '0000-00:1c.0']) {
      expect(isCanonicalPciAddress(a), a).toBe(false);
    }
  });

  it('gives what normalizePciAddress gives: real spellings', () => {
    const cases = ['0000:00:1c.0', '0000:00:1C.0', '00:1c.0', '10000:e1:00.0', '00010000:e1:00.0', '0000:00:20.0', 'AMDI0010:00', 'pci0000:00', '', ' 0000:02:00.1 '];
    for (const a of cases) expect(canonicalPciAddress(a), a).toBe(normalizePciAddress(a));
  });

  it('gives what normalizePciAddress gives: generated addresses and noise (property)', () => {
    const piece = fc.constantFrom(...'0123456789abcdefABCDEF:. x\t'.split(''));
    const address = fc.tuple(
      fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xff }), fc.integer({ min: 0, max: 0x2f }), fc.integer({ min: 0, max: 9 }),
      fc.integer({ min: 0, max: 9 }), fc.boolean(),
    ).map(([domain, bus, slot, fn, width, upper]) => {
      const text = `${domain.toString(16).padStart(width, '0')}:${bus.toString(16).padStart(2, '0')}:${slot.toString(16).padStart(2, '0')}.${fn}`;
      return upper ? text.toUpperCase() : text;
    });
    fc.assert(fc.property(fc.oneof(address, fc.string({ maxLength: 20 }), fc.array(piece, { maxLength: 18 }).map((p) => p.join(''))), (text) => {
      expect(canonicalPciAddress(text)).toBe(normalizePciAddress(text));
    }), { numRuns: 20_000 });
  });
});

describe('canonicalAddressKey', () => {
  it('numbers canonical addresses by domain, bus, device and function: the same number for the same address only', () => {
    const address = fc.tuple(
      fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xff }), fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0, max: 7 }),
    ).map(([domain, bus, slot, fn]) => `${domain.toString(16).padStart(4, '0')}:${bus.toString(16).padStart(2, '0')}:${slot.toString(16).padStart(2, '0')}.${fn}`);
    fc.assert(fc.property(address, address, (a, b) => {
      const p = pciAddressOf(a)!;
      expect(canonicalAddressKey(a)).toBe(p.domain * 0x10000 + p.bus * 0x100 + p.device * 8 + p.function);
      expect(canonicalAddressKey(a) === canonicalAddressKey(b)).toBe(a === b);
    }), { numRuns: 5_000 });
  });
});
