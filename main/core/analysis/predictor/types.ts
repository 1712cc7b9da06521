/**
 * Public types of the IOMMU group predictor (spec `iommu-groups.md` section 1).
 *
 * The predictor re-implements, in its own words, how Linux forms IOMMU groups from a PCI
 * topology (kernel `pci_device_group`), so that the app can explain why a group is shared and
 * tell where a card would land before it is installed.
 */
import type { KernelCommandLine, PciFunction, PcieType } from '../../model/snapshot.ts';

export interface PredictOptions {
  /**
   * The kernel command line to predict for (default: the snapshot's). Either the raw text of
   * /proc/cmdline or the parsed form; only `pci=` and `pcie_acs_override=` matter (spec 1.4, 1.11).
   */
  cmdline?: string | KernelCommandLine;
  /** Hypothetical devices added to the topology (a card that is not installed yet). */
  extraDevices?: PciFunction[];
  /** Addresses removed from the topology before predicting (what a card replaces). */
  removeDevices?: string[];
}

/** Why members share a group, or why a device is alone. `devices` = the devices concerned. */
export type GroupReason =
  | { kind: 'alone'; devices: string[]; detail: string }
  | {
    kind: 'non-isolating-bridge';
    /** The Root Port / Downstream Port (or other bridge) whose lack of isolation merges. */
    bridge: string;
    bridgeType: PcieType | null;
    /** "no ACS capability", "ACSCtl lacks RR, CR", "ACS not readable (assumed not isolating)"… */
    missing: string;
    devices: string[];
  }
  | {
    kind: 'multifunction-without-acs';
    /** "0000:01:00": bus and device number shared by the functions. */
    slot: string;
    /** The functions that do not isolate, each with what it lacks. */
    functions: { address: string; missing: string }[];
    devices: string[];
  }
  | { kind: 'pcie-to-pci-bridge'; bridge: string; bridgeType: PcieType | null; devices: string[] }
  | {
    kind: 'conventional-bridge';
    bridge: string;
    /** The bridge carries the "PCIe bridge alias" quirk flag (spec 1.10). */
    pcieBridgeAlias: boolean;
    devices: string[];
  }
  | {
    kind: 'dma-alias';
    /** The device whose DMA alias links it to `alias`. */
    device: string;
    /** The aliased device (present on the same bus), or the VMD endpoint. */
    alias: string;
    /** Where the alias comes from: a quirk name, a dmesg line, Intel VMD. */
    source: string;
    devices: string[];
  }
  | {
    kind: 'quirk';
    device: string;
    /** Row of the ACS quirk table (spec 1.9). */
    row: number;
    quirk: string;
    /** `isolating`: the quirk keeps devices apart; `not-isolating`: the quirk's "no" merges them. */
    effect: 'isolating' | 'not-isolating';
    /** What the quirk decided, in words. */
    detail: string;
    devices: string[];
  }
  | {
    kind: 'acs-override';
    device: string;
    /** The `pcie_acs_override=` token that made `device` count as isolating. */
    token: string;
    devices: string[];
  };

export interface PredictedGroup {
  /** Approximate group number: groups numbered in creation order from 0 (spec 1.1). */
  id: number;
  /** Members in enumeration order. */
  devices: string[];
  /** One human sentence built from `reasons`. */
  reason: string;
  reasons: GroupReason[];
  /** The grouping of these members depends on guessed or inferred facts (see `uncertain`). */
  uncertain: boolean;
}

export interface Uncertainty {
  device: string;
  what: string;
  /** Devices whose group depends on this fact. */
  affects: string[];
}

export interface PredictionResult {
  predicted: PredictedGroup[];
  uncertain: Uncertainty[];
  /** Devices left out because no IOMMU translates for them (spec 1.1), with the evidence. */
  notCovered: { device: string; why: string }[];
  /** Remarks about the prediction as a whole (IOMMU off, unconfirmed override patch…). */
  notes: string[];
}

export type DiffKind = 'equal' | 'split' | 'merged' | 'different';

/**
 * One comparison row. `split`: the kernel split what we predicted together (one predicted group =
 * several actual groups; one row per actual group). `merged`: the kernel merged what we
 * predicted apart (one actual group = several predicted groups; one row per predicted group).
 * `different`: any other overlap, or devices present on one side only (the other side is []).
 */
export interface GroupDiff {
  kind: DiffKind;
  predicted: string[];
  actual: string[];
}

/** One function of a hypothetical card (spec 1.14). */
export interface CardFunctionModel {
  /** Local name inside the card ("gpu", "usp", "dsp1"…). */
  name: string;
  /** Name of the card bridge whose secondary bus holds this function; absent = the slot's bus. */
  parent?: string;
  device: number;
  function: number;
  vendorId: string;
  deviceId: string;
  subsystemVendorId?: string;
  subsystemDeviceId?: string;
  classCode: string;
  pcieType: PcieType;
  /** Header bit 7; default: another function of the card shares the slot. */
  multifunction?: boolean;
  /** ACS Capability register, or null for no ACS capability. */
  acsCapability: number | null;
  /** Firmware value of ACS Control (default 0: nothing enabled before the kernel runs). */
  acsFirmwareControl?: number;
}

export interface CardModel {
  id: string;
  name: string;
  description: string;
  functions: CardFunctionModel[];
}

export interface CardFunctionPrediction {
  /** Synthetic address the function would get. */
  address: string;
  name: string;
  /** All members of the group it would be in (existing devices and card functions). */
  group: string[];
  /** No device that exists today is in that group. */
  newGroup: boolean;
  /** The kernel's current group number of the existing members it joins, when known. */
  joinsExistingGroup: number | null;
  reasons: GroupReason[];
  reason: string;
}

export interface CardPrediction {
  cardFunctions: CardFunctionPrediction[];
  /** Devices that were below the port and were taken out (the card replaces them). */
  removed: string[];
  uncertain: Uncertainty[];
  notes: string[];
  /** Why no prediction could be made (port missing, not a bridge); null when it worked. */
  problem: string | null;
}
