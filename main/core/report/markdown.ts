/**
 * The forum report: Markdown that reads as well pasted raw into a plain-text ticket as rendered on
 * a forum. Host summary, readiness checklist, the groups in the familiar `IOMMU Group N:` listing
 * (inside a code block, so forums keep the alignment and the `[vendor:device]` brackets), why the
 * shared groups are shared, and what a new card would get in each slot.
 */
import type { Analysis } from '../analysis/analyze.ts';
import type { DeviceVerdict } from '../analysis/verdicts.ts';
import { nameOf } from '../analysis/device-index.ts';
import { shortAddress } from '../analysis/predictor/index.ts';
import type { PciFunction, Snapshot } from '../model/snapshot.ts';
import { TOOL_VERSION } from '../version.ts';
import { driverWords, groupTitle, hostFacts, lspciLine, remedyWorthShowing, STATUS_WORDS, VERDICT_WORDS } from './facts.ts';

export interface ReportOptions {
  /** The snapshot was anonymised (anonymize/anonymize.ts); the report says so at the top. */
  anonymized: boolean;
}

/**
 * Escapes what a Markdown renderer would eat outside code spans (`<` starts HTML, `*` and word-edge
 * `_` emphasis, `\` escapes), and leaves `code spans` alone: remedies quote commands in backticks.
 */
export function markdownText(text: string): string {
  return text.split(/(`[^`]*`)/).map((part, i) => (i % 2 === 1 ? part : part
    .replace(/[\\<*]/g, '\\$&')
    .replace(/(^|\W)_|_(?=\W|$)/g, (m) => m.replace('_', '\\_')))).join('');
}

/** "driver vfio-pci · VM win10 · ready": what a forum reader asks next about a device. */
function deviceSuffix(v: DeviceVerdict | undefined, d: PciFunction): string {
  const parts = [driverWords(d, v)];
  if (v?.ownerVms?.length) parts.push(`VM ${v.ownerVms.join(', ')}`);
  if (v) parts.push(v.bridge ? `${VERDICT_WORDS[v.verdict]} (bridge, stays on the host)` : VERDICT_WORDS[v.verdict]);
  return parts.join(' · ');
}

export function renderMarkdown(s: Snapshot, a: Analysis, options: ReportOptions): string {
  const out: string[] = [];
  const byAddress = new Map(s.devices.map((d) => [d.address, d]));
  const verdicts = new Map(a.devices.map((v) => [v.address, v]));
  const name = (address: string) => nameOf(byAddress.get(address), address);

  out.push(`# IOMMU report: ${markdownText(s.host.hostname ?? 'unknown host')}`, '');
  out.push(`Made with ${TOOL_VERSION} (\`iommu-atlas report\`).`);
  if (options.anonymized) {
    out.push('Anonymised: hostnames, user names, serial numbers, MAC and IP addresses and UUIDs are replaced by placeholders (host-1, mac-1, …); the topology is unchanged.');
  }
  out.push('', '## Host', '');
  for (const f of hostFacts(s, a)) {
    const value = f.label.startsWith('Command line') && f.value !== 'none' && f.value !== 'not read' ? `\`${f.value}\`` : markdownText(f.value);
    out.push(`- **${f.label}:** ${value}`);
  }

  out.push('', '## Readiness checklist', '');
  for (const c of a.checks) {
    out.push(`- **${STATUS_WORDS[c.status]}** ${markdownText(c.title)}: ${markdownText(c.evidence)}`);
    if (c.status !== 'pass' && remedyWorthShowing(c.remedy)) out.push(`  - What to do: ${markdownText(c.remedy)}`);
  }

  out.push('', `## ${a.groupsSource === 'kernel' ? 'IOMMU groups' : 'Predicted IOMMU groups (the kernel formed none)'}`, '');
  out.push('Verdicts: ready = can be passed through alone (or with its own functions); whole group = only together with the other devices of its group; blocked = shares a group with something the host needs; host-critical = the host uses it.', '');
  out.push('```text');
  const groupOf = new Map(s.groups.map((g) => [g.id, g]));
  const grouped = new Set<string>();
  for (const g of a.groups) {
    out.push(`${groupTitle(g)}: ${VERDICT_WORDS[g.verdict]}${g.type ? ` (type ${g.type})` : ''}`);
    for (const address of g.devices) {
      grouped.add(address);
      const d = byAddress.get(address);
      out.push(d ? `    ${address} ${lspciLine(d)} · ${deviceSuffix(verdicts.get(address), d)}` : `    ${address}`);
    }
    for (const member of g.predicted ? [] : groupOf.get(g.id)?.otherMembers ?? []) out.push(`    ${member} (not a PCI device)`);
  }
  const outside = s.devices.filter((d) => !grouped.has(d.address));
  if (outside.length) {
    out.push('Not in any IOMMU group:');
    for (const d of outside) out.push(`    ${d.address} ${lspciLine(d)} · ${deviceSuffix(verdicts.get(d.address), d)}`);
  }
  out.push('```');

  const shared = a.explanations;
  if (shared.length) {
    out.push('', '## Shared groups and why', '');
    const groupVerdicts = new Map(a.groups.map((g) => [g.id, g]));
    for (const e of shared) {
      const g = groupVerdicts.get(e.group);
      out.push(`### ${groupTitle({ id: e.group, predicted: g?.predicted ?? false })}: ${g ? VERDICT_WORDS[g.verdict] : e.kind}`, '');
      out.push(`Devices: ${markdownText(e.devices.map(name).join('; '))}`, '');
      for (const t of e.text) out.push(`- ${markdownText(t)}`);
      for (const u of e.uncertain) out.push(`- Uncertain: ${markdownText(u)}`);
      for (const r of g?.reasons ?? []) out.push(`- Verdict: ${markdownText(r)}`);
      out.push('');
    }
    out.pop();
  }

  if (a.slots.length) {
    out.push('', '## Slots: the group a new card would get', '');
    for (const slot of a.slots) {
      const kind = slot.type ?? slot.designation;
      const where = slot.rootPort ? `port \`${shortAddress(slot.rootPort)}\`` : 'port unknown';
      const occupied = slot.occupied === null ? 'occupancy unknown' : slot.occupied
        ? `occupied${slot.devices.length ? ` by ${slot.devices.map(shortAddress).join(', ')}` : ''}`
        : 'empty';
      out.push(`- **${markdownText(slot.name)}**${kind && kind !== slot.name ? ` (${markdownText(kind)})` : ''}: ${where}, ${occupied}.`);
      for (const p of slot.predictions) {
        const group = p.newGroup
          ? `a new group: ${p.group.map(shortAddress).join(', ')}`
          : `joins IOMMU group ${p.joinsExistingGroup ?? '?'} with ${p.group.filter((x) => !p.cardFunctions.includes(x)).map(shortAddress).join(', ')}`;
        out.push(`  - ${markdownText(p.cardName)}: ${group}. ${markdownText(p.reason)}`);
        for (const u of p.uncertain) out.push(`    - Uncertain: ${markdownText(u)}`);
      }
      if (slot.problem) out.push(`  - ${markdownText(slot.problem)}`);
      for (const n of slot.notes) out.push(`  - ${markdownText(n)}`);
    }
  }

  if (a.notes.length || a.unreadable.length) {
    out.push('', '## Notes', '');
    for (const n of a.notes) out.push(`- ${markdownText(n)}`);
    for (const u of a.unreadable) out.push(`- Not read: ${markdownText(u.what)}: ${markdownText(u.why)}`);
  }
  out.push('');
  return out.join('\n');
}
