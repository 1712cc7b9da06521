/**
 * `iommu-atlas diff A B --format md`: the changes between two snapshots as Markdown, for a ticket
 * or a forum post ("after the BIOS update my GPU shares a group with the NVMe drive"). Sections
 * appear only when something in them changed.
 */
import { shortAddress } from '../analysis/predictor/index.ts';
import { markdownText } from '../report/markdown.ts';
import type { GroupRef, SideSummary, SnapshotDiff } from './diff.ts';

function sideLine(label: string, s: SideSummary): string {
  const what = [s.hostname ?? 'unknown host', s.kernel && `kernel ${s.kernel}`, s.board].filter(Boolean).join(', ');
  return `- **${label}:** ${markdownText(what)} (${s.functions} PCI functions, ${s.groups} IOMMU groups; ${markdownText(s.target)}, ${s.collectedAt})`;
}

const value = (v: string | null) => (v === null ? 'unknown' : `\`${v}\``);
const members = (g: GroupRef) => g.devices.map(shortAddress).join(', ');

export function renderDiffMarkdown(d: SnapshotDiff): string {
  const out: string[] = ['# IOMMU Atlas diff', '', sideLine('A (before)', d.a), sideLine('B (after)', d.b), ''];
  if (d.identical) {
    out.push('No differences in devices, groups, drivers, ACS, links, verdicts, checklist, kernel command line or host facts.', '');
    return out.join('\n');
  }
  const section = (title: string, lines: string[]) => {
    if (lines.length) out.push(`## ${title}`, '', ...lines, '');
  };
  const summary: string[] = [];
  const count = (n: number, what: string) => {
    if (n > 0) summary.push(`${n} ${what}`);
  };
  count(d.devices.added.length, 'device(s) added');
  count(d.devices.removed.length, 'removed');
  count(d.devices.moved.length, 'moved');
  count(d.groups.merged.length, 'group(s) merged');
  count(d.groups.split.length, 'group(s) split');
  count(d.drivers.length, 'driver change(s)');
  count(d.acs.length, 'ACS change(s)');
  count(d.links.filter((l) => l.change === 'downgraded').length, 'link(s) downgraded');
  count(d.verdicts.length, 'verdict change(s)');
  count(d.checks.filter((c) => c.statusChanged).length, 'checklist status change(s)');
  if (summary.length) out.push(`Summary: ${summary.join(', ')}.`, '');

  section('Host', d.host.map((c) => `- ${c.field}: ${value(c.before)} → ${value(c.after)}`));
  section('IOMMU', d.iommu.map((c) => `- ${c.field}: ${value(c.before)} → ${value(c.after)}`));
  section('Kernel command line', [
    ...d.cmdline.added.map((t) => `- added \`${t}\``),
    ...d.cmdline.removed.map((t) => `- removed \`${t}\``),
  ]);
  section('Devices', [
    ...d.devices.added.map((x) => `- added \`${x.address}\` ${x.ids ? `[${x.ids}] ` : ''}${markdownText(x.name)}${x.group !== null ? ` (IOMMU group ${x.group})` : ''}`),
    ...d.devices.removed.map((x) => `- removed \`${x.address}\` ${x.ids ? `[${x.ids}] ` : ''}${markdownText(x.name)}${x.group !== null ? ` (was in IOMMU group ${x.group})` : ''}`),
    ...d.devices.moved.map((m) => `- moved \`${m.from}\` → \`${m.to}\` [${m.ids}] ${markdownText(m.name)}`),
  ]);
  section('IOMMU groups', [
    ...d.groups.merged.map((m) => `- merged: group ${m.into.id} (${members(m.into)}) now holds what was in groups ${m.from.map((g) => `${g.id} (${members(g)})`).join(', ')}`),
    ...d.groups.split.map((s) => `- split: group ${s.from.id} (${members(s.from)}) is now groups ${s.into.map((g) => `${g.id} (${members(g)})`).join(', ')}`),
    ...groupTypeLines(d),
    ...(d.groups.renumbered.length
      ? [`- renumbered, same members (the kernel numbers groups in probe order): ${d.groups.renumbered.map((r) => `${r.before} → ${r.after}`).join(', ')}`]
      : []),
  ]);
  const driver = (v: string | null) => (v === null ? 'none' : `\`${v}\``);
  section('Drivers', d.drivers.map((x) => `- \`${shortAddress(x.address)}\` ${markdownText(x.name)}: ${driver(x.before)} → ${driver(x.after)}`));
  section('ACS', d.acs.map((x) => `- \`${shortAddress(x.address)}\` ${markdownText(x.name)}: ${x.before} → ${x.after}`));
  section('Links', d.links.map((l) => `- ${l.change}: \`${shortAddress(l.address)}\` ${markdownText(l.name)}: ${l.before ?? 'unknown'} → ${l.after ?? 'unknown'}`));
  section('Passthrough verdicts', d.verdicts.map((v) => `- ${markdownText(v.name)}: ${v.before} → ${v.after}`));
  section('Readiness checklist', d.checks.map((c) => {
    const status = (x: CheckSide) => (x ? x.status.toUpperCase() : 'absent');
    const head = `- **${c.id}** ${markdownText(c.title)}: ${status(c.before)} → ${status(c.after)}${c.statusChanged ? '' : ' (evidence changed)'}`;
    return c.after ? `${head}\n  - now: ${markdownText(c.after.evidence)}` : head;
  }));
  return out.join('\n');
}

type CheckSide = SnapshotDiff['checks'][number]['before'];

/** Group type changes folded by (before, after): iommu=pt changes every group at once. */
function groupTypeLines(d: SnapshotDiff): string[] {
  const folded = new Map<string, number[]>();
  for (const t of d.groups.typeChanged) {
    const key = `${t.before ?? 'unknown'} → ${t.after ?? 'unknown'}`;
    const list = folded.get(key);
    if (list) list.push(t.group);
    else folded.set(key, [t.group]);
  }
  return [...folded].map(([change, groups]) => `- domain type ${change}: ${groups.length === 1 ? 'group' : `${groups.length} groups`} ${groups.join(', ')}`);
}
