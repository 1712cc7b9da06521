/**
 * Terminal text for `iommu-atlas analyze` and `iommu-atlas predict`: the same facts as the JSON,
 * grouped for reading: checks first (what to fix), then each group with its verdict, its
 * devices and their reasons, then why shared groups are shared, then the slots.
 */
import type { Analysis } from './analyze.ts';
import type { PredictJson } from './predict-report.ts';
import { shortAddress } from './predictor/index.ts';

const STATUS: Record<string, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', unknown: ' ?? ' };

function shortList(addresses: readonly string[]): string {
  return addresses.map(shortAddress).join(', ');
}

export function renderAnalysisText(a: Analysis): string {
  const out: string[] = [];
  const title = [a.host.hostname ?? 'unknown host', a.host.kernel && `kernel ${a.host.kernel}`, a.host.board, a.host.distro]
    .filter(Boolean).join(' · ');
  out.push(title, '');

  out.push('Readiness checks');
  for (const c of a.checks) {
    out.push(`  [${STATUS[c.status]}] ${c.id}: ${c.title}`);
    out.push(`         ${c.evidence}`);
    if (c.status !== 'pass') out.push(`         → ${c.remedy}`);
  }
  out.push('');

  const byAddress = new Map(a.devices.map((d) => [d.address, d]));
  out.push(a.groupsSource === 'kernel' ? 'IOMMU groups and passthrough verdicts' : 'Predicted IOMMU groups and passthrough verdicts (the kernel\'s groups are not available)');
  for (const g of a.groups) {
    out.push(`  ${g.label}${g.type ? ` (${g.type})` : ''}: ${g.verdict}`);
    // A one-device group's reasons are its device's.
    if (g.devices.length > 1) for (const r of g.reasons) out.push(`    ${r}`);
    for (const address of g.devices) {
      const d = byAddress.get(address);
      if (!d) {
        out.push(`    ${shortAddress(address)} (not in this snapshot's device list)`);
        continue;
      }
      out.push(`    ${d.name}${d.bridge ? ' [bridge]' : ''}: ${d.verdict}`);
      for (const r of d.reasons) out.push(`      - ${r}`);
      for (const x of d.details) out.push(`      · ${x}`);
    }
  }
  const ungrouped = a.devices.filter((d) => d.group === null);
  if (ungrouped.length > 0) {
    out.push('  Not in any IOMMU group:');
    for (const d of ungrouped) {
      out.push(`    ${d.name}: ${d.verdict}`);
      for (const r of d.reasons) out.push(`      - ${r}`);
    }
  }
  out.push('');

  if (a.explanations.length > 0) {
    out.push('Why groups are shared');
    for (const e of a.explanations) {
      out.push(`  ${e.label}: ${shortList(e.devices)}${e.kind !== 'shared' ? ` (${e.kind})` : ''}`);
      for (const t of e.text) out.push(`    - ${t}`);
      for (const u of e.uncertain) out.push(`    ? uncertain: ${u}`);
    }
    out.push('');
  }

  if (a.slots.length > 0) {
    out.push('Slots');
    for (const s of a.slots) {
      const occupied = s.occupied === null ? 'occupancy unknown' : s.occupied ? `occupied${s.devices.length ? ` by ${shortList(s.devices)}` : ''}` : 'empty';
      out.push(`  ${s.name}${s.type ? ` (${s.type})` : ''}: ${s.rootPort ? `port ${shortAddress(s.rootPort)}` : 'port unknown'}, ${occupied}`);
      if (s.problem) out.push(`    ${s.problem}`);
      for (const p of s.predictions) {
        const where = p.newGroup ? 'a new group' : `joins ${p.joinsExistingGroup !== null ? `IOMMU group ${p.joinsExistingGroup}` : 'an existing group'}`;
        out.push(`    ${p.cardName}: ${where} {${shortList(p.group)}}. ${p.reason}`);
        for (const u of p.uncertain) out.push(`      ? uncertain: ${u}`);
      }
      for (const n of s.notes) out.push(`    · ${n}`);
    }
    out.push('');
  }

  if (a.notes.length > 0 || a.unreadable.length > 0) {
    out.push('Notes');
    for (const n of a.notes) out.push(`  - ${n}`);
    for (const u of a.unreadable) out.push(`  - Could not read ${u.what}: ${u.why}`);
  }
  return `${out.join('\n').trimEnd()}\n`;
}

export function renderPredictText(p: PredictJson): string {
  const out: string[] = [];
  out.push(`Predicted IOMMU groups: ${p.predicted.length}${p.actual ? `; the kernel's groups: ${p.actual.length}` : ' (the snapshot has no kernel groups to compare with)'}`);
  for (const g of p.predicted) {
    out.push(`  Group ${g.id}${g.uncertain ? ' (uncertain)' : ''}: ${shortList(g.devices)}`);
    out.push(`    ${g.reason}`);
  }
  out.push('');
  if (p.comparison) {
    const off = p.comparison.filter((d) => d.kind !== 'equal');
    if (off.length === 0) out.push(`Equal to the kernel's groups: all ${p.comparison.length} groups match.`);
    else {
      out.push(`Different from the kernel's groups in ${off.length} place${off.length === 1 ? '' : 's'}:`);
      for (const d of off) {
        const words = d.kind === 'split' ? 'the kernel split it'
          : d.kind === 'merged' ? 'the kernel merged it with others'
          : 'different';
        out.push(`  ${d.kind}: predicted {${shortList(d.predicted)}}, kernel {${shortList(d.actual)}} (${words})`);
      }
    }
    out.push('');
  }
  if (p.uncertain.length > 0) {
    out.push('Uncertain (facts the data does not hold):');
    for (const u of p.uncertain) out.push(`  ${shortAddress(u.device)}: ${u.what}`);
    out.push('');
  }
  if (p.notCovered.length > 0) {
    out.push('Not in any group (no IOMMU translates for them):');
    for (const n of p.notCovered) out.push(`  ${shortAddress(n.device)}: ${n.why}`);
    out.push('');
  }
  for (const n of p.notes) out.push(`Note: ${n}`);
  return `${out.join('\n').trimEnd()}\n`;
}
