/**
 * The JSON report: the snapshot as it is plus its analysis (`analyze --json`), under the snapshot's
 * schema version. `iommu-atlas import` reads the `snapshot` member back (io/import.ts accepts the
 * wrapper), and the analysis is a pure function of the snapshot, so report → import → report gives
 * the same bytes. An anonymised report is marked by its placeholders only (host-1, mac-1, …), so
 * it round-trips the same way.
 *
 * ```json
 * { "schemaVersion": 1, "kind": "iommu-atlas-report", "tool": "iommu-atlas 0.1.0",
 *   "snapshot": { "schemaVersion": 1, "host": { … }, … }, "analysis": { "checks": [ … ], … } }
 * ```
 */
import { analysisJson, type Analysis, type AnalysisJson } from '../analysis/analyze.ts';
import { SCHEMA_VERSION, Snapshot } from '../model/snapshot.ts';
import { TOOL_VERSION } from '../version.ts';

export const REPORT_KIND = 'iommu-atlas-report';

export interface ReportJson {
  /** First, so format detection finds it (import/detect-format.ts reads the head of the file). */
  schemaVersion: typeof SCHEMA_VERSION;
  kind: typeof REPORT_KIND;
  tool: string;
  snapshot: Snapshot;
  analysis: AnalysisJson;
}

export function reportJson(s: Snapshot, a: Analysis): ReportJson {
  // Through the schema, so keys come in schema order whichever builder made the snapshot: the
  // order `import` gives back, which makes the round trip byte-identical.
  return { schemaVersion: SCHEMA_VERSION, kind: REPORT_KIND, tool: TOOL_VERSION, snapshot: Snapshot.parse(s), analysis: analysisJson(a) };
}

/** One space per level, as `collect` and `import` write snapshots. */
export function renderJson(s: Snapshot, a: Analysis): string {
  return `${JSON.stringify(reportJson(s, a), null, 1)}\n`;
}
