/**
 * Decision A and B of the grouping algorithm: `isolating(D)` (kernel `pci_acs_enabled(D, REQ)`,
 * spec 1.3) with the ACS Control value the kernel will have written (spec 1.4), and
 * `pathIsolated(B)` (kernel `pci_acs_path_enabled(B, NULL, REQ)`, spec 1.5).
 */
import { REQUIRED_ACS, acsBitNames } from './acs-bits.ts';
import type { AcsControlChange } from './acs-params.ts';
import { acsQuirkVerdict, type QuirkContext } from './acs-quirks.ts';
import { isRootBus, type Topology, type TopoFunction } from './topology.ts';

export interface Verdict {
  isolating: boolean;
  by: 'quirk' | 'override' | 'type' | 'acs';
  /** What the device lacks when it does not isolate, or what makes it isolate. */
  detail: string;
  quirk?: { row: number; name: string };
  /** The `pcie_acs_override=` token, when the override decided. */
  token?: string;
  /** Set when the answer rests on a guess or on inference from the kernel's current groups. */
  uncertain?: string;
}

export interface IsolationContext extends QuirkContext {
  topology: Topology;
  /**
   * The ACS Control values in the snapshot are what the kernel evaluated (IOMMU was on), so they
   * already contain the kernel's own enabling. When false they are the firmware values.
   */
  liveIsFinal: boolean;
  /** The parameter change the captured kernel applied (its own command line). */
  capturedAcsChange(f: TopoFunction): AcsControlChange | null;
  /** `isolating` as the kernel's current groups show it (spec 2.4), by TopoFunction.index: used where the data leaves it open. */
  inferred: readonly (boolean | undefined)[];
}

export interface PathLink {
  bridge: TopoFunction;
  verdict: Verdict;
}

const sameChange = (a: AcsControlChange | null, b: AcsControlChange | null) =>
  a === b || (a !== null && b !== null && a.mask === b.mask && a.flags === b.flags);

const applyChange = (firmware: number, change: AcsControlChange) => (firmware & ~change.mask) | (change.flags & change.mask);

/** The kernel's own enabling at boot (`pci_std_enable_acs`): every required bit the capability has. */
const enableRequired = (control: number, capability: number) => control | (capability & REQUIRED_ACS);

export class Isolation {
  /** Answers so far, by TopoFunction.index. */
  private readonly memo: (Verdict | undefined)[];
  private readonly pathMemo: ({ isolated: boolean; chain: PathLink[] } | undefined)[];

  constructor(private readonly ctx: IsolationContext) {
    const n = ctx.topology.functions.length;
    this.memo = new Array<Verdict | undefined>(n).fill(undefined);
    this.pathMemo = new Array<{ isolated: boolean; chain: PathLink[] } | undefined>(n).fill(undefined);
  }

  isolating(f: TopoFunction): Verdict {
    return this.memo[f.index] ??= this.decide(f);
  }

  /**
   * Every bridge from `b` up to the root bus, each with its verdict; isolated when all isolate.
   * Asked for every bridge above every device: answered once per bridge, the chain shared.
   */
  pathIsolated(b: TopoFunction): { isolated: boolean; chain: readonly PathLink[] } {
    let path = this.pathMemo[b.index];
    if (!path) {
      const link: PathLink = { bridge: b, verdict: this.isolating(b) };
      const above = isRootBus(b.onBus) ? null : b.onBus.bridge;
      if (!above) path = { isolated: link.verdict.isolating, chain: [link] };
      else if (b.onBus.walkEnds) {
        // The walk up ends at a root bus, from the bus above too: this bridge, then the path
        // above it (its links shared, the list at its exact size).
        const rest = this.pathIsolated(above);
        path = { isolated: link.verdict.isolating && rest.isolated, chain: [link, ...rest.chain] };
      } else path = this.loopingPath(link);
      this.pathMemo[b.index] = path;
    }
    return path;
  }

  /** pathIsolated for a bridge whose walk up the buses loops: it ends where it meets a bridge again. */
  private loopingPath(first: PathLink): { isolated: boolean; chain: PathLink[] } {
    const chain = [first];
    const seen = new Set<TopoFunction>([first.bridge]);
    for (let x = first.bridge; !isRootBus(x.onBus);) {
      const next = x.onBus.bridge;
      if (!next || seen.has(next)) break;
      seen.add(next);
      chain.push({ bridge: next, verdict: this.isolating(next) });
      x = next;
    }
    return { isolated: chain.every((l) => l.verdict.isolating), chain };
  }

