/**
 * "Why is this group shared?" (issue 3): the predictor's structured reasons (spec 1.7 and its
 * consequences in 1.8) turned into sentences a person can act on, for every group with more than
 * one device and for every device that is alone only thanks to a kernel quirk or to
 * `pcie_acs_override` (spec 1.11: not real hardware isolation). Where the snapshot lacks ACS
 * facts (non-root lspci, a bare group listing), the conclusions that rest on guesses are listed.
 */
import { comparePciAddresses } from '../model/pci-address.ts';
import type { PcieType, Snapshot } from '../model/snapshot.ts';
import { EMPTY_LIST, isPciBridge, labelOf, listing, type DeviceIndex } from './device-index.ts';
import { shortAddress, type GroupReason, type PredictedGroup, type PredictionResult } from './predictor/index.ts';
import { reasonClause, typeLabel } from './predictor/reasons.ts';
import { matchingPredicted } from './predict-report.ts';
import type { AnalysisGroup } from './verdicts.ts';

export type ExplanationKind = 'shared' | 'isolated-by-quirk' | 'isolated-by-override' | 'possibly-override';

export interface GroupExplanation {
  group: number;
  label: string;
  /** The group's own member list: read, never changed. */
  devices: readonly string[];
  kind: ExplanationKind;
  /** The predictor's reasons for this group (empty when the prediction does not reproduce it). */
  reasons: GroupReason[];
  /** One sentence per reason, naming the devices. */
  text: string[];
  /** Conclusions that rest on guessed or inferred facts, with the fact concerned. */
  uncertain: readonly string[];
  /** The predicted group has the same members (null: explained without a prediction). */
  matchesPrediction: boolean | null;
}

/** Read by the analysis, the checklist and the explanations alike: never changed. */
export interface AcsOverrideState {
  /** The `pcie_acs_override=` tokens on the command line. */
  readonly tokens: readonly string[];
  /** `active`: dmesg shows the patch's warning; `ignored`: the kernel listed it as unknown. */
  readonly state: 'active' | 'probable' | 'ignored' | 'absent' | 'unknown';
  readonly evidence: string;
}

/** Spec 1.11 "Detect": the token on the command line and the patch's warning in dmesg. */
export function acsOverrideState(snapshot: Snapshot): AcsOverrideState {
  const warning = snapshot.iommu.dmesg.find((e) => e.id === 'pci.override');
  const unknown = snapshot.iommu.dmesg.find((e) => e.id === 'boot.unknownParams' && e.text.includes('pcie_acs_override'));
  const tokens = snapshot.cmdline?.iommu.pcieAcsOverride ?? [];
  const param = `pcie_acs_override=${tokens.join(',')}`;
  if (warning) {
    return { tokens, state: 'active', evidence: `dmesg: "${warning.text}"${tokens.length ? `; /proc/cmdline: ${param}` : ''}` };
  }
  if (snapshot.cmdline === null) return { tokens, state: 'unknown', evidence: 'the kernel command line was not read' };
  if (tokens.length === 0) return { tokens, state: 'absent', evidence: '/proc/cmdline has no pcie_acs_override' };
  if (unknown) return { tokens, state: 'ignored', evidence: `/proc/cmdline: ${param}; dmesg: "${unknown.text}"` };
  return { tokens, state: 'probable', evidence: `/proc/cmdline: ${param} (the kernel log does not confirm it with the patch's "PCIe ACS overrides enabled" warning)` };
}

function others(devices: readonly string[], except: string): string[] {
  return devices.filter((d) => d !== except);
}

function shortList(devices: readonly string[]): string {
  const shown = devices.slice(0, 8).map(shortAddress);
  return `${listing(shown)}${devices.length > 8 ? ` and ${devices.length - 8} more` : ''}`;
}

/** "06:00.0 (Downstream Port, Texas Instruments XIO3130 …)". */
function bridgeName(address: string, type: PcieType | null, index: DeviceIndex): string {
  const d = index.get(address);
  const parts = [type ? typeLabel(type) : null, d ? labelOf(d) : null].filter((x) => x !== null);
  return parts.length ? `${shortAddress(address)} (${parts.join(', ')})` : shortAddress(address);
}

