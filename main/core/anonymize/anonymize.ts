/**
 * Anonymise a snapshot before it is shared (issue 5): serial numbers, MAC addresses, UUIDs,
 * hostnames, IP addresses and user names are replaced by placeholders, consistently (one value,
 * one placeholder, across the whole snapshot), while everything that matters for the topology
 * (addresses, ids, names, drivers, groups, ACS, links, slots) stays as it is, so the analysis of the
 * anonymised snapshot reaches the same verdicts as the original's.
 *
 * Two kinds of detection:
 * - Values by their shape, wherever they occur: MAC addresses (EUI-48, and EUI-64 such as a PCIe
 *   Device Serial Number, with `:`, `-` or `_` between the bytes: libvirt's node device names use
 *   `net_eth0_52_54_00_12_34_56`), UUIDs (RFC 9562 8-4-4-4-12 form) and IPv4/IPv6 addresses.
 *   Loopback and unspecified addresses (127.0.0.0/8, 0.0.0.0, ::1, ::) identify nothing and stay.
 * - Values by where they stand, then replaced wherever they occur as a word of free text: the
 *   hostname (`host.hostname`, the SSH target's host, hosts of network mounts, systemd's
 *   "Set hostname to <x>"), user names (`provenance.user`, the SSH target's user, `/home/<name>`,
 *   `/Users/<name>`) and serial numbers (`Serial Number: X` as dmidecode prints it, `SerialNumber: X`
 *   as the USB core logs it, lspci's `Device Serial Number X`).
 *
 * Word replacement applies to free text only: the command line, the kernel log, libvirt state, host
 * usage and provenance. Hardware and software names (kernel release, distribution, CPU and DMI
 * model strings, device names, drivers) are facts about the model, not the owner, and are never
 * rewritten by word; a host named after its kernel flavour (`pve` on Proxmox's `6.8.12-4-pve`) keeps
 * that kernel name. The account `root` is the same on every machine and is not replaced.
 * A USB root hub's "serial number" is its controller's PCI address (drivers/usb/core/hcd.c), which
 * is topology: serial values that are PCI addresses stay, and so do firmware fillers that name no
 * machine (`To Be Filled By O.E.M.`, Supermicro's `0123456789`, `Default string`).
 */
import type { Snapshot } from '../model/snapshot.ts';
import { parsePciAddress } from '../model/pci-address.ts';

export type SensitiveKind = 'hostname' | 'user' | 'serial' | 'mac' | 'uuid' | 'ip';

export interface AnonymizeResult {
  snapshot: Snapshot;
  /** How many distinct values of each kind were replaced. */
  replaced: Record<SensitiveKind, number>;
}

/** Accounts that exist on every Linux machine and identify no one. */
const SYSTEM_USERS = new Set(['root']);
/** Firmware filler that vendors leave in DMI serial fields (dmidecode prints them verbatim). */
const SERIAL_FILLERS = /^(?:to be filled by o\.?e\.?m\.?|default string|not specified|not applicable|none|n\/a|unknown|0123456789|(?:system|chassis|base ?board) serial number|serial ?number|\.+|-+)$/i;

const HEX2 = '[0-9A-Fa-f]{2}';
const macWithSeparator = (sep: string) => `${HEX2}(?:${sep}${HEX2}){7}|${HEX2}(?:${sep}${HEX2}){5}`;
const UUID = '[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}';
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = `${OCTET}(?:\\.${OCTET}){3}`;
const H16 = '[0-9A-Fa-f]{1,4}';
/** Full eight groups, or a "::" compressed form (RFC 4291 2.2); never a PCI address ("0000:00:1f.0" has neither). */
const IPV6 = `(?:${H16}:){7}${H16}|(?:${H16}:){1,7}:(?:${H16}(?::${H16}){0,6})?|::${H16}(?::${H16}){0,6}`;

/**
 * One scan for every shape-detected kind. Neighbour checks keep matches whole: a MAC is not part of
 * a longer hex run, an IPv4 address not part of a longer dotted version number.
 */
