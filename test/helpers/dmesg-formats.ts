/**
 * Re-formats a real `dmesg -r` capture (`<6>[    1.624247] pci 0000:00:00.0: Adding to iommu group 0`)
 * into the other kernel-log formats the dmesg parser accepts (spec 5.1), for which the fixtures
 * hold no real capture. This is a MECHANICAL transformation: every record keeps its priority,
 * monotonic stamp and message text byte for byte; only the prefix changes, built the way the
 * producing tool builds it:
 *
 * - `plain`        dmesg:                       `[    1.624247] msg` (reproduces dmesg.txt exactly)
 * - `ctime`        dmesg -T:                    `[Sat Nov 21 10:00:01 2026] msg`
 * - `iso`          dmesg --time-format iso:     `2026-11-21T10:00:01,624247+00:00 msg`
 * - `decode`       dmesg -x:                    `kern  :info  : [    1.624247] msg` (util-linux `%-6s:%-6s: `)
 * - `journal`      journalctl -k (short):       `Nov 21 10:00:01 iommu-lab kernel: msg`
 * - `monotonic`    journalctl -k -o short-monotonic: `[    1.624247] iommu-lab kernel: msg`
 * - `syslog`       rsyslog file (RFC 3339 stamps, bracket repeated): `2026-11-21T10:00:01.624247+00:00 iommu-lab kernel: [    1.624247] msg`
 * - `kmsg`         /dev/kmsg:                   `6,42,1624247,-;msg`
 * - `bare`         messages pasted without any prefix
 *
 * Wall-clock stamps need a boot time the capture does not record; BOOT_EPOCH_MS is an arbitrary
 * fixed instant (UTC), so the output is deterministic.
 */
export interface RawRecord {
  priority: number;
  /** The text inside the brackets, padding kept: "    1.624247". */
  stamp: string;
  message: string;
}

export const BOOT_EPOCH_MS = Date.UTC(2026, 10, 21, 10, 0, 0);
const HOST = 'iommu-lab';

/** Read `dmesg -r` output; throws on a line of another shape (fixtures are trusted). */
export function readRawDmesg(text: string): RawRecord[] {
  return text.split('\n').filter((l) => l !== '').map((line) => {
    const m = /^<(\d+)>\[([ \d]+\.\d+)\] (.*)$/.exec(line);
    if (!m) throw new Error(`not a dmesg -r line: ${line}`);
    return { priority: Number(m[1]), stamp: m[2]!, message: m[3]! };
  });
}

const FACILITIES = ['kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp'];
const LEVELS = ['emerg', 'alert', 'crit', 'err', 'warn', 'notice', 'info', 'debug'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad2 = (n: number) => String(n).padStart(2, '0');

/** Microseconds since boot, from the decimal stamp without float rounding. */
function micros(stamp: string): number {
  const [sec, frac] = stamp.trim().split('.');
  return Number(sec) * 1e6 + Number((frac ?? '').padEnd(6, '0').slice(0, 6));
}

function wallClock(stamp: string): Date {
  return new Date(BOOT_EPOCH_MS + Math.floor(micros(stamp) / 1000));
}

const hms = (d: Date) => `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
const ymd = (d: Date) => `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
const usecPart = (stamp: string) => String(micros(stamp) % 1e6).padStart(6, '0');

export const DMESG_FORMATS = {
  plain: (r: RawRecord) => `[${r.stamp}] ${r.message}`,
  ctime: (r: RawRecord) => {
    const d = wallClock(r.stamp);
    const day = String(d.getUTCDate()).padStart(2, ' ');
    return `[${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${day} ${hms(d)} ${d.getUTCFullYear()}] ${r.message}`;
  },
  iso: (r: RawRecord) => `${ymd(wallClock(r.stamp))}T${hms(wallClock(r.stamp))},${usecPart(r.stamp)}+00:00 ${r.message}`,
  decode: (r: RawRecord) =>
    `${(FACILITIES[r.priority >> 3] ?? 'kern').padEnd(6)}:${LEVELS[r.priority & 7]!.padEnd(6)}: [${r.stamp}] ${r.message}`,
  journal: (r: RawRecord) => {
    const d = wallClock(r.stamp);
    return `${MONTHS[d.getUTCMonth()]} ${pad2(d.getUTCDate())} ${hms(d)} ${HOST} kernel: ${r.message}`;
  },
  monotonic: (r: RawRecord) => `[${r.stamp}] ${HOST} kernel: ${r.message}`,
  syslog: (r: RawRecord) => {
    const d = wallClock(r.stamp);
    return `${ymd(d)}T${hms(d)}.${usecPart(r.stamp)}+00:00 ${HOST} kernel: [${r.stamp}] ${r.message}`;
  },
  kmsg: (r: RawRecord, seq: number) => `${r.priority},${seq},${micros(r.stamp)},-;${r.message}`,
  bare: (r: RawRecord) => r.message,
} satisfies Record<string, (r: RawRecord, seq: number) => string>;

export type DmesgFormat = keyof typeof DMESG_FORMATS;

/** Formats whose prefix keeps the monotonic (since-boot) time. */
export const KEEPS_BOOT_TIME: Record<DmesgFormat, boolean> = {
  plain: true, ctime: false, iso: false, decode: true, journal: false, monotonic: true, syslog: true, kmsg: true, bare: false,
};

export function formatDmesg(records: RawRecord[], format: DmesgFormat): string {
  return records.map((r, i) => DMESG_FORMATS[format](r, i)).join('\n') + '\n';
}
