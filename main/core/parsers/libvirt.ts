/**
 * libvirt: which host PCI devices a domain (VM) is given, which driver and IOMMU group libvirt
 * sees for a host device, and which domains exist.
 *
 * Formats follow the libvirt documentation ("Domain XML format", section "Host device
 * assignment"; "Node devices XML format", capability `pci`) and `virsh list` as printed by
 * virsh's table formatter. The XML is read with fast-xml-parser with entity processing off:
 * a pasted document never gets its entities expanded (no "billion laughs"), and parse errors
 * become issues with the validator's line number.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { z } from 'zod';
import type { LibvirtDomain, LibvirtNodeDevice, ParseIssue, ParseResult } from '../model/snapshot.ts';
import { formatPciAddress } from '../model/pci-address.ts';

export type LibvirtNodeDeviceInfo = z.infer<typeof LibvirtNodeDevice>;

export interface VirshListEntry {
  name: string;
  state: string;
}

type XmlNode = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  // Keep every value as written: "0x0b", "010", "4294967295" are interpreted below.
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: false,
  htmlEntities: false,
});

/** Parse XML text into plain objects; problems become issues, never exceptions. */
function readXml(text: string, issues: ParseIssue[]): XmlNode | null {
  if (!text.trim()) return null;
  try {
    const verdict = XMLValidator.validate(text);
    if (verdict !== true) {
      issues.push({ line: verdict.err.line ?? null, message: `XML is not well-formed: ${verdict.err.msg}; reading what can be read` });
    }
  } catch (error) {
    issues.push({ line: null, message: `XML could not be checked: ${(error as Error).message}` });
  }
  try {
    const doc: unknown = parser.parse(text);
    return isNode(doc) ? doc : null;
  } catch (error) {
    issues.push({ line: null, message: `XML could not be read: ${(error as Error).message}` });
    return null;
  }
}

function isNode(value: unknown): value is XmlNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Child elements with this name (fast-xml-parser gives one object, or an array when repeated). */
function children(node: unknown, name: string): XmlNode[] {
  if (!isNode(node)) return [];
  const value = node[name];
  const list = Array.isArray(value) ? value : [value];
  return list.filter(isNode);
}

function child(node: unknown, name: string): XmlNode | null {
  return children(node, name)[0] ?? null;
}

/** Text content of a child element (`<name>win10</name>` or `<name attr='…'>win10</name>`). */
function childText(node: unknown, name: string): string | null {
  if (!isNode(node)) return null;
  const raw = node[name];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (typeof value === 'string') return value.trim() || null;
  if (isNode(value) && typeof value['#text'] === 'string') return value['#text'].trim() || null;
  return null;
}

function attribute(node: XmlNode, name: string): string | null {
  const value = node[`@_${name}`];
  return typeof value === 'string' ? value : null;
}

/**
 * libvirt reads address numbers with `virXMLPropUInt(..., base 0, ...)`, i.e. strtoul base 0:
 * "0x0b" is hex, "010" is octal, "11" is decimal (src/conf/device_conf.c,
 * virPCIDeviceAddressParseXML). Same rule here, so the address is the one libvirt would use.
 */
function parseNumber(text: string): number | null {
  const t = text.trim();
  let value: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(t)) value = parseInt(t.slice(2), 16);
  else if (/^0[0-7]+$/.test(t)) value = parseInt(t, 8);
  else if (/^\d+$/.test(t)) value = parseInt(t, 10);
  else return null;
  return Number.isSafeInteger(value) ? value : null;
}

/**
 * Build the full address from the four fields; an attribute that is absent counts as 0, as in
 * libvirt (the address struct is zeroed before the optional attributes are read).
 */
function pciAddress(
  fields: { domain: string | null; bus: string | null; slot: string | null; function: string | null },
  what: string,
  issues: ParseIssue[],
): string | null {
  const numbers = {
    domain: fields.domain === null ? 0 : parseNumber(fields.domain),
    bus: fields.bus === null ? 0 : parseNumber(fields.bus),
    device: fields.slot === null ? 0 : parseNumber(fields.slot),
    function: fields.function === null ? 0 : parseNumber(fields.function),
  };
  const { domain, bus, device, function: fn } = numbers;
  if (domain === null || bus === null || device === null || fn === null) {
    issues.push({ line: null, message: `${what}: address field is not a number; ignored` });
    return null;
  }
  if (domain > 0xffffffff || bus > 0xff || device > 0x1f || fn > 7) {
    issues.push({
      line: null,
      message: `${what}: address ${domain}:${bus}:${device}.${fn} is outside the PCI ranges (domain ≤ 0xffffffff, bus ≤ 0xff, slot ≤ 0x1f, function ≤ 7); ignored`,
    });
    return null;
  }
  return formatPciAddress({ domain, bus, device, function: fn });
}

