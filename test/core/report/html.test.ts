/**
 * The HTML report as a file (the browser test, html-browser.test.ts, opens it): self-contained
 * (no script, nothing fetched), its CSP admits exactly its own stylesheet, every group and every
 * device is there, and text from the data cannot turn into markup.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../../main/core/model/snapshot.ts';
import { REPORT_CSP } from '../../../main/core/report/html.ts';
import { prepareReport, renderReport } from '../../../main/core/report/report.ts';
import { sha256Base64 } from '../../../main/core/report/sha256.ts';
import { labGroups } from '../../helpers/lab-truth.ts';
import { fixtureSnapshot } from './cases.ts';

const html = (s: Snapshot, anonymize = false) => renderReport(prepareReport(s, { anonymize }), 'html');

describe('self-contained', () => {
  for (const path of ['lab/mixed', 'realworld/linuxhw-asus-prime-x570-pro', 'realworld/joep-gigabyte-x570-aorus-pro-wifi']) {
    it(`${path}: no script, nothing to fetch, one stylesheet admitted by its hash`, async () => {
      const page = html(await fixtureSnapshot(path));
      expect(page).not.toMatch(/<script|<link|<iframe|<object|<embed|<img|\ssrc=|@import|url\(/i);
      // The only URL is the SVG namespace name, which is never fetched.
      expect([...page.matchAll(/https?:\/\/[^\s"'<>]+/g)].map((m) => m[0])).toEqual(['http://www.w3.org/2000/svg']);
      expect(page.match(/<style>/g)).toHaveLength(1);
      const style = /<style>([^]*?)<\/style>/.exec(page)![1]!;
      const hash = createHash('sha256').update(style, 'utf8').digest('base64');
      expect(/<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(page)![1]).toBe(`default-src 'none'; style-src 'sha256-${hash}'; img-src 'none'; base-uri 'none'; form-action 'none'`);
      expect(REPORT_CSP).toContain(`'sha256-${sha256Base64(style)}'`);
      // No style attributes (the CSP would block them): presentation attributes only.
      expect(page).not.toMatch(/\sstyle=/);
    });
  }
});

describe('contents', () => {
  it('lab/mixed: every kernel group, every device as collapsible details linked from the graph', async () => {
    const s = await fixtureSnapshot('lab/mixed');
    const page = html(s);
    const groups = [...page.matchAll(/<div class="group g-([a-z-]+)" id="group-(\d+)">/g)];
    expect(groups.map((m) => Number(m[2])).sort((a, b) => a - b)).toEqual([...labGroups('mixed').keys()].sort((a, b) => a - b));
    expect(groups.find((m) => m[2] === '19')![1]).toBe('whole-group');
    expect(groups.find((m) => m[2] === '10')![1]).toBe('blocked');
    const details = [...page.matchAll(/<details id="fn-([0-9a-f-]+)">/g)].map((m) => m[1]);
    expect(details).toEqual(s.devices.map((d) => d.address.replace(/[:.]/g, '-')));
    const links = new Set([...page.matchAll(/<a href="#fn-([0-9a-f-]+)">/g)].map((m) => m[1]));
    for (const d of details) expect(links.has(d)).toBe(true);
    expect(page).toMatch(/<span class="badge s-warn">WARN<\/span><\/td><td>IOMMU faults since boot/);
  });

  it('linuxhw PRIME X570-PRO: the slot table names PCIEX16_1 on port 00:03.1', async () => {
    const page = html(await fixtureSnapshot('realworld/linuxhw-asus-prime-x570-pro'));
    expect(page).toMatch(/<tr><td>PCIEX16_1<br><span class="note">x16 PCI Express x16<\/span><\/td><td class="mono">00:03\.1<\/td><td>yes: 08:00\.0, 08:00\.1<\/td>/);
  });

  it('a device name with markup stays text', async () => {
    const s = await fixtureSnapshot('lab/mixed');
    const hostile: Snapshot = {
      ...s,
      host: { ...s.host, hostname: '"><b>host</b>' },
      devices: s.devices.map((d) => (d.address === '0000:01:00.0' ? { ...d, deviceName: '<img src=x onerror=alert(1)> & "GPU"' } : d)),
    };
    const page = html(hostile);
    expect(page.includes('<img')).toBe(false);
    expect(page.includes('<b>host</b>')).toBe(false);
    expect(page.match(/&lt;img src=x onerror=alert\(1\)&gt; &amp; &quot;GPU&quot;/g)!.length).toBeGreaterThanOrEqual(2);
  });

  it('anonymised: says so', async () => {
    expect(html(await fixtureSnapshot('lab/mixed'), true).includes('<p class="note">Anonymised: hostnames, user names, serial numbers')).toBe(true);
  });
});
