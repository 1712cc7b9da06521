/**
 * Tell what a pasted or saved text is, from its content (the file name is only a tie-breaker).
 * Users paste outputs from forums and tickets without saying what command made them, so every
 * decision here rests on line shapes that only that command prints.
 */

export type InputFormat =
  | 'snapshot-json'
  | 'collector-output'
  | 'lspci-verbose'
  | 'lspci-hexdump'
  | 'lspci-nnk'
  | 'lspci-machine'
  | 'lspci-tree'
  | 'group-listing'
  | 'pci-devices-tsv'
  | 'dmesg'
  | 'cmdline'
  | 'dmidecode'
  | 'libvirt-domain'
  | 'libvirt-nodedev'
  | 'virsh-list'
  | 'cpuinfo'
  | 'proc-version'
  | 'os-release'
  | 'proc-modules';

export interface DetectedFormat {
  format: InputFormat | null;
  /** Why it was (or was not) recognised, for the error message. */
  reason: string;
}

/** An lspci device header: "0000:00:1f.3 Audio device [0403]: …" or "00:1f.3 Audio device: …". */
const LSPCI_HEADER = /^(?:[0-9a-f]{4,8}:)?[0-9a-f]{2}:[0-9a-f]{2}\.[0-7] \S/i;

function meaningfulLines(text: string, max: number): string[] {
  const out: string[] = [];
  let start = 0;
  while (out.length < max && start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end).replace(/\r$/, '');
    if (line.trim() !== '') out.push(line);
    start = end + 1;
  }
  return out;
}

