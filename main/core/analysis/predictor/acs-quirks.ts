/**
 * The kernel's ACS quirk table (spec 1.9, 6.18.15 `drivers/pci/quirks.c` table
 * `pci_dev_acs_enabled`), plus the `pcie_acs_override=` entry that the out-of-tree patch appends
 * to its end (spec 1.11). Each entry answers "does this device isolate?" with yes, no, or no
 * answer; the first definite answer wins, in table order.
 */
import { ACS, REQUIRED_ACS, acsBitNames } from './acs-bits.ts';
import type { AcsControlChange, AcsOverride } from './acs-params.ts';
import type { TopoFunction } from './topology.ts';

export interface QuirkAnswer {
  isolating: boolean;
  detail: string;
  /** Set when the answer rests on a guess (dmesg missing, ACS unreadable…). */
  uncertain?: string;
  /** The override token that decided (row 20 only). */
  token?: string;
}

/** What the quirk handlers need to know beyond the device itself. */
export interface QuirkContext {
  isRootBus(f: TopoFunction): boolean;
  /** Whether the ACPI IVRS table (AMD IOMMU) exists; null when unknown. */
  ivrsPresent: boolean | null;
  /** What dmesg says about the Intel PCH root-port workaround for this port. */
  pchWorkaround(f: TopoFunction): 'enabled' | 'failed' | 'unknown';
  /** The `pci=disable_acs_redir` / `pci=config_acs` change that applies to the device. */
  acsChange(f: TopoFunction): AcsControlChange | null;
  override: AcsOverride | null;
}

export interface AcsQuirk {
  /** Row number in spec 1.9 (20 = the override patch). */
  row: number;
  name: string;
  /** Vendor ID, or null for any vendor. */
  vendor: number | null;
  /** Device IDs the entry is registered for, or null for any device. */
  devices: ReadonlySet<number> | null;
  handler(f: TopoFunction, ctx: QuirkContext): QuirkAnswer | null;
}

const ids = (...list: number[]) => new Set(list);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

const MF_ENDPOINT: QuirkAnswer = {
  isolating: true,
  detail: 'the vendor states its functions do not do peer-to-peer (multifunction-endpoint ACS quirk)',
};
const mfEndpoint = () => MF_ENDPOINT;
const always = (detail: string) => (): QuirkAnswer => ({ isolating: true, detail });
const isRootPort = (f: TopoFunction) => f.type === 'root-port';

function amdSouthbridge(f: TopoFunction, ctx: QuirkContext): QuirkAnswer | null {
  // Only the RR/CR part of the request is considered, and declared present, when an AMD IOMMU
  // (IVRS table) exists; the multifunction root-bus functions of the old SB/FCH qualify.
  if (!f.multifunction || !ctx.isRootBus(f)) return null;
  if (ctx.ivrsPresent === false) return null;
  const answer: QuirkAnswer = { isolating: true, detail: 'AMD southbridge functions with an AMD IOMMU (IVRS) present' };
  if (ctx.ivrsPresent === null) answer.uncertain = 'whether the ACPI IVRS table exists is not known; assumed it does';
  return answer;
}

function intelRciep(f: TopoFunction): QuirkAnswer | null {
  return f.type === 'rciep' ? { isolating: true, detail: 'Intel Root Complex integrated endpoint (Intel RCiEP quirk)' } : null;
}

const INTEL_PCH_ROOT_PORTS = new Set([
  ...range(0x3b42, 0x3b51), ...range(0x1c10, 0x1c1f), ...range(0x1e10, 0x1e1f), ...range(0x8c10, 0x8c1f),
  ...range(0x9c10, 0x9c1b), ...range(0x9c90, 0x9c9b),
  0x1d10, 0x1d12, 0x1d14, 0x1d16, 0x1d18, 0x1d1a, 0x1d1c, 0x1d1e,
  ...range(0x8d10, 0x8d1e),
  0x8c90, 0x8c92, 0x8c94, 0x8c96, 0x8c98, 0x8c9a, 0x8c9c, 0x8c9e,
]);

