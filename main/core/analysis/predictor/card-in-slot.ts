/**
 * "Which group would this card join if I put it in that slot?" (spec 1.14): take out what is below
 * the slot's port today, put a hypothetical card on the port's secondary bus at device 00 (its
 * internal bridges get free bus numbers), re-run the grouping, and report each card function's
 * group with the reasons. Hypothetical devices start with ACS Control 0 (firmware) and get the
 * kernel's enabling (spec 1.4).
 */
import { emptyPciFunction, type PciFunction, type Snapshot } from '../../model/snapshot.ts';
import { formatPciAddress, normalizePciAddress, parsePciAddress } from '../../model/pci-address.ts';
import { pciAddressOf } from '../../parsers/canonical-address.ts';
import { ACS } from './acs-bits.ts';
import { compareGroups } from './compare-groups.ts';
import { kernelGroupOf, predictGroups } from './predict-groups.ts';
import { reasonSentence, shortAddress } from './reasons.ts';
import { Topology, type TopoFunction } from './topology.ts';
import type { CardModel, CardPrediction, PredictOptions } from './types.ts';

/** ACS as QEMU's and most switch ports implement it: SV, TB, RR, CR, UF, DT. */
const TYPICAL_ACS_CAPABILITY = ACS.SV | ACS.TB | ACS.RR | ACS.CR | ACS.UF | ACS.DT;

