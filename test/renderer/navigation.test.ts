import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { snapshotToElements } from '../../main/core/graph/elements.ts';
import { layoutTopology } from '../../main/core/graph/layout.ts';
import { importPaths } from '../../main/io/import.ts';
import { neighbour } from '../../renderer/src/app/navigation.ts';
import { buildScene, type Scene } from '../../renderer/src/graph/scene.ts';
import { LAB_DIR } from '../helpers/fstree.ts';

let scene: Scene;
const fn = (a: string) => `fn:0000:${a}`;

beforeAll(async () => {
  const elements = snapshotToElements(await importPaths([join(LAB_DIR, 'mixed')]));
  scene = buildScene(elements, layoutTopology(elements));
});

describe('arrow keys', () => {
  it('start at the host and go right down the tree', () => {
    expect(neighbour(scene, null, 'down')).toBe('host');
    expect(neighbour(scene, 'host', 'right')).toBe('rc:pci0000:00');
    expect(neighbour(scene, fn('00:1c.3'), 'right')).toBe(fn('05:00.0'));
    // From the switch's Upstream Port, right goes to the Downstream Port nearest in height.
    expect(neighbour(scene, fn('05:00.0'), 'right')).toBe(fn('06:01.0'));
  });

  it('go left to the parent, and stop at the host', () => {
    expect(neighbour(scene, fn('07:00.0'), 'left')).toBe(fn('06:00.0'));
    expect(neighbour(scene, 'vfs:0000:02:00.0', 'left')).toBe(fn('02:00.0'));
    expect(neighbour(scene, 'host', 'left')).toBe('host');
  });

  it('go up and down the column, and stop at its ends', () => {
    expect(neighbour(scene, fn('00:1f.0'), 'down')).toBe(fn('00:1f.2'));
    expect(neighbour(scene, fn('00:1f.2'), 'up')).toBe(fn('00:1f.0'));
    expect(neighbour(scene, fn('00:00.0'), 'up')).toBe(fn('00:00.0'));
    expect(neighbour(scene, fn('00:1f.3'), 'down')).toBe(fn('00:1f.3'));
    // Across subtrees in the same column: from the GPU's audio function down to the next device's column neighbour.
    expect(neighbour(scene, fn('01:00.1'), 'down')).toBe(fn('02:00.0'));
  });
});
