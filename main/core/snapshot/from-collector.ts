/**
 * A complete collector run (main/io/collector/collect.sh, parsed by parseCollectorOutput) into a
 * Snapshot: each section goes to its parser, and every section that failed or was skipped
 * becomes an `unreadable` entry saying what is missing and why, so partial knowledge is explicit.
 */
import type { Snapshot, Unreadable } from '../model/snapshot.ts';
import { sectionSpan, type CollectorOutput, type CollectorSection } from '../parsers/collector-output.ts';
import { parseSysfsSections } from '../parsers/sysfs-dump.ts';
import { partsFromTexts, type NamedText } from '../import/from-texts.ts';
import { buildSnapshot, type ProvenanceInput } from './build-snapshot.ts';

/** Sections read as command output by the text importer, with the format they are known to be. */
const TEXT_SECTIONS: Record<string, NamedText['format']> = {
  lspci: 'lspci-verbose',
  dmesg: 'dmesg',
  cmdline: 'cmdline',
  version: 'proc-version',
  'os-release': 'os-release',
  cpuinfo: 'cpuinfo',
  modules: 'proc-modules',
  dmidecode: 'dmidecode',
  virsh: 'virsh-list',
};

/** `atlas: <kind>: <text>` notes the script writes on a section's stderr. */
const NOTE = /^atlas: (missing|unreadable|skipped|fallback|note): (.*)$/gm;

/** What a failed or skipped section means for the snapshot, in the user's terms. */
const SECTION_MEANS: Record<string, string> = {
  lspci: 'lspci output (device names, PCIe port types, ACS, link capabilities)',
  dmesg: 'kernel log (IOMMU messages, faults, firmware bugs)',
  dmidecode: 'DMI tables (physical slots, board details)',
  virsh: 'libvirt state (which VM owns which device)',
  cpuinfo: 'CPU model and virtualization flags',
  'os-release': 'distribution name',
};

/** A note as a reason: "missing: /etc/os-release" becomes "/etc/os-release: not found on the host". */
function sectionNotes(s: CollectorSection): { kind: string; text: string }[] {
  return [...s.stderr.matchAll(NOTE)].map((m) => {
    const kind = m[1]!;
    const text = m[2]!;
    if (text.startsWith('/') && kind === 'missing') return { kind, text: `${text}: not found on the host` };
    if (text.startsWith('/') && kind === 'unreadable') return { kind, text: `${text}: not readable by the collecting user` };
    return { kind, text };
  });
}

function unreadableFromSections(sections: readonly CollectorSection[]): Unreadable[] {
  const out: Unreadable[] = [];
  for (const s of sections) {
    const means = SECTION_MEANS[s.name];
    if (!means) continue;
    const notes = sectionNotes(s);
    const why = notes.filter((n) => n.kind !== 'fallback' && n.kind !== 'note').map((n) => n.text);
    const firstStderr = s.stderr.split('\n').find((l) => l.trim() !== '' && !l.startsWith('atlas: '));
    if (s.exitCode === 127) out.push({ what: means, why: why[0] ?? `${s.name} is not installed on the host` });
    else if (s.exitCode === null && why.length) out.push({ what: means, why: why.join('; ') });
    else if (s.exitCode !== null && s.exitCode !== 0 && s.content.trim() === '') {
      out.push({ what: means, why: why[0] ?? firstStderr?.trim() ?? `${s.name} failed with exit code ${s.exitCode}` });
    }
  }
  return out;
}

function metaOf(sections: readonly CollectorSection[]): Map<string, string> {
  const meta = new Map<string, string>();
  const text = sections.find((s) => s.name === 'meta')?.content ?? '';
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) meta.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return meta;
}

export function snapshotFromCollectorOutput(
  output: CollectorOutput,
  provenance: Omit<ProvenanceInput, 'user' | 'root'>,
): Snapshot {
  const sections = output.sections;
  const sysfs = parseSysfsSections(sections);
  const texts: NamedText[] = [];
  let processors: number | null = null;
  for (const s of sections) {
    const format = TEXT_SECTIONS[s.name];
    if (!format || s.content.trim() === '') continue;
    let text = s.content;
    // Where the content lies in the output, for the parsers that read it there (lspci's: a big
    // host's biggest section).
    let within = sectionSpan(s);
    if (s.name === 'cpuinfo') {
      // The script keeps only the first processor block and adds the count as `processors=N`.
      const m = /^processors=(\d+)$/m.exec(text);
      if (m) processors = parseInt(m[1]!, 10);
      text = text.replace(/^processors=\d+\n?/m, '');
      within = undefined;
    }
    texts.push({ name: `section ${s.name}`, text, format, within });
  }
  // One `virsh-dumpxml` section per domain.
  for (const s of sections) {
    if (s.name.startsWith('virsh-dumpxml') && s.content.trim() !== '') {
      texts.push({ name: `section ${s.name}`, text: s.content, format: 'libvirt-domain' });
    }
  }
  const imported = partsFromTexts(texts);
  const parts = imported.parts;
  const d = sysfs.data;

  // sysfs is what the running kernel says: it goes first (build-snapshot's precedence).
  parts.functions.unshift({ source: 'sysfs', functions: d.functions, whole: true });
  if (d.groups !== null) parts.groups = { source: 'sysfs', groups: d.groups };
  if (d.rootBuses.length) parts.rootBuses = d.rootBuses;
  parts.slots = [...d.slots, ...(parts.slots ?? [])];
  if (d.hostUsage) parts.hostUsage = d.hostUsage;
  parts.iommu = {
    ...(d.units !== null ? { units: d.units } : {}),
    ...(d.firmwareTables !== null ? { firmwareTables: d.firmwareTables } : {}),
  };

  const meta = metaOf(sections);
  const host = parts.host ?? {};
  host.hostname = meta.get('hostname') || host.hostname || null;
  if (d.dmi) host.dmi = { ...d.dmi, ...Object.fromEntries(Object.entries(host.dmi ?? {}).filter(([, v]) => v !== null)) };
  if (processors !== null) host.cpu = { ...host.cpu, count: processors };
  const kvm = sections.find((s) => s.name === 'kvm')?.content ?? '';
  if (/kvm=(yes|no)/.test(kvm)) host.kvm = kvm.includes('kvm=yes');
  parts.host = host;

  const root = meta.get('root') === 'yes' || meta.get('uid') === '0' || meta.get('sudo') === 'yes';
  const unreadable = [...sysfs.data.unreadable, ...unreadableFromSections(sections)];
  if (meta.get('sudo') === 'no' && meta.get('sudo_reason')) {
    unreadable.push({ what: 'root access through sudo -n', why: meta.get('sudo_reason')! });
  }
  parts.unreadable = [...unreadable, ...(parts.unreadable ?? [])];
  parts.warnings = [
    ...sysfs.issues.map((i) => `collector ${i.line !== null ? `line ${i.line}: ` : ''}${i.message}`),
    ...imported.warnings,
  ];
  return buildSnapshot(parts, { ...provenance, user: meta.get('user') ?? null, root });
}