function intelPch(f: TopoFunction, ctx: QuirkContext): QuirkAnswer | null {
  // These ports have no ACS capability; at boot the kernel stops peer decode in the chipset
  // instead, and the quirk answers from whether that worked (spec 1.9 row 6).
  if (f.deviceId === null || !INTEL_PCH_ROOT_PORTS.has(f.deviceId)) return null;
  if (f.type !== null && f.type !== 'root-port') return null;
  const state = ctx.pchWorkaround(f);
  if (state === 'failed') {
    return { isolating: false, detail: 'the Intel PCH root port ACS workaround failed (dmesg "Failed to enable Intel PCH ACS quirk")' };
  }
  const answer: QuirkAnswer = { isolating: true, detail: 'the Intel PCH root port ACS workaround (chipset peer decode disabled)' };
  if (state === 'unknown') {
    answer.uncertain = 'dmesg does not say whether the Intel PCH root port ACS workaround was enabled; assumed it was';
  }
  return answer;
}

function isIntelSptPort(deviceId: number): boolean {
  return (deviceId >= 0xa110 && deviceId <= 0xa11f) || (deviceId >= 0xa167 && deviceId <= 0xa16a)
    || (deviceId >= 0xa290 && deviceId <= 0xa29f) || (deviceId >= 0xa2e7 && deviceId <= 0xa2ee)
    || (deviceId >= 0x9d10 && deviceId <= 0x9d1b);
}

/**
 * Intel 100/200-series and 7th/8th-gen mobile PCH root ports keep ACS Control in the dword after
 * the capability register (cap+8, not cap+6), so lspci's `ACSCtl` shows the wrong register. The
 * kernel's boot quirk sets SV/RR/CR/UF there itself (as far as the capability advertises them), so
 * with the IOMMU on these ports isolate — unless `disable_acs_redir`/`config_acs` names them, in
 * which case the quirk's own routine clears RR, CR and EC again (spec 1.4 step 4, 1.9 row 7).
 */
function intelSpt(f: TopoFunction, ctx: QuirkContext): QuirkAnswer | null {
  if (f.deviceId === null || !isIntelSptPort(f.deviceId)) return null;
  if (f.type !== null && f.type !== 'root-port') return null;
  const acs = f.source.acs;
  if (acs.state === 'absent') return null;
  const change = ctx.acsChange(f);
  const cap = acs.state === 'present' ? acs.capability : REQUIRED_ACS;
  if (change) {
    const cleared = REQUIRED_ACS & cap & (ACS.RR | ACS.CR);
    return cleared === 0
      ? { isolating: true, detail: `Intel SPT PCH quirk; ${change.param} clears RR/CR, which this port does not implement` }
      : { isolating: false, detail: `${change.param} makes the Intel SPT PCH quirk clear ${acsBitNames(cleared)}` };
  }
  const answer: QuirkAnswer = {
    isolating: true,
    detail: 'Intel SPT PCH quirk: the kernel enables SV/RR/CR/UF in the real (dword) ACS control; lspci\'s ACSCtl shows another register',
  };
  if (acs.state === 'unknown') answer.uncertain = 'ACS capability not readable; assumed present as on every such port';
  return answer;
}

function caviumRootPort(f: TopoFunction): QuirkAnswer | null {
  if (!isRootPort(f) || f.deviceId === null) return null;
  const d = f.deviceId;
  const match = (d & 0xf800) === 0xa000 || d === 0xaf84 || d === 0xb884;
  return match ? { isolating: true, detail: 'Cavium ThunderX root port (no peer-to-peer between functions)' } : null;
}

function amazonRootPort(f: TopoFunction): QuirkAnswer | null {
  return isRootPort(f) ? { isolating: true, detail: 'Amazon Annapurna Labs root port quirk' } : null;
}

function zhaoxinPort(f: TopoFunction): QuirkAnswer | null {
  if (f.type !== 'root-port' && f.type !== 'downstream-port') return null;
  const d = f.deviceId ?? -1;
  if ((d >= 0x0710 && d <= 0x071e) || d === 0x0721 || (d >= 0x0723 && d <= 0x0752)) {
    return { isolating: true, detail: 'Zhaoxin port known to isolate' };
  }
  return { isolating: false, detail: 'Zhaoxin port not on the kernel\'s list of isolating ports (definite no, even with an ACS capability)' };
}

