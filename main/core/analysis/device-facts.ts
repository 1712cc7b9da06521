/**
 * Per-device facts a passthrough decision needs besides the group: how the kernel can reset it
 * (sysfs `reset_method`, spec 3.2) and what a bus reset would take along, which driver holds it,
 * which libvirt VM assigns it, its NUMA node, and whether any PCIe link on its way to the root
 * trained below what both ends of that link can do.
 */
import type { PciFunction, Snapshot } from '../model/snapshot.ts';
import { EMPTY_LIST, lastingFilter, listing, without, type DeviceIndex } from './device-index.ts';
import { shortAddress } from './predictor/index.ts';

export type DriverKind = 'host' | 'vfio' | 'stub' | 'none' | 'unknown';

/** Shared by every device with the same driver (driverState): read, never changed. */
export interface DriverState {
  readonly name: string | null;
  /** `vfio`: a VFIO driver (vfio-pci or a vendor variant); `stub`: pci-stub; `host`: any other. */
  readonly kind: DriverKind;
}

export type ResetKind = 'flr' | 'pm' | 'bus' | 'device-specific' | 'none' | 'unknown';

/** Without a bridge above, shared by every device with the same methods (resetInfo): read, never changed. */
export interface ResetInfo {
  /** sysfs `reset_method` in kernel order; [] = none; null = not read. */
  readonly methods: readonly string[] | null;
  /** The method the kernel tries first. */
  readonly first: ResetKind;
  /** The bridge whose secondary bus reset would reset this device; null on a root bus or unknown. */
  readonly busResetBridge: string | null;
  /** Other functions a secondary bus reset also resets (same bus and everything below them). */
  readonly busResetAffects: readonly string[] | null;
  readonly text: string;
}

export interface LinkDowngrade {
  /** The port (upstream end) and the device (downstream end) of the link. */
  upstream: string;
  downstream: string;
  current: string;
  /** What both ends can do: the lower of their maximum speeds and widths. */
  capable: string;
}

/** Without downgrades, shared by every device with the same link text (linkInfo): read, never changed. */
export interface LinkInfo {
  /** This device's own link, "8.0 GT/s x4"; null for conventional PCI or unknown. */
  readonly current: string | null;
  /** Links on the way to the root that trained below what both ends support. */
  readonly downgrades: readonly LinkDowngrade[];
  /** Some link on the path could not be judged (a capability unknown). */
  readonly incomplete: boolean;
}

/** Bound to a driver that hands the device to user space: vfio-pci or a vendor variant (mlx5-vfio-pci, …). */
export function boundToVfio(d: PciFunction): boolean {
  return d.driver !== null && d.driver.includes('vfio');
}

const NO_DRIVER: DriverState = Object.freeze({ name: null, kind: 'none' });
const DRIVER_UNKNOWN: DriverState = Object.freeze({ name: null, kind: 'unknown' });

/** States by driver name (the name alone decides the kind): a handful of drivers on any host, and every device asks. */
const driverStateMemo = new Map<string, DriverState>();

/** A source that shows the bound driver, if any (see driverState). */
const listsDrivers = (source: string) => source === 'sysfs' || source === 'lspci-vvv' || source === 'lspci-nnk';

/**
 * Who drives the device: user space (vfio), pci-stub, a host driver, nothing, or unknown (no
 * source says). Devices with the same driver get the same state object.
 */
