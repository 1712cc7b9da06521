/**
 * Group explanations: the structured reasons collected while grouping, merged per group, and the
 * one sentence the UI shows ("00:1c.0 (Root Port) has no ACS capability, so everything below it
 * shares its group").
 */
import { comparePciAddresses } from '../../model/pci-address.ts';
import type { PcieType } from '../../model/snapshot.ts';
import type { GroupReason } from './types.ts';

/** "0000:00:1c.0" → "00:1c.0"; other domains stay in full. */
export function shortAddress(address: string): string {
  return address.startsWith('0000:') ? address.slice(5) : address;
}

const TYPE_LABELS: Record<PcieType, string> = {
  'endpoint': 'Endpoint', 'legacy-endpoint': 'Legacy Endpoint', 'root-port': 'Root Port', 'upstream-port': 'Upstream Port',
  'downstream-port': 'Downstream Port', 'pcie-to-pci-bridge': 'PCIe-to-PCI bridge', 'pci-to-pcie-bridge': 'PCI-to-PCIe bridge',
  'rciep': 'integrated endpoint', 'rcec': 'Root Complex Event Collector', 'unknown-pcie': 'PCIe device',
  'conventional': 'conventional PCI',
};

/** "Root Port", "Downstream Port"… for explanations. */
export function typeLabel(type: PcieType): string {
  return TYPE_LABELS[type];
}

function identity(r: GroupReason): string {
  switch (r.kind) {
    case 'alone': return 'alone';
    case 'non-isolating-bridge': return `bridge ${r.bridge}`;
    case 'multifunction-without-acs': return `slot ${r.slot}`;
    case 'pcie-to-pci-bridge': return `p2p ${r.bridge}`;
    case 'conventional-bridge': return `pci ${r.bridge}`;
    case 'dma-alias': return `alias ${[r.device, r.alias].sort().join(' ')} ${r.source}`;
    case 'quirk': return `quirk ${r.device} ${r.row} ${r.effect}`;
    case 'acs-override': return `override ${r.device} ${r.token}`;
  }
}

/**
 * Sorts in place and stably, as Array.prototype.sort does, without the work array V8's sort
 * allocates: a reason's lists are short or nearly in order already (devices join a reason in
 * enumeration order), which insertion sort handles in about one comparison per entry.
 */
function sortInPlace<T>(list: T[], compare: (a: T, b: T) => number): void {
  for (let i = 1; i < list.length; i++) {
    const x = list[i]!;
    let j = i - 1;
    for (; j >= 0 && compare(list[j]!, x) > 0; j--) list[j + 1] = list[j]!;
    list[j + 1] = x;
  }
}

/**
 * The entries of `a` (a reason's list: distinct already), then those of `b` it lacks, each once,
 * sorted by address: a new list of exactly that size. Counted, then filled, in loops: every
 * device that joins a group merges a reason's list, and a callback that captures the lists makes
 * each call allocate a context, besides the filtered list to copy from.
 */
function mergeList(a: readonly string[], b: readonly string[]): string[] {
  let added = 0;
  for (let i = 0; i < b.length; i++) if (isMissing(a, b, i)) added++;
  const merged = new Array<string>(a.length + added);
  for (let i = 0; i < a.length; i++) merged[i] = a[i]!;
  for (let i = 0, j = a.length; j < merged.length; i++) if (isMissing(a, b, i)) merged[j++] = b[i]!;
  sortInPlace(merged, comparePciAddresses);
  return merged;
}

/** `b[i]` is not in `a`, and is the first of its value in `b`. */
function isMissing(a: readonly string[], b: readonly string[], i: number): boolean {
  const x = b[i]!;
  return !a.includes(x) && b.indexOf(x) === i;
}

const byAddress = (x: { address: string }, y: { address: string }) => comparePciAddresses(x.address, y.address);

/** ReasonSet.list order: "alone" first, then what merges devices, then what keeps them apart. */
function listRank(r: GroupReason): number {
  return r.kind === 'alone' ? 0 : r.kind === 'acs-override' || (r.kind === 'quirk' && r.effect === 'isolating') ? 2 : 1;
}

/**
 * Reasons of one group, merged by what they are about (the same bridge, slot, alias…). A reason
 * added is taken over, and changed as others merge into it: the grouping hands in reasons it
 * made for this group alone, so nothing is copied.
 */
export class ReasonSet {
  /** Created with the first reason: most groups of a big host never get one while grouping. */
  private byKey: Map<string, GroupReason> | null = null;

  add(reason: GroupReason): void {
    const k = identity(reason);
    this.byKey ??= new Map();
    const existing = this.byKey.get(k);
    if (!existing) {
      reason.devices = mergeList([], reason.devices);
      if (reason.kind === 'multifunction-without-acs') sortInPlace(reason.functions, byAddress);
      this.byKey.set(k, reason);
      return;
    }
    existing.devices = mergeList(existing.devices, reason.devices);
    if (existing.kind === 'multifunction-without-acs' && reason.kind === 'multifunction-without-acs') {
      // New lists at their exact size rather than pushes (room for 16 more entries each): a
      // merged reason lasts as long as the prediction.
      let functions = existing.functions;
      for (const fn of reason.functions) {
        if (!functions.some((x) => x.address === fn.address)) functions = functions.concat(fn);
      }
      sortInPlace(functions, byAddress);
      existing.functions = functions;
    }
  }

  get size(): number {
    return this.byKey ? this.byKey.size : 0;
  }