const WANGXUN_ISOLATING = new Set([...range(0x0100, 0x010f), 0x1001, 0x2001, 0x5010, 0x5025, 0x5040, 0x5110, 0x5125, 0x5140]);

function wangxun(f: TopoFunction): QuirkAnswer | null {
  return f.deviceId !== null && WANGXUN_ISOLATING.has(f.deviceId)
    ? { isolating: true, detail: 'Wangxun NIC known to isolate' }
    : { isolating: false, detail: 'Wangxun device not on the kernel\'s list of isolating NICs (definite no)' };
}

const OVERRIDE_MULTIFUNCTION_TYPES = new Set(['endpoint', 'legacy-endpoint', 'upstream-port', 'rciep']);

/**
 * The override patch's entry (spec 1.11): never for conventional devices or devices with an ACS
 * capability; `id:` for any PCIe type, `downstream` for Root/Downstream Ports, `multifunction` for
 * multifunction endpoints and upstream ports.
 */
function acsOverride(f: TopoFunction, ctx: QuirkContext): QuirkAnswer | null {
  const o = ctx.override;
  if (!o || f.type === 'conventional' || f.source.acs.state === 'present') return null;
  return overrideAnswer(f, o);
}

/**
 * acsOverride past its guard. A function of its own: its callbacks capture `f`, which in
 * acsOverride would make every call allocate a context, and every function without a quirk asks.
 */
function overrideAnswer(f: TopoFunction, o: AcsOverride): QuirkAnswer | null {
  const uncertain = f.source.acs.state === 'unknown'
    ? 'ACS not readable: the override applies only if the device has no ACS capability (assumed none)'
    : undefined;
  const yes = (token: string, detail: string): QuirkAnswer => ({ isolating: true, detail, token, ...(uncertain ? { uncertain } : {}) });
  const id = o.ids.find((i) => i.vendor === f.vendorId && i.device === f.deviceId);
  if (id) return yes(id.token, `pcie_acs_override=${id.token} treats it as isolating`);
  if (o.downstream && (f.type === 'root-port' || f.type === 'downstream-port')) {
    return yes('downstream', 'pcie_acs_override=downstream treats every Root/Downstream Port as isolating');
  }
  if (o.multifunction && f.multifunction && f.type !== null && OVERRIDE_MULTIFUNCTION_TYPES.has(f.type)) {
    return yes('multifunction', 'pcie_acs_override=multifunction treats every multifunction device as isolating');
  }
  return null;
}

const QCOM_ROOT_PORT = 'Qualcomm/HXT root port quirk';

