import { readFileSync } from 'node:fs';
import { prepareReport, renderReport } from './main/core/report/report.ts';
const s = JSON.parse(readFileSync('/tmp/scratch/big.json', 'utf8'));
for (let i = 0; i < 4; i++) {
  const a = performance.now(); const p = prepareReport(s, { anonymize: false }); const b = performance.now();
  const html = renderReport(p, 'html'); const c = performance.now(); const svg = renderReport(p, 'svg');
  console.log('analysis', Math.round(b - a), 'html', Math.round(c - b), 'total', Math.round(c - a), (html.length / 1e6).toFixed(1) + 'MB', 'svg', (svg.length/1e6).toFixed(1));
}
