/**
 * `npm run bench`: the snapshot engine's benchmark (issue 2 "Benchmark", issue 3's analysis target).
 *
 * In one run, on loopback SSH to a real OpenSSH sshd this script starts and stops itself:
 * - the bare round trip: `ssh root@127.0.0.1 true` (OpenSSH client) and the same through our ssh2
 *   transport, both including connect and login;
 * - our one-exec collection (connect + collect + parse into a Snapshot, i.e. collectSnapshot())
 *   of fixture trees of ~300 and ~5,000 PCI functions, replicated from the `mixed` lab capture
 *   (test/helpers/big-tree.ts) and checked function by function and group by group;
 * - the naive way, one exec per file (./naive.ts): in full at 300 functions, from an evenly spread
 *   sample at 5,000 (extrapolated, and labelled so);
 * - parse (and analysis) of the collector output of a 10,000-function tree, in process;
 * - where the time goes: per-section times of one collection over SSH and locally
 *   (./breakdown.ts) and a CPU profile of the parse when it misses its target (./parse.ts).
 * Prints a table, writes test-results/bench.json, removes its trees and its sshd. Exit code 1 only
 * when a measurement could not be made or a collected snapshot does not match its tree; a missed
 * target is a result, not a failure.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareGroups, predictGroups } from '../../main/core/analysis/predictor/index.ts';
import type { Snapshot } from '../../main/core/model/snapshot.ts';
import { collectSnapshot } from '../../main/io/collect.ts';
import { COLLECTOR_SCRIPT } from '../../main/io/collector/script.ts';
import { LocalTransport } from '../../main/io/local-transport.ts';
import { buildBigTree, checkSnapshotOfTree, type BigTree } from '../helpers/big-tree.ts';
import { breakdownRun, type Breakdown } from './breakdown.ts';
import { interleaved, now, pairedRatio, repeated, round, scratchRoot, timeOnce, type Stats } from './measure.ts';
import { naivePlan, runNaive, type NaiveResult } from './naive.ts';
import { ANALYSIS, profile, snapshotOfOutput, timePure, type PureTimings, type ProfileEntry } from './parse.ts';
import { bareOpenSshTrue, connectOurs, connectRaw, ourTransportTrue, SKIP_BASHRC, startSshBench, type SshBench } from './ssh.ts';

const SMALL = 300;
const LARGE = 5_000;
const PARSE = 10_000;
/** Rounds of the interleaved small measurements (bare ssh, our true, collect 300). */
const SMALL_ROUNDS = 11;
const LARGE_RUNS = 5;
const PARSE_RUNS = 7;
/** Per-file execs run for the naive baseline at 5,000 functions before extrapolating. */
const NAIVE_LARGE_SAMPLE = 1_000;

const TARGETS = {
  collectSmallRatio: 2,
  collectLargeMs: 1_000,
  parseMs: 300,
  parseAndAnalysisMs: 300,
};

/** Which bare round trip the 300-function target is judged against, and why (printed and in the JSON). */
const RATIO_BASELINE =
  'the issue\'s own reference, a bare `ssh host true` through the OpenSSH client, run with the key exchange our ssh2 client ' +
  'negotiates (curve25519-sha256) rather than OpenSSH\'s default post-quantum one (sntrup761x25519-sha512), so that neither side ' +
  'pays for crypto the other skips; the default-kex ratio is reported beside it. The stricter reading, a bare `true` through our ' +
  'own ssh2 transport (same client code, no process start), is reported as a second row: it cannot reach 2x while ' +
  '`lspci -vvv` alone on the tree takes longer than that whole round trip.';

const RESULTS = fileURLToPath(new URL('../../test-results/bench.json', import.meta.url));

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

function buildTree(scratch: string, functions: number): { tree: BigTree; buildMs: number } {
  const start = now();
  const tree = buildBigTree(functions, join(scratch, `tree-${functions}`));
  const buildMs = round(now() - start, 0);
  log(`tree of ${functions} functions (${tree.copies} domains, ${tree.groups.size} groups) built in ${buildMs} ms`);
  return { tree, buildMs };
}

