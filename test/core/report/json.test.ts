/**
 * The JSON report: the snapshot plus its analysis under the schema version, read back by
 * `import` without loss: report → import → report gives the same bytes, for every lab capture
 * and real case, anonymised or not.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analysisJson } from '../../../main/core/analysis/analyze.ts';
import { SCHEMA_VERSION } from '../../../main/core/model/snapshot.ts';
import { prepareReport, renderReport } from '../../../main/core/report/report.ts';
import { importPaths } from '../../../main/io/import.ts';
import { fixtureSnapshot, LAB_CASES, sshCollectedSnapshot } from './cases.ts';

const dir = mkdtempSync(join(tmpdir(), 'atlas-report-json-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const REAL = [
  'realworld/linuxhw-asus-prime-x570-pro', 'realworld/linuxhw-asus-prime-a320i-k-nonroot', 'realworld/joep-gigabyte-x570-aorus-pro-wifi',
  'realworld/spudd-threadripper-1950x-x399-radeon-vii', 'realworld/asokolsky-supermicro-x11scl-if', 'realworld/ashtonian-alderlake-rx6700xt',
];

describe('report → import → report is the identity', () => {
  for (const path of [...LAB_CASES, ...REAL, 'lab-ssh']) {
    for (const anonymize of [false, true]) {
      it(`${path}${anonymize ? ', anonymised' : ''}`, async () => {
        const s = path === 'lab-ssh' ? sshCollectedSnapshot() : await fixtureSnapshot(path);
        const report = prepareReport(s, { anonymize });
        const json = renderReport(report, 'json');
        const file = join(dir, `${path.replace('/', '-')}${anonymize ? '-anon' : ''}.json`);
        writeFileSync(file, json);
        const back = await importPaths([file]);
        expect(back).toEqual(report.snapshot);
        expect(renderReport(prepareReport(back, { anonymize: false }), 'json')).toBe(json);
      });
    }
  }
});

describe('shape', () => {
  it('schema version first, the snapshot as collected, the analysis as analyze --json gives it', async () => {
    const s = await fixtureSnapshot('lab/mixed');
    const report = prepareReport(s, { anonymize: false });
    const json = renderReport(report, 'json');
    expect(json.startsWith(`{\n "schemaVersion": ${SCHEMA_VERSION},\n "kind": "iommu-atlas-report",`)).toBe(true);
    const parsed = JSON.parse(json);
    expect(parsed.snapshot).toEqual(s);
    expect(parsed.analysis).toEqual(JSON.parse(JSON.stringify(analysisJson(report.analysis))));
    expect(parsed.analysis.devices.find((d: { address: string }) => d.address === '0000:0b:01.0').verdict).toBe('whole-group');
  });
});
