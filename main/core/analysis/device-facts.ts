/**
 * Per-device facts a passthrough decision needs besides the group: how the kernel can reset it
 * (sysfs `reset_method`, spec 3.2) and what a bus reset would take along, which driver holds it,
 * which libvirt VM assigns it, its NUMA node, and whether any PCIe link on its way to the root
 * trained below what both ends of that link can do.
 */
import type { PciFunction, Snapshot } from '../model/snapshot.ts';
import { listing, type DeviceIndex } from './device-index.ts';
import { shortAddress } from './predictor/index.ts';

export type DriverKind = 'host' | 'vfio' | 'stub' | 'none' | 'unknown';

export interface DriverState {
  name: string | null;
  /** `vfio`: a VFIO driver (vfio-pci or a vendor variant); `stub`: pci-stub; `host`: any other. */
  kind: DriverKind;
}

export type ResetKind = 'flr' | 'pm' | 'bus' | 'device-specific' | 'none' | 'unknown';

export interface ResetInfo {
  /** sysfs `reset_method` in kernel order; [] = none; null = not read. */
  methods: string[] | null;
  /** The method the kernel tries first. */
  first: ResetKind;
  /** The bridge whose secondary bus reset would reset this device; null on a root bus or unknown. */
  busResetBridge: string | null;
  /** Other functions a secondary bus reset also resets (same bus and everything below them). */
  busResetAffects: string[] | null;
  text: string;
}

export interface LinkDowngrade {
  /** The port (upstream end) and the device (downstream end) of the link. */
  upstream: string;
  downstream: string;
  current: string;
  /** What both ends can do: the lower of their maximum speeds and widths. */
  capable: string;
}

export interface LinkInfo {
  /** This device's own link, "8.0 GT/s x4"; null for conventional PCI or unknown. */
  current: string | null;
  /** Links on the way to the root that trained below what both ends support. */
  downgrades: LinkDowngrade[];
  /** Some link on the path could not be judged (a capability unknown). */
  incomplete: boolean;
}

/** Bound to a driver that hands the device to user space: vfio-pci or a vendor variant (mlx5-vfio-pci, …). */
export function boundToVfio(d: PciFunction): boolean {
  return d.driver !== null && d.driver.includes('vfio');
}

/** Who drives the device: user space (vfio), pci-stub, a host driver, nothing, or unknown (no source says). */
export function driverState(d: PciFunction): DriverState {
  const name = d.driver;
  if (name !== null) {
    if (boundToVfio(d)) return { name, kind: 'vfio' };
    if (name === 'pci-stub') return { name, kind: 'stub' };
    return { name, kind: 'host' };
  }
  // lspci -v shows the bound driver (-k is implied) and sysfs has the driver link: no driver
  // there means none is bound. A group listing or lspci -n says nothing about drivers.
  const driverSources = d.sources.some((s) => s === 'sysfs' || s === 'lspci-vvv' || s === 'lspci-nnk');
  return { name: null, kind: driverSources ? 'none' : 'unknown' };
}

const DRIVER_KINDS: readonly DriverKind[] = ['host', 'vfio', 'stub', 'none', 'unknown'];

/** Texts by driver name, then by kind and assignability: a handful of drivers on any host, and every device asks. */
const driverTextMemo = new Map<string, (string | undefined)[]>();

/** The driver state in words; what it means depends on whether the device is meant to go to a VM. */
export function driverText(s: DriverState, assignable: boolean): string {
  // Without a name the words are fixed texts.
  if (s.name === null) return driverWords(s, assignable);
  let texts = driverTextMemo.get(s.name);
  if (!texts) {
    texts = [];
    // Bound the memo against odd inputs.
    if (driverTextMemo.size < 256) driverTextMemo.set(s.name, texts);
  }
  const slot = DRIVER_KINDS.indexOf(s.kind) * 2 + (assignable ? 1 : 0);
  return (texts[slot] ??= driverWords(s, assignable));
}

function driverWords(s: DriverState, assignable: boolean): string {
  switch (s.kind) {
    case 'vfio': return assignable ? `bound to ${s.name}: ready for a VM` : `bound to ${s.name}`;
    case 'stub': return assignable ? `held by ${s.name} (no host driver); bind vfio-pci to assign it` : `held by ${s.name}`;
    case 'host': return assignable
      ? `bound to the host driver ${s.name}: it is unbound and bound to vfio-pci before a VM uses it (libvirt does this for managed='yes' host devices)`
      : `bound to the host driver ${s.name}`;
    case 'none': return 'no driver bound';
    case 'unknown': return 'driver not known (the source lists no drivers)';
  }
}

