/**
 * `iommu-atlas report` in one pure call: anonymise when asked (before the analysis, so every
 * evidence line the analysis quotes is already anonymised), analyse, and render one format. The
 * CLI and the app's File → Export use the same entry points; only PNG (io/png.ts) needs Node.
 */
import { analyzeSnapshot, type Analysis } from '../analysis/analyze.ts';
import { anonymizeSnapshot, type SensitiveKind } from '../anonymize/anonymize.ts';
import type { Snapshot } from '../model/snapshot.ts';
import { renderHtml } from './html.ts';
import { renderJson } from './json.ts';
import { renderMarkdown } from './markdown.ts';
import { renderTopologySvg } from './svg.ts';

export const REPORT_FORMATS = ['md', 'html', 'json', 'svg', 'png'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
/** The formats made here as text; PNG is the SVG rasterised by io/png.ts. */
export type TextReportFormat = Exclude<ReportFormat, 'png'>;

export interface PreparedReport {
  snapshot: Snapshot;
  analysis: Analysis;
  /** Distinct values replaced per kind; null when not anonymised. */
  anonymized: Record<SensitiveKind, number> | null;
}

export function prepareReport(snapshot: Snapshot, options: { anonymize: boolean }): PreparedReport {
  const result = options.anonymize ? anonymizeSnapshot(snapshot) : null;
  const s = result?.snapshot ?? snapshot;
  return { snapshot: s, analysis: analyzeSnapshot(s), anonymized: result?.replaced ?? null };
}

export function renderReport(report: PreparedReport, format: TextReportFormat): string {
  const { snapshot: s, analysis: a } = report;
  const options = { anonymized: report.anonymized !== null };
  switch (format) {
    case 'md': return renderMarkdown(s, a, options);
    case 'json': return renderJson(s, a);
    case 'svg': return `${renderTopologySvg(s, a, { title: `PCI topology and IOMMU groups of ${s.host.hostname ?? 'a host'}` }).svg}\n`;
    case 'html': return renderHtml({ snapshot: s, analysis: a, topologySvg: renderTopologySvg(s, a, { linkDevices: true }).svg }, options);
  }
}