function verify(snapshot: Snapshot, tree: BigTree, how: string): void {
  const problems = checkSnapshotOfTree(snapshot, tree);
  if (problems.length) throw new Error(`the snapshot of the ${tree.functions}-function tree collected ${how} does not match the tree:\n  ${problems.join('\n  ')}`);
  log(`${how}: ${snapshot.devices.length} functions and ${snapshot.groups.length} groups, all as in the tree`);
}

function toolVersion(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim() || 'unknown';
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    return stderr.trim() || 'unknown';
  }
}

function versions(): Record<string, string> {
  // `ssh -V` prints to stderr and exits 0.
  const ssh = execFileSync('sh', ['-c', 'ssh -V 2>&1'], { encoding: 'utf8' }).trim();
  return { node: process.version, openssh: ssh, lspci: toolVersion('lspci', ['--version']), cpu: cpus()[0]?.model ?? 'unknown', cpus: String(cpus().length) };
}

interface Target {
  name: string;
  target: string;
  value: string;
  met: boolean;
}

/** Ratios for the 300-function collection are medians of per-round ratios (measure.ts pairedRatio). */
interface Ratios {
  collectSmallOverBareOurTransport: number;
  /** The plain ratio of the two medians, for comparison. */
  collectSmallOverBareOurTransportOfMedians: number;
  collectSmallOverBareOpenSsh: number;
  collectSmallOverBareOpenSshCurve25519: number;
  collectSmallOverBareOpenSshAsIs: number;
  collectLargeOverBareOurTransport: number;
  naiveSmallOverCollectSmall: number;
  naiveLargeOverCollectLarge: number;
}

interface Results {
  date: string;
  machine: Record<string, string>;
  loadAverage1m: { start: number; end: number };
  trees: Record<string, { functions: number; domains: number; groups: number; buildMs: number }>;
  bareOpenSshTrue: Stats;
  /** OpenSSH with the key exchange ssh2 negotiates (curve25519-sha256) instead of its default sntrup761x25519. */
  bareOpenSshTrueCurve25519: Stats;
  bareOurTransportTrue: Stats;
  collectSmall: Stats;
  /** The same two with root's ~/.bashrc sourced, as this machine has it (see SKIP_BASHRC). */
  bareOpenSshTrueAsIs: Stats;
  collectSmallAsIs: Stats;
  collectLarge: Stats;
  /** `lspci -vvv -nn -D -x` alone on the 300- and 5,000-function trees (the collector runs it as is). */
  lspciAlone: Record<string, Stats>;
  naiveSmall: NaiveResult;
  naiveLarge: NaiveResult;
  pure: PureTimings;
  predictorAgreesWithTree: boolean;
  ratios: Ratios;
  ratioBaseline: string;
  targets: Target[];
  breakdowns: Record<string, Breakdown>;
  parseProfile: ProfileEntry[] | null;
  analysisProfile: ProfileEntry[] | null;
  durationS: number;
}