export const CARD_TEMPLATES: readonly CardModel[] = [
  {
    id: 'nvme',
    name: 'NVMe SSD',
    description: 'Single-function endpoint (Samsung 970 EVO class): alone unless the port above does not isolate.',
    functions: [
      { name: 'nvme', device: 0, function: 0, vendorId: '144d', deviceId: 'a808', classCode: '0108', pcieType: 'endpoint', acsCapability: null },
    ],
  },
  {
    id: 'nic',
    name: 'Single-port NIC',
    description: 'Single-function network endpoint (Intel I210 class).',
    functions: [
      { name: 'nic', device: 0, function: 0, vendorId: '8086', deviceId: '1533', classCode: '0200', pcieType: 'endpoint', acsCapability: null },
    ],
  },
  {
    id: 'dual-port-nic',
    name: 'Dual-port NIC (Intel I350)',
    description: 'Two functions without ACS that the kernel\'s multifunction-endpoint quirk (spec 1.9 row 3) declares isolating.',
    functions: [
      { name: 'port0', device: 0, function: 0, vendorId: '8086', deviceId: '1521', classCode: '0200', pcieType: 'endpoint', multifunction: true, acsCapability: null },
      { name: 'port1', device: 0, function: 1, vendorId: '8086', deviceId: '1521', classCode: '0200', pcieType: 'endpoint', multifunction: true, acsCapability: null },
    ],
  },
  {
    id: 'gpu',
    name: 'GPU with HDMI audio, no ACS',
    description: 'Multifunction graphics card (VGA + HDMI audio) without ACS: both functions always share one group.',
    functions: [
      { name: 'vga', device: 0, function: 0, vendorId: '10de', deviceId: '2206', classCode: '0300', pcieType: 'endpoint', multifunction: true, acsCapability: null },
      { name: 'audio', device: 0, function: 1, vendorId: '10de', deviceId: '1aef', classCode: '0403', pcieType: 'endpoint', multifunction: true, acsCapability: null },
    ],
  },
  {
    id: 'switch-card',
    name: 'Card with its own PCIe switch',
    description: 'A switch (upstream port + two downstream ports without ACS, ASMedia class) with an NVMe SSD below each downstream port.',
    functions: [
      { name: 'usp', device: 0, function: 0, vendorId: '1b21', deviceId: '1182', classCode: '0604', pcieType: 'upstream-port', acsCapability: null },
      { name: 'dsp1', parent: 'usp', device: 3, function: 0, vendorId: '1b21', deviceId: '1182', classCode: '0604', pcieType: 'downstream-port', acsCapability: null },
      { name: 'dsp2', parent: 'usp', device: 7, function: 0, vendorId: '1b21', deviceId: '1182', classCode: '0604', pcieType: 'downstream-port', acsCapability: null },
      { name: 'ssd1', parent: 'dsp1', device: 0, function: 0, vendorId: '144d', deviceId: 'a808', classCode: '0108', pcieType: 'endpoint', acsCapability: null },
      { name: 'ssd2', parent: 'dsp2', device: 0, function: 0, vendorId: '144d', deviceId: 'a808', classCode: '0108', pcieType: 'endpoint', acsCapability: null },
    ],
  },
  {
    id: 'switch-card-acs',
    name: 'Card with its own PCIe switch (ports with ACS)',
    description: 'A switch whose downstream ports implement ACS (PLX/Broadcom class), with an NVMe SSD below each downstream port.',
    functions: [
      { name: 'usp', device: 0, function: 0, vendorId: '10b5', deviceId: '8747', classCode: '0604', pcieType: 'upstream-port', acsCapability: null },
      { name: 'dsp1', parent: 'usp', device: 8, function: 0, vendorId: '10b5', deviceId: '8747', classCode: '0604', pcieType: 'downstream-port', acsCapability: TYPICAL_ACS_CAPABILITY },
      { name: 'dsp2', parent: 'usp', device: 9, function: 0, vendorId: '10b5', deviceId: '8747', classCode: '0604', pcieType: 'downstream-port', acsCapability: TYPICAL_ACS_CAPABILITY },
      { name: 'ssd1', parent: 'dsp1', device: 0, function: 0, vendorId: '144d', deviceId: 'a808', classCode: '0108', pcieType: 'endpoint', acsCapability: null },
      { name: 'ssd2', parent: 'dsp2', device: 0, function: 0, vendorId: '144d', deviceId: 'a808', classCode: '0108', pcieType: 'endpoint', acsCapability: null },
    ],
  },
  {
    id: 'legacy-pci',
    name: 'Legacy PCI card behind a PCIe-to-PCI bridge',
    description: 'A PCIe-to-PCI bridge (TI XIO2001 class) with a conventional PCI device behind it: the bridge and everything behind it form one group.',
    functions: [
      { name: 'bridge', device: 0, function: 0, vendorId: '104c', deviceId: '8240', classCode: '0604', pcieType: 'pcie-to-pci-bridge', acsCapability: null },
      { name: 'pci-device', parent: 'bridge', device: 0, function: 0, vendorId: '10ec', deviceId: '8139', classCode: '0200', pcieType: 'conventional', acsCapability: null },
    ],
  },
];

/** The port and everything below it today (sub-buses and VFs of removed PFs included). */
function subtreeBelow(topology: Topology, port: TopoFunction): TopoFunction[] {
  const out: TopoFunction[] = [];
  const seen = new Set<string>([port.address]);
  const visit = (bridge: TopoFunction) => {
    for (const child of topology.childrenOf(bridge)) {
      if (seen.has(child.address)) continue;
      seen.add(child.address);
      out.push(child);
      visit(child);
    }
  };
  visit(port);
  for (const f of topology.functions) {
    if (f.isVf && !seen.has(f.address) && seen.has(f.source.physfn!)) {
      seen.add(f.address);
      out.push(f);
    }
  }
  return out;
}

interface BuiltCard {
  functions: PciFunction[];
  /** Card-local name of each function, by address. */
  names: Map<string, string>;
  problem: string | null;
}

const BRIDGE_TYPES = new Set(['root-port', 'upstream-port', 'downstream-port', 'pcie-to-pci-bridge', 'pci-to-pcie-bridge']);

