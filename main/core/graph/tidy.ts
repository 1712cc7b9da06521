/**
 * A tidy tree drawn left to right: depth along x in columns, siblings stacked along y, each
 * parent centred on its first and last child, subtrees packed as close as their outlines allow
 * (Reingold and Tilford, "Tidier Drawings of Trees", IEEE TSE 1981), for units of any height
 * spanning one or more columns.
 *
 * Each subtree keeps its outline (contour): for every column it covers, the highest top and the
 * lowest bottom, indexed by absolute column. Siblings start in the same column, so stacking the
 * next sibling below the ones before compares their outlines over the columns both cover, and
 * merging writes into the longer outline only: each merge costs the depth of the shallower
 * subtree, which sums to O(n) over the whole tree (the argument of Walker and Buchheim et al.,
 * "Improving Walker's Algorithm to Run in Linear Time", 2002). Positions are kept relative to
 * the parent and summed top-down at the end, so nothing is moved twice.
 */

export interface TidyInput {
  /** Children of each unit, in drawing order (top to bottom). */
  children: readonly (readonly number[])[];
  /** The trees of the forest, in drawing order. */
  roots: readonly number[];
  /** Columns a unit covers (≥ 1); its children start in the column after them. */
  span: ArrayLike<number>;
  /** The unit's extent above (≤ 0) and below (≥ 0) its anchor. */
  top: ArrayLike<number>;
  bottom: ArrayLike<number>;
  /** Vertical space between the subtree of `above` and the subtree of `below`, adjacent siblings. */
  gap(above: number, below: number): number;
}

export interface TidyResult {
  /** Anchor y of each unit (the first root's anchor at 0). */
  y: Float64Array;
  /** First column of each unit. */
  column: Int32Array;
}

/** A subtree's outline; actual y = stored value + `offset` (relative to the subtree's anchor). */
interface Contour {
  top: number[];
  bottom: number[];
  /** One past the last column covered. */
  end: number;
  offset: number;
}

/**
 * Stack `next` (anchored at 0 in its own frame) below `acc`, `gap` apart in every column both
 * cover. Returns where `next`'s anchor lands in `acc`'s frame and the merged outline (which is
 * `acc` or `next`, reused) in `acc`'s frame.
 */
function stack(acc: Contour, next: Contour, start: number, gap: number): { at: number; merged: Contour } {
  const common = Math.min(acc.end, next.end);
  let at = -Infinity;
  for (let c = start; c < common; c++) {
    const need = acc.bottom[c]! + acc.offset + gap - (next.top[c]! + next.offset);
    if (need > at) at = need;
  }
  if (acc.end >= next.end) {
    for (let c = start; c < common; c++) acc.bottom[c] = next.bottom[c]! + next.offset + at - acc.offset;
    return { at, merged: acc };
  }
  // `next` reaches deeper: keep its arrays, take `acc`'s tops where both exist.
  for (let c = start; c < common; c++) next.top[c] = acc.top[c]! + acc.offset - (next.offset + at);
  next.offset += at;
  return { at, merged: next };
}

export function tidyTree(input: TidyInput): TidyResult {
  const n = input.children.length;
  const column = new Int32Array(n);
  const rel = new Float64Array(n);
  const y = new Float64Array(n);

  // Columns top-down, and a pre-order to walk backwards (children before parents).
  const preorder: number[] = [];
  const todo = [...input.roots].reverse();
  for (const r of input.roots) column[r] = 0;
  while (todo.length > 0) {
    const u = todo.pop()!;
    preorder.push(u);
    const kids = input.children[u]!;
    for (let i = kids.length - 1; i >= 0; i--) {
      const k = kids[i]!;
      column[k] = column[u]! + input.span[u]!;
      todo.push(k);
    }
  }

  const contours: (Contour | undefined)[] = new Array(n);
  /** Stacks `units` (siblings starting in column `start`) and sets their positions relative to the first. */
  const stackAll = (units: readonly number[], start: number): Contour => {
    let acc = contours[units[0]!]!;
    contours[units[0]!] = undefined;
    rel[units[0]!] = 0;
    for (let i = 1; i < units.length; i++) {
      const u = units[i]!;
      const { at, merged } = stack(acc, contours[u]!, start, input.gap(units[i - 1]!, u));
      contours[u] = undefined;
      rel[u] = at;
      acc = merged;
    }
    return acc;
  };

  for (let p = preorder.length - 1; p >= 0; p--) {
    const u = preorder[p]!;
    const kids = input.children[u]!;
    const first = column[u]!;
    const last = first + input.span[u]!;
    let contour: Contour;
    if (kids.length === 0) {
      contour = { top: [], bottom: [], end: last, offset: 0 };
    } else {
      contour = stackAll(kids, last);
      // The parent sits midway between its first and last child.
      const mid = (rel[kids[0]!]! + rel[kids[kids.length - 1]!]!) / 2;
      for (const k of kids) rel[k] = rel[k]! - mid;
      contour.offset -= mid;
    }
    for (let c = first; c < last; c++) {
      contour.top[c] = input.top[u]! - contour.offset;
      contour.bottom[c] = input.bottom[u]! - contour.offset;
    }
    contours[u] = contour;
  }

  if (input.roots.length > 0) stackAll(input.roots, 0);
  for (const r of input.roots) y[r] = rel[r]!;
  for (const u of preorder) for (const k of input.children[u]!) y[k] = y[u]! + rel[k]!;
  return { y, column };
}