const SHAPES = new RegExp(
  [
    `(?<uuid>(?<![0-9A-Za-z-])${UUID}(?![0-9A-Za-z-]))`,
    `(?<mac>(?<![0-9A-Za-z:-])(?:${macWithSeparator(':')}|${macWithSeparator('-')})(?![0-9A-Za-z:-])|(?<![0-9A-Za-z])(?:${macWithSeparator('_')})(?![0-9A-Za-z]))`,
    `(?<ipv6>(?<![0-9A-Za-z:.])(?:${IPV6})(?![0-9A-Za-z:]))`,
    `(?<ipv4>(?<![0-9A-Za-z.])${IPV4}(?![0-9A-Za-z]|\\.\\d))`,
  ].join('|'),
  'g',
);

/** A hostname that is an IP address is handled by its shape (one `ip-N` placeholder, not a `host-N`). */
const SHAPES_ONLY = new RegExp(`^(?:${IPV4}|${IPV6})$`);

/** Contexts that name a value to treat as sensitive wherever else it appears. */
const SERIAL_CONTEXT = /(?:Serial ?Number|Serial No\.?)\s*:[ \t]*([^\n]*\S)|Device Serial Number[ \t]+(\S+)/gi;
const HOSTNAME_CONTEXT = /[Hh]ostname (?:set )?to <([^>\s]+)>/g;
const HOME_DIRECTORY = /\/(?:home|Users)\/([A-Za-z0-9._-]+)/g;
/** `server:/export` (NFS), `//server/share` (CIFS), `user@server:/path` (sshfs). */
const NETWORK_MOUNT = /^(?:\/\/([^/\s]+)\/|(?:([^@\s/]+)@)?([A-Za-z0-9][A-Za-z0-9.-]*):\/)/;
const SSH_TARGET = /^([^@\s]+)@(\[[^\]\s]+\]|[^:\s]+)(?::\d+)?$/;

function isLoopbackOrUnspecified(ip: string): boolean {
  return /^127\./.test(ip) || ip === '0.0.0.0' || ip === '::1' || ip === '::';
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Normalised key of a shape-detected value, so `52:54:00:…` and `52-54-00-…` share a placeholder. */
function shapeKey(kind: 'mac' | 'uuid' | 'ip', text: string): string {
  return kind === 'mac' ? text.toLowerCase().replace(/[:_-]/g, '') : text.toLowerCase();
}

class Placeholders {
  private readonly byKey = new Map<string, string>();
  private readonly counts: Record<SensitiveKind, number> = { hostname: 0, user: 0, serial: 0, mac: 0, uuid: 0, ip: 0 };

  get(kind: SensitiveKind, key: string): string {
    const mapKey = `${kind}\u0000${key}`;
    let placeholder = this.byKey.get(mapKey);
    if (placeholder === undefined) {
      this.counts[kind]++;
      placeholder = `${kind === 'hostname' ? 'host' : kind}-${this.counts[kind]}`;
      this.byKey.set(mapKey, placeholder);
    }
    return placeholder;
  }

  summary(): Record<SensitiveKind, number> {
    return { ...this.counts };
  }
}

interface WordValue {
  kind: 'hostname' | 'user' | 'serial';
  value: string;
}

/** The values found by where they stand: structured fields first, then contexts in free text. */
function wordValues(s: Snapshot, freeTexts: readonly string[]): WordValue[] {
  const found = new Map<string, WordValue>();
  const add = (kind: WordValue['kind'], raw: string | null | undefined) => {
    const value = raw?.trim();
    if (!value || found.has(value)) return;
    if (kind === 'user' && SYSTEM_USERS.has(value)) return;
    if (kind === 'hostname' && (value === 'localhost' || value === '(none)' || SHAPES_ONLY.test(value))) return;
    if (kind === 'serial' && (value.length < 4 || SERIAL_FILLERS.test(value) || /^(.)\1*$/.test(value) || parsePciAddress(value))) return;
    found.set(value, { kind, value });
  };

  add('hostname', s.host.hostname);
  add('user', s.provenance.user);
  const target = SSH_TARGET.exec(s.provenance.target);
  if (s.provenance.method === 'ssh' && target) {
    add('user', target[1]);
    add('hostname', target[2]!.replace(/^\[|\]$/g, ''));
  }
  for (const m of s.hostUsage?.mounts ?? []) {
    const net = NETWORK_MOUNT.exec(m.source);
    if (net) {
      add('user', net[2]);
      add('hostname', net[1] ?? net[3]);
    }
  }
  for (const text of freeTexts) {
    for (const m of text.matchAll(SERIAL_CONTEXT)) add('serial', m[1] ?? m[2]);
    for (const m of text.matchAll(HOSTNAME_CONTEXT)) add('hostname', m[1]);
    for (const m of text.matchAll(HOME_DIRECTORY)) add('user', m[1]);
  }
  return [...found.values()];
}

type Rewrite = (text: string) => string;

/** Recursively rewrites every string value (object keys are schema names and stay). */
function mapStrings<T>(value: T, rewrite: Rewrite): T {
  if (typeof value === 'string') return rewrite(value) as T;
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, rewrite)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = mapStrings(v, rewrite);
    return out as T;
  }
  return value;
}