function addressOf(node: XmlNode, what: string, issues: ParseIssue[]): string | null {
  return pciAddress(
    {
      domain: attribute(node, 'domain'),
      bus: attribute(node, 'bus'),
      slot: attribute(node, 'slot'),
      function: attribute(node, 'function'),
    },
    what,
    issues,
  );
}

/**
 * `managed='yes'`: libvirt detaches the device from its host driver and binds vfio-pci itself;
 * omitted or `no`: the user must have done it (Domain XML format, "PCI devices").
 */
function managedValue(raw: string | null, what: string, issues: ParseIssue[]): boolean | null {
  if (raw === null || raw === 'no') return false;
  if (raw === 'yes') return true;
  issues.push({ line: null, message: `${what}: managed='${raw}' is neither yes nor no` });
  return null;
}

/**
 * A domain's XML (`virsh dumpxml <domain>`). Real example (joe-p/vfio-headless, win10.xml):
 *
 *     <domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
 *       <name>win10</name>
 *       <uuid>0fe2bda4-7410-42d7-a464-75e5b14eed75</uuid>
 *       …
 *       <devices>
 *         <hostdev mode='subsystem' type='pci' managed='no'>
 *           <source>
 *             <address domain='0x0000' bus='0x0b' slot='0x00' function='0x0'/>
 *           </source>
 *           <address type='pci' domain='0x0000' bus='0x04' slot='0x00' function='0x0'/>
 *         </hostdev>
 *
 * Only `<source><address>` is the host device; the sibling `<address>` is where the guest sees
 * it. USB/SCSI/mdev host devices are not PCI functions of the host and are skipped. An
 * `<interface type='hostdev'>` (SR-IOV VF given as a NIC) also hands a host PCI function to the
 * guest, so it is listed too. The XML does not carry the run state (`virsh list` does): null.
 */
export function parseLibvirtDomainXml(text: string): ParseResult<LibvirtDomain> {
  const issues: ParseIssue[] = [];
  const doc = readXml(text, issues);
  const domain = child(doc, 'domain');
  if (!domain) {
    if (text.trim()) issues.push({ line: null, message: 'no <domain> element found' });
    return { data: { name: '', uuid: null, state: null, hostdevs: [] }, issues };
  }

  const name = childText(domain, 'name');
  if (name === null) issues.push({ line: null, message: '<domain> has no <name>' });

  const hostdevs: LibvirtDomain['hostdevs'] = [];
  const devices = children(domain, 'devices');
  const pciSources: { source: XmlNode; managed: string | null; what: string }[] = [];
  for (const dev of devices.flatMap((d) => children(d, 'hostdev'))) {
    // A hostdev without `mode` is a subsystem hostdev (libvirt domain_conf.c, hostdev parsing).
    if ((attribute(dev, 'mode') ?? 'subsystem') !== 'subsystem' || attribute(dev, 'type') !== 'pci') continue;
    pciSources.push({ source: dev, managed: attribute(dev, 'managed'), what: '<hostdev>' });
  }
  for (const iface of devices.flatMap((d) => children(d, 'interface'))) {
    if (attribute(iface, 'type') !== 'hostdev') continue;
    pciSources.push({ source: iface, managed: attribute(iface, 'managed'), what: "<interface type='hostdev'>" });
  }

  for (const { source: element, managed, what } of pciSources) {
    const address = child(child(element, 'source'), 'address');
    if (!address) {
      issues.push({ line: null, message: `${what} without <source><address>; ignored` });
      continue;
    }
    const full = addressOf(address, what, issues);
    if (full === null) continue;
    hostdevs.push({ address: full, managed: managedValue(managed, `${what} ${full}`, issues) });
  }

  return {
    data: { name: name ?? '', uuid: childText(domain, 'uuid'), state: null, hostdevs },
    issues,
  };
}