export function detectFormat(text: string, fileName = ''): DetectedFormat {
  const head = text.slice(0, 4096).trimStart();
  if (head === '') return { format: null, reason: 'the file is empty' };
  if (head.startsWith('@@ATLAS ')) return { format: 'collector-output', reason: 'collector framing' };
  if (head.startsWith('{')) {
    if (/"schemaVersion"\s*:/.test(text.slice(0, 200_000))) return { format: 'snapshot-json', reason: 'JSON with schemaVersion' };
    return { format: null, reason: 'JSON without a schemaVersion: not an IOMMU Atlas snapshot' };
  }
  if (head.startsWith('<')) {
    if (/<domain[\s>]/.test(head)) return { format: 'libvirt-domain', reason: '<domain> XML' };
    if (/<device[\s>]/.test(head)) return { format: 'libvirt-nodedev', reason: '<device> XML' };
  }

  const lines = meaningfulLines(text, 400);
  const count = (re: RegExp) => lines.reduce((n, l) => n + (re.test(l) ? 1 : 0), 0);
  const first = lines[0] ?? '';

  if (/^group\ttype\tndevices\tdevices$/.test(first)) return { format: 'group-listing', reason: 'group table' };
  if (/^bdf\tvendor\tdevice\t/.test(first)) return { format: 'pci-devices-tsv', reason: 'per-device table' };
  const groupLines = count(/^\s*(?:#+\s*)?(?:IOMMU\s+)?group:?\s*\d+/i) + count(/\/sys\/kernel\/iommu_groups\/\d+\/devices\//);
  if (groupLines > 0) {
    // lspci -v also prints "IOMMU group N" (in its Flags line): that is an lspci dump.
    if (count(/^\tFlags: .*IOMMU group \d+/) === 0 && count(/^\tIOMMU group: \d+/) === 0) {
      return { format: 'group-listing', reason: 'IOMMU group lines' };
    }
  }
  if (count(/^[\s|`\\+-]*-\[[0-9a-f]{4,8}:[0-9a-f]{2}\]/i) > 0) {
    return { format: 'lspci-tree', reason: 'lspci -t tree' };
  }
  const headers = count(LSPCI_HEADER);
  // lspci prints device headers and indented detail lines only; a log that merely mentions
  // addresses (a script's transcript) is not lspci output.
  const lspciShaped = headers + count(/^[\t ]/) + count(/^[0-9a-f]{2,3}: (?:[0-9a-f]{2} ?)+$/);
  // A shell prompt or a title line or two around the paste is allowed.
  if (headers > 0 && lines.length - lspciShaped <= Math.max(2, lines.length * 0.1)) {
    if (count(/^Slot:\t/) > 0) return { format: 'lspci-machine', reason: 'lspci -vmm records' };
    if (count(/^(?:[0-9a-f]{4,8}:)?[0-9a-f]{2}:[0-9a-f]{2}\.[0-7] "[^"]*" "/i) > 0) return { format: 'lspci-machine', reason: 'lspci -mm lines' };
    // Forum pastes often turn lspci's tabs into spaces.
    const verbose = count(/^[\t ]+(?:Flags|Control|Status|Capabilities|Latency|Interrupt|Memory at|I\/O ports at|Bus: primary|IOMMU group|NUMA node):? /);
    const hex = count(/^[0-9a-f]{2,3}: (?:[0-9a-f]{2} ){15}[0-9a-f]{2}\s*$/);
    if (verbose > 0) return { format: 'lspci-verbose', reason: 'lspci -v/-vv/-vvv blocks' };
    if (hex > 0) return { format: 'lspci-hexdump', reason: 'lspci -x hex dump' };
    return { format: 'lspci-nnk', reason: 'lspci device lines' };
  }
  if (count(/^Slot:\t/) > 0) return { format: 'lspci-machine', reason: 'lspci -vmm records' };
  if (count(/^Handle 0x[0-9A-F]{4}, DMI type \d+/i) > 0 || count(/^# dmidecode /) > 0 || count(/^System Slot Information\s*$/) > 0) {
    return { format: 'dmidecode', reason: 'dmidecode records' };
  }
  if (/^\s*Id\s+Name\s+State\s*$/.test(first)) return { format: 'virsh-list', reason: 'virsh list table' };
  if (count(/^processor\s*:\s*\d+/) > 0) return { format: 'cpuinfo', reason: '/proc/cpuinfo' };
  if (/^Linux version \S+/.test(first) && lines.length <= 2) return { format: 'proc-version', reason: '/proc/version' };
  if (/^Linux \S+ \d+\.\d+\S* #/.test(first) && lines.length <= 2) return { format: 'proc-version', reason: 'uname -a' };
  if (count(/^(?:PRETTY_NAME|ID|VERSION_ID|NAME)=/) >= 2) return { format: 'os-release', reason: 'os-release keys' };
  if (count(/^\w+ \d+ \d+ (?:-|[\w,-]+,?) (?:Live|Loading|Unloading) 0x[0-9a-f]+/) > 0) return { format: 'proc-modules', reason: '/proc/modules' };

  const kernelish = count(/^(?:<\d+>)?\[\s*\d+\.\d+\]|^\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d [\d:]{8} \d{4}\]|^\w+\s*:\w+\s*: \[|^\w{3} [ \d]\d [\d:]{8} \S+ kernel: |^\d{4}-\d\d-\d\dT[\d:.]+\S* \S+ kernel: |^\d+,\d+,\d+,[^;]*;/);
  const iommuWords = count(/DMAR|AMD-Vi|iommu|IOMMU|pci \d{4}:|PCI:|ACPI/);
  if (kernelish > 0 && kernelish >= lines.length / 4) return { format: 'dmesg', reason: 'kernel log lines' };
  if (iommuWords > 0 && iommuWords >= lines.length / 2 && lines.length > 1) return { format: 'dmesg', reason: 'kernel messages without timestamps' };

  if (lines.length === 1 && /(?:^|\s)(?:BOOT_IMAGE=|root=|ro(?:\s|$)|quiet|intel_iommu=|amd_iommu=|iommu=)/.test(first)) {
    return { format: 'cmdline', reason: 'kernel command line' };
  }
  if (/cmdline/i.test(fileName) && lines.length === 1) return { format: 'cmdline', reason: 'named cmdline, one line' };
  return { format: null, reason: 'no known command output matches its lines' };
}
