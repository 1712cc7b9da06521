import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { prepareReport, renderReport } from './main/core/report/report.ts';
const s = JSON.parse(readFileSync('/tmp/scratch/big.json', 'utf8'));
const p = prepareReport(s, { anonymize: false });
renderReport(p, 'html');
const session = new Session(); session.connect();
await session.post('Profiler.enable'); await session.post('Profiler.setSamplingInterval', { interval: 200 }); await session.post('Profiler.start');
for (let i = 0; i < 3; i++) { prepareReport(s, { anonymize: false }); renderReport(p, 'html'); }
const { profile } = await session.post('Profiler.stop');
const nodes = new Map(profile.nodes.map((n: any) => [n.id, n]));
const self = new Map<string, number>(); let total = 0;
(profile.samples ?? []).forEach((id: number, i: number) => { const f = (nodes.get(id) as any).callFrame; const k = `${f.functionName || '(anon)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber}`; const d = profile.timeDeltas![i] ?? 0; total += d; self.set(k, (self.get(k) ?? 0) + d); });
for (const [k, v] of [...self].sort((x, y) => y[1] - x[1]).slice(0, 30)) console.log((v / 3000).toFixed(0).padStart(6), 'ms', k);
console.log('total per run', (total / 3000).toFixed(0));
