/**
 * SVG → PNG with resvg (`@resvg/resvg-js`: Rust resvg compiled to a native Node addon that ships
 * inside the npm package; nothing is downloaded and no browser runs). Text uses the system's fonts
 * (the SVG asks for DejaVu Sans, then Liberation Sans, then any sans-serif).
 *
 * A 10,000-function topology is tens of thousands of pixels tall; the scale is lowered so that
 * neither side exceeds MAX_SIDE and the image stays under MAX_PIXELS, sizes image viewers and
 * forum uploads accept.
 */
import { Resvg } from '@resvg/resvg-js';

const MAX_SIDE = 16_384;
const MAX_PIXELS = 64_000_000;

export interface PngImage {
  png: Buffer;
  width: number;
  height: number;
  /** Pixels per SVG unit actually used. */
  scale: number;
}

/** The largest scale ≤ `wanted` that keeps a `width` × `height` drawing within the limits. */
export function pngScale(width: number, height: number, wanted: number): number {
  if (width <= 0 || height <= 0) return wanted;
  return Math.min(wanted, MAX_SIDE / width, MAX_SIDE / height, Math.sqrt(MAX_PIXELS / (width * height)));
}

export function svgToPng(svg: string, wantedScale = 2): PngImage {
  const probe = new Resvg(svg, { font: { loadSystemFonts: false } });
  const scale = pngScale(probe.width, probe.height, wantedScale);
  const image = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: true, sansSerifFamily: 'DejaVu Sans' },
    background: '#ffffff',
  }).render();
  return { png: image.asPng(), width: image.width, height: image.height, scale };
}