/** One sentence per structured reason (spec 1.8 rules of thumb, in words). */
export function explainReason(r: GroupReason, index: DeviceIndex): string {
  switch (r.kind) {
    case 'non-isolating-bridge': {
      const below = others(r.devices, r.bridge);
      const what = r.missing === 'no ACS capability' ? 'has no ACS capability'
        : r.missing.startsWith('ACSCtl lacks') ? `does not enable the ACS controls the kernel requires (${r.missing}; needed: SV, RR, CR, UF where implemented)`
        : `is not known to isolate (${r.missing})`;
      return `${bridgeName(r.bridge, r.bridgeType, index)} ${what}: the devices below it${below.length ? ` (${shortList(below)})` : ''} are not isolated from each other or from it, so they share its group.`;
    }
    case 'multifunction-without-acs': {
      const fns = r.functions.map((f) => shortAddress(f.address));
      const why = [...new Set(r.functions.map((f) => f.missing))].join('; ');
      return `${listing(fns)} are functions of one multifunction device without ACS isolation between them (${why}): one function could reach another by peer-to-peer DMA, so they share a group.`;
    }
    case 'pcie-to-pci-bridge': {
      const behind = others(r.devices, r.bridge);
      const kind = r.bridgeType === 'pci-to-pcie-bridge' ? 'a PCI-to-PCIe bridge' : 'a PCIe-to-PCI bridge';
      return `${index.name(r.bridge)} is ${kind}: all devices behind it${behind.length ? ` (${shortList(behind)})` : ''} share requester IDs (the IOMMU sees their DMA as the bridge's), so they cannot be told apart and share its group; no ACS setting or override changes that.`;
    }
    case 'conventional-bridge': {
      const behind = others(r.devices, r.bridge);
      return `${index.name(r.bridge)} is a conventional PCI bridge: the devices behind it${behind.length ? ` (${shortList(behind)})` : ''} reach the IOMMU with the bridge's requester ID${r.pcieBridgeAlias ? ' (PCIe bridge alias quirk)' : ''}, so they share its group.`;
    }
    case 'quirk':
      return r.effect === 'isolating'
        ? `${index.name(r.device)} is isolated by a kernel quirk (${r.quirk}: ${r.detail}), not by an ACS capability it advertises; the kernel vouches for this hardware.`
        : `${index.name(r.device)} is declared non-isolating by the kernel's ${r.quirk} quirk (${r.detail}), so the devices below or beside it share its group.`;
    case 'acs-override':
      return `Isolated only because of pcie_acs_override=${r.token}: ${index.name(r.device)} is treated as isolating although the hardware does not say so. This is not real hardware isolation: devices in the separated groups can still reach each other by peer-to-peer DMA.`;
    case 'dma-alias':
    case 'alone':
      return `${reasonClause(r).charAt(0).toUpperCase()}${reasonClause(r).slice(1)}.`;
  }
}


function uncertaintyFor(devices: readonly string[], prediction: PredictionResult): readonly string[] {
  if (prediction.uncertain.length === 0) return EMPTY_LIST;
  const set = new Set(devices);
  return prediction.uncertain
    .filter((u) => u.affects.some((a) => set.has(a)))
    .map((u) => `${shortAddress(u.device)}: ${u.what}`);
}

/**
 * Functions of one slot that the kernel put in different groups while `multifunction` is among
 * the active override tokens and their ACS is unknown: the split may be the override's.
 */
function overrideSuspects(groups: readonly AnalysisGroup[], index: DeviceIndex): Map<number, string[]> {
  const groupOf = new Map<string, number>();
  for (const g of groups) for (const a of g.devices) groupOf.set(a, g.id);
  const slots = new Map<string, string[]>();
  for (const a of groupOf.keys()) {
    const d = index.get(a);
    // The multifunction token acts on endpoints only (spec 1.11); ports and host bridges split
    // for reasons of their own.
    if (!d || d.physfn !== null || d.acs.state === 'present' || isPciBridge(d) || d.classCode === '0600') continue;
    const slot = a.slice(0, a.lastIndexOf('.'));
    slots.set(slot, [...(slots.get(slot) ?? []), a]);
  }
  const suspects = new Map<number, string[]>();
  for (const fns of slots.values()) {
    if (new Set(fns.map((a) => groupOf.get(a))).size < 2) continue;
    for (const a of fns) {
      const id = groupOf.get(a)!;
      suspects.set(id, [...new Set([...(suspects.get(id) ?? []), ...fns])].sort(comparePciAddresses));
    }
  }
  return suspects;
}

