/**
 * `iommu-atlas diff A B [--json|--format md|json] [--output FILE]`: what changed between two
 * snapshots (files, directories of outputs, or targets to collect). Markdown by default.
 * Exit code 0 whether or not they differ; the JSON's `identical` says which.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { diffSnapshots } from '../core/diff/diff.ts';
import { renderDiffMarkdown } from '../core/diff/markdown.ts';
import type { CliIo } from './main.ts';
import { loadSnapshotOrCollect } from './load.ts';
import { CliUsageError, SSH_OPTIONS, sshCollectOptions } from './options.ts';

export const DIFF_USAGE = `Usage: iommu-atlas diff A B [--json | --format md|json] [--output FILE]

  A and B: snapshot files, directories of command outputs, or targets to collect (as for show).
  Shows devices added, removed or moved, groups merged or split, drivers, ACS and links changed,
  verdict and checklist changes. Markdown by default; --json for the machine-readable form.
`;

export async function runDiff(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { ...SSH_OPTIONS, json: { type: 'boolean' }, format: { type: 'string', short: 'f' }, output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new CliUsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(DIFF_USAGE);
    return 0;
  }
  if (positionals.length !== 2) throw new CliUsageError('diff takes two snapshots (files, directories or targets): A and B');
  if (values.format !== undefined && values.format !== 'md' && values.format !== 'json') throw new CliUsageError(`unknown diff format "${values.format}": use md or json`);
  if (values.json && values.format === 'md') throw new CliUsageError('--json and --format md contradict each other');
  const json = values.json === true || values.format === 'json';

  const options = sshCollectOptions(values, io);
  const a = await loadSnapshotOrCollect(positionals[0]!, options);
  const b = await loadSnapshotOrCollect(positionals[1]!, options);
  const diff = diffSnapshots(a, b);
  const text = json ? `${JSON.stringify(diff, null, 2)}\n` : renderDiffMarkdown(diff);
  if (values.output) {
    await writeFile(values.output, text);
    io.stderr(`wrote ${values.output}\n`);
  } else {
    io.stdout(text);
  }
  return 0;
}