/** Turn the card model into PciFunctions below `port`, with free bus numbers for its bridges. */
function buildCard(card: CardModel, port: PciFunction, secondary: number, usedBuses: Set<number>): BuiltCard {
  const failed = (problem: string): BuiltCard => ({ functions: [], names: new Map(), problem });
  const domain = parsePciAddress(port.address)!.domain;
  const bridges = new Set(card.functions.filter((f) => BRIDGE_TYPES.has(f.pcieType)).map((f) => f.name));
  for (const f of card.functions) if (f.parent !== undefined) bridges.add(f.parent);
  const busOf = new Map<string, number>();
  const addressOf = new Map<string, string>();
  const names = new Map<string, string>();
  const functions: PciFunction[] = [];
  let nextBus = secondary + 1;
  const freeBus = () => {
    while (nextBus <= 0xff && usedBuses.has(nextBus)) nextBus++;
    if (nextBus > 0xff) return null;
    usedBuses.add(nextBus);
    return nextBus;
  };
  const pending = [...card.functions];
  let guard = pending.length * pending.length + 1;
  while (pending.length > 0 && guard-- > 0) {
    const m = pending.shift()!;
    const bus = m.parent === undefined ? secondary : busOf.get(m.parent);
    if (bus === undefined) {
      if (!card.functions.some((x) => x.name === m.parent)) return failed(`card function ${m.name}: unknown parent ${m.parent}`);
      pending.push(m);
      continue;
    }
    const address = formatPciAddress({ domain, bus, device: m.device, function: m.function });
    const f = emptyPciFunction(address);
    f.vendorId = m.vendorId;
    f.deviceId = m.deviceId;
    f.subsystemVendorId = m.subsystemVendorId ?? null;
    f.subsystemDeviceId = m.subsystemDeviceId ?? null;
    f.classCode = m.classCode;
    f.pcieType = m.pcieType;
    f.headerType = bridges.has(m.name) ? 1 : 0;
    f.multifunction = m.multifunction ?? card.functions.some((o) => o !== m && o.parent === m.parent && o.device === m.device);
    f.acs = m.acsCapability === null
      ? { state: 'absent' }
      : { state: 'present', capability: m.acsCapability, control: m.acsFirmwareControl ?? 0 };
    f.parent = m.parent === undefined ? port.address : addressOf.get(m.parent)!;
    f.sources = ['inferred'];
    if (bridges.has(m.name)) {
      const sec = freeBus();
      if (sec === null) return failed('no free bus number for the card\'s bridges');
      f.secondaryBus = sec;
      busOf.set(m.name, sec);
    }
    addressOf.set(m.name, address);
    names.set(address, m.name);
    functions.push(f);
  }
  if (pending.length > 0) return failed('the card model\'s bridges form a loop');
  return { functions, names, problem: null };
}

export function predictCardInSlot(
  snapshot: Snapshot, portAddress: string, card: CardModel, options: Pick<PredictOptions, 'cmdline'> = {},
): CardPrediction {
  return predictCardsInSlot(snapshot, portAddress, [card], options)[0]!;
}

/**
 * The note on how far the prediction for today's devices is off the kernel's groups, which every
 * card answer on the snapshot carries; null when they agree. It depends on the snapshot and the
 * command line only, not on the port.
 */
function baselineNote(snapshot: Snapshot, options: Pick<PredictOptions, 'cmdline'>, kernelGroups: ReadonlyMap<string, number>): string | null {
  const base = predictGroups(snapshot, options).predicted.map((g) => g.devices);
  const actual = new Map<number, string[]>();
  for (const [d, g] of kernelGroups) actual.set(g, [...(actual.get(g) ?? []), d]);
  const cmp = compareGroups(base, [...actual.values()]);
  const off = cmp.diffs.filter((x) => x.kind !== 'equal');
  const where = [...new Set(off.flatMap((x) => [...x.predicted, ...x.actual]))].slice(0, 6).map(shortAddress).join(', ');
  return off.length > 0 ? `The prediction for the current devices differs from the kernel's groups (${where}); the card's result may be off too.` : null;
}