/** In table order. Several entries may share a row number (one row = one handler, several IDs). */
export const ACS_QUIRKS: readonly AcsQuirk[] = [
  { row: 1, name: 'AMD SB/FCH', vendor: 0x1002, devices: ids(0x4385, 0x439c, 0x4383, 0x439d, 0x4384, 0x4399), handler: amdSouthbridge },
  { row: 1, name: 'AMD SB/FCH', vendor: 0x1022, devices: ids(0x780f, 0x7809), handler: amdSouthbridge },
  { row: 2, name: 'Solarflare multifunction endpoint', vendor: 0x1924, devices: ids(0x0903, 0x0923, 0x0a03), handler: mfEndpoint },
  {
    row: 3, name: 'Intel NIC multifunction endpoint', vendor: 0x8086,
    devices: ids(
      0x10c6, 0x10db, 0x10dd, 0x10e1, 0x10f1, 0x10f7, 0x10f8, 0x10f9, 0x10fa, 0x10fb, 0x10fc, 0x1507, 0x1514, 0x151c,
      0x1529, 0x152a, 0x154d, 0x154f, 0x1551, 0x1558,
      0x1509, 0x150e, 0x150f, 0x1510, 0x1511, 0x1516, 0x1527,
      0x10c9, 0x10e6, 0x10e7, 0x10e8, 0x150a, 0x150d, 0x1518, 0x1526,
      0x10a7, 0x10a9, 0x10d6,
      0x1521, 0x1522, 0x1523, 0x1524,
      0x105e, 0x105f, 0x1060, 0x10d9,
      0x15b7, 0x15b8,
    ),
    handler: mfEndpoint,
  },
  { row: 4, name: 'Intel RCiEP', vendor: 0x8086, devices: null, handler: intelRciep },
  { row: 5, name: QCOM_ROOT_PORT, vendor: 0x17cb, devices: ids(0x0400, 0x0401, 0x0115), handler: always(QCOM_ROOT_PORT) },
  { row: 5, name: QCOM_ROOT_PORT, vendor: 0x1dbf, devices: ids(0x0401), handler: always(QCOM_ROOT_PORT) },
  { row: 6, name: 'Intel PCH root port', vendor: 0x8086, devices: null, handler: intelPch },
  { row: 7, name: 'Intel SPT PCH root port', vendor: 0x8086, devices: null, handler: intelSpt },
  { row: 8, name: 'Emulex multifunction endpoint', vendor: 0x19a2, devices: ids(0x0710), handler: mfEndpoint },
  { row: 8, name: 'Emulex multifunction endpoint', vendor: 0x10df, devices: ids(0x0720), handler: mfEndpoint },
  { row: 9, name: 'Cavium root port', vendor: 0x177d, devices: null, handler: caviumRootPort },
  { row: 10, name: 'Cavium multifunction endpoint', vendor: 0x177d, devices: ids(0xa026, 0xa059, 0xa060), handler: mfEndpoint },
  { row: 11, name: 'APM X-Gene root port', vendor: 0x10e8, devices: ids(0xe004), handler: always('X-Gene root port quirk') },
  { row: 11, name: 'Ampere root port', vendor: 0x1def, devices: ids(...range(0xe005, 0xe00c)), handler: always('Ampere root port quirk') },
  {
    row: 12, name: 'Broadcom multifunction endpoint', vendor: 0x14e4,
    devices: ids(0x16d7, 0x1750, 0x1751, 0x1752, 0x1760, 0x1761, 0x1762, 0x1763), handler: mfEndpoint,
  },
  { row: 13, name: 'Broadcom iProc PAXB root port', vendor: 0x14e4, devices: ids(0xd714), handler: always('Broadcom iProc root port quirk') },
  {
    row: 14, name: 'Loongson root port', vendor: 0x0014,
    devices: ids(0x3c09, 0x3c19, 0x3c29, 0x7a09, 0x7a19, 0x7a29, 0x7a39, 0x7a49, 0x7a59, 0x7a69), handler: always('Loongson root port quirk'),
  },
  { row: 15, name: 'Amazon Annapurna Labs root port', vendor: 0x1c36, devices: ids(0x0031), handler: amazonRootPort },
  { row: 16, name: 'Zhaoxin multifunction endpoint', vendor: 0x1d17, devices: ids(0x3038, 0x3104, 0x9083), handler: mfEndpoint },
  {
    row: 17, name: 'NXP root port', vendor: 0x1957,
    devices: ids(
      ...range(0x8d80, 0x8d83), ...range(0x8d88, 0x8d8b), ...range(0x8d90, 0x8d93), ...range(0x8d98, 0x8d9b),
      0x8da0, 0x8da1, 0x8da8, 0x8da9, 0x8db0, 0x8db1, 0x8db8, 0x8db9,
    ),
    handler: always('NXP root port quirk'),
  },
  { row: 18, name: 'Zhaoxin root/downstream port', vendor: 0x1d17, devices: null, handler: zhaoxinPort },
  { row: 19, name: 'Wangxun NIC', vendor: 0x8088, devices: null, handler: wangxun },
  { row: 20, name: 'pcie_acs_override', vendor: null, devices: null, handler: acsOverride },
];

export interface QuirkVerdict extends QuirkAnswer {
  row: number;
  name: string;
}

/** Walk the table in order; the first definite answer decides (spec 1.3 step 1). */
export function acsQuirkVerdict(f: TopoFunction, ctx: QuirkContext): QuirkVerdict | null {
  for (const q of ACS_QUIRKS) {
    if (q.vendor !== null && q.vendor !== f.vendorId) continue;
    if (q.devices !== null && (f.deviceId === null || !q.devices.has(f.deviceId))) continue;
    const answer = q.handler(f, ctx);
    if (answer) return { ...answer, row: q.row, name: q.name };
  }
  return null;
}