/** What isolates a group unusually, by the predictor's reasons (null: nothing unusual). */
function isolationOf(reasons: readonly GroupReason[]): 'isolated-by-override' | 'isolated-by-quirk' | null {
  // One pass, without callbacks: every group asks, and most have one reason ("alone").
  let byQuirk = false;
  for (let i = 0; i < reasons.length; i++) {
    const r = reasons[i]!;
    if (r.kind === 'acs-override') return 'isolated-by-override';
    if (r.kind === 'quirk' && r.effect === 'isolating') byQuirk = true;
  }
  return byQuirk ? 'isolated-by-quirk' : null;
}

/**
 * `matches`: each group's predicted twin (matchingPredicted of the groups' members and the
 * predicted groups'), and `override`: acsOverrideState(snapshot), when the caller has them already.
 */
export function explainGroups(
  snapshot: Snapshot, groups: readonly AnalysisGroup[], prediction: PredictionResult, index: DeviceIndex,
  matches: readonly number[] = matchingPredicted(groups.map((g) => g.devices), prediction.predicted.map((p) => p.devices)),
  override: AcsOverrideState = acsOverrideState(snapshot),
): GroupExplanation[] {
  // Only groups the prediction does not reproduce need it: usually none.
  let predictedOfMemo: Map<string, PredictedGroup> | null = null;
  const predictedOf = () => {
    if (!predictedOfMemo) {
      predictedOfMemo = new Map();
      for (const p of prediction.predicted) for (const d of p.devices) predictedOfMemo.set(d, p);
    }
    return predictedOfMemo;
  };
  const suspects = (override.state === 'active' || override.state === 'probable') && override.tokens.includes('multifunction')
    ? overrideSuspects(groups, index) : new Map<number, string[]>();

  const out: GroupExplanation[] = [];
  // Every explanation's sentences are appended here, then its own copied out at their exact size
  // (as verdicts.ts does with details): a list grown by push keeps room for 16 more entries.
  const allText: string[] = [];
  groups.forEach((g, i) => {
    const suspect = suspects.get(g.id);
    const at = matches[i]!;
    const match = at < 0 ? undefined : prediction.predicted[at];
    const reasons = match?.reasons ?? [];
    const isolatedBy = isolationOf(reasons);
    // A group of one device needs no explanation unless its predicted twin isolates it unusually
    // (usually none does), so most groups are passed over.
    if (g.devices.length < 2 && !suspect && isolatedBy === null) return;

    const first = allText.length;
    let shown: GroupReason[] = reasons;
    if (match) {
      // A loop rather than filter() with a callback: one that captured the group would make every
      // group, explained or passed over, allocate a context for it.
      const withAlone = g.devices.length === 1 && !suspect;
      for (const r of reasons) if (r.kind !== 'alone' || withAlone) allText.push(explainReason(r, index));
    } else if (g.predicted) {
      shown = [];
    } else {
      // The data does not reproduce the kernel's group: say what it suggests, marked as such.
      const overlapping = [...new Set(g.devices.map((d) => predictedOf().get(d)).filter((p): p is PredictedGroup => p !== undefined))];
      shown = overlapping.flatMap((p) => p.reasons.filter((r) => r.kind !== 'alone'));
      allText.push(`The prediction from this snapshot's data does not reproduce ${g.label} (it predicts ${overlapping.map((p) => `{${shortList(p.devices)}}`).join(', ') || 'no group'}), so why the kernel formed it is not certain.`);
      allText.push(...shown.map((r) => `Possibly: ${explainReason(r, index)}`));
    }
    if (suspect) {
      allText.push(`${listing(suspect.map(shortAddress))} are functions of one device, yet the kernel put them in separate groups (${g.label} holds ${shortList(g.devices)}); pcie_acs_override=${override.tokens.join(',')} is in effect and their ACS capabilities are unknown, so the split may come from the override, not from hardware isolation.`);
    }
    const uncertain = uncertaintyFor(g.devices, prediction);
    if (allText.length === first) allText.push(`${g.label} holds ${listing(g.devices.map((a) => index.name(a)))}; the snapshot has no facts that explain why.`);
    out.push({
      group: g.id, label: g.label, devices: g.devices,
      kind: isolatedBy ?? (suspect && g.devices.length < 2 ? 'possibly-override' : 'shared'),
      reasons: shown, text: allText.slice(first), uncertain, matchesPrediction: match ? true : g.predicted ? null : false,
    });
  });
  return out;
}