const RESET_WORDS: Record<string, string> = {
  flr: 'FLR (function level reset: resets only this function)',
  af_flr: 'FLR through the Advanced Features capability (resets only this function)',
  pm: 'PM reset (D3hot to D0; not every device resets fully this way)',
  bus: 'secondary bus reset',
  cxl_bus: 'CXL bus reset',
  device_specific: 'a device-specific reset quirk',
  acpi: 'the ACPI _RST method',
};

function resetKind(method: string | undefined): ResetKind {
  switch (method) {
    case undefined: return 'none';
    case 'flr': case 'af_flr': return 'flr';
    case 'pm': return 'pm';
    case 'bus': case 'cxl_bus': return 'bus';
    default: return 'device-specific';
  }
}

/** Texts for a single reset method by method: nearly every device has one of a few. */
const resetByMemo = new Map<string, string>();

/** "reset by FLR (…)", "reset by PM reset (…) (also bus)". */
function resetByText(methods: readonly string[]): string {
  const single = methods.length === 1 ? methods[0]! : null;
  let text = single === null ? undefined : resetByMemo.get(single);
  if (text === undefined) {
    text = `reset by ${RESET_WORDS[methods[0]!] ?? methods[0]}${methods.length > 1 ? ` (also ${methods.slice(1).join(', ')})` : ''}`;
    // Bound the memo against odd inputs.
    if (single !== null && resetByMemo.size < 64) resetByMemo.set(single, text);
  }
  return text;
}

export function resetInfo(d: PciFunction, index: DeviceIndex): ResetInfo {
  const parent = index.parentOf(d);
  const onRootBus = parent === null && index.topologyKnown && d.physfn === null;
  let affects: string[] | null = null;
  if (parent) {
    // The device's own subtree is reset with it; "also" means everything else on the bus.
    const scope = index.busResetScope(parent);
    // Most bridges have nothing below them to leave out.
    const own = d.secondaryBus === null ? null : index.busResetScope(d);
    if (!own || own.length === 0) affects = scope.filter((a) => a !== d.address);
    else {
      const ownSet = new Set(own);
      affects = scope.filter((a) => a !== d.address && !ownSet.has(a));
    }
  }
  const methods = d.resetMethods;
  const first: ResetKind = methods === null ? 'unknown' : resetKind(methods[0]);
  let text: string;
  if (methods === null) text = 'reset methods not known (sysfs reset_method not read)';
  else if (methods.length === 0) {
    text = 'no reset method of its own: the kernel cannot reset it between VM runs unless a bus reset covers it';
  } else text = resetByText(methods);
  const busMatters = methods === null || methods.length === 0 || methods.includes('bus') || methods.includes('cxl_bus');
  if (busMatters) {
    if (parent && affects) {
      text += affects.length === 0
        ? `; a secondary bus reset through ${shortAddress(parent.address)} would reset nothing else`
        : `; a secondary bus reset through ${shortAddress(parent.address)} would also reset ${listing(affects.slice(0, 6).map(shortAddress))}${affects.length > 6 ? ` and ${affects.length - 6} more` : ''}`;
    } else if (onRootBus) {
      text += '; on a root bus: there is no bridge to reset it through';
    }
  }
  return { methods, first, busResetBridge: parent?.address ?? null, busResetAffects: affects, text };
}

const speedMemo = new Map<string, number | null>();

/** "8.0 GT/s PCIe", "8GT/s", "2.5GT/s (downgraded)" → 8 / 2.5; "Unknown" → null. */
function speedValue(text: string | null): number | null {
  if (text === null) return null;
  let value = speedMemo.get(text);
  if (value === undefined) {
    const m = /([\d.]+)\s*GT\/s/.exec(text);
    const v = m ? Number(m[1]) : NaN;
    value = Number.isFinite(v) && v > 0 ? v : null;
    // A handful of distinct strings on any host; bound the memo against odd inputs anyway.
    if (speedMemo.size < 256) speedMemo.set(text, value);
  }
  return value;
}

const widthValue = (w: number | null) => (w !== null && w > 0 ? w : null);

/** Link texts by speed, then width: a handful on any host, and nearly every device has one. */
const linkTextMemo = new Map<number | null, Map<number | null, string>>();