function collectStrings(value: unknown, into: string[]): string[] {
  if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) for (const v of value) collectStrings(v, into);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) collectStrings(v, into);
  return into;
}

export function anonymizeSnapshot(snapshot: Snapshot): AnonymizeResult {
  const placeholders = new Placeholders();
  const { host, cmdline, iommu, libvirt, hostUsage, provenance } = snapshot;
  const words = wordValues(snapshot, collectStrings([host.hostname, cmdline, iommu.dmesg, libvirt, hostUsage, provenance], []));

  const byShape: Rewrite = (text) => text.replace(SHAPES, (match, ...rest) => {
    const groups = rest[rest.length - 1] as Record<string, string | undefined>;
    if (groups['uuid'] !== undefined) return placeholders.get('uuid', shapeKey('uuid', match));
    if (groups['mac'] !== undefined) return placeholders.get('mac', shapeKey('mac', match));
    if (isLoopbackOrUnspecified(match)) return match;
    return placeholders.get('ip', shapeKey('ip', match));
  });

  // Longest first, so "pve.example.org" is replaced whole before "pve" could match inside it.
  const ordered = [...words].sort((a, b) => b.value.length - a.value.length);
  const wordKind = new Map(ordered.map((w) => [w.value, w.kind]));
  const wordPattern = ordered.length
    ? new RegExp(`(?<![A-Za-z0-9])(?:${ordered.map((w) => escapeRegExp(w.value)).join('|')})(?![A-Za-z0-9])`, 'g')
    : null;
  const byWordAndShape: Rewrite = (text) =>
    byShape(wordPattern ? text.replace(wordPattern, (match) => placeholders.get(wordKind.get(match)!, match)) : text);

  const { hostname, ...hostModel } = host;
  const { dmesg, ...iommuState } = iommu;
  // Keys in schema order, so the anonymised JSON reads like any other snapshot.
  const anonymized: Snapshot = {
    schemaVersion: snapshot.schemaVersion,
    host: { hostname: mapStrings(hostname, byWordAndShape), ...mapStrings(hostModel, byShape) },
    cmdline: mapStrings(cmdline, byWordAndShape),
    iommu: { ...mapStrings(iommuState, byShape), dmesg: mapStrings(dmesg, byWordAndShape) },
    devices: mapStrings(snapshot.devices, byShape),
    groups: mapStrings(snapshot.groups, byShape),
    rootBuses: mapStrings(snapshot.rootBuses, byShape),
    slots: mapStrings(snapshot.slots, byShape),
    libvirt: mapStrings(libvirt, byWordAndShape),
    hostUsage: mapStrings(hostUsage, byWordAndShape),
    provenance: mapStrings(provenance, byWordAndShape),
  };
  return { snapshot: anonymized, replaced: placeholders.summary() };
}
