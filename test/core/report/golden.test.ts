/**
 * Golden files: every report format on lab captures and real machines, compared byte for byte
 * with test/fixtures/golden/ (how they are made and reviewed: test/fixtures/golden/README.md).
 * `UPDATE_GOLDEN=1 npx vitest run test/core/report/golden.test.ts` rewrites them; the diff is then
 * read before it is kept.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffSnapshots } from '../../../main/core/diff/diff.ts';
import { renderDiffMarkdown } from '../../../main/core/diff/markdown.ts';
import { prepareReport, renderReport, type TextReportFormat } from '../../../main/core/report/report.ts';
import { fixtureSnapshot, GOLDEN } from './cases.ts';

const UPDATE = process.env['UPDATE_GOLDEN'] === '1';

function checkGolden(name: string, actual: string): void {
  const file = join(GOLDEN, name);
  if (UPDATE) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) throw new Error(`golden file ${name} is missing: run with UPDATE_GOLDEN=1 and review it`);
  const expected = readFileSync(file, 'utf8');
  if (actual === expected) return;
  // Show where they part, not megabytes of both.
  let at = 0;
  while (at < actual.length && actual[at] === expected[at]) at++;
  const line = expected.slice(0, at).split('\n').length;
  expect(`${name} line ${line}: …${actual.slice(Math.max(0, at - 120), at + 200)}…`).toBe(`${name} line ${line}: …${expected.slice(Math.max(0, at - 120), at + 200)}…`);
}

const REPORTS: { path: string; formats: TextReportFormat[] }[] = [
  { path: 'lab/mixed', formats: ['md', 'html', 'svg'] },
  { path: 'lab/iommu-off', formats: ['md'] },
  { path: 'lab/legacy-bridge', formats: ['svg'] },
  { path: 'lab/rootports', formats: ['json'] },
  { path: 'realworld/linuxhw-asus-prime-x570-pro', formats: ['md', 'html', 'svg'] },
  { path: 'realworld/joep-gigabyte-x570-aorus-pro-wifi', formats: ['md', 'json'] },
  { path: 'realworld/asokolsky-supermicro-x11scl-if', formats: ['md'] },
];

const fileName = (path: string) => path.replace('/', '-');

describe('report golden files', () => {
  for (const { path, formats } of REPORTS) {
    for (const format of formats) {
      it(`${path} as ${format}`, async () => {
        const report = prepareReport(await fixtureSnapshot(path), { anonymize: false });
        checkGolden(`${fileName(path)}.${format}`, renderReport(report, format));
      });
    }
  }
  it('lab/mixed anonymised, as Markdown', async () => {
    checkGolden('lab-mixed.anonymized.md', renderReport(prepareReport(await fixtureSnapshot('lab/mixed'), { anonymize: true }), 'md'));
  });
});

describe('diff golden files', () => {
  const PAIRS: [string, string][] = [['lab/mixed', 'lab/vfio-bound'], ['lab/rootports', 'lab/rootports-noacs'], ['lab/amd-flat', 'lab/flat']];
  for (const [a, b] of PAIRS) {
    it(`${a} → ${b}`, async () => {
      const diff = diffSnapshots(await fixtureSnapshot(a), await fixtureSnapshot(b));
      const name = `diff-${fileName(a)}-${b.split('/')[1]}`;
      checkGolden(`${name}.md`, renderDiffMarkdown(diff));
      checkGolden(`${name}.json`, `${JSON.stringify(diff, null, 2)}\n`);
    });
  }
});
