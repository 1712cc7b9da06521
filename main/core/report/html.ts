/**
 * The HTML report: one self-contained file that opens in any browser and prints well. No script
 * at all, no network (no external stylesheet, font or image), and a Content-Security-Policy that
 * forbids both: `default-src 'none'` with the one inline stylesheet admitted by its SHA-256 hash
 * (CSP Level 3 §2.3.1), so nothing injected through a device name could run or load. Collapsible
 * device details are `<details>` elements; the print stylesheet opens them (`::details-content`)
 * and lets the graph shrink to the page width.
 *
 * Strings are built into one array and joined once: a 10,000-function report is a few megabytes.
 */
import type { Analysis } from '../analysis/analyze.ts';
import { nameOf } from '../analysis/device-index.ts';
import type { DeviceVerdict } from '../analysis/verdicts.ts';
import { shortAddress } from '../analysis/predictor/index.ts';
import type { PciFunction, Snapshot } from '../model/snapshot.ts';
import { TOOL_VERSION } from '../version.ts';
import { escapeXml as esc } from './escape.ts';
import { driverWords, groupTitle, hostFacts, lspciLine, remedyWorthShowing, STATUS_WORDS, VERDICT_WORDS } from './facts.ts';
import { GRAPH_PALETTE } from './graph-style.ts';
import type { ReportOptions } from './markdown.ts';
import { sha256Base64 } from './sha256.ts';
import { deviceAnchor } from './svg.ts';

const V = GRAPH_PALETTE.verdicts;
/** Check statuses in the verdicts' colours: pass as ready, warn as whole group, fail as blocked. */
const STATUS_COLORS = { pass: V.ready.stroke, warn: V['whole-group'].stroke, fail: V.blocked.stroke, unknown: V.bridge.stroke };

const STYLE = `
:root { color-scheme: light; --fg: ${GRAPH_PALETTE.text}; --muted: ${GRAPH_PALETTE.muted}; --line: #dde2e8; --bg-soft: ${GRAPH_PALETTE.canvas}; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1200px; padding: 24px; font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'DejaVu Sans', sans-serif; color: var(--fg); }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 12px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 6px; }
code, .mono { font-family: 'DejaVu Sans Mono', 'Liberation Mono', Consolas, monospace; font-size: 12.5px; }
.sub { color: var(--muted); margin: 0; }
nav { margin: 12px 0 0; display: flex; gap: 14px; flex-wrap: wrap; }
nav a { color: ${GRAPH_PALETTE.accent}; text-decoration: none; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.graph { overflow: auto; max-height: 85vh; border: 1px solid var(--line); border-radius: 8px; }
.graph svg { display: block; max-width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid var(--line); }
th { background: var(--bg-soft); font-weight: 600; }
.badge { display: inline-block; min-width: 5.5em; padding: 1px 8px; border-radius: 10px; color: #fff; font-size: 12px; font-weight: 600; text-align: center; white-space: nowrap; }
${Object.entries(STATUS_COLORS).map(([k, c]) => `.s-${k} { background: ${c}; }`).join('\n')}
${Object.entries(V).map(([k, c]) => `.v-${k} { background: ${c.stroke}; }`).join('\n')}
.group { border: 1px solid var(--line); border-left-width: 6px; border-radius: 6px; padding: 8px 12px; margin: 10px 0; break-inside: avoid; }
${Object.entries(V).map(([k, c]) => `.g-${k} { border-left-color: ${c.stroke}; background: ${c.fill}; }`).join('\n')}
.group h3 { margin: 0 0 6px; }
.group ul { margin: 6px 0 0; padding-left: 20px; }
.devices { margin: 0; padding: 0; list-style: none; }
.devices li { margin: 2px 0; }
.remedy { color: var(--muted); margin-top: 4px; }
details { border: 1px solid var(--line); border-radius: 6px; margin: 6px 0; padding: 0 10px; }
details[open] { padding-bottom: 8px; }
summary { cursor: pointer; padding: 6px 0; }
details dl.facts { margin-top: 4px; }
.note { color: var(--muted); }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  nav { display: none; }
  h2 { break-after: avoid; }
  .graph { overflow: visible; max-height: none; border: none; }
  .graph svg { width: 100%; height: auto; }
  details { border: none; padding: 0; break-inside: avoid; }
  details::details-content { content-visibility: visible; display: block; }
  summary { list-style: none; font-weight: 600; }
  summary::-webkit-details-marker { display: none; }
  a { color: inherit; text-decoration: none; }
  .badge { border: 1px solid #000; print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  .group { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
@page { margin: 14mm; }
`;

