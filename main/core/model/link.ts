/**
 * PCIe link facts as sysfs spells them (`current_link_speed` = "8.0 GT/s PCIe", widths as lane
 * counts). A link is downgraded when it trained below what it is capable of (LnkSta < LnkCap).
 */
import type { Link } from './snapshot.ts';

/** A speed's number and unit, "8.0 GT/s"; made once (a regex literal is a new RegExp each time it is evaluated). */
const SPEED = /^([\d.]+)\s*GT\/s/;

/** "8.0 GT/s PCIe" → 8; null for "Unknown" or anything else. */
export function linkSpeedGts(speed: string | null): number | null {
  if (!speed) return null;
  // The spellings of sysfs and lspci ("8.0 GT/s PCIe", "8GT/s") are read in place, without a
  // match: every PCIe function's link has two. parseFloat stops where the number does.
  let end = 0;
  while (end < speed.length && isDigitOrDot(speed.charCodeAt(end))) end++;
  if (end === 0) return null;
  if (speed.startsWith(' GT/s', end) || speed.startsWith('GT/s', end)) return parseFloat(speed);
  const m = SPEED.exec(speed);
  return m ? parseFloat(m[1]!) : null;
}

function isDigitOrDot(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2e;
}

/** null when neither speed nor width can be compared (QEMU's xio3130 reports "Unknown" and width 0). */
export function linkDowngraded(l: Omit<Link, 'downgraded'>): boolean | null {
  const cur = linkSpeedGts(l.currentSpeed);
  const max = linkSpeedGts(l.maxSpeed);
  const speedKnown = cur !== null && max !== null;
  const widthKnown = l.currentWidth !== null && l.maxWidth !== null && l.maxWidth > 0 && l.currentWidth > 0;
  if (!speedKnown && !widthKnown) return null;
  return (speedKnown && cur < max) || (widthKnown && l.currentWidth! < l.maxWidth!);
}