/** "8 GT/s x4". */
function linkText(speed: number | null, width: number | null): string {
  let bySpeed = linkTextMemo.get(speed);
  if (!bySpeed) {
    bySpeed = new Map();
    // Bound the memo against odd inputs.
    if (linkTextMemo.size < 64) linkTextMemo.set(speed, bySpeed);
  }
  let text = bySpeed.get(width);
  if (text === undefined) {
    text = `${speed === null ? '?' : `${speed} GT/s`} x${width ?? '?'}`;
    if (bySpeed.size < 64) bySpeed.set(width, text);
  }
  return text;
}

export function linkInfo(d: PciFunction, index: DeviceIndex): LinkInfo {
  const self = d.physfn !== null ? index.get(d.physfn) ?? d : d;
  const current = self.link && (self.link.currentSpeed !== null || self.link.currentWidth !== null)
    ? linkText(speedValue(self.link.currentSpeed), widthValue(self.link.currentWidth))
    : null;
  const downgrades: LinkDowngrade[] = [];
  let incomplete = false;
  // A physical link runs from a Root or Downstream Port to the device below it; the bus between
  // a switch's Upstream Port and its Downstream Ports is internal. Each link is seen from both
  // ends: the port reports what it can do, the device below too; the link trains to the lower
  // of the two, so only less than that is a downgrade. The links are those along ancestors():
  // up to the root bus, or until the parents loop (walked without a lookup per step).
  const path = index.ancestors(self);
  for (let i = 0; i < path.length; i++) {
    const below = i === 0 ? self : path[i - 1]!;
    const above = path[i]!;
    const belowLink = below.link;
    const aboveLink = above.link;
    if (!belowLink && !aboveLink) continue;
    if (above.pcieType !== 'root-port' && above.pcieType !== 'downstream-port') {
      if (above.pcieType === null) incomplete = true;
      continue;
    }
    const curSpeed = speedValue(belowLink?.currentSpeed ?? null) ?? speedValue(aboveLink?.currentSpeed ?? null);
    const curWidth = widthValue(belowLink?.currentWidth ?? null) ?? widthValue(aboveLink?.currentWidth ?? null);
    const maxBelowSpeed = speedValue(belowLink?.maxSpeed ?? null);
    const maxBelowWidth = widthValue(belowLink?.maxWidth ?? null);
    const maxAboveSpeed = speedValue(aboveLink?.maxSpeed ?? null);
    const maxAboveWidth = widthValue(aboveLink?.maxWidth ?? null);
    if (curSpeed === null || curWidth === null || maxBelowSpeed === null || maxBelowWidth === null || maxAboveSpeed === null || maxAboveWidth === null) {
      incomplete = true;
      continue;
    }
    const capableSpeed = Math.min(maxBelowSpeed, maxAboveSpeed);
    const capableWidth = Math.min(maxBelowWidth, maxAboveWidth);
    if (curSpeed < capableSpeed || curWidth < capableWidth) {
      downgrades.push({
        upstream: above.address, downstream: below.address,
        current: linkText(curSpeed, curWidth), capable: linkText(capableSpeed, capableWidth),
      });
    }
  }
  return { current, downgrades, incomplete };
}

export function linkSummary(info: LinkInfo): string | null {
  const parts: string[] = [];
  for (const g of info.downgrades) {
    parts.push(`the link ${shortAddress(g.upstream)} → ${shortAddress(g.downstream)} runs at ${g.current} although both ends can do ${g.capable} (check the slot, riser and BIOS link settings)`);
  }
  if (parts.length === 0 && info.current === null) return null;
  if (parts.length === 0) return currentLinkLine(info.current!, info.incomplete);
  return parts.join('; ');
}

/** The lines for links without downgrade, by link text, complete path first: shared by most devices. */
const currentLinkLines = [new Map<string, string>(), new Map<string, string>()] as const;

function currentLinkLine(current: string, incomplete: boolean): string {
  const memo = currentLinkLines[incomplete ? 1 : 0];
  let line = memo.get(current);
  if (line === undefined) {
    line = `link ${current}${incomplete ? '' : ', no downgrade on the way to the root'}`;
    // Bound the memo against odd inputs.
    if (memo.size < 64) memo.set(current, line);
  }
  return line;
}

/** VM names (with state) that list the device as a libvirt `<hostdev>`; null when libvirt was not read. */
export function ownersByDevice(snapshot: Snapshot): Map<string, string[]> | null {
  if (!snapshot.libvirt) return null;
  const owners = new Map<string, string[]>();
  for (const dom of snapshot.libvirt.domains) {
    for (const h of dom.hostdevs) {
      const list = owners.get(h.address) ?? [];
      if (!list.includes(dom.name)) list.push(dom.name);
      owners.set(h.address, list);
    }
  }
  return owners;
}
