/**
 * The pure SHA-256 behind the HTML report's CSP hash, against node:crypto on the FIPS 180-4
 * padding edges (55, 56 and 64 bytes), multi-byte UTF-8 and a long input, plus random strings.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256Base64 } from '../../../main/core/report/sha256.ts';

const reference = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64');

describe('sha256Base64', () => {
  it('FIPS 180-4 example "abc" and the empty string', () => {
    expect(sha256Base64('abc')).toBe('ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=');
    expect(sha256Base64('')).toBe('47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
  });

  it('block boundaries, UTF-8 and a long input match node:crypto', () => {
    for (const text of ['x'.repeat(55), 'x'.repeat(56), 'x'.repeat(63), 'x'.repeat(64), 'x'.repeat(65), 'é'.repeat(100), '→ IOMMU ✓', 'a'.repeat(200_000)]) {
      expect(sha256Base64(text)).toBe(reference(text));
    }
  });

  it('random strings match node:crypto', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => sha256Base64(text) === reference(text)), { numRuns: 500 });
  });
});
