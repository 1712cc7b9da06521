/**
 * SVG → PNG through resvg: the file is a PNG a viewer opens (signature, IHDR, chunk CRCs, IDAT
 * inflating to exactly height × (1 + width × 4) bytes of RGBA scanlines), its pixels are the
 * drawing (the legend's colour swatch where the SVG puts it), and huge drawings are scaled
 * down to fit the size limits.
 */
import { crc32, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GRAPH_PALETTE } from '../../main/core/report/graph-style.ts';
import { prepareReport, renderReport } from '../../main/core/report/report.ts';
import { pngScale, svgToPng } from '../../main/io/png.ts';
import { fixtureSnapshot } from '../core/report/cases.ts';

interface DecodedPng {
  width: number;
  height: number;
  pixel(x: number, y: number): [number, number, number, number];
}

/** A minimal PNG reader (ISO/IEC 15948): 8-bit RGBA, no interlace, the five scanline filters. */
function decodePng(png: Buffer): DecodedPng {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const idat: Buffer[] = [];
  let width = 0;
  let height = 0;
  let pos = 8;
  let sawEnd = false;
  while (pos < png.length) {
    const length = png.readUInt32BE(pos);
    const type = png.toString('latin1', pos + 4, pos + 8);
    const data = png.subarray(pos + 8, pos + 8 + length);
    expect(png.readUInt32BE(pos + 8 + length), `CRC of ${type}`).toBe(crc32(png.subarray(pos + 4, pos + 8 + length)));
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([data[8], data[9], data[12]]).toEqual([8, 6, 0]);
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') sawEnd = true;
    pos += 12 + length;
  }
  expect(sawEnd).toBe(true);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  expect(raw.length).toBe(height * (1 + stride));
  const out = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (1 + stride)]!;
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (1 + stride) + 1 + i]!;
      const a = i >= 4 ? out[y * stride + i - 4]! : 0;
      const b = y > 0 ? out[(y - 1) * stride + i]! : 0;
      const c = i >= 4 && y > 0 ? out[(y - 1) * stride + i - 4]! : 0;
      const paeth = () => {
        const p = a + b - c;
        const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      };
      const predictor = [0, a, b, (a + b) >> 1, paeth()][filter]!;
      out[y * stride + i] = (x + predictor) & 0xff;
    }
  }
  return { width, height, pixel: (x, y) => [...out.subarray(y * stride + x * 4, y * stride + x * 4 + 4)] as [number, number, number, number] };
}

const rgba = (hex: string) => [parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16), 255];

describe('svgToPng', () => {
  it('lab/mixed: a valid PNG of the whole drawing, twice the SVG size, with the legend\'s colours where the SVG draws them', async () => {
    const svg = renderReport(prepareReport(await fixtureSnapshot('lab/mixed'), { anonymize: false }), 'svg');
    const [, w, h] = /<svg [^>]*width="(\d+)" height="(\d+)"/.exec(svg)!.map(Number);
    const image = svgToPng(svg);
    expect(image.scale).toBe(2);
    const png = decodePng(image.png);
    expect([png.width, png.height]).toEqual([w! * 2, h! * 2]);
    // The legend: a 14 × 14 swatch per verdict at y = 12, the first (ready) at x = 16, filled with
    // the verdict's tint inside a 1.5 px border of its colour; the canvas around it.
    const ready = GRAPH_PALETTE.verdicts.ready;
    expect(svg).toContain(`<rect x="16" y="12" width="14" height="14" rx="3" fill="${ready.fill}" stroke="${ready.stroke}" stroke-width="1.5"/>`);
    expect(png.pixel(2 * 23, 2 * 19)).toEqual(rgba(ready.fill));
    expect(png.pixel(2 * 16, 2 * 19)).toEqual(rgba(ready.stroke));
    expect(png.pixel(2 * 4, 2 * 4)).toEqual(rgba(GRAPH_PALETTE.canvas));
  });

  it('scales a drawing down to at most 16384 px a side and 64 Mpx', () => {
    expect(pngScale(2000, 1500, 2)).toBe(2);
    expect(pngScale(1000, 100_000, 2)).toBeCloseTo(16384 / 100_000);
    expect(pngScale(12_000, 12_000, 2)).toBeCloseTo(Math.sqrt(64_000_000 / 144_000_000));
  });
});
