import { readFileSync } from 'node:fs';
import { analyzeSnapshot } from './main/core/analysis/analyze.ts';
import { snapshotToElements } from './main/core/graph/elements.ts';
import { layoutTopology } from './main/core/graph/layout.ts';
import { renderTopologySvg } from './main/core/report/svg.ts';
import { renderHtml } from './main/core/report/html.ts';
import { renderMarkdown } from './main/core/report/markdown.ts';
import { renderJson } from './main/core/report/json.ts';
import { anonymizeSnapshot } from './main/core/anonymize/anonymize.ts';
const s = JSON.parse(readFileSync('/tmp/scratch/big.json', 'utf8'));
for (let i = 0; i < 3; i++) {
  const t = (label: string, f: () => unknown) => { const a = performance.now(); const r = f(); console.log(label, Math.round(performance.now() - a)); return r; };
  const a = t('analyze', () => analyzeSnapshot(s)) as any;
  const el = t('elements', () => snapshotToElements(s, a, { expandedPfs: 'all' })) as any;
  t('layout', () => layoutTopology(el));
  const svg = t('svg total', () => renderTopologySvg(s, a, { linkDevices: true }).svg) as string;
  t('html', () => renderHtml({ snapshot: s, analysis: a, topologySvg: svg }, { anonymized: false }));
  t('md', () => renderMarkdown(s, a, { anonymized: false }));
  t('json', () => renderJson(s, a));
  t('anonymize', () => anonymizeSnapshot(s));
  console.log('--');
}
