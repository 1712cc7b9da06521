/**
 * Kernel log parser: turns a dmesg (or journal, syslog, /dev/kmsg) text into the IOMMU-relevant
 * events of the message catalogue in spec section 5.2, using the regexes of section 5.3.
 *
 * Real input (lab capture `flat/dmesg.txt`, Debian 6.1 kernel, QEMU VT-d):
 *
 *     [    0.249998] DMAR: IOMMU enabled
 *     [    0.489655] DMAR-IR: Enabled IRQ remapping in xapic mode
 *     [    1.400558] iommu: Default domain type: Translated
 *     [    1.400558] iommu: DMA domain TLB invalidation policy: lazy mode
 *     [    1.624247] pci 0000:00:00.0: Adding to iommu group 0
 *     [    1.652897] DMAR: Intel(R) Virtualization Technology for Directed I/O
 *     [   10.133857] DMAR: [DMA Read NO_PASID] Request device [00:09.0] fault addr 0x3000000 [fault reason 0x06] PTE Read access is not set
 *
 * Lines that match no catalogue entry are dropped: a kernel log is mostly unrelated noise.
 */
import type { DmesgCategory, DmesgEvent, ParseIssue, ParseResult, PcieType } from '../model/snapshot.ts';
import { normalizePciAddress } from '../model/pci-address.ts';
import { canonicalPciAddress } from './canonical-address.ts';
import { isDigit } from './char-codes.ts';

// ---------------------------------------------------------------------------------------------
// Line normalisation (spec 5.1)
// ---------------------------------------------------------------------------------------------

/** `/dev/kmsg` record: `<prio>,<seq>,<usec since boot>,<flags>[,more];<text>`. */
const KMSG_RE = /^(\d+),\d+,(\d+),[^;]*;/;
/**
 * Syslog-style header written by journalctl -k (`short`, `short-precise`, `short-iso`,
 * `short-iso-precise`, `short-full`) and by rsyslog/syslog-ng files: a wall-clock date, the host
 * name and the `kernel:` tag. Syslog files often repeat the bracketed monotonic stamp after it.
 */
const SYSLOG_RE = new RegExp(
  '^(?:' +
    '[A-Z][a-z]{2} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?' + // Nov 21 10:00:00[.123456]
    '|\\d{4}-\\d\\d-\\d\\d[T ]\\d\\d:\\d\\d:\\d\\d(?:[.,]\\d+)?(?:Z|[+-]\\d\\d:?\\d\\d)?' + // 2026-11-21T10:00:00.123+00:00
    '|[A-Z][a-z]{2} \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)? \\S+' + // Sat 2026-11-21 10:00:00 UTC
  ') \\S+ kernel: ',
);
/** `dmesg --time-format iso`: the ISO stamp alone, without host or tag. */
const ISO_STAMP_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d,\d+(?:[+-]\d\d:\d\d|Z) /;
/** `dmesg -r` (raw) keeps the syslog priority `<facility*8+level>`. */
const PRIORITY_RE = /^<\d{1,4}>/;
/** `dmesg -x` decodes the priority into padded `facility:level: ` (util-linux `%-6s:%-6s: `). */
const DECODE_RE = /^[a-z][a-z0-9]* *:[a-z]+ *: /;
/** Monotonic `[    1.234567]`, also with `dmesg -d` deltas `[    1.234567 <    0.000123>]`. */
const MONOTONIC_RE = /^\[\s*(\d+\.\d+)(?:\s*<\s*[\d.]+>)?\]\s?/;
/** Stamps without boot time: `dmesg -T` ctime, `dmesg -e` reltime `[Nov21 10:00]` / `[  +0.000123]`. */
const WALL_STAMP_RE = /^\[(?:[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}|[A-Z][a-z]{2}\d\d \d\d:\d\d|\s*[+-]\d+\.\d+)\]\s?/;
/** journalctl -k -o short-monotonic puts `host kernel: ` after the bracketed stamp. */
const HOST_TAG_RE = /^\S+ kernel: /;

function secondsOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/**
 * Where the `]` of a plain monotonic stamp `[    1.234567] ` (padding spaces, seconds, one space
 * after) is; -1 when the line does not start so and MONOTONIC_RE must read it (-d deltas, other
 * blanks). Whatever this accepts, the regex matches the same way, up to and including the space.
 */
function plainMonotonicClose(line: string): number {
  if (line.charCodeAt(0) !== 0x5b) return -1;
  let i = 1;
  while (line.charCodeAt(i) === 0x20) i++;
  const whole = i;
  while (isDigit(line.charCodeAt(i))) i++;
  if (i === whole || line.charCodeAt(i) !== 0x2e) return -1;
  const fraction = ++i;
  while (isDigit(line.charCodeAt(i))) i++;
  return i > fraction && line.charCodeAt(i) === 0x5d && line.charCodeAt(i + 1) === 0x20 ? i : -1;
}