/**
 * predictCardInSlot for several cards in the same slot, in order, each answer the one
 * predictCardInSlot gives; it stops after the first card with a problem. What does not depend
 * on the card (the port's subtree, the bus numbers in use, the prediction for today's devices)
 * is worked out once. `baselineNotes` carries that last one from call to call: the caller
 * passes the same map only for calls with the same options, keyed by the very snapshot object
 * (several ports of one PCI segment), and nothing may change a snapshot while it is in the map.
 */
export function predictCardsInSlot(
  snapshot: Snapshot, portAddress: string, cards: readonly CardModel[], options: Pick<PredictOptions, 'cmdline'> = {},
  baselineNotes: Map<Snapshot, string | null> = new Map(),
): CardPrediction[] {
  const empty = (problem: string): CardPrediction => ({ cardFunctions: [], removed: [], uncertain: [], notes: [], problem });
  const address = normalizePciAddress(portAddress);
  const port = address ? snapshot.devices.find((d) => d.address === address) : undefined;
  if (cards.length === 0) return [];
  if (!address || !port) {
    return [empty(`cannot predict: the port ${portAddress} is not visible (the firmware may hide empty ports, or bifurcation creates it only with a card present); pick a port manually`)];
  }
  if (port.secondaryBus === null) return [empty(`cannot predict: ${shortAddress(address)} is not a bridge with a known secondary bus`)];

  const topology = new Topology(snapshot.devices, new Set());
  const portFn = topology.get(address)!;
  const removed = subtreeBelow(topology, portFn).map((f) => f.address);
  const domain = portFn.domain;
  const usedBuses = new Set<number>([port.secondaryBus]);
  for (const d of snapshot.devices) {
    if (removed.includes(d.address)) continue;
    const a = pciAddressOf(d.address);
    if (!a || a.domain !== domain) continue;
    usedBuses.add(a.bus);
    if (d.secondaryBus !== null) usedBuses.add(d.secondaryBus);
  }
  const kernelGroups = kernelGroupOf(snapshot);

  const out: CardPrediction[] = [];
  for (const card of cards) {
    // buildCard takes the bus numbers it gives out from the set: each card starts from today's.
    const built = buildCard(card, port, port.secondaryBus, new Set(usedBuses));
    if (built.problem) {
      out.push(empty(built.problem));
      break;
    }

    const result = predictGroups(snapshot, { ...options, extraDevices: built.functions, removeDevices: removed });
    const cardAddresses = new Set(built.functions.map((f) => f.address));
    const notes = [...result.notes];

    // The card's answer is only as good as the prediction for what exists today.
    if (kernelGroups.size > 0) {
      let baseNote = baselineNotes.get(snapshot);
      if (baseNote === undefined) {
        baseNote = baselineNote(snapshot, options, kernelGroups);
        baselineNotes.set(snapshot, baseNote);
      }
      if (baseNote !== null) notes.push(baseNote);
    }

    const cardFunctions = built.functions.map((f) => {
      const group = result.predicted.find((g) => g.devices.includes(f.address))!;
      const existing = group.devices.filter((d) => !cardAddresses.has(d));
      const mine = group.reasons.filter((r) => r.devices.includes(f.address));
      const reasons = mine.length > 0 ? mine : group.reasons;
      const known = existing.map((d) => kernelGroups.get(d)).find((g) => g !== undefined);
      return {
        address: f.address,
        name: built.names.get(f.address)!,
        group: group.devices,
        newGroup: existing.length === 0,
        joinsExistingGroup: known ?? null,
        reasons,
        reason: reasonSentence(reasons),
      };
    });
    const uncertain = result.uncertain.filter((u) => u.affects.some((a) => cardAddresses.has(a)));
    out.push({ cardFunctions, removed: [...removed], uncertain, notes, problem: null });
  }
  return out;
}
