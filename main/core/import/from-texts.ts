/**
 * Turn named texts (files a user imported, or sections the collector printed) into SnapshotParts.
 * Pure: the caller reads files; this decides what each text is and hands it to its parser.
 */
import type { DmesgEvent, LibvirtDomain, ParseIssue, Slot } from '../model/snapshot.ts';
import type { FunctionSlice, SnapshotParts } from '../snapshot/parts.ts';
import { detectFormat, type InputFormat } from './detect-format.ts';
import type { SectionSpan } from '../parsers/collector-output.ts';
import { parseLspciVerbose } from '../parsers/lspci-verbose.ts';
import { parseLspciNnk } from '../parsers/lspci-nnk.ts';
import { parseLspciMachine } from '../parsers/lspci-machine.ts';
import { parseLspciTree } from '../parsers/lspci-tree.ts';
import { parseIommuGroupListing } from '../parsers/group-listing.ts';
import { parseDmesg } from '../parsers/dmesg.ts';
import { parseKernelCommandLine } from '../parsers/cmdline.ts';
import { parseDmidecode } from '../parsers/dmidecode.ts';
import { parseLibvirtDomainXml, parseLibvirtNodeDeviceXml, parseVirshList } from '../parsers/libvirt.ts';
import { parseCpuinfo, parseOsRelease, parseProcModules, parseProcVersion } from '../parsers/proc.ts';
import { parsePciDevicesTsv } from '../parsers/pci-devices-tsv.ts';

export interface NamedText {
  name: string;
  text: string;
  /** Skip detection: the caller knows what the text is (collector sections). */
  format?: InputFormat;
  /** Where `text` lies in a larger string, for the parsers that read it there (see SectionSpan). */
  within?: SectionSpan;
}

export interface TextsImport {
  parts: SnapshotParts;
  inputs: { name: string; format: string }[];
  /** Texts whose format could not be recognised, with the reason. */
  unrecognised: { name: string; reason: string }[];
  /** Problems met while parsing, "file:line: message". */
  warnings: string[];
}

/** A line of a group-listing paste that is the user's `cat /proc/cmdline` output. */
const CMDLINE_LINE = /^(?:BOOT_IMAGE=\S+|initrd=\S+)\s.*(?:\sro|\sroot=)/;

/** The same boot's log imported twice (`dmesg` and `dmesg -r` of one capture) counts once. */
function dedupeEvents(events: DmesgEvent[]): DmesgEvent[] {
  // Same text and same time: keyed by the text with the time seen beside it, so that no key
  // string (with the time formatted into it) is built for each of a big host's events; a list of
  // times only for a text seen at more than one.
  const timesByText = new Map<string, number | null | (number | null)[]>();
  return events.filter((e) => {
    const seen = timesByText.get(e.text);
    if (seen === undefined) {
      timesByText.set(e.text, e.time);
      return true;
    }
    if (!Array.isArray(seen)) {
      if (seen === e.time) return false;
      timesByText.set(e.text, [seen, e.time]);
      return true;
    }
    if (seen.includes(e.time)) return false;
    seen.push(e.time);
    return true;
  });
}

/** dmesg's own record of the command line, for imports that lack /proc/cmdline. */
const DMESG_CMDLINE = /(?:^|\]\s|kernel: )(?:Kernel )?[Cc]ommand line: (.+)$/m;