/**
 * Strip whichever prefix the capture tool added and keep the boot-relative time when there is
 * one. Order matters: a syslog header may be followed by a monotonic stamp, a raw priority by one.
 * Each line the raw one holds (a /dev/kmsg record may hold several) goes to `take`, without a
 * list or record per line of a big host's log.
 */
function normaliseLine(raw: string, take: (text: string, time: number | null) => void): void {
  let line = raw.trimStart();
  let time: number | null = null;

  let tagged = false;
  // These prefixes start with a digit, a letter or `<`; plain dmesg lines (nearly all lines of a
  // big host's log) start with `[` and skip the five regexes.
  if (line.charCodeAt(0) !== 0x5b) {
    const kmsg = KMSG_RE.exec(line);
    if (kmsg) {
      time = secondsOrNull(Number(kmsg[2]) / 1e6);
      // /dev/kmsg escapes the newlines of a multi-line printk as \x0a; each part is a line.
      for (const text of line.slice(kmsg[0].length).split('\\x0a')) take(text.trimEnd(), time);
      return;
    }

    const syslog = SYSLOG_RE.exec(line);
    if (syslog) {
      line = line.slice(syslog[0].length);
      tagged = true;
    } else {
      const iso = ISO_STAMP_RE.exec(line);
      if (iso) line = line.slice(iso[0].length);
    }
    const priority = PRIORITY_RE.exec(line);
    if (priority) line = line.slice(priority[0].length);
    const decode = DECODE_RE.exec(line);
    if (decode) line = line.slice(decode[0].length);
  }

  // Nearly every line of a big host's log has the plain stamp: read in place, without a match.
  const close = plainMonotonicClose(line);
  const mono = close < 0 ? MONOTONIC_RE.exec(line) : null;
  if (close >= 0) {
    // parseFloat skips the stamp's padding: the same number as the regex's capture.
    time = secondsOrNull(parseFloat(line.slice(1, close)));
    line = line.slice(close + 2);
  } else if (mono) {
    time = secondsOrNull(parseFloat(mono[1]!));
    line = line.slice(mono[0].length);
  } else {
    const wall = WALL_STAMP_RE.exec(line);
    if (wall) line = line.slice(wall[0].length);
  }
  if ((close >= 0 || mono) && !tagged) {
    const host = HOST_TAG_RE.exec(line);
    if (host) line = line.slice(host[0].length);
  }
  take(line.trimEnd(), time);
}

// ---------------------------------------------------------------------------------------------
// Message catalogue (spec 5.2) and regexes (spec 5.3)
// ---------------------------------------------------------------------------------------------

interface MessageRule {
  id: string;
  category: DmesgCategory;
  /** A literal every matching line contains: checked before the regex, which is far costlier. */
  hint: string;
  re: RegExp;
  /**
   * The fields `re` captures, read without it for the lines it is sure of; null leaves the line
   * to `re`. Only for a line a big host logs once per device.
   */
  quick?: (text: string) => Record<string, string> | null;
}

/** The text after the device of a `core.groupAdd` line (drivers/iommu/iommu.c iommu_group_add_device). */
const GROUP_ADD_TEXT = ': Adding to iommu group ';

/**
 * `pci 0000:00:01.0: Adding to iommu group 1` read as core.groupAdd's regex reads it, when the
 * line is printable ASCII (where `\S` is any character but the space); null otherwise. `drv` and
 * `dev` hold no blank, so the text before the first GROUP_ADD_TEXT must hold exactly one space.
 */
function groupAddFields(text: string): Record<string, string> | null {
  const devEnd = text.indexOf(GROUP_ADD_TEXT);
  if (devEnd < 0) return null;
  let space = -1;
  for (let i = 0; i < devEnd; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 && space < 0) space = i;
    else if (c <= 0x20 || c >= 0x7f) return null;
  }
  const groupStart = devEnd + GROUP_ADD_TEXT.length;
  if (space <= 0 || space === devEnd - 1 || groupStart === text.length) return null;
  for (let i = groupStart; i < text.length; i++) if (!isDigit(text.charCodeAt(i))) return null;
  // The kernel names a PCI device's bus first ("pci"): one string then serves every such line,
  // which a big host has thousands of, all kept in the snapshot.
  const drv = space === 3 && text.startsWith('pci') ? 'pci' : text.slice(0, space);
  return { drv, dev: text.slice(space + 1, devEnd), group: text.slice(groupStart) };
}

/** The optional `<drv> <dev>: ` prefix of dev_info() lines (spec 5.1 DEVPFX). */
const DEVPFX = '(?:(?<drv>\\S+) (?<dev>\\S+): )?';

/**
 * First match wins, so more specific patterns precede general ones (amd.pageFault and
 * amd.notAttached before amd.event). Patterns are those of spec 5.3; where the spec leaves a
 * device-prefixed AMD line unanchored, the optional DEVPFX is added so the device is captured.
 * Lines are matched with trailing whitespace removed, hence `Product Version: ?` in fw.biosLine
 * (an empty DMI product string leaves the line ending in a space). Ids not in the spec catalogue: amd.strictVirt / intel.strictVirt (the driver forces strict TLB
 * invalidation under a virtual IOMMU with caching mode, drivers/iommu/amd/init.c and
 * intel/iommu.c, which turns a lazy default into strict `DMA` groups) and boot.commandLine (the
 * kernel's own echo of its command line, useful when /proc/cmdline was not captured).
 */