  private decide(f: TopoFunction): Verdict {
    const q = acsQuirkVerdict(f, this.ctx);
    if (q) {
      const v: Verdict = {
        isolating: q.isolating, by: q.row === 20 ? 'override' : 'quirk', detail: q.detail, quirk: { row: q.row, name: q.name },
      };
      if (q.token) v.token = q.token;
      if (q.uncertain) {
        // A guessed quirk answer yields to what the kernel's current groups show (spec 2.4).
        const inferred = this.ctx.inferred[f.index];
        if (inferred === undefined) v.uncertain = q.uncertain;
        else if (inferred === q.isolating) v.uncertain = `${q.uncertain}; the kernel's current groups agree`;
        else {
          const shown = inferred ? 'isolates' : 'does not isolate';
          return {
            isolating: inferred, by: 'acs',
            detail: `the kernel's current groups show it ${shown} (${q.name} quirk: ${q.uncertain})`,
            uncertain: `${q.uncertain}; but the kernel's current groups show it ${shown}, which is used`,
          };
        }
      }
      return v;
    }
    // A VF is a PCIe endpoint that is never multifunction, whatever else is unknown about it.
    if (f.isVf && f.type === null) return { isolating: true, by: 'type', detail: 'SR-IOV VF (never multifunction)' };
    const v = this.byType(f);
    // Spec 2.4: say so when the type the answer rests on was inferred from the position.
    if (v.by === 'type' && f.typeInferred) v.detail += ' (type inferred from its position)';
    return v;
  }

  /** Steps 2-3 of spec 1.3: the answer by PCIe type, with the ACS register test where it applies. */
  private byType(f: TopoFunction): Verdict {
    switch (f.type) {
      case null:
        return this.unknown(f, 'PCIe type not readable without root');
      case 'conventional':
        return { isolating: false, by: 'type', detail: 'conventional PCI, no PCIe capability' };
      case 'pcie-to-pci-bridge':
        return { isolating: false, by: 'type', detail: 'a PCIe-to-PCI bridge never isolates' };
      case 'pci-to-pcie-bridge':
        return { isolating: false, by: 'type', detail: 'a PCI-to-PCIe bridge never isolates' };
      case 'rcec':
        return { isolating: false, by: 'type', detail: 'a Root Complex Event Collector never isolates' };
      case 'root-port':
      case 'downstream-port':
        return this.acsTest(f);
      case 'endpoint':
      case 'legacy-endpoint':
      case 'upstream-port':
      case 'rciep':
        return f.multifunction ? this.acsTest(f) : { isolating: true, by: 'type', detail: 'single-function device' };
      case 'unknown-pcie':
        return { isolating: true, by: 'type', detail: 'PCIe device of a type the ACS check does not cover' };
    }
  }

  /** Rule 4 of spec 1.3: every required bit the capability implements must be on in Control. */
  private acsTest(f: TopoFunction): Verdict {
    const acs = f.source.acs;
    if (acs.state === 'absent') return { isolating: false, by: 'acs', detail: 'no ACS capability' };
    if (acs.state === 'unknown') return this.unknown(f, 'ACS not readable without root');
    const control = this.effectiveControl(f, acs.capability, acs.control);
    const needed = REQUIRED_ACS & acs.capability;
    const missing = needed & ~control.value;
    const note = control.note ? ` (${control.note})` : '';
    const v: Verdict = missing === 0
      ? {
        isolating: true, by: 'acs',
        detail: needed === 0
          ? `its ACS capability implements none of SV, RR, CR, UF, which counts as isolating${note}`
          : `ACS enabled (${acsBitNames(needed)})${note}`,
      }
      : { isolating: false, by: 'acs', detail: `ACSCtl lacks ${acsBitNames(missing)}${note}` };
    if (control.uncertain) v.uncertain = control.uncertain;
    return v;
  }

  /**
   * ACS Control as the kernel will have it (spec 1.4): the kernel sets SV/RR/CR/UF where the
   * capability has them; a matching `disable_acs_redir`/`config_acs` rebuilds it from the firmware
   * value instead. Values read from a running IOMMU kernel are final unless we predict for other
   * parameters than it booted with.
   */
  private effectiveControl(f: TopoFunction, cap: number, live: number): { value: number; note?: string; uncertain?: string } {
    const change = this.ctx.acsChange(f);
    if (f.hypothetical || !this.ctx.liveIsFinal) {
      return change ? { value: applyChange(live, change), note: `${change.param} applied to the firmware value` } : { value: enableRequired(live, cap) };
    }
    const captured = this.ctx.capturedAcsChange(f);
    if (sameChange(change, captured)) return { value: live };
    if (!change) return { value: enableRequired(live, cap), note: `without ${captured!.param} the kernel enables the bits again` };
    // The captured value includes the kernel's enabling; the firmware value it would start from
    // is unknown for the bits the parameter does not force.
    const value = applyChange(live, change);
    const needed = REQUIRED_ACS & cap;
    const forcedOff = needed & change.mask & ~change.flags;
    const assumed = needed & ~change.mask & value;
    const result: { value: number; note: string; uncertain?: string } = { value, note: `${change.param} applied` };
    if (forcedOff === 0 && assumed !== 0) {
      result.uncertain = `firmware value of ${acsBitNames(assumed)} unknown (the captured ACSCtl includes the kernel's enabling)`;
    }
    return result;
  }

  private unknown(f: TopoFunction, what: string): Verdict {
    const inferred = this.ctx.inferred[f.index];
    if (inferred !== undefined) {
      return {
        isolating: inferred, by: 'acs',
        detail: `${what}; inferred ${inferred ? 'isolating' : 'not isolating'} from the kernel's current groups`,
        uncertain: `${what}; inferred ${inferred ? 'isolating' : 'not isolating'} from the kernel's current groups`,
      };
    }
    return {
      isolating: false, by: 'acs',
      detail: `${what}; assumed not isolating`,
      uncertain: `${what}; assumed not isolating (the cautious guess)`,
    };
  }
}