const STYLE_HASH = sha256Base64(STYLE);

/** No script, nothing from the network; styles only the one inline sheet, admitted by hash. */
export const REPORT_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${STYLE_HASH}'`,
  "img-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** Escaped text with the analysis' `command` spans as <code>. */
function prose(text: string): string {
  return text.indexOf('`') < 0 ? esc(text) : text.split(/`([^`]*)`/).map((part, i) => (i % 2 === 1 ? `<code>${esc(part)}</code>` : esc(part))).join('');
}

function badge(kind: 's' | 'v', key: string, text: string): string {
  return `<span class="badge ${kind}-${key}">${esc(text)}</span>`;
}

function verdictBadge(v: DeviceVerdict | undefined): string {
  if (!v) return '';
  return v.bridge ? `${badge('v', 'bridge', 'bridge')}` : badge('v', v.verdict, VERDICT_WORDS[v.verdict]);
}

function deviceNote(d: PciFunction, v: DeviceVerdict | undefined): string {
  return v?.ownerVms?.length ? `${driverWords(d, v)} · VM ${v.ownerVms.join(', ')}` : driverWords(d, v);
}

function factList(out: string[], facts: [string, string | null][]): void {
  out.push('<dl class="facts">');
  for (const [label, value] of facts) if (value !== null && value !== '') out.push(`<dt>${esc(label)}</dt><dd>${esc(value)}</dd>`);
  out.push('</dl>');
}

function acsText(d: PciFunction): string {
  const acs = d.acs;
  if (acs.state === 'unknown') return 'unknown (not readable: needs root)';
  if (acs.state === 'absent') return 'no ACS capability';
  return `capability 0x${acs.capability.toString(16).padStart(4, '0')}, control 0x${acs.control.toString(16).padStart(4, '0')}`;
}

function deviceDetails(out: string[], d: PciFunction, v: DeviceVerdict | undefined, owners: Map<string, string[]>): void {
  out.push(`<details id="${deviceAnchor(d.address)}"><summary><span class="mono">${esc(d.address)}</span> ${esc(lspciLine(d))} ${verdictBadge(v)}</summary>`);
  // The raw registers of this end; whether the link is downgraded depends on both ends, which the
  // analysis judges (its words are under Details).
  const l = d.link;
  const capability = l && (l.maxSpeed !== null || (l.maxWidth ?? 0) > 0) ? `this end capable of ${l.maxSpeed ?? '?'} x${l.maxWidth || '?'}` : 'capability not reported';
  const link = l && (l.currentSpeed !== null || l.currentWidth !== null) ? `${l.currentSpeed ?? '?'} x${l.currentWidth ?? '?'}; ${capability}` : null;
  factList(out, [
    ['Verdict', v ? `${VERDICT_WORDS[v.verdict]}${v.bridge ? ' (bridge: stays on the host)' : ''}` : null],
    ['Why', v ? v.reasons.join(' ') : null],
    ['IOMMU group', d.iommuGroup === null ? 'none' : String(d.iommuGroup)],
    // Bridges report subsystem 0000:0000: none.
    ['Subsystem', d.subsystemVendorId && d.subsystemDeviceId && `${d.subsystemVendorId}${d.subsystemDeviceId}` !== '00000000'
      ? `${d.subsystemName ?? ''} [${d.subsystemVendorId}:${d.subsystemDeviceId}]`.trim() : null],
    ['Programming interface', d.progIf],
    ['PCIe type', d.pcieType],
    ['Driver', driverWords(d, v)],
    ['Driver override', d.driverOverride],
    ['Kernel modules', d.modules && d.modules.join(', ')],
    ['Owner VM', owners.get(d.address)?.join(', ') ?? null],
    ['Reset', v ? v.reset.text : d.resetMethods && (d.resetMethods.join(', ') || 'none')],
    ['Link', link],
    ['ACS', acsText(d)],
    ['NUMA node', d.numaNode === null || d.numaNode < 0 ? null : String(d.numaNode)],
    ['Parent bridge', d.parent],
    ['Physical slot', d.physicalSlot],
    ['SR-IOV', d.sriov ? `${d.sriov.numVfs ?? '?'} of ${d.sriov.totalVfs ?? '?'} VFs enabled` : null],
    ['Physical function', d.physfn],
    ['Details', v ? v.details.join('; ') : null],
    ['Sources', d.sources.join(', ')],
  ]);
  out.push('</details>');
}

export interface HtmlReportInput {
  snapshot: Snapshot;
  analysis: Analysis;
  /** The topology as inline SVG (./svg.ts with device links). */
  topologySvg: string;
}

export function renderHtml({ snapshot: s, analysis: a, topologySvg }: HtmlReportInput, options: ReportOptions): string {
  const out: string[] = [];
  const byAddress = new Map(s.devices.map((d) => [d.address, d]));
  const verdicts = new Map(a.devices.map((v) => [v.address, v]));
  const owners = new Map<string, string[]>();
  for (const dom of s.libvirt?.domains ?? []) {
    for (const h of dom.hostdevs) owners.set(h.address, [...(owners.get(h.address) ?? []), dom.name]);
  }
  const title = `IOMMU report: ${s.host.hostname ?? 'unknown host'}`;

  out.push('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">');
  // The policy is our constant (no `"`, `&` or `<`): written as is, so it reads as it applies.
  out.push(`<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">`);
  out.push('<meta name="viewport" content="width=device-width, initial-scale=1">');
  out.push(`<meta name="generator" content="${esc(TOOL_VERSION)}">`);
  out.push(`<title>${esc(title)}</title><style>${STYLE}</style></head><body>`);

  out.push(`<header><h1>${esc(title)}</h1>`);
  const board = s.host.dmi.boardName ?? s.host.dmi.systemProduct;
  out.push(`<p class="sub">${esc([board, s.host.kernelRelease && `Linux ${s.host.kernelRelease}`, `${s.devices.length} PCI functions`].filter(Boolean).join(' · '))}</p>`);
  if (options.anonymized) {
    out.push('<p class="note">Anonymised: hostnames, user names, serial numbers, MAC and IP addresses and UUIDs are replaced by placeholders (host-1, mac-1, …); the topology is unchanged.</p>');
  }
  out.push('<nav><a href="#host">Host</a><a href="#topology">Topology</a><a href="#checklist">Checklist</a><a href="#groups">Groups</a>');
  if (a.slots.length) out.push('<a href="#slots">Slots</a>');
  out.push('<a href="#devices">Devices</a>');
  if (a.notes.length || a.unreadable.length) out.push('<a href="#notes">Notes</a>');
  out.push('</nav></header>');

  out.push('<section id="host"><h2>Host</h2>');
  factList(out, hostFacts(s, a).map((f) => [f.label, f.value]));
  out.push('</section>');

  out.push('<section id="topology"><h2>Topology</h2>');
  out.push('<p class="note">Left to right as <code>lspci -tv</code> draws it, as the app draws it: boxes are IOMMU groups (groups of several devices highlighted), colours are verdicts. Select a device to jump to its details.</p>');
  out.push(`<div class="graph">${topologySvg}</div></section>`);

  out.push('<section id="checklist"><h2>Readiness checklist</h2><table><thead><tr><th>Status</th><th>Check</th><th>Evidence and what to do</th></tr></thead><tbody>');
  for (const c of a.checks) {
    out.push(`<tr id="check-${esc(c.id)}"><td>${badge('s', c.status, STATUS_WORDS[c.status])}</td><td>${esc(c.title)}<br><code>${esc(c.id)}</code></td><td>${prose(c.evidence)}`);
    if (c.status !== 'pass' && remedyWorthShowing(c.remedy)) out.push(`<div class="remedy">What to do: ${prose(c.remedy)}</div>`);
    out.push('</td></tr>');
  }
  out.push('</tbody></table></section>');

  out.push(`<section id="groups"><h2>${a.groupsSource === 'kernel' ? 'IOMMU groups' : 'Predicted IOMMU groups (the kernel formed none)'}</h2>`);
  const explanations = new Map(a.explanations.map((e) => [e.group, e]));
  const groupOf = new Map(s.groups.map((g) => [g.id, g]));
  for (const g of a.groups) {
    out.push(`<div class="group g-${g.verdict}" id="group-${g.id}"><h3>${esc(groupTitle(g))} ${badge('v', g.verdict, VERDICT_WORDS[g.verdict])}${g.type ? ` <span class="note">${esc(g.type)}</span>` : ''}</h3><ul class="devices">`);
    for (const address of g.devices) {
      const d = byAddress.get(address);
      out.push(`<li><a class="mono" href="#${deviceAnchor(address)}">${esc(address)}</a> ${d ? esc(lspciLine(d)) : ''} <span class="note">${d ? esc(deviceNote(d, verdicts.get(address))) : ''}</span> ${verdictBadge(verdicts.get(address))}</li>`);
    }
    for (const member of g.predicted ? [] : groupOf.get(g.id)?.otherMembers ?? []) out.push(`<li><span class="mono">${esc(member)}</span> <span class="note">not a PCI device</span></li>`);
    out.push('</ul>');
    const e = explanations.get(g.id);
    if (g.devices.length > 1 || e) {
      out.push('<ul>');
      for (const t of e?.text ?? []) out.push(`<li>${prose(t)}</li>`);
      for (const u of e?.uncertain ?? []) out.push(`<li>Uncertain: ${prose(u)}</li>`);
      for (const r of g.reasons) out.push(`<li>${prose(r)}</li>`);
      out.push('</ul>');
    }
    out.push('</div>');
  }
  const grouped = new Set(a.groups.flatMap((g) => g.devices));
  const outside = s.devices.filter((d) => !grouped.has(d.address));
  if (outside.length) {
    out.push('<div class="group g-unknown"><h3>Not in any IOMMU group</h3><ul class="devices">');
    for (const d of outside) out.push(`<li><a class="mono" href="#${deviceAnchor(d.address)}">${esc(d.address)}</a> ${esc(lspciLine(d))} ${verdictBadge(verdicts.get(d.address))}</li>`);
    out.push('</ul></div>');
  }
  out.push('</section>');

  if (a.slots.length) {
    out.push('<section id="slots"><h2>Slots: the group a new card would get</h2><table><thead><tr><th>Slot</th><th>Port</th><th>Occupied</th><th>A new card would get</th></tr></thead><tbody>');
    for (const slot of a.slots) {
      const occupied = slot.occupied === null ? 'unknown' : slot.occupied ? `yes${slot.devices.length ? `: ${slot.devices.map(shortAddress).join(', ')}` : ''}` : 'no';
      out.push(`<tr><td>${esc(slot.name)}${slot.type ? `<br><span class="note">${esc(slot.type)}</span>` : ''}</td><td class="mono">${esc(slot.rootPort ? shortAddress(slot.rootPort) : 'unknown')}</td><td>${esc(occupied)}</td><td>`);
      if (slot.predictions.length) {
        out.push('<ul>');
        for (const p of slot.predictions) {
          const group = p.newGroup
            ? `a new group: ${p.group.map(shortAddress).join(', ')}`
            : `joins IOMMU group ${p.joinsExistingGroup ?? '?'} with ${p.group.filter((x) => !p.cardFunctions.includes(x)).map((x) => nameOf(byAddress.get(x), x)).join(', ')}`;
          out.push(`<li><strong>${esc(p.cardName)}</strong>: ${esc(group)}. <span class="note">${esc(p.reason)}</span>${p.uncertain.map((u) => ` <span class="note">Uncertain: ${esc(u)}</span>`).join('')}</li>`);
        }
        out.push('</ul>');
      }
      if (slot.problem) out.push(`<div class="note">${esc(slot.problem)}</div>`);
      for (const n of slot.notes) out.push(`<div class="note">${esc(n)}</div>`);
      out.push('</td></tr>');
    }
    out.push('</tbody></table></section>');
  }

  out.push('<section id="devices"><h2>Devices</h2>');
  for (const d of s.devices) deviceDetails(out, d, verdicts.get(d.address), owners);
  out.push('</section>');

  if (a.notes.length || a.unreadable.length) {
    out.push('<section id="notes"><h2>Notes</h2><ul>');
    for (const n of a.notes) out.push(`<li>${prose(n)}</li>`);
    for (const u of a.unreadable) out.push(`<li>Not read: ${esc(u.what)}: ${prose(u.why)}</li>`);
    out.push('</ul></section>');
  }
  out.push(`<footer>Made with ${esc(TOOL_VERSION)} (<code>iommu-atlas report</code>). Snapshot collected ${esc(s.provenance.collectedAt)} by ${esc(s.provenance.method)}.</footer>`);
  out.push('</body></html>\n');
  return out.join('');
}