  /** Reasons that merge devices first, then what keeps devices apart. */
  list(): GroupReason[] {
    return this.byKey ? [...this.byKey.values()].sort((a, b) => listRank(a) - listRank(b)) : [];
  }
}

function listing(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

export function reasonClause(r: GroupReason): string {
  switch (r.kind) {
    case 'alone':
      return `${shortAddress(r.devices[0] ?? '')} is alone: ${r.detail}`;
    case 'non-isolating-bridge': {
      const label = r.bridgeType ? ` (${TYPE_LABELS[r.bridgeType]})` : '';
      const what = r.missing === 'no ACS capability' ? 'has no ACS capability' : `does not isolate: ${r.missing}`;
      return `${shortAddress(r.bridge)}${label} ${what}, so everything below it shares its group`;
    }
    case 'multifunction-without-acs': {
      const names = r.functions.map((f) => shortAddress(f.address));
      const why = [...new Set(r.functions.map((f) => f.missing))].join('; ');
      return `${listing(names)} are functions of one device that do not isolate from each other (${why}), so they share a group`;
    }
    case 'pcie-to-pci-bridge': {
      const label = r.bridgeType === 'pci-to-pcie-bridge' ? 'a PCI-to-PCIe bridge' : 'a PCIe-to-PCI bridge';
      return `${shortAddress(r.bridge)} is ${label}: the IOMMU sees the devices behind it with the bridge's requester ID, so they share its group`;
    }
    case 'conventional-bridge': {
      const rid = r.pcieBridgeAlias ? 'the requester ID of its secondary bus (PCIe bridge alias quirk)' : 'its requester ID';
      return `${shortAddress(r.bridge)} is a conventional PCI bridge: the IOMMU sees the devices behind it with ${rid}, so they share its group`;
    }
    case 'dma-alias':
      return r.source === 'Intel VMD'
        ? `${shortAddress(r.device)} is behind the Intel VMD controller ${shortAddress(r.alias)}, which issues its DMA, so it shares that group`
        : `${shortAddress(r.device)} also uses ${shortAddress(r.alias)}'s requester ID as a DMA alias (${r.source}), so they share a group`;
    case 'quirk':
      return r.effect === 'isolating'
        ? `${shortAddress(r.device)} counts as isolating by the kernel's ${r.quirk} quirk: ${r.detail}`
        : `${shortAddress(r.device)} does not isolate by the kernel's ${r.quirk} quirk (${r.detail}), so everything below or beside it shares its group`;
    case 'acs-override':
      return `pcie_acs_override=${r.token} makes ${shortAddress(r.device)} count as isolating`;
  }
}

/** Several bridges that fail the same way, in one clause. */
function bridgesClause(list: Extract<GroupReason, { kind: 'non-isolating-bridge' }>[]): string {
  const first = list[0]!;
  if (list.length === 1) return reasonClause(first);
  const sameType = list.every((r) => r.bridgeType === first.bridgeType) && first.bridgeType !== null;
  const label = sameType ? ` (${TYPE_LABELS[first.bridgeType!]}s)` : '';
  const what = first.missing === 'no ACS capability' ? 'have no ACS capability' : `do not isolate: ${first.missing}`;
  return `${listing(list.map((r) => shortAddress(r.bridge)))}${label} ${what}, so everything below them shares their group`;
}

/** " is alone: …." by detail: a handful of details on any host, and most of its groups are alone. */
const aloneEndings = new Map<string, string>();

/** sentenceOf(reasonClause(r)) for a group alone: the address, then the ending its detail shares. */
function aloneSentence(r: Extract<GroupReason, { kind: 'alone' }>): string {
  let ending = aloneEndings.get(r.detail);
  if (ending === undefined) {
    ending = ` is alone: ${r.detail}.`;
    // Bound the memo against odd inputs.
    if (aloneEndings.size < 256) aloneEndings.set(r.detail, ending);
  }
  return capitalized(shortAddress(r.devices[0] ?? '')) + ending;
}

export function reasonSentence(reasons: readonly GroupReason[]): string {
  if (reasons.length === 0) return '';
  if (reasons.length === 1 && reasons[0]!.kind === 'alone') return aloneSentence(reasons[0]!);
  if (reasons.length === 1 && reasons[0]!.kind !== 'non-isolating-bridge') return sentenceOf(reasonClause(reasons[0]!));
  const clauses: string[] = [];
  const bridgesByFailure = new Map<string, Extract<GroupReason, { kind: 'non-isolating-bridge' }>[]>();
  for (const r of reasons) {
    if (r.kind !== 'non-isolating-bridge') continue;
    const key = `${r.bridgeType}|${r.missing}`;
    bridgesByFailure.set(key, [...(bridgesByFailure.get(key) ?? []), r]);
  }
  for (const r of reasons) {
    if (r.kind !== 'non-isolating-bridge') clauses.push(reasonClause(r));
    else {
      const key = `${r.bridgeType}|${r.missing}`;
      const list = bridgesByFailure.get(key);
      if (list) {
        clauses.push(bridgesClause(list));
        bridgesByFailure.delete(key);
      }
    }
  }
  return sentenceOf(clauses.join('; '));
}

/** Clauses as a sentence: capital first letter, full stop. */
function sentenceOf(text: string): string {
  return `${capitalized(text)}.`;
}

function capitalized(text: string): string {
  const first = text.charAt(0);
  const capital = first.toUpperCase();
  // Most sentences start with an address, whose digit has no capital: no copy of the rest then.
  return capital === first ? text : `${capital}${text.slice(1)}`;
}
