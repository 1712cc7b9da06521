/**
 * Moving the selection with the arrow keys, the way the drawing reads: left to the parent, right
 * to the child nearest in height, up and down to the next node in the same column.
 */
import type { Scene, SceneNode } from '../graph/scene.ts';

export type Direction = 'left' | 'right' | 'up' | 'down';

/** The node to select after pressing an arrow on `from`; with nothing selected, the host. */
export function neighbour(scene: Scene, from: string | null, direction: Direction): string | null {
  const current = from === null ? undefined : scene.byId.get(from);
  if (!current) return scene.nodes[0]?.node.id ?? null;
  const { x, y } = current.place;
  switch (direction) {
    case 'left': {
      const parent = current.node.parent;
      return parent !== null && scene.byId.has(parent) ? parent : current.node.id;
    }
    case 'right': {
      const children = scene.nodes.filter((sn) => sn.node.parent === current.node.id);
      return nearest(children, y)?.node.id ?? current.node.id;
    }
    case 'up':
    case 'down': {
      const sameColumn = scene.nodes.filter((sn) => sn.place.x === x && (direction === 'up' ? sn.place.y < y : sn.place.y > y));
      return nearest(sameColumn, y)?.node.id ?? current.node.id;
    }
  }
}

function nearest(nodes: readonly SceneNode[], y: number): SceneNode | undefined {
  let best: SceneNode | undefined;
  for (const sn of nodes) if (!best || Math.abs(sn.place.y - y) < Math.abs(best.place.y - y)) best = sn;
  return best;
}