/**
 * A host device's XML (`virsh nodedev-dumpxml pci_0000_02_00_0`). Real example (libvirt
 * tests/nodedevschemadata/pci_8086_10c9_sriov_pf.xml):
 *
 *     <device>
 *       <name>pci_0000_02_00_0</name>
 *       <parent>pci_0000_00_04_0</parent>
 *       <capability type='pci'>
 *         <domain>0</domain>
 *         <bus>2</bus>
 *         <slot>0</slot>
 *         <function>0</function>
 *         <product id='0x10c9'>82576 Gigabit Network Connection</product>
 *         <vendor id='0x8086'>Intel Corporation</vendor>
 *         <iommuGroup number='12'>
 *           <address domain='0x0000' bus='0x02' slot='0x00' function='0x0'/>
 *           …
 *
 * libvirt writes the four address fields in decimal; hex ("0x02") is accepted as well. On a
 * live host a `<driver><name>vfio-pci</name></driver>` element names the bound driver.
 */
export function parseLibvirtNodeDeviceXml(text: string): ParseResult<LibvirtNodeDeviceInfo> {
  const issues: ParseIssue[] = [];
  const doc = readXml(text, issues);
  const device = child(doc, 'device');
  if (!device) {
    if (text.trim()) issues.push({ line: null, message: 'no <device> element found' });
    return { data: { name: '', address: null, driver: null, iommuGroup: null, capability: null }, issues };
  }

  const name = childText(device, 'name');
  if (name === null) issues.push({ line: null, message: '<device> has no <name>' });
  const capabilities = children(device, 'capability');
  const pci = capabilities.find((c) => attribute(c, 'type') === 'pci') ?? null;
  const capability = attribute(pci ?? capabilities[0] ?? {}, 'type');

  let address: string | null = null;
  let iommuGroup: number | null = null;
  if (pci) {
    address = pciAddress(
      {
        domain: childText(pci, 'domain'),
        bus: childText(pci, 'bus'),
        slot: childText(pci, 'slot'),
        function: childText(pci, 'function'),
      },
      `node device ${name ?? ''}`.trim(),
      issues,
    );
    const group = child(pci, 'iommuGroup');
    if (group) {
      const raw = attribute(group, 'number');
      const number = raw === null ? null : parseNumber(raw);
      if (number === null) issues.push({ line: null, message: `<iommuGroup number='${raw ?? ''}'> is not a number` });
      iommuGroup = number;
    }
  }

  return {
    data: { name: name ?? '', address, driver: childText(child(device, 'driver'), 'name'), iommuGroup, capability },
    issues,
  };
}

/**
 * `virsh list --all`. Real output (libvirt 9.0 test driver):
 *
 *      Id   Name   State
 *     -----------------------
 *      -    test   shut off
 *
 * virsh pads every column to its widest cell, so the header words give the column starts; a
 * name may contain spaces. Rows that do not line up with the header (re-spaced pastes) fall
 * back to "id, name without spaces, rest is the state".
 */
export function parseVirshList(text: string): ParseResult<VirshListEntry[]> {
  const issues: ParseIssue[] = [];
  const entries: VirshListEntry[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n|\r/);
  let columns: { name: number; state: number; stateEnd: number | undefined } | null = null;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const lineNo = i + 1;
    if (!line.trim() || /^\s*-{3,}\s*$/.test(line)) continue;

    if (/^\s*Id\s+Name\s+State\b/.test(line)) {
      // Column starts from the header words; `--title` adds a fourth column after State.
      const starts = [...line.matchAll(/\S+/g)].map((m) => m.index);
      columns = { name: starts[1]!, state: starts[2]!, stateEnd: starts[3] };
      continue;
    }

    if (!/^\s*(?:\d+|-)\s/.test(line)) {
      issues.push({ line: lineNo, message: 'not a `virsh list` row; ignored' });
      continue;
    }

    if (columns && line[columns.name - 1] === ' ' && line[columns.state - 1] === ' ') {
      const name = line.slice(columns.name, columns.state).trim();
      const state = line.slice(columns.state, columns.stateEnd).trim();
      if (name && state) {
        entries.push({ name, state });
        continue;
      }
    }
    const loose = /^\s*(?:\d+|-)\s+(\S+)\s+(\S.*)$/.exec(line.trimEnd());
    if (loose) entries.push({ name: loose[1]!, state: loose[2]! });
    else issues.push({ line: lineNo, message: 'row has no name and state; ignored' });
  }

  if (!columns && entries.length === 0 && text.trim()) {
    issues.push({ line: null, message: 'no `virsh list` table found' });
  }
  return { data: entries, issues };
}
