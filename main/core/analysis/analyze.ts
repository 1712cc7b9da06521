/**
 * `analyzeSnapshot`: everything issue 3 asks of a snapshot in one pure call: the readiness
 * checklist, a passthrough verdict per device and per group, why shared groups are shared, and
 * what a new card would get in each physical slot. The predictor runs once; slot predictions run
 * on the slot's own part of the topology (slots.ts). `analysisJson` is the stable
 * `analyze --json` contract (README "Analysis").
 */
import type { Snapshot } from '../model/snapshot.ts';
import { boardName } from '../report/show.ts';
import { readinessChecks, type Check } from './checklist.ts';
import { DeviceIndex, kernelGroups } from './device-index.ts';
import { acsOverrideState, explainGroups, type GroupExplanation } from './explain.ts';
import { hostCriticalFacts } from './host-critical.ts';
import { matchingPredicted, predictionDifferences } from './predict-report.ts';
import { predictGroups, shortAddress } from './predictor/index.ts';
import { analyzeSlots, type SlotAnalysis } from './slots.ts';
import { passthroughVerdicts, unknownHostdevs, type AnalysisGroup, type DeviceVerdict, type GroupVerdict } from './verdicts.ts';

export interface Analysis {
  host: { hostname: string | null; kernel: string | null; board: string | null; distro: string | null };
  /** `kernel`: the snapshot's groups; `predicted`: none known, the predictor's stand in. */
  groupsSource: 'kernel' | 'predicted';
  checks: Check[];
  devices: DeviceVerdict[];
  groups: GroupVerdict[];
  explanations: GroupExplanation[];
  slots: SlotAnalysis[];
  /**
   * Whether the groups predicted from the data equal the kernel's (null without kernel groups),
   * and the predictor's notes. `iommu-atlas predict` gives the groups themselves (predictReport).
   */
  prediction: { equal: boolean | null; notes: string[] };
  /** Remarks about the analysis as a whole: what it could not know, and what that means. */
  notes: string[];
  unreadable: { what: string; why: string }[];
}

function groupsRead(snapshot: Snapshot): boolean {
  return !snapshot.provenance.unreadable.some((u) => u.what.startsWith('IOMMU groups'));
}

export function analyzeSnapshot(snapshot: Snapshot): Analysis {
  const index = new DeviceIndex(snapshot.devices);
  const prediction = predictGroups(snapshot);
  const notes: string[] = [];

  let groups: AnalysisGroup[] = kernelGroups(snapshot).map((g) => ({ id: g.id, label: `IOMMU group ${g.id}`, type: g.type, devices: g.devices, predicted: false }));
  const fromKernel = groups.length > 0;
  let groupNote: string | null = null;
  if (!fromKernel) {
    groups = prediction.predicted.map((g) => ({ id: g.id, label: `predicted group ${g.id}`, type: null, devices: g.devices, predicted: true }));
    groupNote = groupsRead(snapshot)
      ? 'The IOMMU is not active, so nothing can be passed through yet (see the checks iommu-firmware and iommu-enabled); this verdict is for the group the kernel would form once it is on.'
      : 'The kernel\'s IOMMU groups are not in the data; this verdict is for the group the kernel\'s algorithm predicts.';
    notes.push(groupNote);
  }

  const critical = hostCriticalFacts(snapshot, index);
  if (!critical.hostUsageKnown) {
    notes.push('What the host itself uses (mounted filesystems, the NIC carrying the SSH connection, the console GPU) was not collected or could not be read: only host bridges, ISA/LPC bridges, SMBus, memory controllers and the IOMMU are known to be host-critical. Collect with `iommu-atlas collect` to check storage, network and display devices.');
  }
  const verdicts = passthroughVerdicts(snapshot, index, groups, critical, groupNote);
  notes.push(...unknownHostdevs(snapshot, index));

  // Each group's predicted twin: the comparison starts from it, and so do the explanations.
  const predictedMembers = prediction.predicted.map((p) => p.devices);
  const members = groups.map((g) => g.devices);
  const matches = matchingPredicted(members, predictedMembers);
  const agreement = fromKernel ? predictionDifferences(predictedMembers, members, matches) : null;
  if (agreement && !agreement.equal) {
    const where = [...new Set(agreement.differing.flatMap((d) => [...d.predicted, ...d.actual]))];
    notes.push(`The groups predicted from this snapshot's data differ from the kernel's for ${where.slice(0, 8).map(shortAddress).join(', ')}${where.length > 8 ? ` and ${where.length - 8} more` : ''}: explanations for those groups are not certain.`);
  }
  const override = acsOverrideState(snapshot);
  if ((override.state === 'active' || override.state === 'probable') && override.tokens.some((t) => t === 'downstream' || t.startsWith('id:'))) {
    notes.push(`pcie_acs_override=${override.tokens.join(',')} is in effect: groups below Root and Downstream Ports${override.tokens.some((t) => t.startsWith('id:')) ? ' and around the listed device ids' : ''} may be split by the override, not by the hardware.`);
  }

  return {
    host: { hostname: snapshot.host.hostname, kernel: snapshot.host.kernelRelease, board: boardName(snapshot), distro: snapshot.host.distro },
    groupsSource: fromKernel ? 'kernel' : 'predicted',
    checks: readinessChecks(snapshot, index, fromKernel ? groups.length : 0, override),
    devices: verdicts.devices,
    groups: verdicts.groups,
    explanations: explainGroups(snapshot, groups, prediction, index, matches, override),
    slots: analyzeSlots(snapshot, index),
    prediction: { equal: agreement ? agreement.equal : null, notes: [...prediction.notes] },
    notes,
    unreadable: snapshot.provenance.unreadable.map((u) => ({ what: u.what, why: u.why })),
  };
}

/** `analyze --json`: stable field names; later versions only add fields. */
export function analysisJson(a: Analysis) {
  return {
    host: a.host,
    groupsSource: a.groupsSource,
    checks: a.checks.map((c) => ({ id: c.id, title: c.title, status: c.status, evidence: c.evidence, remedy: c.remedy })),
    devices: a.devices.map((d) => ({
      address: d.address, name: d.name, group: d.group, verdict: d.verdict, reasons: d.reasons,
      bridge: d.bridge, hostCritical: d.hostCritical.map((r) => r.text), assignWith: d.assignWith,
      driver: d.driver, ownerVms: d.ownerVms, numaNode: d.numaNode,
      reset: { methods: d.reset.methods, first: d.reset.first, busResetBridge: d.reset.busResetBridge, busResetAffects: d.reset.busResetAffects },
      link: d.link, details: d.details,
    })),
    groups: a.groups.map((g) => ({ id: g.id, predicted: g.predicted, type: g.type, devices: g.devices, verdict: g.verdict, reasons: g.reasons })),
    explanations: a.explanations.map((e) => ({
      group: e.group, devices: e.devices, kind: e.kind, text: e.text, uncertain: e.uncertain, matchesPrediction: e.matchesPrediction, reasons: e.reasons,
    })),
    slots: a.slots.map((s) => ({
      name: s.name, designation: s.designation, type: s.type, rootPort: s.rootPort, occupied: s.occupied, devices: s.devices,
      predictedGroup: s.predictedGroup ?? [], predictions: s.predictions, problem: s.problem, notes: s.notes,
    })),
    prediction: { equal: a.prediction.equal, notes: a.prediction.notes },
    notes: a.notes,
    unreadable: a.unreadable,
  };
}

export type AnalysisJson = ReturnType<typeof analysisJson>;