export function partsFromTexts(texts: NamedText[]): TextsImport {
  const functions: FunctionSlice[] = [];
  const parts: SnapshotParts = { functions };
  const inputs: TextsImport['inputs'] = [];
  const unrecognised: TextsImport['unrecognised'] = [];
  const warnings: string[] = [];
  const dmesg: DmesgEvent[] = [];
  const slots: Slot[] = [];
  const domains: LibvirtDomain[] = [];
  const domainStates = new Map<string, string>();
  const nodeDevices: NonNullable<SnapshotParts['libvirt']>['nodeDevices'] = [];
  const host: NonNullable<SnapshotParts['host']> = {};
  let accessDenied = false;

  const note = (name: string, issues: ParseIssue[]) => {
    for (const i of issues) warnings.push(`${name}${i.line !== null ? `:${i.line}` : ''}: ${i.message}`);
  };

  for (const input of texts) {
    const detected = input.format ? { format: input.format, reason: 'given' } : detectFormat(input.text, input.name);
    const format = detected.format;
    if (!format) {
      unrecognised.push({ name: input.name, reason: detected.reason });
      continue;
    }
    inputs.push({ name: input.name, format });
    switch (format) {
      case 'lspci-verbose':
      case 'lspci-hexdump': {
        const span = input.within;
        const r = span ? parseLspciVerbose(span.output, span.start, span.end) : parseLspciVerbose(input.text);
        note(input.name, r.issues);
        functions.push({ source: format === 'lspci-hexdump' ? 'lspci-x' : 'lspci-vvv', functions: r.data.functions });
        accessDenied ||= r.data.accessDenied;
        break;
      }
      case 'lspci-nnk': {
        const r = parseLspciNnk(input.text);
        note(input.name, r.issues);
        functions.push({ source: 'lspci-nnk', functions: r.data.functions });
        break;
      }
      case 'lspci-machine': {
        const r = parseLspciMachine(input.text);
        note(input.name, r.issues);
        functions.push({ source: 'lspci-vmm', functions: r.data.functions });
        break;
      }
      case 'lspci-tree': {
        const r = parseLspciTree(input.text);
        note(input.name, r.issues);
        functions.push({ source: 'lspci-tree', functions: r.data.functions });
        if (!parts.rootBuses && r.data.rootBuses.length) parts.rootBuses = r.data.rootBuses;
        break;
      }
      case 'pci-devices-tsv': {
        const r = parsePciDevicesTsv(input.text);
        note(input.name, r.issues);
        functions.push({ source: 'sysfs', functions: r.data.functions });
        parts.rootBuses = r.data.rootBuses;
        break;
      }
      case 'group-listing': {
        const r = parseIommuGroupListing(input.text);
        note(input.name, r.issues);
        functions.push({ source: 'group-listing', functions: r.data.functions });
        if (r.data.truncated) warnings.push(`${input.name}: the listing was cut short by its author (… or <...>): some groups or devices are missing`);
        if (!parts.groups || parts.groups.source === 'group-listing') {
          const previous = parts.groups?.groups ?? [];
          const merged = new Map(previous.map((g) => [g.id, g]));
          for (const g of r.data.groups) {
            const known = merged.get(g.id);
            merged.set(g.id, {
              id: g.id,
              type: g.type ?? known?.type ?? null,
              devices: [...new Set([...(known?.devices ?? []), ...g.devices])],
              otherMembers: [...new Set([...(known?.otherMembers ?? []), ...g.otherMembers])],
              reservedRegions: null,
            });
          }
          parts.groups = { source: 'group-listing', groups: [...merged.values()] };
        }
        // Pastes of `cat /proc/cmdline; for d in /sys/kernel/iommu_groups/…` carry the command line too.
        const cmdlineLine = input.text.split('\n').find((l) => CMDLINE_LINE.test(l.trim()));
        if (cmdlineLine && !parts.cmdline) {
          const c = parseKernelCommandLine(cmdlineLine.trim());
          parts.cmdline = c.data;
        }
        break;
      }
      case 'dmesg': {
        const r = parseDmesg(input.text);
        note(input.name, r.issues);
        dmesg.push(...r.data);
        const cmdline = DMESG_CMDLINE.exec(input.text);
        if (cmdline && !parts.cmdline) parts.cmdline = parseKernelCommandLine(cmdline[1]!.trim()).data;
        break;
      }
      case 'cmdline': {
        const r = parseKernelCommandLine(input.text.trim());
        note(input.name, r.issues);
        parts.cmdline = r.data;
        break;
      }
      case 'dmidecode': {
        const r = parseDmidecode(input.text);
        note(input.name, r.issues);
        host.dmi = {
          ...host.dmi,
          systemVendor: r.data.system.vendor, systemProduct: r.data.system.product,
          boardVendor: r.data.board.vendor, boardName: r.data.board.name, boardVersion: r.data.board.version,
          biosVendor: r.data.bios.vendor, biosVersion: r.data.bios.version, biosDate: r.data.bios.date,
        };
        slots.push(...r.data.slots);
        break;
      }
      case 'libvirt-domain': {
        const r = parseLibvirtDomainXml(input.text);
        note(input.name, r.issues);
        domains.push(r.data);
        break;
      }
      case 'libvirt-nodedev': {
        const r = parseLibvirtNodeDeviceXml(input.text);
        note(input.name, r.issues);
        nodeDevices.push(r.data);
        break;
      }
      case 'virsh-list': {
        const r = parseVirshList(input.text);
        note(input.name, r.issues);
        for (const e of r.data) domainStates.set(e.name, e.state);
        break;
      }
      case 'cpuinfo': {
        const r = parseCpuinfo(input.text);
        note(input.name, r.issues);
        host.cpu = r.data;
        break;
      }
      case 'proc-version': {
        const r = parseProcVersion(input.text);
        note(input.name, r.issues);
        host.kernelRelease = r.data.kernelRelease;
        host.kernelVersion = r.data.kernelVersion;
        if (r.data.hostname && !host.hostname) host.hostname = r.data.hostname;
        break;
      }
      case 'os-release': {
        const r = parseOsRelease(input.text);
        note(input.name, r.issues);
        host.distro = r.data;
        break;
      }
      case 'proc-modules': {
        const r = parseProcModules(input.text);
        note(input.name, r.issues);
        host.modules = r.data;
        break;
      }
      case 'snapshot-json':
      case 'collector-output':
        // Whole snapshots and collector transcripts are handled by the caller, not merged as parts.
        unrecognised.push({ name: input.name, reason: `a ${format} cannot be combined with other inputs` });
        inputs.pop();
        break;
    }
  }

  if (dmesg.length) parts.dmesg = dedupeEvents(dmesg);
  if (slots.length) parts.slots = slots;
  if (Object.keys(host).length) parts.host = host;
  if (domains.length || nodeDevices.length || domainStates.size) {
    for (const d of domains) if (d.state === null) d.state = domainStates.get(d.name) ?? null;
    parts.libvirt = { domains, nodeDevices };
  }
  if (accessDenied) {
    parts.unreadable = [{
      what: 'ACS and PCIe capabilities',
      why: 'lspci was run without root ("Capabilities: <access denied>"): ACS, port types and link capabilities are unknown',
    }];
  }
  return { parts, inputs, unrecognised, warnings };
}
