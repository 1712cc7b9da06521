/**
 * normalizePciAddress and parsePciAddress (model/pci-address.ts) without their regex and
 * formatting when the text is already canonical: sysfs, lspci -D and the kernel log name every
 * function that way ("0000:00:1c.0"), snapshots store it, and a big host has tens of thousands.
 */
import { normalizePciAddress, parsePciAddress, type PciAddress } from '../model/pci-address.ts';
import { hexDigitValue } from './char-codes.ts';

function isLowerHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66);
}

/**
 * Whether normalizePciAddress would return the text unchanged: `DDDD:BB:SS.F` in lower-case hex,
 * slot at most 1f, function 0-7, the domain 4 digits or 5-8 without a leading zero.
 */
export function isCanonicalPciAddress(text: string): boolean {
  const n = text.length;
  if (n < 12 || n > 16) return false;
  if (text.charCodeAt(n - 2) !== 0x2e || text.charCodeAt(n - 5) !== 0x3a || text.charCodeAt(n - 8) !== 0x3a) return false;
  const domainDigits = n - 8;
  if (domainDigits > 4 && text.charCodeAt(0) === 0x30) return false;
  for (let i = 0; i < domainDigits; i++) if (!isLowerHex(text.charCodeAt(i))) return false;
  const slotHigh = text.charCodeAt(n - 4);
  const fn = text.charCodeAt(n - 1);
  return isLowerHex(text.charCodeAt(n - 7)) && isLowerHex(text.charCodeAt(n - 6))
    && (slotHigh === 0x30 || slotHigh === 0x31) && isLowerHex(text.charCodeAt(n - 3))
    && fn >= 0x30 && fn <= 0x37;
}

/** normalizePciAddress, the same answer for every input, faster for canonical ones. */
export function canonicalPciAddress(text: string): string | null {
  return isCanonicalPciAddress(text) ? text : normalizePciAddress(text);
}

/** parsePciAddress (model/pci-address.ts), the same answer for every input, without a regex for canonical ones. */
export function pciAddressOf(text: string): PciAddress | null {
  if (!isCanonicalPciAddress(text)) return parsePciAddress(text);
  const n = text.length;
  let domain = 0;
  for (let i = 0; i < n - 8; i++) domain = domain * 16 + hexDigitValue(text.charCodeAt(i));
  return {
    domain,
    bus: hexDigitValue(text.charCodeAt(n - 7)) * 16 + hexDigitValue(text.charCodeAt(n - 6)),
    device: hexDigitValue(text.charCodeAt(n - 4)) * 16 + hexDigitValue(text.charCodeAt(n - 3)),
    function: text.charCodeAt(n - 1) - 0x30,
  };
}

/**
 * A canonical address (isCanonicalPciAddress) as one number: domain, bus, device and function in
 * their bits, exact for any domain of up to 8 digits. For maps of a big host's functions: a
 * number key is hashed and compared without reading a string. The text must be canonical.
 */
export function canonicalAddressKey(text: string): number {
  const n = text.length;
  let domain = 0;
  for (let i = 0; i < n - 8; i++) domain = domain * 16 + hexDigitValue(text.charCodeAt(i));
  const bus = hexDigitValue(text.charCodeAt(n - 7)) * 16 + hexDigitValue(text.charCodeAt(n - 6));
  const device = hexDigitValue(text.charCodeAt(n - 4)) * 16 + hexDigitValue(text.charCodeAt(n - 3));
  return domain * 0x10000 + bus * 0x100 + device * 8 + text.charCodeAt(n - 1) - 0x30;
}
