/**
 * `iommu-atlas` command line. Exit codes: 0 ok, 1 usage, 2 input or connection error.
 * Data goes to stdout, progress and messages to stderr, so output can be piped.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { writeFile } from 'node:fs/promises';
import { TransportError } from '../io/transport.ts';
import { InputError } from '../io/import.ts';
import { loadSnapshotOrCollect, collectTarget, type CollectCliOptions } from './load.ts';
import { DEFAULT_SAMPLE, listSamples, loadSample } from '../io/samples.ts';
import type { Snapshot } from '../core/model/snapshot.ts';
import { importPaths } from '../io/import.ts';
import { renderShowText, showJson } from '../core/report/show.ts';
import { runReport } from './report.ts';
import { CliUsageError, SSH_OPTIONS, sshCollectOptions } from './options.ts';
import { runDiff } from './diff.ts';
import { DEFAULT_PORT, PortInUseError, serve } from './serve.ts';
import { start } from './start.ts';
import { runPredict } from './predict.ts';
import { runAnalyze } from './analyze.ts';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  isTTY: boolean;
}

const defaultIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  isTTY: Boolean(process.stderr.isTTY),
};

export const USAGE = `Usage: iommu-atlas <command> [options]

Commands:
  collect [TARGET] [--sudo] [--output FILE]   Read a host into a snapshot (JSON).
                                               TARGET omitted: this machine; user@host[:port] or an
                                               ~/.ssh/config alias: over SSH.
  import FILE… [--output FILE]                Build a snapshot from saved or pasted outputs
                                               (lspci, group listings, dmesg, dmidecode, virsh XML,
                                               /proc/cmdline…) or a directory of them.
  show [SNAPSHOT|TARGET] [--json]             The IOMMU groups with their devices, and what could
                                               not be read. No argument: this machine, or a bundled
                                               sample when it has no IOMMU groups (TARGET "local":
                                               this machine always).
  show --sample NAME [--json]                 A bundled sample snapshot (lab-q35-mixed,
                                               asus-prime-x570-pro).
  report SNAPSHOT|TARGET [--format md|html|json|svg|png] [--anonymize] [--output FILE]
                                               A report to share: Markdown for a forum post, one
                                               self-contained HTML page with the graph, JSON
                                               (snapshot + analysis), or the graph as SVG/PNG.
  diff A B [--json|--format md]               What changed between two snapshots: devices added,
                                               removed or moved, groups merged or split, drivers,
                                               ACS, links, verdicts, checklist.
  serve [--port N] [--no-open]                The app in the browser: the page and its API on
                                               127.0.0.1 only (default port 7311, 0: any free
                                               port). Prints http://127.0.0.1:PORT/?token=TOKEN;
                                               requests without the token are refused.
  start [--no-open]                           The desktop app (Electron); where it cannot run,
                                               serve instead and say why.
  predict SNAPSHOT|TARGET [--json]            The IOMMU groups the kernel's algorithm predicts from
                                               the topology, compared with the kernel's groups.
  analyze SNAPSHOT|TARGET [--json]            Readiness checks, a passthrough verdict per device and
                                               group with reasons, why groups are shared, and the
                                               group a new card would get in each slot.

SSH options (collect; show, predict, analyze, report and diff with a TARGET):
  --accept-new-host-key   Trust an unknown host key (check the fingerprint first). A changed key is
                          always refused.
  -i, --identity FILE     Private key to use (repeatable).
  --timeout SECONDS       Connect and collection time limit (default 15 s to connect, 120 s to collect).

Exit codes: 0 ok, 1 usage error, 2 input or connection error.
`;

function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new CliUsageError((e as Error).message);
  }
}

async function writeOutput(json: string, output: string | undefined, io: CliIo): Promise<void> {
  if (output) {
    await writeFile(output, json);
    io.stderr(`wrote ${output}\n`);
  } else {
    io.stdout(json);
  }
}

function reportWarnings(warnings: string[], io: CliIo): void {
  const shown = warnings.slice(0, 20);
  for (const w of shown) io.stderr(`warning: ${w}\n`);
  if (warnings.length > shown.length) io.stderr(`warning: … and ${warnings.length - shown.length} more (see provenance.warnings)\n`);
}

async function run(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '-h' || command === '--help' || command === 'help') {
    io.stdout(USAGE);
    return command ? 0 : 1;
  }
  switch (command) {
    case 'collect': {
      const { values, positionals } = parse(rest, { ...SSH_OPTIONS, output: { type: 'string', short: 'o' } });
      if (values.help) return io.stdout(USAGE), 0;
      if (positionals.length > 1) throw new CliUsageError('collect takes at most one TARGET');
      const snapshot = await collectTarget(positionals[0] ?? null, sshCollectOptions(values, io));
      reportWarnings(snapshot.provenance.warnings, io);
      await writeOutput(`${JSON.stringify(snapshot, null, 1)}\n`, values.output, io);
      return 0;
    }
    case 'import': {
      const { values, positionals } = parse(rest, { output: { type: 'string', short: 'o' } });
      if (values.help) return io.stdout(USAGE), 0;
      if (positionals.length === 0) throw new CliUsageError('import needs at least one FILE or directory');
      const snapshot = await importPaths(positionals);
      for (const input of snapshot.provenance.inputs) io.stderr(`read ${input.name} as ${input.format}\n`);
      reportWarnings(snapshot.provenance.warnings, io);
      await writeOutput(`${JSON.stringify(snapshot, null, 1)}\n`, values.output, io);
      return 0;
    }
    case 'show': {
      const { values, positionals } = parse(rest, { ...SSH_OPTIONS, json: { type: 'boolean' }, sample: { type: 'string' } });
      if (values.help) return io.stdout(USAGE), 0;
      if (positionals.length > 1 || (positionals.length === 1 && values.sample)) throw new CliUsageError('show takes one SNAPSHOT file or TARGET, or --sample NAME');
      const snapshot = values.sample
        ? await loadSample(values.sample)
        : positionals.length === 1
          ? await loadSnapshotOrCollect(positionals[0]!, sshCollectOptions(values, io))
          : await thisMachineOrSample(sshCollectOptions(values, io), io);
      io.stdout(values.json ? `${JSON.stringify(showJson(snapshot), null, 2)}\n` : renderShowText(snapshot));
      return 0;
    }
    case 'predict':
      return runPredict(rest, io);
    case 'analyze':
      return runAnalyze(rest, io);
    case 'serve': {
      const { values, positionals } = parse(rest, { port: { type: 'string' }, 'no-open': { type: 'boolean' } });
      if (values.help) return io.stdout(USAGE), 0;
      if (positionals.length > 0) throw new CliUsageError('serve takes no arguments');
      const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
      if (!/^\d{1,5}$/.test(values.port ?? String(DEFAULT_PORT)) || port > 65535) throw new CliUsageError(`--port needs a port number (0-65535), not "${values.port}"`);
      return serve({ port, open: values['no-open'] !== true }, io);
    }
    case 'start': {
      const { values, positionals } = parse(rest, { 'no-open': { type: 'boolean' } });
      if (values.help) return io.stdout(USAGE), 0;
      if (positionals.length > 0) throw new CliUsageError('start takes no arguments');
      return start({ open: values['no-open'] !== true }, io);
    }
    case 'report':
      return runReport(rest, io);
    case 'diff':
      return runDiff(rest, io);
    default:
      throw new CliUsageError(`unknown command "${command}"`);
  }
}

/** `show` with no argument: this machine, or a bundled sample when it has no IOMMU groups to show. */
async function thisMachineOrSample(options: CollectCliOptions, io: CliIo): Promise<Snapshot> {
  const local = await collectTarget(null, options);
  if (local.groups.length > 0) return local;
  const why = local.iommu.enabled === false ? 'its IOMMU is off or absent' : 'no IOMMU groups were found';
  io.stderr(`This machine has ${local.devices.length} PCI functions but ${why}; showing the bundled sample "${DEFAULT_SAMPLE}" instead.\n`
    + `(\`iommu-atlas show local\` shows this machine anyway; samples: ${listSamples().join(', ')}.)\n`);
  return loadSample(DEFAULT_SAMPLE);
}

export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  try {
    return await run(argv, io);
  } catch (e) {
    if (e instanceof CliUsageError) {
      io.stderr(`iommu-atlas: ${e.message}\n\n${USAGE}`);
      return 1;
    }
    if (e instanceof TransportError || e instanceof InputError || e instanceof PortInUseError) {
      io.stderr(`iommu-atlas: ${e.message}\n`);
      return 2;
    }
    if (e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string') {
      io.stderr(`iommu-atlas: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