const RULES: MessageRule[] = [
  // The two most frequent lines of a boot log come first; they overlap no other pattern.
  { id: 'core.groupAdd', category: 'group-add', hint: 'Adding to iommu group',
    re: /^(?<drv>\S+) (?<dev>\S+): Adding to iommu group (?<group>\d+)$/, quick: groupAddFields },
  { id: 'pci.enum', category: 'pci-enum', hint: '] type ',
    re: /^pci (?<dev>[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]): \[(?<vid>[0-9a-f]{4}):(?<did>[0-9a-f]{4})\] type (?<hdr>[0-9a-f]{2}) class (?<class>0x[0-9a-f]{6})(?: (?<kind>.+))?$/ },
  // Generic IOMMU core (drivers/iommu/iommu.c)
  { id: 'core.defaultDomain', category: 'default-domain', hint: 'Default domain type',
    re: /^iommu: Default domain type: (?<type>Translated|Passthrough|Blocked|Unmanaged|Platform|Unknown)\s*(?<cmdline>\(set via kernel command line\))?\s*$/ },
  { id: 'core.tlbPolicy', category: 'default-domain', hint: 'TLB invalidation policy',
    re: /^iommu: DMA domain TLB invalidation policy: (?<mode>strict|lazy) mode\s*(?<cmdline>\(set via kernel command line\))?\s*$/ },
  { id: 'core.memEncrypt', category: 'default-domain', hint: 'Memory encryption detected',
    re: /^iommu: Memory encryption detected - Disabling default IOMMU Passthrough$/ },
  { id: 'core.groupRemove', category: 'group-remove', hint: 'Removing from iommu group',
    re: /^(?<drv>\S+) (?<dev>\S+): Removing from iommu group (?<group>\d+)$/ },
  { id: 'core.groupAddFail', category: 'other', hint: 'Failed to add to iommu group',
    re: /^(?<drv>\S+) (?<dev>\S+): Failed to add to iommu group (?<group>\d+): (?<err>-?\d+)$/ },
  { id: 'core.requireDirect', category: 'rmrr', hint: '1:1 IOMMU mapping',
    re: /^(?<drv>\S+) (?<dev>\S+): Firmware has requested this device have a 1:1 IOMMU mapping, rejecting configuring the device without a 1:1 mapping\./ },
  { id: 'core.domainConflict', category: 'default-domain', hint: 'domain type',
    re: /(?:Device needs domain type (?<want>\S+), but device (?<other>\S+) in the same iommu group requires type (?<otherType>\S+)|IOMMU driver error, requesting conflicting def_domain_type, (?<a>\S+) and (?<b>\S+), for devices in group (?<group>\d+)\.)/ },

  // Intel VT-d (drivers/iommu/intel/*)
  { id: 'intel.enabledByParam', category: 'enabled', hint: 'DMAR: ', re: /^DMAR: IOMMU enabled$/ },
  { id: 'intel.disabledByParam', category: 'disabled', hint: 'DMAR: ', re: /^DMAR: IOMMU disabled$/ },
  { id: 'intel.haw', category: 'firmware-present', hint: 'DMAR: ', re: /^DMAR: Host address width (?<haw>\d+)$/ },
  { id: 'intel.drhd', category: 'firmware-present', hint: 'DMAR: ',
    re: /^DMAR: DRHD base: (?<base>0x[0-9a-f]+|0) flags: (?<flags>0x[0-9a-f]+|0)$/ },
  { id: 'intel.unit', category: 'firmware-present', hint: 'DMAR: ',
    re: /^DMAR: (?<unit>dmar\d+): reg_base_addr (?<base>[0-9a-f]+) ver (?<major>\d+):(?<minor>\d+) cap (?<cap>[0-9a-f]+) ecap (?<ecap>[0-9a-f]+)$/ },
  { id: 'intel.rmrr', category: 'rmrr', hint: 'DMAR: ',
    re: /^DMAR: RMRR base: (?<base>0x[0-9a-f]+|0) end: (?<end>0x[0-9a-f]+|0)$/ },
  { id: 'intel.otherStruct', category: 'firmware-present', hint: 'DMAR: ', re: /^DMAR: (?<kind>ATSR|RHSA|SATC|ANDD) (?<rest>.*)$/ },
  { id: 'intel.noStruct', category: 'firmware-present', hint: 'DMAR: ', re: /^DMAR: No (?<kind>RMRR|ATSR|SATC) found$/ },
  { id: 'intel.invalidation', category: 'enabled', hint: 'DMAR: ',
    re: /^DMAR: (?<unit>dmar\d+): Using (?<mode>Queued|Register based) invalidation$/ },
  { id: 'intel.active', category: 'enabled', hint: 'DMAR: ', re: /^DMAR: Intel\(R\) Virtualization Technology for Directed I\/O$/ },
  { id: 'intel.optin', category: 'enabled', hint: 'DMAR: ', re: /^DMAR: Intel-IOMMU force enabled due to platform opt in$/ },
  { id: 'intel.tboot', category: 'enabled', hint: 'DMAR: ', re: /^DMAR: Forcing Intel-IOMMU to enabled$/ },
  { id: 'intel.paramEcho', category: 'other', hint: 'DMAR: ',
    re: /^DMAR: (?<what>Disable GFX device mapping|Enable scalable mode if hardware supports|Scalable mode is disallowed|Disable supported super page)$/ },
  { id: 'intel.unknownOpt', category: 'unknown-params', hint: 'DMAR: ', re: /^DMAR: Unknown option - '(?<opt>[^']*)'$/ },
  { id: 'intel.kdump', category: 'other', hint: 'DMAR: ', re: /^DMAR: Translation already enabled - trying to copy translation structures$/ },
  { id: 'intel.strictVirt', category: 'default-domain', hint: 'DMAR: ',
    re: /^DMAR: IOMMU batching (?:disallowed|is disabled) due to virtualization$/ },
  { id: 'ir.ioapic', category: 'firmware-present', hint: 'DMAR-IR: ',
    re: /^DMAR-IR: IOAPIC id (?<id>\d+) under DRHD base\s+0x(?<base>[0-9a-f]+) IOMMU (?<idx>\d+)$/ },
  { id: 'ir.hpet', category: 'firmware-present', hint: 'DMAR-IR: ', re: /^DMAR-IR: HPET id (?<id>\d+) under DRHD base\s+0x(?<base>[0-9a-f]+)$/ },
  { id: 'ir.qi', category: 'interrupt-remapping', hint: 'DMAR-IR: ',
    re: /^DMAR-IR: Queued invalidation will be enabled to support x2apic and Intr-remapping\.$/ },
  { id: 'ir.enabled', category: 'interrupt-remapping', hint: 'DMAR-IR: ', re: /^DMAR-IR: Enabled IRQ remapping in (?<mode>x2apic|xapic) mode$/ },
  // ir.off is split in two only so that each half has one literal for the pre-check.
  { id: 'ir.off', category: 'interrupt-remapping-off', hint: 'DMAR-IR: ',
    re: /^DMAR-IR: (?:Failed to enable irq remapping|Not enabling interrupt remapping|This system BIOS has enabled interrupt remapping|x2apic is disabled because BIOS sets x2apic opt out bit)/ },
  { id: 'ir.off', category: 'interrupt-remapping-off', hint: 'x2apic: ', re: /^x2apic: IRQ remapping doesn't support X2APIC mode/ },
  { id: 'intel.fwBug', category: 'firmware-bug', hint: 'DMAR: [Firmware Bug]', re: /^DMAR: \[Firmware Bug\]: (?<msg>.*)$/ },
  { id: 'fw.biosLine', category: 'firmware-bug', hint: 'BIOS vendor: ',
    re: /^BIOS vendor: (?<vendor>.*); Ver: (?<ver>.*); Product Version: ?(?<product>.*)$/ },
  { id: 'intel.faultStatus', category: 'fault', hint: 'DMAR: DRHD: handling fault', re: /^DMAR: DRHD: handling fault status reg (?<status>[0-9a-f]+)$/ },
  { id: 'intel.dmaFault', category: 'fault', hint: 'DMAR: [DMA ',
    re: /^DMAR: \[(?<dir>DMA Read|DMA Write)(?: (?:NO_PASID|PASID 0x(?<pasid>[0-9a-f]+)))?\] Request device \[(?:0x)?(?<bus>[0-9a-f]{2}):(?:0x)?(?<slot>[0-9a-f]{2})\.(?<fn>[0-7])\](?: PASID (?<oldPasid>[0-9a-f]+))? fault addr (?:0x)?(?<addr>[0-9a-f]+) \[fault reason (?<hex>0x)?(?<reason>[0-9a-f]+)h?\] (?<text>.*)$/ },
  { id: 'intel.irFault', category: 'fault', hint: 'DMAR: [INTR-REMAP]',
    re: /^DMAR: \[INTR-REMAP\] Request device \[(?:0x)?(?<bus>[0-9a-f]{2}):(?:0x)?(?<slot>[0-9a-f]{2})\.(?<fn>[0-7])\] fault index (?:0x)?(?<index>[0-9a-f]+) \[fault reason (?<hex>0x)?(?<reason>[0-9a-f]+)h?\] (?<text>.*)$/ },
  { id: 'intel.qiError', category: 'fault', hint: 'DMAR: VT-d detected',
    re: /^DMAR: VT-d detected Invalidation (?<kind>Queue|Time-out|Completion) Error: (?:Reason|SID) (?<val>[0-9a-f]+)/ },
  { id: 'intel.rmrrLocked', category: 'rmrr', hint: 'RMRR requirement',
    re: /^(?<drv>\S+) (?<dev>\S+): Device is ineligible for IOMMU domain attach due to platform RMRR requirement\./ },
  { id: 'intel.untrustedQuirk', category: 'other', hint: 'untrusted PCI link',
    re: /^(?<drv>\S+) (?<dev>\S+): DMAR: Skipping IOMMU quirk for dev \[(?<vid>[0-9A-F]{4}):(?<did>[0-9A-F]{4})\] on untrusted PCI link$/ },

  // AMD-Vi (drivers/iommu/amd/*)
  { id: 'amd.globalEfr', category: 'firmware-present', hint: 'AMD-Vi: ',
    re: /^AMD-Vi: Using global IVHD EFR:(?<efr>0x[0-9a-f]+|0), EFR2:(?<efr2>0x[0-9a-f]+|0)$/ },
  { id: 'amd.foundIommu', category: 'firmware-present', hint: 'AMD-Vi: ',
    re: new RegExp(`^${DEVPFX}AMD-Vi: Found IOMMU (?:at (?<at>\\S+) )?cap 0x(?<cap>[0-9a-f]+)$`) },
  { id: 'amd.features', category: 'enabled', hint: 'AMD-Vi: ',
    re: /^AMD-Vi: Extended features \((?<efr>0x[0-9a-f]+|0)(?:, (?<efr2>0x[0-9a-f]+|0))?\):(?<feat>(?: \S+)*)\s*$/ },
  { id: 'amd.irEnabled', category: 'interrupt-remapping', hint: 'AMD-Vi: ', re: /^AMD-Vi: Interrupt remapping enabled$/ },
  { id: 'amd.x2apic', category: 'interrupt-remapping', hint: 'AMD-Vi: ', re: /^AMD-Vi: X2APIC enabled$/ },
  { id: 'amd.vapic', category: 'interrupt-remapping', hint: 'AMD-Vi: ', re: /^AMD-Vi: Virtual APIC enabled$/ },
  { id: 'amd.v2pgtbl', category: 'other', hint: 'AMD-Vi: ', re: /^AMD-Vi: V2 page table enabled \(Paging mode : (?<level>\d+) level\)$/ },
  { id: 'amd.unknownOpt', category: 'unknown-params', hint: 'AMD-Vi: ', re: /^AMD-Vi: Unknown option - '(?<opt>[^']*)'$/ },
  { id: 'amd.fw', category: 'firmware-bug', hint: 'AMD-Vi: [Firmware', re: /^AMD-Vi: \[Firmware (?<sev>Bug|Warn)\]: (?<msg>.*)$/ },
  { id: 'amd.irDisabled', category: 'interrupt-remapping-off', hint: 'AMD-Vi: ', re: /^AMD-Vi: Disabling interrupt remapping$/ },
  { id: 'amd.sme', category: 'disabled', hint: 'AMD-Vi: ', re: /^AMD-Vi: IOMMU not currently supported when SME is active$/ },
  { id: 'amd.stoney', category: 'disabled', hint: 'AMD-Vi: ', re: /^AMD-Vi: Disable IOMMU on Stoney Ridge$/ },
  { id: 'amd.strictVirt', category: 'default-domain', hint: 'AMD-Vi: ',
    re: /^AMD-Vi: (?:Using strict mode|IOMMU batching is disabled) due to virtualization$/ },
  { id: 'amd.perf', category: 'firmware-present', hint: 'amd_iommu: Detected',
    re: /^perf\/amd_iommu: Detected AMD IOMMU #(?<idx>\d+) \((?<banks>\d+) banks, (?<counters>\d+) counters\/bank\)\.$/ },
  { id: 'amd.perf', category: 'firmware-present', hint: 'AMD-Vi: ',
    re: new RegExp(`^${DEVPFX}AMD-Vi: IOMMU performance counters supported$`) },
  { id: 'amd.pageFault', category: 'fault', hint: 'IO_PAGE_FAULT',
    re: /^(?:(?<drv>\S+) (?<dev>[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]): )?AMD-Vi: Event logged \[IO_PAGE_FAULT(?: device=(?<evDev>[0-9a-f:.]+))? domain=0x(?<domain>[0-9a-f]+) address=0x(?<addr>[0-9a-f]+) flags=0x(?<flags>[0-9a-f]+)\]$/ },
  { id: 'amd.notAttached', category: 'fault', hint: 'Device not attached',
    re: new RegExp(`^${DEVPFX}AMD-Vi: Event logged \\[Device not attached to domain properly\\]$`) },
  { id: 'amd.event', category: 'fault', hint: 'Event logged',
    re: new RegExp(`^${DEVPFX}AMD-Vi: Event logged \\[(?<type>[A-Z_]+)(?<rest>[^\\]]*)\\]?$`) },

  // PCI, ACS, VFIO (drivers/pci/probe.c, quirks.c, pci.c; drivers/vfio)
  { id: 'pci.pchAcsOk', category: 'acs', hint: 'PCH root port ACS', re: /^(?<drv>\S+) (?<dev>\S+): Intel PCH root port ACS workaround enabled$/ },
  { id: 'pci.pchAcsFail', category: 'acs', hint: 'PCH ACS quirk', re: /^(?<drv>\S+) (?<dev>\S+): Failed to enable Intel PCH ACS quirk$/ },
  { id: 'pci.sptAcs', category: 'acs', hint: 'SPT PCH root port ACS', re: /^(?<drv>\S+) (?<dev>\S+): Intel SPT PCH root port ACS workaround enabled$/ },
  { id: 'pci.alias', category: 'alias', hint: 'DMA alias to', re: /^(?<drv>\S+) (?<dev>\S+): Enabling fixed DMA alias to (?<slot>[0-9a-f]{2})\.(?<fn>[0-7])$/ },
  { id: 'pci.aliasRange', category: 'alias', hint: 'DMA alias for devfn range',
    re: /^(?<drv>\S+) (?<dev>\S+): Enabling fixed DMA alias for devfn range from (?<slot1>[0-9a-f]{2})\.(?<fn1>[0-7]) to (?<slot2>[0-9a-f]{2})\.(?<fn2>[0-7])$/ },
  { id: 'pci.ntbAlias', category: 'alias', hint: 'proxy ID aliases', re: /^(?<drv>\S+) (?<dev>\S+): Setting (?<kind>PLX NTB|Switchtec) proxy ID aliases$/ },
  { id: 'pci.configAcs', category: 'acs', hint: 'Configured ACS', re: /^(?<drv>\S+) (?<dev>\S+): Configured ACS to (?<ctrl>0x[0-9a-f]{4})$/ },
  { id: 'pci.redirOff', category: 'acs', hint: 'disabled ACS redirect',
    re: /^(?<drv>\S+) (?<dev>\S+): (?:Intel SPT PCH root port workaround: )?disabled ACS redirect$/ },
  { id: 'pci.override', category: 'acs-override', hint: 'PCIe ACS overrides',
    re: /^Warning: PCIe ACS overrides enabled; This may allow non-IOMMU protected peer-to-peer DMA$/ },
  { id: 'vfio.noIR', category: 'vfio', hint: 'allow_unsafe_interrupts',
    re: /No interrupt remapping support\.\s+Use the module param "allow_unsafe_interrupts"/ },
  { id: 'vfio.msiInsecure', category: 'vfio', hint: 'MSI interrupts are not secure',
    re: /^(?<drv>\S+) (?<dev>\S+): MSI interrupts are not secure, they cannot be isolated by the platform\./ },
  { id: 'vfio.noiommu', category: 'vfio', hint: 'vfio-noiommu',
    re: /^(?<drv>\S+) (?<dev>\S+): (?:vfio-noiommu device opened by user|Adding kernel taint for vfio-noiommu group on device)/ },
  { id: 'qemu.notViable', category: 'vfio', hint: 'is not viable', re: /vfio (?<dev>\S+): group (?<group>\d+) is not viable/ },
  { id: 'dma.swiotlb', category: 'other', hint: 'SWIOTLB', re: /^PCI-DMA: Using software bounce buffering for IO \(SWIOTLB\)$/ },
  { id: 'boot.unknownParams', category: 'unknown-params', hint: 'Unknown kernel command line',
    re: /^Unknown kernel command line parameters "(?<params>.*)", will be passed to user space\.$/ },
  { id: 'boot.commandLine', category: 'other', hint: 'ommand line: ', re: /^(?:Kernel c|C)ommand line: (?<cmdline>.*)$/ },
];

