/**
 * Character-code tests for the parsers that read text by position (charCodeAt) rather than with
 * regexes or copied substrings: one definition of each, shared by the sysfs, lspci and dmesg readers.
 */

/** 0-9. */
export const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** 0-9, A-F, a-f. */
export function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** The value of a hex digit of either case; `c` must be one (isHexDigit). */
export function hexDigitValue(c: number): number {
  return c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57;
}

/** The characters `split(/\s+/)` splits on (and `\s` matches, and trim() removes); ASCII decided first. */
export function isBlank(c: number): boolean {
  if (c < 0x80) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a)
    || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/**
 * text[from, to) as a number when it is 1 to `maxDigits` decimal digits (/^\d{1,maxDigits}$/),
 * else null. Summed digit by digit, exact for up to 15 digits.
 */
export function decimalWithin(text: string, from: number, to: number, maxDigits: number): number | null {
  if (to - from < 1 || to - from > maxDigits) return null;
  let value = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (!isDigit(c)) return null;
    value = value * 10 + c - 0x30;
  }
  return value;
}
