/**
 * Physical slots (DMI type 9 and /sys/bus/pci/slots, joined to their ports by the snapshot
 * builder) with the group a new card would get there: spec 1.14, run with the predictor's card
 * templates for a single-function card, a multifunction card without ACS (GPU + audio) and a card
 * carrying its own PCIe switch.
 *
 * Each prediction runs on the port's PCI segment only (segmentsOf), so a host with many segments
 * stays fast.
 */
import { parsePciAddress } from '../model/pci-address.ts';
import { isCanonicalPciAddress } from '../parsers/canonical-address.ts';
import type { DmesgEvent, PciFunction, Slot, Snapshot } from '../model/snapshot.ts';
import { isPciBridge, type DeviceIndex } from './device-index.ts';
import { CARD_TEMPLATES, predictCardsInSlot, shortAddress, type CardModel, type CardPrediction } from './predictor/index.ts';

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

/** The value of a lower-case hex digit's character code, as a canonical address has them. */
function lowerHexValue(c: number): number {
  return c <= 0x39 ? c - 0x30 : c - 0x57;
}

/**
 * The part of the snapshot a slot's prediction needs: the port's PCI segment (domain). Groups
 * never span segments, and the card's own bridges take free bus numbers of that segment, so the
 * answer is the one the whole snapshot gives. Intel VMD puts devices in domains from 10000 whose
 * DMA the VMD endpoint in another domain issues (spec 1.10): with VMD present, nothing is cut.
 * Every address is parsed once and each segment built once, however many slots share it: a host
 * with many segments and slots would otherwise re-read the whole snapshot per slot. Only the
 * segments of ports are built: slots usually sit in a few of them.
 */
function segmentsOf(snapshot: Snapshot, index: DeviceIndex): (port: PciFunction) => Snapshot {
  // pciAddressOf(address)?.domain ?? -1 without building the address: a canonical address's
  // domain is the hex before its bus, and every group member and log line asks. The functions'
  // domains are the index's, read when it was built.
  const domainOf = (address: string) => {
    if (!isCanonicalPciAddress(address)) return parsePciAddress(address)?.domain ?? -1;
    let domain = 0;
    for (let i = 0; i < address.length - 8; i++) domain = domain * 16 + lowerHexValue(address.charCodeAt(i));
    return domain;
  };
  const deviceDomains = snapshot.devices.map((_, i) => index.domainAt(index.positionAt(i)));
  const vmd = deviceDomains.some((domain) => domain >= 0x10000);
  // Each group's domain when its members share one (nearly always), null when they do not,
  // undefined without members; and each log line's: worked out with the first segment.
  let groupDomains: (number | null | undefined)[] | null = null;
  let eventDomains: (number | null)[] | null = null;
  const segments = new Map<number, Snapshot>();
  return (port) => {
    if (vmd) return snapshot;
    const domain = domainOf(port.address);
    let segment = segments.get(domain);
    if (!segment) {
      const devices = snapshot.devices.filter((_, i) => deviceDomains[i] === domain);
      if (devices.length === snapshot.devices.length) segment = snapshot;
      else {
        groupDomains ??= snapshot.groups.map((g) => {
          let shared: number | undefined;
          for (const a of g.devices) {
            const d = domainOf(a);
            if (shared === undefined) shared = d;
            else if (d !== shared) return null;
          }
          return shared;
        });
        const ofGroup = groupDomains;
        const dmesg = snapshot.iommu.dmesg;
        eventDomains ??= dmesg.map((e) => (e.device === null ? null : domainOf(e.device)));
        segment = {
          ...snapshot, devices,
          groups: snapshot.groups.filter((g, i) => ofGroup[i] === domain || (ofGroup[i] === null && g.devices.some((a) => domainOf(a) === domain))),
          iommu: { ...snapshot.iommu, dmesg: segmentLog(dmesg, eventDomains, domain) },
        };
      }
      segments.set(domain, segment);
    }
    return segment;
  };
}

