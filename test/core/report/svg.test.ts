/**
 * The topology SVG: made from the shared graph layout (main/core/graph), one node per PCI function
 * with its address, one box per IOMMU group, link downgrades marked where both ends of a real link
 * say so, and well-formed XML that resvg and browsers read.
 */
import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { snapshotToElements } from '../../../main/core/graph/elements.ts';
import { layoutTopology } from '../../../main/core/graph/layout.ts';
import { GRAPH_PALETTE } from '../../../main/core/report/graph-style.ts';
import { prepareReport, renderReport } from '../../../main/core/report/report.ts';
import { renderTopologySvg } from '../../../main/core/report/svg.ts';
import { labGroups } from '../../helpers/lab-truth.ts';
import { fixtureSnapshot, LAB_CASES } from './cases.ts';

const REAL = ['realworld/linuxhw-asus-prime-x570-pro', 'realworld/joep-gigabyte-x570-aorus-pro-wifi', 'realworld/asokolsky-supermicro-x11scl-if', 'realworld/linuxhw-asus-prime-a320i-k-nonroot'];

describe('one node per PCI function', () => {
  for (const path of [...LAB_CASES, ...REAL]) {
    it(path, async () => {
      const s = await fixtureSnapshot(path);
      const svg = renderReport(prepareReport(s, { anonymize: false }), 'svg');
      expect(XMLValidator.validate(svg)).toBe(true);
      const nodes = [...svg.matchAll(/<g class="node" data-address="([^"]+)"/g)].map((m) => m[1]);
      expect(nodes.length).toBe(s.devices.length);
      expect(new Set(nodes)).toEqual(new Set(s.devices.map((d) => d.address)));
    });
  }
});

describe('the shared layout', () => {
  it('lab/mixed: nodes sit where layoutTopology puts them; one box per kernel group', async () => {
    const s = await fixtureSnapshot('lab/mixed');
    const a = prepareReport(s, { anonymize: false }).analysis;
    const { svg } = renderTopologySvg(s, a);
    const layout = layoutTopology(snapshotToElements(s, a, { expandedPfs: 'all' }));
    const place = layout.nodes.get('fn:0000:0b:02.0')!;
    expect(svg).toContain(`<g class="node" data-address="0000:0b:02.0" transform="translate(${place.x - place.width / 2} ${place.y - place.height / 2})">`);
    const boxes = [...svg.matchAll(/<g class="group" data-group="(\d+)">/g)].map((m) => Number(m[1]));
    expect(boxes.sort((x, y) => x - y)).toEqual([...labGroups('mixed').keys()].sort((x, y) => x - y));
    // The PCIe-to-PCI bridge group is drawn as "whole-group", the chipset group as blocked, both
    // shared (3 devices), a one-device group plain.
    const V = GRAPH_PALETTE.verdicts;
    expect(svg).toMatch(new RegExp(`<g class="group" data-group="19"><rect [^>]*fill="${GRAPH_PALETTE.sharedBoxFill}" stroke="${V['whole-group'].stroke}" stroke-width="2"/><text [^>]*>group 19 · 3 devices</text>`));
    expect(svg).toMatch(new RegExp(`<g class="group" data-group="10"><rect [^>]*stroke="${V.blocked.stroke}" stroke-width="2"/>`));
    expect(svg).toMatch(new RegExp(`<g class="group" data-group="12"><rect [^>]*fill="${GRAPH_PALETTE.boxFill}" stroke="${V.ready.stroke}" stroke-width="1"/><text [^>]*>group 12</text>`));
  });

  it('linuxhw PRIME X570-PRO: the one real downgrade, 00:01.2 → 02:00.0 at x4 where both ends do x8', async () => {
    const s = await fixtureSnapshot('realworld/linuxhw-asus-prime-x570-pro');
    const port = s.devices.find((d) => d.address === '0000:00:01.2')!.link!;
    const upstream = s.devices.find((d) => d.address === '0000:02:00.0')!.link!;
    expect([port.currentWidth, port.maxWidth, upstream.maxWidth]).toEqual([4, 8, 8]);
    const svg = renderReport(prepareReport(s, { anonymize: false }), 'svg');
    expect(svg.match(/<title>link [^<]*downgraded<\/title>/g)).toEqual(['<title>link 16 GT/s x4, both ends capable of 16 GT/s x8: downgraded</title>']);
    expect(svg).toContain('>↓ 16 GT/s x4 (16 GT/s x8)</text>');
  });

  it('links to the HTML report\'s device details only when asked', async () => {
    const s = await fixtureSnapshot('lab/flat');
    const a = prepareReport(s, { anonymize: false }).analysis;
    expect(renderTopologySvg(s, a).svg).not.toContain('<a href=');
    expect(renderTopologySvg(s, a, { linkDevices: true }).svg.match(/<a href="#fn-/g)).toHaveLength(s.devices.length);
  });
});
