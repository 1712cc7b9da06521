import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { snapshotToElements, type TopologyElements } from '../../main/core/graph/elements.ts';
import { layoutTopology } from '../../main/core/graph/layout.ts';
import { importPaths } from '../../main/io/import.ts';
import { buildScene, edgeRoute, narrowElements, pathToRoot, TRUNK_OFFSET } from '../../renderer/src/graph/scene.ts';
import { clip, nodeLabel } from '../../renderer/src/graph/cy-elements.ts';
import { LAB_DIR } from '../helpers/fstree.ts';

let elements: TopologyElements;
const fn = (a: string) => `fn:0000:${a}`;

beforeAll(async () => {
  elements = snapshotToElements(await importPaths([join(LAB_DIR, 'mixed')]));
});

describe('the scene', () => {
  it('routes every edge at right angles from the parent\'s right side to the child\'s left side', () => {
    const scene = buildScene(elements, layoutTopology(elements));
    expect(scene.edges).toHaveLength(elements.edges.length);
    for (const e of scene.edges) {
      const from = scene.byId.get(e.edge.source)!.place;
      const to = scene.byId.get(e.edge.target)!.place;
      const p = e.points;
      expect([p[0], p[1]]).toEqual([from.x + from.width / 2, from.y]);
      expect([p[p.length - 2], p[p.length - 1]]).toEqual([to.x - to.width / 2, to.y]);
      for (let i = 2; i < p.length; i += 2) expect(p[i] === p[i - 2] || p[i + 1] === p[i - 1]).toBe(true);
    }
    const r = edgeRoute({ x: 0, y: 0, width: 100, height: 50 }, { x: 400, y: 80, width: 100, height: 50 });
    expect(r.points).toEqual([50, 0, 50 + TRUNK_OFFSET, 0, 50 + TRUNK_OFFSET, 80, 350, 80]);
  });

  it('narrows to what a search matched, with the path to the host as context', () => {
    const { elements: narrowed, context } = narrowElements(elements, new Set([fn('07:00.0'), fn('0b:02.0')]));
    expect(narrowed.nodes.map((n) => n.id)).toEqual([
      'host', 'rc:pci0000:00', fn('00:1c.3'), fn('05:00.0'), fn('06:00.0'), fn('07:00.0'), fn('00:1c.4'), fn('0a:00.0'), fn('0b:02.0'),
    ]);
    expect([...context].sort()).toEqual(['host', 'rc:pci0000:00', fn('00:1c.3'), fn('00:1c.4'), fn('05:00.0'), fn('06:00.0'), fn('0a:00.0')].sort());
    // Group 19 keeps the bridge and the matched NIC, not 0b:01.0.
    expect(narrowed.boxes.find((b) => b.group === 19)?.members).toEqual([fn('0a:00.0'), fn('0b:02.0')]);
    expect(narrowed.boxes.some((b) => b.group === 9)).toBe(false);
    expect(narrowed.edges).toHaveLength(narrowed.nodes.length - 1);
    const layout = layoutTopology(narrowed);
    expect(layout.nodes.size).toBe(9);
    expect(layout.height).toBeLessThan(layoutTopology(elements).height);
  });

  it('walks up from a node to the host', () => {
    const scene = buildScene(elements, layoutTopology(elements));
    expect(pathToRoot(scene, fn('08:00.0'))).toEqual([fn('08:00.0'), fn('06:01.0'), fn('05:00.0'), fn('00:1c.3'), 'rc:pci0000:00', 'host']);
  });

  it('clips node text to one line each', () => {
    expect(clip('82801IR/IO/IH (ICH9R/DO/DH) 6 port SATA Controller [AHCI mode]', 30)).toBe('82801IR/IO/IH (ICH9R/DO/DH) 6…');
    expect(nodeLabel({ title: 'GeForce RTX 3090 Ti', subtitle: '01:00.0 · vfio-pci' })).toBe('GeForce RTX 3090 Ti\n01:00.0 · vfio-pci');
  });
});