/**
 * The kernel log as the predictor reads it for one segment (predict-groups.ts, dma-aliases.ts):
 * events naming no device, the segment's devices, and the Intel PCH ACS workaround outcome
 * (chipset-wide: one port's line speaks for the others). Other segments' device lines are
 * looked up only by address, except that "no alias or group line at all" is a fact of the
 * whole log (the AMD IVRS note): the first such line stays when the segment has none. On a
 * host with thousands of functions the log has a line per function, and every card prediction
 * would read all of them.
 */
function segmentLog(dmesg: readonly DmesgEvent[], eventDomains: readonly (number | null)[], domain: number): DmesgEvent[] {
  const aliasOrGroupLine = (e: DmesgEvent) => e.id === 'pci.alias' || e.id === 'pci.aliasRange' || e.category === 'group-add';
  const kept = (e: DmesgEvent, i: number) => eventDomains[i] === null || eventDomains[i] === domain || e.id === 'pci.pchAcsOk' || e.id === 'pci.pchAcsFail';
  const witness = dmesg.some((e, i) => kept(e, i) && aliasOrGroupLine(e)) ? undefined : dmesg.find(aliasOrGroupLine);
  return dmesg.filter((e, i) => kept(e, i) || e === witness);
}

function occupied(slot: Slot): boolean | null {
  if (slot.devices.length > 0) return true;
  return slot.inUse;
}

function noPortProblem(slot: Slot, index: DeviceIndex): string {
  if (slot.busAddress === null) return 'no prediction: the slot record gives no bus address, so its port is unknown';
  const a = parsePciAddress(slot.busAddress);
  const onBus = a ? index.onBus(a.domain, a.bus) : [];
  const named = index.get(slot.busAddress);
  if (a && a.bus !== 0 && onBus.length > 0) {
    return `no prediction: devices sit on the slot's bus ${slot.busAddress.slice(0, -5)}, but the bridge above that bus is not known (the data gives no bridge bus numbers; add \`sudo lspci -vvv\`)`;
  }
  if (named && !isPciBridge(named)) {
    return `no prediction: the firmware gives ${slot.busAddress}, which is not a bridge, so the slot's port is unknown`;
  }
  return `no prediction: no port with a secondary bus matching the slot's bus address ${slot.busAddress} is visible (firmware often reports a placeholder address for empty slots, or hides an empty port)`;
}

/**
 * The same slot listed twice counts once: DMI and sysfs records the builder could not join, or a
 * snapshot saved before the builder merged a dmidecode with its type 9 extract (build-snapshot.ts).
 */
function distinctSlots(slots: readonly Slot[]): Slot[] {
  const seen = new Set<string>();
  return slots.filter((s) => {
    const key = `${s.name}|${s.busAddress}|${s.rootPort}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** `index`: the DeviceIndex of snapshot.devices. */
export function analyzeSlots(snapshot: Snapshot, index: DeviceIndex): SlotAnalysis[] {
  const templates = SLOT_CARD_TEMPLATES.map((id) => CARD_TEMPLATES.find((t) => t.id === id)).filter((t): t is CardModel => t !== undefined);
  const segmentOf = segmentsOf(snapshot, index);
  // Slots that are distinct records may still hang off the same port (sysfs and DMI names for
  // one slot, or firmware listing a port several times): the cards' answers are the port's.
  const byPort = new Map<string, CardPrediction[]>();
  // Ports of one segment get the same segment object, so today's prediction runs once per segment.
  const baselineNotes = new Map<Snapshot, string | null>();
  return distinctSlots(snapshot.slots).map((slot): SlotAnalysis => {
    const base = {
      name: slot.name, designation: slot.designation, type: slot.type, rootPort: slot.rootPort,
      occupied: occupied(slot), devices: [...slot.devices],
    };
    const port = slot.rootPort !== null ? index.get(slot.rootPort) : undefined;
    if (!port) {
      return { ...base, predictedGroup: null, predictions: [], problem: noPortProblem(slot, index), notes: [] };
    }
    const notes = new Set<string>();
    let problem: string | null = null;
    const predictions: SlotCardPrediction[] = [];
    let results = byPort.get(port.address);
    if (!results) {
      results = predictCardsInSlot(segmentOf(port), port.address, templates, {}, baselineNotes);
      byPort.set(port.address, results);
    }
    for (const [i, card] of templates.entries()) {
      const r = results[i];
      if (!r) break;
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
