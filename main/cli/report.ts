/**
 * `iommu-atlas report SNAPSHOT|TARGET --format md|html|json|svg|png [--anonymize] [--output FILE]`.
 * The format defaults to the --output file's extension, else Markdown. PNG is binary and is only
 * written to a file. Returns the exit code; input and connection errors propagate to main.ts
 * (exit 2).
 */
import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { prepareReport, renderReport, REPORT_FORMATS, type ReportFormat } from '../core/report/report.ts';
import { svgToPng } from '../io/png.ts';
import { loadSnapshotOrCollect } from './load.ts';
import type { CliIo } from './main.ts';
import { CliUsageError, SSH_OPTIONS, sshCollectOptions } from './options.ts';

export const REPORT_USAGE = `Usage: iommu-atlas report SNAPSHOT|TARGET [--format md|html|json|svg|png] [--anonymize] [--output FILE]

  --format      md: Markdown for a forum post or ticket (default); html: one self-contained page
                with the graph; json: the snapshot plus its analysis (\`import\` reads it back);
                svg, png: the topology graph alone. Without --format, the --output extension decides.
  --anonymize   Replace hostnames, user names, serial numbers, MAC and IP addresses and UUIDs
                by placeholders (host-1, mac-1, …), the same value by the same placeholder.
  -o, --output  Write to FILE instead of stdout (required for png).
  SSH options as for collect: --sudo, --accept-new-host-key, -i FILE, --timeout SECONDS.
`;

function formatOf(format: string | undefined, output: string | undefined): ReportFormat {
  const wanted = format ?? (output ? extname(output).slice(1).toLowerCase().replace(/^markdown$/, 'md').replace(/^htm$/, 'html') : 'md');
  if ((REPORT_FORMATS as readonly string[]).includes(wanted)) return wanted as ReportFormat;
  throw new CliUsageError(format === undefined
    ? `cannot tell the format from "${output}": give --format ${REPORT_FORMATS.join('|')}`
    : `unknown format "${format}": use ${REPORT_FORMATS.join(', ')}`);
}

export async function runReport(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { ...SSH_OPTIONS, format: { type: 'string', short: 'f' }, anonymize: { type: 'boolean' }, output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new CliUsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(REPORT_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new CliUsageError('report takes one SNAPSHOT file or TARGET');
  const format = formatOf(values.format, values.output);
  if (format === 'png' && !values.output) throw new CliUsageError('PNG is binary: give --output FILE');

  const snapshot = await loadSnapshotOrCollect(positionals[0]!, sshCollectOptions(values, io));
  const report = prepareReport(snapshot, { anonymize: values.anonymize === true });
  if (report.anonymized) {
    const replaced = Object.entries(report.anonymized).filter(([, n]) => n > 0).map(([kind, n]) => `${n} ${kind}`);
    io.stderr(`anonymised: ${replaced.length ? replaced.join(', ') : 'nothing to replace'}\n`);
  }

  if (format === 'png') {
    const image = svgToPng(renderReport(report, 'svg'));
    await writeFile(values.output!, image.png);
    io.stderr(`wrote ${values.output} (${image.width}×${image.height} px)\n`);
    return 0;
  }
  const text = renderReport(report, format);
  if (values.output) {
    await writeFile(values.output, text);
    io.stderr(`wrote ${values.output}\n`);
  } else {
    io.stdout(text);
  }
  return 0;
}
