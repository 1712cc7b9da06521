/**
 * The naive baseline: what a collector without the one-exec script would do over SSH, one exec per
 * file, sequentially over one already open connection (no reconnect per file, which flatters it).
 *
 * The plan mirrors the files main/io/collector/collect.sh reads in its sysfs walks:
 * - per function (col_pci): the device link resolved (`readlink -f`), each of its attribute files
 *   that exists (`cat`), each of its driver / iommu_group / iommu / physfn / virtfnN links
 *   (`readlink -f`);
 * - per IOMMU group (col_iommu_groups): `type`, `name` if present, `reserved_regions` (`cat`), each
 *   member link (`readlink -f`);
 * - the commands that are one exec either way: `lspci -vvv -nn -D -x` and `dmesg` (sysroot forms).
 * The small fixed files (cmdline, version, modules, …) are left out, and the naive way's results
 * are not parsed: the baseline is a lower bound of what the naive way would cost.
 */
import { existsSync, lstatSync, readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { now, round, statsOf, type Stats } from './measure.ts';
import { execRaw, type RawClient } from './ssh.ts';

/** The attributes col_pci reads, in its order. */
const PCI_ATTRIBUTES = [
  'vendor', 'device', 'subsystem_vendor', 'subsystem_device', 'class', 'revision', 'numa_node',
  'current_link_speed', 'current_link_width', 'max_link_speed', 'max_link_width', 'reset_method',
  'boot_vga', 'sriov_totalvfs', 'sriov_numvfs', 'driver_override', 'secondary_bus_number',
  'subordinate_bus_number',
];
const PCI_LINKS = /^(driver|iommu_group|iommu|physfn|virtfn\d+)$/;

export interface NaivePlan {
  /** One list of command lines per PCI function. */
  perFunction: string[][];
  /** One list of command lines per IOMMU group. */
  perGroup: string[][];
  /** Whole-section commands, one exec each. */
  commands: string[];
  /** Total number of execs. */
  execs: number;
}

function quote(path: string): string {
  return `'${path.replace(/'/g, `'\\''`)}'`;
}

/** Lists what the naive way would run for the tree at `sysroot`, by looking at the tree itself. */
export function naivePlan(sysroot: string): NaivePlan {
  const devices = join(sysroot, 'sys/bus/pci/devices');
  const perFunction = readdirSync(devices).sort().map((name) => {
    const link = join(devices, name);
    const real = realpathSync(link);
    const reads = [`readlink -f -- ${quote(link)}`];
    for (const attribute of PCI_ATTRIBUTES) {
      if (existsSync(join(real, attribute))) reads.push(`cat -- ${quote(join(real, attribute))}`);
    }
    for (const entry of readdirSync(real).sort()) {
      if (PCI_LINKS.test(entry) && lstatSync(join(real, entry)).isSymbolicLink()) reads.push(`readlink -f -- ${quote(join(real, entry))}`);
    }
    return reads;
  });
  const groupsDir = join(sysroot, 'sys/kernel/iommu_groups');
  const perGroup = (existsSync(groupsDir) ? readdirSync(groupsDir) : []).map((group) => {
    const dir = join(groupsDir, group);
    const reads = ['type', 'name', 'reserved_regions'].filter((f) => existsSync(join(dir, f))).map((f) => `cat -- ${quote(join(dir, f))}`);
    for (const member of readdirSync(join(dir, 'devices')).sort()) reads.push(`readlink -f -- ${quote(join(dir, 'devices', member))}`);
    return reads;
  });
  const commands = [
    `lspci -O sysfs.path=${quote(join(sysroot, 'sys/bus/pci'))} -vvv -nn -D -x`,
    `dmesg -F ${quote(join(sysroot, 'dmesg-raw.txt'))}`,
  ];
  const execs = perFunction.reduce((n, r) => n + r.length, 0) + perGroup.reduce((n, r) => n + r.length, 0) + commands.length;
  return { perFunction, perGroup, commands, execs };
}

export interface NaiveResult {
  /** Execs in the whole plan. */
  execs: number;
  /** Execs actually run (all of them, or the sample). */
  execsRun: number;
  /** Time of the whole plan: measured, or extrapolated from the sample. */
  totalMs: number;
  extrapolated: boolean;
  /** Per-file execs only (cat/readlink), their time per exec. */
  perFileExec: Stats;
  /** Time of the whole-section commands (lspci, dmesg), each measured once, in full. */
  commandsMs: number;
  /** Wall time actually spent. */
  measuredMs: number;
}

/**
 * Runs the plan on `client`, one exec after another. With `sampleExecs` smaller than the plan's
 * per-file execs, runs only the files of evenly spaced functions and groups (about that many
 * execs) and extrapolates: time per per-file exec × all per-file execs, plus the commands, which
 * always run in full.
 */
export async function runNaive(client: RawClient, plan: NaivePlan, sampleExecs = Infinity): Promise<NaiveResult> {
  const started = now();
  const perFile = plan.execs - plan.commands.length;
  const fraction = Math.min(1, sampleExecs / perFile);
  const pick = <T>(list: T[]): T[] => {
    if (fraction >= 1) return list;
    const wanted = Math.max(1, Math.round(list.length * fraction));
    return Array.from({ length: wanted }, (_, i) => list[Math.floor((i * list.length) / wanted)]!);
  };
  const samples: number[] = [];
  for (const reads of [...pick(plan.perFunction), ...pick(plan.perGroup)]) {
    for (const command of reads) {
      const t = now();
      await execRaw(client, command);
      samples.push(now() - t);
    }
  }
  const t = now();
  for (const command of plan.commands) await execRaw(client, command);
  const commandsMs = now() - t;
  const perFileExec = statsOf(samples);
  const sampledMs = samples.reduce((a, b) => a + b, 0);
  const extrapolated = samples.length < perFile;
  return {
    execs: plan.execs,
    execsRun: samples.length + plan.commands.length,
    totalMs: round((extrapolated ? (sampledMs / samples.length) * perFile : sampledMs) + commandsMs),
    extrapolated,
    perFileExec,
    commandsMs: round(commandsMs),
    measuredMs: round(now() - started),
  };
}
