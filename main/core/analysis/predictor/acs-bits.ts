/** ACS Capability/Control bits (spec 1.2, `include/uapi/linux/pci_regs.h` PCI_ACS_*). */
export const ACS = {
  SV: 0x0001, TB: 0x0002, RR: 0x0004, CR: 0x0008, UF: 0x0010, EC: 0x0020, DT: 0x0040,
} as const;

/** What the IOMMU core asks for before it lets a device have its own group: SV | RR | CR | UF. */
export const REQUIRED_ACS = ACS.SV | ACS.RR | ACS.CR | ACS.UF;

const ACS_BITS = Object.entries(ACS) as [string, number][];

/** Names by bit pattern: verdicts ask for the same few patterns for every port. */
const namesMemo = new Map<number, string>();

/** "RR, CR" for the bits set in `bits`, in register order. */
export function acsBitNames(bits: number): string {
  let names = namesMemo.get(bits);
  if (names === undefined) {
    names = ACS_BITS.filter(([, bit]) => (bits & bit) !== 0).map(([name]) => name).join(', ');
    // Bound the memo against odd inputs (every pattern of the 7 bits fits).
    if (namesMemo.size < 256) namesMemo.set(bits, names);
  }
  return names;
}
