/**
 * PCIe link facts as sysfs spells them (`current_link_speed` = "8.0 GT/s PCIe", widths as lane
 * counts). A link is downgraded when it trained below what it is capable of (LnkSta < LnkCap).
 */
import type { Link } from './snapshot.ts';

/** "8.0 GT/s PCIe" → 8; null for "Unknown" or anything else. */
export function linkSpeedGts(speed: string | null): number | null {
  if (!speed) return null;
  const m = /^([\d.]+)\s*GT\/s/.exec(speed);
  return m ? parseFloat(m[1]!) : null;
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