async function main(): Promise<void> {
  const started = now();
  const loadStart = loadavg()[0]!;
  const scratch = scratchRoot('atlas-bench');
  log(`scratch ${scratch}; load average ${loadStart.toFixed(2)} on ${cpus().length} CPUs`);

  // 1. The 10,000-function collector output, captured once through the real script, then the tree goes.
  const huge = buildTree(scratch, PARSE);
  const local = new LocalTransport();
  const hugeRun = await timeOnce(() => local.run({ command: 'plain', stdin: COLLECTOR_SCRIPT, env: { ATLAS_SYSROOT: huge.tree.root }, timeoutMs: 300_000 }));
  log(`collector on ${PARSE} functions (local): ${round(hugeRun.ms, 0)} ms, ${(Buffer.byteLength(hugeRun.value.stdout) / 1e6).toFixed(1)} MB of output`);
  const hugeText = hugeRun.value.stdout;
  const hugeSnapshot = snapshotOfOutput(hugeText);
  verify(hugeSnapshot, huge.tree, 'locally');
  rmSync(huge.tree.root, { recursive: true, force: true });

  // 2. Parse and analysis in process.
  const analysis = ANALYSIS;
  log(`parse ${PARSE} functions, analysis: ${analysis.name}`);
  const pure = await timePure(hugeText, analysis, PARSE_RUNS);
  const predicted = predictGroups(hugeSnapshot).predicted.map((g) => g.devices);
  const predictorAgreesWithTree = compareGroups(predicted, hugeSnapshot.groups.map((g) => g.devices)).equal;
  const parseProfile = pure.parse.medianMs > TARGETS.parseMs ? await profile(() => snapshotOfOutput(hugeText), 3, 12) : null;
  const analysisProfile = pure.parseAndAnalysis.medianMs > TARGETS.parseAndAnalysisMs ? await profile(() => analysis.run(hugeSnapshot), 3, 12) : null;

  // 3. The SSH measurements.
  const small = buildTree(scratch, SMALL);
  const large = buildTree(scratch, LARGE);
  const bench: SshBench = await startSshBench();
  log(`sshd on 127.0.0.1:${bench.sshd.port}`);
  const results: Partial<Results> = {};
  try {
    const collectVia = async (tree: BigTree, asIs = false) => {
      const transport = await connectOurs(bench);
      try {
        const env = { ...(asIs ? {} : SKIP_BASHRC), ATLAS_SYSROOT: tree.root };
        return await collectSnapshot(transport, { env, timeoutMs: 300_000 });
      } finally {
        await transport.close();
      }
    };
    verify(await collectVia(small.tree), small.tree, 'over SSH');
    verify(await collectVia(large.tree), large.tree, 'over SSH');

    log(`bare round trips and collection of ${SMALL}, interleaved, ${SMALL_ROUNDS} rounds`);
    const round1 = await interleaved(SMALL_ROUNDS, {
      openssh: () => bareOpenSshTrue(bench),
      opensshCurve25519: () => bareOpenSshTrue(bench, { kex: 'curve25519-sha256' }),
      ours: () => ourTransportTrue(bench),
      collect: () => collectVia(small.tree),
      opensshAsIs: () => bareOpenSshTrue(bench, { asIs: true }),
      collectAsIs: () => collectVia(small.tree, true),
    });
    results.bareOpenSshTrue = round1.openssh!;
    results.bareOpenSshTrueCurve25519 = round1.opensshCurve25519!;
    results.bareOurTransportTrue = round1.ours!;
    results.collectSmall = round1.collect!;
    results.bareOpenSshTrueAsIs = round1.opensshAsIs!;
    results.collectSmallAsIs = round1.collectAsIs!;

    log(`collection of ${LARGE}, ${LARGE_RUNS} runs`);
    results.collectLarge = await repeated(LARGE_RUNS, () => collectVia(large.tree));

    // The floor under both collections: the script's own lspci command, alone, on the same tree.
    log('lspci alone on the same trees');
    results.lspciAlone = {};
    for (const { tree } of [small, large]) {
      const lspci = () => execFileSync('lspci', ['-O', `sysfs.path=${tree.root}/sys/bus/pci`, '-vvv', '-nn', '-D', '-x'], { stdio: ['ignore', 'ignore', 'ignore'] });
      results.lspciAlone[String(tree.functions)] = await repeated(LARGE_RUNS, lspci);
    }

    log('breakdowns (SSH and local)');
    const breakdowns: Record<string, Breakdown> = {};
    for (const { tree } of [small, large]) {
      const env = { ...SKIP_BASHRC, ATLAS_SYSROOT: tree.root };
      const viaSsh = await breakdownRun(() => connectOurs(bench), env);
      verify(viaSsh.snapshot, tree, 'over SSH (breakdown)');
      breakdowns[`ssh-${tree.functions}`] = viaSsh.breakdown;
      breakdowns[`local-${tree.functions}`] = (await breakdownRun(async () => new LocalTransport(), env)).breakdown;
    }
    results.breakdowns = breakdowns;

    const client = await connectRaw(bench);
    try {
      const planSmall = naivePlan(small.tree.root);
      log(`naive, ${SMALL} functions: ${planSmall.execs} execs, all of them`);
      results.naiveSmall = await runNaive(client, planSmall);
      const planLarge = naivePlan(large.tree.root);
      log(`naive, ${LARGE} functions: ${planLarge.execs} execs, a sample of ${NAIVE_LARGE_SAMPLE} per-file execs`);
      results.naiveLarge = await runNaive(client, planLarge, NAIVE_LARGE_SAMPLE);
    } finally {
      client.end();
    }
  } finally {
    await bench.stop();
    rmSync(scratch, { recursive: true, force: true });
  }

  const r = results as Required<Pick<Results, 'bareOpenSshTrue' | 'bareOpenSshTrueCurve25519' | 'bareOurTransportTrue' | 'collectSmall' | 'bareOpenSshTrueAsIs' | 'collectSmallAsIs' | 'collectLarge' | 'lspciAlone' | 'naiveSmall' | 'naiveLarge' | 'breakdowns'>>;
  const ratios: Ratios = {
    collectSmallOverBareOurTransport: pairedRatio(r.collectSmall, r.bareOurTransportTrue),
    collectSmallOverBareOurTransportOfMedians: round(r.collectSmall.medianMs / r.bareOurTransportTrue.medianMs),
    collectSmallOverBareOpenSsh: pairedRatio(r.collectSmall, r.bareOpenSshTrue),
    collectSmallOverBareOpenSshCurve25519: pairedRatio(r.collectSmall, r.bareOpenSshTrueCurve25519),
    collectSmallOverBareOpenSshAsIs: pairedRatio(r.collectSmallAsIs, r.bareOpenSshTrueAsIs),
    collectLargeOverBareOurTransport: round(r.collectLarge.medianMs / r.bareOurTransportTrue.medianMs),
    naiveSmallOverCollectSmall: round(r.naiveSmall.totalMs / r.collectSmall.medianMs, 1),
    naiveLargeOverCollectLarge: round(r.naiveLarge.totalMs / r.collectLarge.medianMs, 1),
  };
  const targets: Target[] = [
    { name: `collect ${SMALL} / bare ssh host true`, target: `≤ ${TARGETS.collectSmallRatio}x`, value: `${ratios.collectSmallOverBareOpenSshCurve25519}x`, met: ratios.collectSmallOverBareOpenSshCurve25519 <= TARGETS.collectSmallRatio },
    { name: `  stricter: / bare true, our own ssh2 stack`, target: `≤ ${TARGETS.collectSmallRatio}x`, value: `${ratios.collectSmallOverBareOurTransport}x`, met: ratios.collectSmallOverBareOurTransport <= TARGETS.collectSmallRatio },
    { name: `collect ${LARGE} (median)`, target: `< ${TARGETS.collectLargeMs} ms`, value: `${r.collectLarge.medianMs} ms`, met: r.collectLarge.medianMs < TARGETS.collectLargeMs },
    { name: `parse ${PARSE} (warm median)`, target: `< ${TARGETS.parseMs} ms`, value: `${pure.parse.medianMs} ms`, met: pure.parse.medianMs < TARGETS.parseMs },
    { name: `parse + analysis ${PARSE} (warm median)`, target: `< ${TARGETS.parseAndAnalysisMs} ms`, value: `${pure.parseAndAnalysis.medianMs} ms`, met: pure.parseAndAnalysis.medianMs < TARGETS.parseAndAnalysisMs },
  ];
  const full: Results = {
    date: new Date().toISOString(),
    machine: versions(),
    loadAverage1m: { start: round(loadStart), end: round(loadavg()[0]!) },
    trees: Object.fromEntries([huge, small, large].map(({ tree, buildMs }) => [String(tree.functions), { functions: tree.functions, domains: tree.copies, groups: tree.groups.size, buildMs }])),
    ...r,
    pure,
    predictorAgreesWithTree,
    ratios,
    ratioBaseline: RATIO_BASELINE,
    targets,
    parseProfile,
    analysisProfile,
    durationS: round((now() - started) / 1000, 1),
  };
  mkdirSync(join(RESULTS, '..'), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(full, null, 2)}\n`);
  process.stdout.write(report(full));
  log(`results in ${RESULTS}`);
}

function ms(value: number): string {
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${value.toFixed(value < 100 ? 1 : 0)} ms`;
}

