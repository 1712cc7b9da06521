/**
 * SVG → PNG with resvg (`@resvg/resvg-js`: Rust resvg compiled to a native Node addon that ships
 * inside the npm package; nothing is downloaded and no browser runs). Text uses the system's fonts
 * (the SVG asks for DejaVu Sans, then Liberation Sans, then any sans-serif).
 *
 * A 10,000-function topology is tens of thousands of pixels tall; the scale is lowered so that
 * neither side exceeds MAX_SIDE and the image stays under MAX_PIXELS, sizes image viewers and
 * forum uploads accept. At that size text is dots, so it is left out (MIN_TEXT_SCALE).
 */
import { Resvg } from '@resvg/resvg-js';

const MAX_SIDE = 16_384;
const MAX_PIXELS = 64_000_000;
/**
 * Below this scale the graph's 10.5 px labels would be under 2 px high: unreadable, and laying
 * out tens of thousands of them is most of resvg's time. The boxes and colours are still drawn.
 */
const MIN_TEXT_SCALE = 0.2;

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
    font: { loadSystemFonts: scale >= MIN_TEXT_SCALE, sansSerifFamily: 'DejaVu Sans' },
    background: '#ffffff',
  }).render();
  return { png: image.asPng(), width: image.width, height: image.height, scale };
}
