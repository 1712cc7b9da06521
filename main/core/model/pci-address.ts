/**
 * PCI addresses ("BDF"): `DDDD:BB:SS.F`, all hex. The domain may have more than four digits
 * (Intel VMD puts its child devices in domains such as `10000`). lspci without `-D` omits the
 * domain; we always store the full form ("0000:01:00.0") so that every source joins on one key.
 */
export interface PciAddress {
  domain: number;
  bus: number;
  device: number;
  function: number;
}

const ADDRESS_RE = /^(?:([0-9a-fA-F]{4,8}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$/;

/** Parse "0000:01:00.0", "01:00.0" or "10000:e1:00.0"; null when the text is not a PCI address. */
export function parsePciAddress(text: string): PciAddress | null {
  const m = ADDRESS_RE.exec(text.trim());
  if (!m) return null;
  const device = parseInt(m[3]!, 16);
  if (device > 31) return null;
  return {
    domain: m[1] ? parseInt(m[1], 16) : 0,
    bus: parseInt(m[2]!, 16),
    device,
    function: parseInt(m[4]!, 10),
  };
}

export function formatPciAddress(a: PciAddress): string {
  const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
  return `${hex(a.domain, 4)}:${hex(a.bus, 2)}:${hex(a.device, 2)}.${a.function}`;
}

/** Canonical "0000:01:00.0" form of any accepted spelling; null when not an address. */
export function normalizePciAddress(text: string): string | null {
  const a = parsePciAddress(text);
  return a ? formatPciAddress(a) : null;
}

/** devfn as the kernel computes it: (slot << 3) | function. */
export function devfn(a: PciAddress): number {
  return (a.device << 3) | a.function;
}

const UPPER_HEX = /[A-F]/;

/** "0000:01:00.0" as formatPciAddress writes it: lower-case hex, fixed widths after the domain. */
function isCanonical(a: string): boolean {
  const n = a.length;
  return n >= 12 && a.charCodeAt(n - 2) === 46 && a.charCodeAt(n - 5) === 58 && a.charCodeAt(n - 8) === 58;
}

/**
 * Sort key that orders addresses as the kernel enumerates them (domain, bus, devfn). Canonical
 * addresses compare as strings (fixed-width hex; a longer domain has no leading zero, so it is
 * larger): no parsing on the hot path of sorting thousands of functions.
 */
export function comparePciAddresses(x: string, y: string): number {
  if (isCanonical(x) && isCanonical(y) && !UPPER_HEX.test(x) && !UPPER_HEX.test(y)) {
    if (x.length !== y.length) return x.length - y.length;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const a = parsePciAddress(x);
  const b = parsePciAddress(y);
  if (!a || !b) return x < y ? -1 : x > y ? 1 : 0;
  return a.domain - b.domain || a.bus - b.bus || devfn(a) - devfn(b);
}