export function driverState(d: PciFunction): DriverState {
  const name = d.driver;
  if (name === null) {
    // lspci -v shows the bound driver (-k is implied) and sysfs has the driver link: no driver
    // there means none is bound. A group listing or lspci -n says nothing about drivers.
    return d.sources.some(listsDrivers) ? NO_DRIVER : DRIVER_UNKNOWN;
  }
  let state = driverStateMemo.get(name);
  if (!state) {
    state = Object.freeze({ name, kind: boundToVfio(d) ? 'vfio' : name === 'pci-stub' ? 'stub' : 'host' });
    // Bound the memo against odd inputs.
    if (driverStateMemo.size < 256) driverStateMemo.set(name, state);
  }
  return state;
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

/** The kind of the method the kernel tries first. */
function firstResetKind(methods: readonly string[] | null): ResetKind {
  if (methods === null) return 'unknown';
  switch (methods[0]) {
    case undefined: return 'none';
    case 'flr': case 'af_flr': return 'flr';
    case 'pm': return 'pm';
    case 'bus': case 'cxl_bus': return 'bus';
    default: return 'device-specific';
  }
}

/** A method list's memo key: method names have no spaces, so the names joined by one. */
const methodsKey = (methods: readonly string[]) => (methods.length === 1 ? methods[0]! : methods.join(' '));

/** Texts by reset method list: nearly every device has one of a few lists. */
const resetByMemo = new Map<string, string>();

/** "reset by FLR (…)", "reset by PM reset (…) (also bus)". */
function resetByText(methods: readonly string[]): string {
  const key = methodsKey(methods);
  let text = resetByMemo.get(key);
  if (text === undefined) {
    text = `reset by ${RESET_WORDS[methods[0]!] ?? methods[0]}${methods.length > 1 ? ` (also ${methods.slice(1).join(', ')})` : ''}`;
    // Bound the memo against odd inputs.
    if (resetByMemo.size < 64) resetByMemo.set(key, text);
  }
  return text;
}

/** What the methods say, before what a bus reset would take along. */
function methodsText(methods: readonly string[] | null): string {
  if (methods === null) return 'reset methods not known (sysfs reset_method not read)';
  if (methods.length === 0) return 'no reset method of its own: the kernel cannot reset it between VM runs unless a bus reset covers it';
  return resetByText(methods);
}

/** Unknown methods, none, or the bus reset among them: what a secondary bus reset takes along matters. */
function busResetMatters(methods: readonly string[] | null): boolean {
  return methods === null || methods.length === 0 || methods.includes('bus') || methods.includes('cxl_bus');
}

/**
 * ResetInfo of devices with no bridge above (on a root bus, else with the tree unknown), by
 * method list: the same few for thousands of integrated devices and root ports.
 */
const bridgelessResets = [new Map<string | null, ResetInfo>(), new Map<string | null, ResetInfo>()] as const;

function bridgelessReset(methods: readonly string[] | null, onRootBus: boolean): ResetInfo {
  const memo = bridgelessResets[onRootBus ? 1 : 0];
  const key = methods === null ? null : methodsKey(methods);
  let info = memo.get(key);
  if (!info) {
    const text = methodsText(methods);
    info = Object.freeze({
      methods: methods === null ? null : Object.freeze(methods.slice()),
      first: firstResetKind(methods),
      busResetBridge: null,
      busResetAffects: null,
      text: onRootBus && busResetMatters(methods) ? `${text}; on a root bus: there is no bridge to reset it through` : text,
    });
    // Bound the memo against odd inputs.
    if (memo.size < 64) memo.set(key, info);
  }
  return info;
}

/**
 * `scope` without `address` and its own subtree `own`. A function of its own: its callback
 * captures the lists, which in resetInfo would make every call allocate a context.
 */
function outside(scope: readonly string[], address: string, own: readonly string[]): readonly string[] {
  // A set only for a big subtree: most bridges have a device or two below them.
  const ownSet = own.length > 8 ? new Set(own) : null;
  return lastingFilter(scope, (a) => a !== address && !(ownSet ? ownSet.has(a) : own.includes(a)));
}

/** `at`: the index position of the device's address (DeviceIndex.positionAt). */
export function resetInfo(d: PciFunction, index: DeviceIndex, at: number): ResetInfo {
  const above = index.parentPosition(at);
  if (above < 0) return bridgelessReset(d.resetMethods, index.topologyKnown && d.physfn === null);
  const parent = index.firstListings[above]!;
  // The device's own subtree is reset with it; "also" means everything else on the bus.
  const scope = index.busResetScopeAt(above);
  // Most bridges have nothing below them to leave out.
  const own = d.secondaryBus === null ? null : index.busResetScopeAt(at);
  const affects = !own || own.length === 0 ? without(scope, d.address) : outside(scope, d.address, own);
  const methods = d.resetMethods;
  let text = methodsText(methods);
  if (busResetMatters(methods)) {
    text += affects.length === 0
      ? `; a secondary bus reset through ${shortAddress(parent.address)} would reset nothing else`
      : `; a secondary bus reset through ${shortAddress(parent.address)} would also reset ${listing(affects.slice(0, 6).map(shortAddress))}${affects.length > 6 ? ` and ${affects.length - 6} more` : ''}`;
  }
  return { methods, first: firstResetKind(methods), busResetBridge: parent.address, busResetAffects: affects, text };
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

/** Links without downgrade by link text, complete path first: nearly every device has one of a few. */
const undowngradedLinks = [new Map<string | null, LinkInfo>(), new Map<string | null, LinkInfo>()] as const;

function undowngradedLink(current: string | null, incomplete: boolean): LinkInfo {
  const memo = undowngradedLinks[incomplete ? 1 : 0];
  let info = memo.get(current);
  if (!info) {
    info = Object.freeze({ current, downgrades: EMPTY_LIST, incomplete });
    // Bound the memo against odd inputs.
    if (memo.size < 64) memo.set(current, info);
  }
  return info;
}

/** `at`: the index position of the device's address (DeviceIndex.positionAt). */
export function linkInfo(d: PciFunction, index: DeviceIndex, at: number): LinkInfo {
  // A VF's link is its PF's.
  const pf = d.physfn !== null ? index.get(d.physfn) : undefined;
  const self = pf ?? d;
  const current = self.link && (self.link.currentSpeed !== null || self.link.currentWidth !== null)
    ? linkText(speedValue(self.link.currentSpeed), widthValue(self.link.currentWidth))
    : null;
  let downgrades: LinkDowngrade[] | null = null;
  let incomplete = false;
  // A physical link runs from a Root or Downstream Port to the device below it; the bus between
  // a switch's Upstream Port and its Downstream Ports is internal. Each link is seen from both
  // ends: the port reports what it can do, the device below too; the link trains to the lower
  // of the two, so only less than that is a downgrade. The links are those along ancestors():
  // up to the root bus, or until the parents loop (walked without a lookup per step).
  const path = pf ? index.ancestors(pf) : index.ancestorsAt(at);
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
      (downgrades ??= []).push({
        upstream: above.address, downstream: below.address,
        current: linkText(curSpeed, curWidth), capable: linkText(capableSpeed, capableWidth),
      });
    }
  }
  return downgrades ? { current, downgrades, incomplete } : undowngradedLink(current, incomplete);
}

export function linkSummary(info: LinkInfo): string | null {
  if (info.downgrades.length === 0) return info.current === null ? null : currentLinkLine(info.current, info.incomplete);
  return info.downgrades
    .map((g) => `the link ${shortAddress(g.upstream)} → ${shortAddress(g.downstream)} runs at ${g.current} although both ends can do ${g.capable} (check the slot, riser and BIOS link settings)`)
    .join('; ');
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
