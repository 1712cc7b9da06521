/**
 * Physical slots (DMI type 9 and /sys/bus/pci/slots, joined to their ports by the snapshot
 * builder) with the group a new card would get there: spec 1.14, run with the predictor's card
 * templates for a single-function card, a multifunction card without ACS (GPU + audio) and a card
 * carrying its own PCIe switch.
 *
 * Groups never cross the boundary of a root-bus slot family (a Root Port, the other functions of
 * its slot, and everything below them; spec 1.8 rules 1-8), so each prediction runs on that
 * family alone: the answer is the same and a 10,000-function host stays fast.
 */
import type { PciFunction, Slot, Snapshot } from '../model/snapshot.ts';
import { isPciBridge, type DeviceIndex } from './device-index.ts';
import { CARD_TEMPLATES, predictCardInSlot, shortAddress, type CardModel } from './predictor/index.ts';

/** The three kinds of card issue 3 asks about, by predictor template id. */
export const SLOT_CARD_TEMPLATES = ['nvme', 'gpu', 'switch-card'] as const;

export interface SlotCardPrediction {
  card: string;
  cardName: string;
  /** Every member of the group the card's first function would join (card addresses included). */
  group: string[];
  /** The card's own functions, at the addresses they would get. */
  cardFunctions: string[];
  /** No device present today shares that group. */
  newGroup: boolean;
  /** The kernel's number of the existing group it joins. */
  joinsExistingGroup: number | null;
  reason: string;
  uncertain: string[];
}

export interface SlotAnalysis {
  name: string;
  designation: string | null;
  type: string | null;
  rootPort: string | null;
  /** In use by DMI, or devices seen in it; null when neither source says. */
  occupied: boolean | null;
  devices: string[];
  /** The group a single-function card would get; null when no prediction could be made. */
  predictedGroup: string[] | null;
  predictions: SlotCardPrediction[];
  /** Why no prediction was made (no known port), or null. */
  problem: string | null;
  notes: string[];
}

/** The root-bus ancestor of a function (itself when it sits on a root bus). */
function topOf(d: PciFunction, index: DeviceIndex): PciFunction {
  const chain = index.ancestors(d);
  return chain[chain.length - 1] ?? d;
}

/**
 * The port's slot family plus every kernel group that touches it, so the reduced snapshot keeps
 * whole groups (the predictor infers unreadable ACS facts from them).
 */
function familyOf(port: PciFunction, snapshot: Snapshot, index: DeviceIndex, groupMembers: Map<number, string[]>): Set<string> {
  const top = topOf(port, index);
  const slotPrefix = top.address.slice(0, top.address.lastIndexOf('.'));
  const roots = index.parentOf(top) === null
    ? [top, ...index.busSiblings(top).filter((s) => s.address.startsWith(`${slotPrefix}.`))]
    : [top];
  const set = new Set<string>();
  const addWithSubtree = (d: PciFunction) => {
    if (set.has(d.address)) return;
    set.add(d.address);
    for (const x of index.subtree(d)) set.add(x.address);
  };
  for (const r of roots) addWithSubtree(r);
  // VFs hang below their PF's port; a VF whose PF is in the family belongs to it.
  for (const d of snapshot.devices) if (d.physfn !== null && set.has(d.physfn)) set.add(d.address);
  for (let changed = true; changed;) {
    changed = false;
    for (const a of [...set]) {
      const g = index.get(a)?.iommuGroup;
      for (const m of g === null || g === undefined ? [] : groupMembers.get(g) ?? []) {
        if (set.has(m)) continue;
        const d = index.get(m);
        if (d) addWithSubtree(d);
        else set.add(m);
        changed = true;
      }
    }
  }
  return set;
}

function reducedSnapshot(snapshot: Snapshot, keep: Set<string>): Snapshot {
  return {
    ...snapshot,
    devices: snapshot.devices.filter((d) => keep.has(d.address)),
    groups: snapshot.groups.filter((g) => g.devices.some((a) => keep.has(a))),
  };
}

function occupied(slot: Slot): boolean | null {
  if (slot.devices.length > 0) return true;
  return slot.inUse;
}

function noPortProblem(slot: Slot, index: DeviceIndex): string {
  if (slot.busAddress === null) return 'no prediction: the slot record gives no bus address, so its port is unknown';
  const named = index.get(slot.busAddress);
  if (named && !isPciBridge(named)) {
    return `no prediction: the firmware gives ${slot.busAddress}, which is not a bridge, so the slot's port is unknown`;
  }
  return `no prediction: no port with a secondary bus matching the slot's bus address ${slot.busAddress} is visible (firmware often reports a placeholder address for empty slots, or hides an empty port)`;
}

export function analyzeSlots(snapshot: Snapshot, index: DeviceIndex): SlotAnalysis[] {
  const templates = SLOT_CARD_TEMPLATES.map((id) => CARD_TEMPLATES.find((t) => t.id === id)).filter((t): t is CardModel => t !== undefined);
  const groupMembers = new Map<number, string[]>();
  for (const g of snapshot.groups) groupMembers.set(g.id, g.devices);
  if (snapshot.groups.length === 0) {
    for (const d of snapshot.devices) if (d.iommuGroup !== null) groupMembers.set(d.iommuGroup, [...(groupMembers.get(d.iommuGroup) ?? []), d.address]);
  }
  return snapshot.slots.map((slot): SlotAnalysis => {
    const base = {
      name: slot.name, designation: slot.designation, type: slot.type, rootPort: slot.rootPort,
      occupied: occupied(slot), devices: [...slot.devices],
    };
    const port = slot.rootPort !== null ? index.get(slot.rootPort) : undefined;
    if (!port) {
      return { ...base, predictedGroup: null, predictions: [], problem: noPortProblem(slot, index), notes: [] };
    }
    const family = familyOf(port, snapshot, index, groupMembers);
    const scoped = family.size < snapshot.devices.length ? reducedSnapshot(snapshot, family) : snapshot;
    const notes = new Set<string>();
    let problem: string | null = null;
    const predictions: SlotCardPrediction[] = [];
    for (const card of templates) {
      const r = predictCardInSlot(scoped, port.address, card);
      if (r.problem) {
        problem = r.problem;
        break;
      }
      for (const n of r.notes) notes.add(n);
      const lead = r.cardFunctions[0];
      if (!lead) continue;
      predictions.push({
        card: card.id, cardName: card.name, group: lead.group,
        cardFunctions: r.cardFunctions.map((f) => f.address),
        newGroup: lead.newGroup, joinsExistingGroup: lead.joinsExistingGroup, reason: lead.reason,
        uncertain: r.uncertain.map((u) => `${shortAddress(u.device)}: ${u.what}`),
      });
      if (r.removed.length > 0) notes.add(`The card replaces what is in the slot today: ${r.removed.map(shortAddress).join(', ')}.`);
    }
    const single = predictions.find((p) => p.card === 'nvme');
    return { ...base, predictedGroup: single ? single.group : null, predictions, problem, notes: [...notes] };
  });
}