/**
 * One cheap scan that every catalogue line passes (the union of the rule hints, reduced to
 * shorter literals). More than 95% of a kernel log fails it and never reaches a regex.
 */
const QUICK_FILTER = /DMAR|AMD-Vi|iommu|IOMMU|x2apic|BIOS vendor|Event logged|\] type |ACS|DMA alias|proxy ID|allow_unsafe|MSI interrupts|vfio|SWIOTLB|ommand line|domain type|RMRR/;

/**
 * Lines that report an IOMMU fault: when one of them fails every pattern, the loss is reported
 * as an issue because a missed fault changes what the UI tells the user.
 */
const FAULT_LIKE = /^(?:DMAR: \[(?:DMA|INTR)|(?:\S+ \S+: )?AMD-Vi: Event logged)/;

/** The faulting device inside the bracket of an `amd.event` line of a type not parsed further. */
const DEVICE_IN_REST = /device=(\S+)/;

/** `pci.enum` type strings (drivers/pci/probe.c, 6.8+) named as the snapshot's PcieType. */
const ENUM_KIND_TO_PCIE_TYPE: Record<string, PcieType> = {
  'PCIe Endpoint': 'endpoint',
  'PCIe Legacy Endpoint': 'legacy-endpoint',
  'PCIe Root Port': 'root-port',
  'PCIe Switch Upstream Port': 'upstream-port',
  'PCIe Switch Downstream Port': 'downstream-port',
  'PCIe to PCI/PCI-X bridge': 'pcie-to-pci-bridge',
  'PCI/PCI-X to PCIe bridge': 'pci-to-pcie-bridge',
  'PCIe Root Complex Integrated Endpoint': 'rciep',
  'PCIe Root Complex Event Collector': 'rcec',
  'PCIe unknown': 'unknown-pcie',
  'conventional PCI endpoint': 'conventional',
  'conventional PCI bridge': 'conventional',
  'CardBus bridge': 'conventional',
};

/**
 * The device a line is about: the `device=` of an AMD event (the faulting device, where the
 * dev_info() prefix names the IOMMU unit `ivhd0`), else the dev_info() device (PCI addresses
 * normalised, other names such as `AMDI0010:00` kept), else the domain-less `bus:slot.fn` of an
 * Intel fault, which the DMAR unit's segment qualifies; that is 0000 on nearly every machine
 * (spec 5.2), so it is assumed.
 */
function deviceOf(fields: Record<string, string>): string | null {
  const named = fields.evDev ?? (fields.rest === undefined ? undefined : DEVICE_IN_REST.exec(fields.rest)?.[1]) ?? fields.dev;
  if (named !== undefined) return canonicalPciAddress(named) ?? named;
  if (fields.bus !== undefined && fields.slot !== undefined && fields.fn !== undefined) {
    return normalizePciAddress(`0000:${fields.bus}:${fields.slot}.${fields.fn}`);
  }
  return null;
}

/** The named groups `re` matched in text, those that took part; null when it does not match. */
function regexFields(re: RegExp, text: string): Record<string, string> | null {
  const m = re.exec(text);
  if (!m) return null;
  const fields: Record<string, string> = {};
  const groups = m.groups ?? {};
  for (const name in groups) {
    const value = groups[name];
    if (value !== undefined) fields[name] = value;
  }
  return fields;
}

function classify(text: string, time: number | null): DmesgEvent | null {
  for (const rule of RULES) {
    if (!text.includes(rule.hint)) continue;
    const fields = rule.quick?.(text) ?? regexFields(rule.re, text);
    if (!fields) continue;
    if (rule.id === 'pci.enum' && fields.kind !== undefined) {
      const pcieType = ENUM_KIND_TO_PCIE_TYPE[fields.kind];
      if (pcieType) fields.pcieType = pcieType;
    }
    return { id: rule.id, category: rule.category, time, device: deviceOf(fields), fields, text };
  }
  return null;
}

/**
 * Parse a kernel log in any of the spec 5.1 formats (plain, -T, -x, -r, journalctl -k, syslog
 * files, /dev/kmsg, or bare messages) into catalogue events, in log order.
 * `pci.enum` events carry the kernel's type string in `fields.kind` and, when it is one of the
 * known strings, the matching PcieType in `fields.pcieType`.
 */
export function parseDmesg(text: string): ParseResult<DmesgEvent[]> {
  const events: DmesgEvent[] = [];
  const issues: ParseIssue[] = [];
  const log = String(text);
  // The quick filter scans the whole text and only the lines it hits are cut out: no pattern
  // spans a newline, so a hit lies within one line. Line numbers are counted only for issues.
  const hits = new RegExp(QUICK_FILTER, 'g');
  let lineNumber = 1;
  let counted = 0;
  // Where the line being read starts, for the line number of an issue about it.
  let start = 0;
  const take = (line: string, time: number | null) => {
    const event = classify(line, time);
    if (event) {
      events.push(event);
      return;
    }
    if (!FAULT_LIKE.test(line)) return;
    for (let nl = log.indexOf('\n', counted); nl >= 0 && nl < start; nl = log.indexOf('\n', nl + 1)) lineNumber++;
    counted = start;
    issues.push({ line: lineNumber, message: `IOMMU fault line not understood: ${line.slice(0, 200)}` });
  };
  while (hits.test(log)) {
    // test() rather than exec(): no match object; the hit ends just before lastIndex.
    const hit = hits.lastIndex - 1;
    start = log.lastIndexOf('\n', hit) + 1;
    let end = log.indexOf('\n', hit);
    if (end < 0) end = log.length;
    hits.lastIndex = end + 1;
    normaliseLine(log.slice(start, end), take);
  }
  return { data: events, issues };
}

// ---------------------------------------------------------------------------------------------
// Summary (spec 5.4)
// ---------------------------------------------------------------------------------------------

export interface DmesgSummary {
  /** Which IOMMU driver spoke: from intel.* (DMAR) and amd.* (AMD-Vi) messages. */
  vendor: 'intel' | 'amd' | null;
  /** Firmware describes an IOMMU (DMAR/IVRS parsed), or an active IOMMU proves it. */
  firmwarePresent: boolean;
  /** true: translation active; false: a driver said it is off; null: the log does not say. */
  enabled: boolean | null;
  interruptRemapping: boolean | null;
  /** Default domain of host-owned devices; null unless the IOMMU is shown active. */
  defaultDomain: 'translated' | 'passthrough' | 'lazy' | 'blocked' | null;
  /** DMA, interrupt-remapping and AMD event faults (not the "handling fault status" companion lines). */
  faults: number;
  firmwareBugs: DmesgEvent[];
  /** The out-of-tree pcie_acs_override patch announced itself. */
  acsOverride: boolean;
  /** Every "Adding to iommu group" in log order. */
  groupAdds: { device: string; group: number }[];
}

/** spec 5.4 "IOMMU active". Intel `DMAR-IR` alone is not: interrupt remapping works without DMA remapping. */
const ACTIVE_IDS = new Set(['intel.active', 'amd.features', 'amd.irEnabled', 'core.groupAdd']);
const DISABLED_IDS = new Set(['intel.disabledByParam', 'amd.sme', 'amd.stoney']);
const IR_ON_IDS = new Set(['ir.enabled', 'amd.irEnabled']);
const IR_OFF_IDS = new Set(['ir.off', 'amd.irDisabled']);
const STRICT_FORCED_IDS = new Set(['amd.strictVirt', 'intel.strictVirt']);

function vendorOf(id: string): 'intel' | 'amd' | null {
  if (id.startsWith('intel.') || id.startsWith('ir.')) return 'intel';
  if (id.startsWith('amd.')) return 'amd';
  return null;
}

/**
 * What the log says about the IOMMU as a whole, following spec 5.4. Evidence of activity wins
 * over evidence of absence (a kexec'd kernel may log both); a log without any IOMMU line leaves
 * `enabled` null, because a rotated ring buffer or a grep excerpt loses the boot messages.
 */
export function summarizeDmesg(events: readonly DmesgEvent[]): DmesgSummary {
  // Vendor: the driver with the strongest evidence (active 3 > firmware 2 > mention 1).
  const vendorScore = { intel: 0, amd: 0 };
  let active = false;
  let disabled = false;
  let firmware = false;
  let irOn = false;
  let irOff = false;
  let defaultType: string | null = null;
  let tlbMode: string | null = null;
  let strictForced = false;
  let faults = 0;
  let acsOverride = false;
  const firmwareBugs: DmesgEvent[] = [];
  const groupAdds: { device: string; group: number }[] = [];

  // Indexed: this runs once per snapshot, largely before the optimiser has compiled it, and there
  // a for-of allocates an iterator result per event.
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    const vendor = vendorOf(e.id);
    if (vendor) {
      const score = ACTIVE_IDS.has(e.id) ? 3 : e.category === 'firmware-present' ? 2 : 1;
      vendorScore[vendor] = Math.max(vendorScore[vendor], score);
    }
    if (ACTIVE_IDS.has(e.id)) active = true;
    if (DISABLED_IDS.has(e.id)) disabled = true;
    if (e.category === 'firmware-present') firmware = true;
    if (IR_ON_IDS.has(e.id)) irOn = true;
    if (IR_OFF_IDS.has(e.id)) irOff = true;
    if (STRICT_FORCED_IDS.has(e.id)) strictForced = true;
    if (e.id === 'core.defaultDomain') defaultType = e.fields.type ?? null;
    if (e.id === 'core.tlbPolicy') tlbMode = e.fields.mode ?? null;
    if (e.category === 'fault' && e.id !== 'intel.faultStatus') faults++;
    if (e.category === 'firmware-bug') firmwareBugs.push(e);
    if (e.id === 'pci.override') acsOverride = true;
    if (e.id === 'core.groupAdd' && e.device !== null) {
      const group = Number(e.fields.group);
      if (Number.isSafeInteger(group)) groupAdds.push({ device: e.device, group });
    }
  }

  const vendor = vendorScore.intel > vendorScore.amd ? 'intel'
    : vendorScore.amd > vendorScore.intel ? 'amd'
    : vendorScore.intel > 0 ? firstVendor(events) : null;
  const enabled = active ? true : disabled ? false : null;
  return {
    vendor,
    firmwarePresent: firmware || active,
    enabled,
    interruptRemapping: irOn ? true : irOff ? false : null,
    defaultDomain: enabled === true ? defaultDomainOf(defaultType, tlbMode, strictForced) : null,
    faults,
    firmwareBugs,
    acsOverride,
    groupAdds,
  };
}

/** Equal evidence for both vendors: the driver that spoke first initialised first. */
function firstVendor(events: readonly DmesgEvent[]): 'intel' | 'amd' | null {
  for (const e of events) {
    const vendor = vendorOf(e.id);
    if (vendor) return vendor;
  }
  return null;
}

/**
 * core.defaultDomain "Translated" covers both DMA (strict) and DMA-FQ (lazy); the TLB policy
 * line says which, unless a driver later forced strict mode under a virtual IOMMU (spec 6,
 * iommu.strict). The core prints this line even without a hardware IOMMU (spec 5.2), which is
 * why the caller only reports it for an active IOMMU.
 */
function defaultDomainOf(type: string | null, tlbMode: string | null, strictForced: boolean): DmesgSummary['defaultDomain'] {
  switch (type) {
    case 'Translated':
      return tlbMode === 'lazy' && !strictForced ? 'lazy' : 'translated';
    case 'Passthrough':
      return 'passthrough';
    case 'Blocked':
      return 'blocked';
    default:
      return null;
  }
}