function report(res: Results): string {
  const lines: string[] = [];
  const row = (label: string, s: Stats) => lines.push(`  ${label.padEnd(58)} ${ms(s.medianMs).padStart(9)} ${ms(s.minMs).padStart(9)} ${ms(s.maxMs).padStart(9)} ${String(s.runs).padStart(5)}`);
  const ratio = (label: string, value: number, note = '') => lines.push(`    ${label.padEnd(56)} ${`${value}x`.padStart(8)}${note ? `  ${note}` : ''}`);
  lines.push('', `IOMMU Atlas benchmark, ${res.date}`);
  lines.push(`  ${res.machine.cpus} × ${res.machine.cpu}; node ${res.machine.node}; ${res.machine.openssh}; ${res.machine.lspci}`);
  lines.push(`  load average (1 min) ${res.loadAverage1m.start} at start, ${res.loadAverage1m.end} at end: the machine is shared; wall-clock times`);
  lines.push(`  trees (mixed capture replicated): ${Object.values(res.trees).map((t) => `${t.functions} functions = ${t.domains} domains, ${t.groups} groups`).join('; ')}`);
  lines.push(`  SSH execs skip root's ~/.bashrc (SHLVL=1) unless marked "as is"; see test/bench/ssh.ts`);
  lines.push('', `  ${'wall time'.padEnd(58)} ${'median'.padStart(9)} ${'min'.padStart(9)} ${'max'.padStart(9)} ${'runs'.padStart(5)}`);
  row('bare `true` through our ssh2 transport (connect+exec+close)', res.bareOurTransportTrue);
  row('bare `ssh root@127.0.0.1 true`, OpenSSH client', res.bareOpenSshTrue);
  row('  the same with KexAlgorithms=curve25519-sha256 (as ssh2)', res.bareOpenSshTrueCurve25519);
  row('  the same with root\'s ~/.bashrc as is (pyenv init)', res.bareOpenSshTrueAsIs);
  row(`collect ${SMALL} functions, one exec (connect+collect+parse)`, res.collectSmall);
  row(`  the same with root's ~/.bashrc as is`, res.collectSmallAsIs);
  row(`collect ${LARGE} functions, one exec (connect+collect+parse)`, res.collectLarge);
  for (const [functions, stats] of Object.entries(res.lspciAlone)) row(`  lspci -vvv -nn -D -x alone, same tree of ${functions}`, stats);
  for (const [label, n] of [[`naive ${SMALL}`, res.naiveSmall], [`naive ${LARGE}`, res.naiveLarge]] as const) {
    const how = n.extrapolated ? `EXTRAPOLATED from ${n.execsRun} of ${n.execs} execs` : `measured: all ${n.execs} execs`;
    lines.push(`  ${`${label}, one exec per file, ${how}`.padEnd(58)} ${ms(n.totalMs).padStart(9)}   (per-file exec median ${ms(n.perFileExec.medianMs)}; lspci+dmesg ${ms(n.commandsMs)})`);
  }
  row(`parse ${PARSE} functions (${(res.pure.outputBytes / 1e6).toFixed(1)} MB of collector output)`, res.pure.parse);
  row(`analysis of ${PARSE}: ${res.pure.analysis.split(' (')[0]}`, res.pure.analysisOnly);
  row(`parse + analysis ${PARSE}`, res.pure.parseAndAnalysis);
  lines.push(`  (in-process runs after a first, cold one: parse ${ms(res.pure.coldParseMs)}, analysis ${ms(res.pure.coldAnalysisMs)})`);
  lines.push(`  predicted groups (predictGroups) equal the tree's at ${PARSE} functions: ${res.predictorAgreesWithTree}`);

  lines.push('', `  ratios (at ${SMALL}: median of the per-round ratios; otherwise of the medians)`);
  ratio(`collect ${SMALL} / bare ssh true, OpenSSH with curve25519`, res.ratios.collectSmallOverBareOpenSshCurve25519, '<- the target\'s reference');
  ratio(`collect ${SMALL} / bare ssh true, OpenSSH`, res.ratios.collectSmallOverBareOpenSsh);
  ratio(`collect ${SMALL} / bare true, our ssh2 transport`, res.ratios.collectSmallOverBareOurTransport, `<- stricter (ratio of the medians: ${res.ratios.collectSmallOverBareOurTransportOfMedians}x)`);
  ratio(`collect ${SMALL} / bare ssh true, OpenSSH, ~/.bashrc as is`, res.ratios.collectSmallOverBareOpenSshAsIs);
  ratio(`collect ${LARGE} / bare true, our ssh2 transport`, res.ratios.collectLargeOverBareOurTransport);
  ratio(`naive ${SMALL} / collect ${SMALL}`, res.ratios.naiveSmallOverCollectSmall);
  ratio(`naive ${LARGE} / collect ${LARGE}`, res.ratios.naiveLargeOverCollectLarge, res.naiveLarge.extrapolated ? '(naive extrapolated)' : '');
  lines.push(`    reference: ${res.ratioBaseline}`);

  lines.push('', '  targets');
  for (const t of res.targets) lines.push(`    ${t.met ? 'MET   ' : 'MISSED'} ${t.name.padEnd(44)} ${t.value.padStart(10)}   target ${t.target}`);

  for (const [name, b] of Object.entries(res.breakdowns)) {
    lines.push('', `  where the time goes: ${name} (${b.functions} functions, ${(b.outputBytes / 1e6).toFixed(1)} MB of output), total ${ms(b.totalMs)}`);
    lines.push(`    connect ${ms(b.connectMs)} | script run ${ms(b.runMs)} (first byte after ${ms(b.firstByteMs)}) | framing ${ms(b.framingMs)} | snapshot ${ms(b.snapshotMs)} | close ${ms(b.closeMs)}`);
    if (b.machineCpuMs !== null) lines.push(`    CPU time of the whole machine during the script run: ${ms(b.machineCpuMs)} on ${b.cpus} CPUs, so at least ${ms(b.machineCpuMs / b.cpus)} however its parts overlap`);
    const big = b.sections.filter((s) => s.ms >= 5).map((s) => `${s.name} ${ms(s.ms)}`);
    lines.push(`    script sections of 5 ms or more: ${big.join(', ') || 'none'} (by marker arrival: the walks run alongside lspci and are printed after it, see breakdown.ts)`);
  }
  for (const [title, entries] of [['parse', res.parseProfile], [`analysis (${res.pure.analysis.split(' (')[0]})`, res.analysisProfile]] as const) {
    if (!entries) continue;
    lines.push('', `  CPU profile of ${title} at ${PARSE} functions: self time per run, top ${entries.length}, with callers`);
    for (const p of entries) {
      const callers = p.callers.map((c) => `${c.caller} ${c.percent}%`).join('; ');
      lines.push(`    ${ms(p.selfMs).padStart(9)} ${`${p.percent}%`.padStart(6)}  ${p.function}${p.file ? ` (${p.file})` : ''}${callers ? `  <- ${callers}` : ''}`);
    }
  }
  lines.push('', `  ${res.durationS} s in all; JSON in test-results/bench.json`, '');
  return lines.join('\n');
}

/**
 * The tsx CLI (`npm run bench`) passes Ctrl-C on to its child only if the child acknowledges it
 * within 30 ms, and SIGKILLs it otherwise; the benchmark spends seconds in synchronous work
 * (building trees, parsing), so a SIGKILL would leave sshd and gigabytes of trees in /dev/shm
 * behind. So the tsx-run process only supervises: it runs the benchmark in a plain `node --import
 * tsx` child, which handles the signal when it next gets to its event loop and cleans up (its
 * 'exit' handlers and sshd's), and waits for it.
 */
function supervise(): void {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url)], {
    stdio: 'inherit',
    env: { ...process.env, ATLAS_BENCH_WORKER: '1' },
  });
  let told = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (!told) log(`${signal}: stopping and cleaning up…`);
      told = true;
      child.kill(signal);
    });
  }
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 130 : 1);
  });
}

if (process.env.ATLAS_BENCH_WORKER === '1') {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));
  main().catch((error: unknown) => {
    log(`failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    process.exitCode = 1;
  });
} else {
  supervise();
}
