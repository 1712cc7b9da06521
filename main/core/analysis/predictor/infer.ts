/**
 * Spec 2.4: when a device's isolation cannot be decided from the data — lspci without root prints
 * `Capabilities: <access denied>`, dmesg does not say whether the Intel PCH workaround worked — the
 * kernel's current groups still tell what it decided:
 *
 * - a function that shares its group with another function of its slot does not isolate;
 * - a bridge with a device below it in another group isolates (its path is isolated);
 * - a bridge with a device below it in its own group does not isolate, when the path above it is
 *   isolated (it is on a root bus, or in another group than the bridge above it);
 * - a function alone in its group although its slot has other functions isolates (had it not,
 *   the function search would have joined it to a non-isolating sibling; if every sibling
 *   isolates, its own answer changes nothing).
 */
import type { KernelGrouping } from './predict-groups.ts';
import { isSlotSibling, type Topology } from './topology.ts';

/** What the kernel's groups show of each function's `isolating`, by TopoFunction.index (undefined: nothing). */
export function inferIsolationFromGroups(topology: Topology, kernelGroups: KernelGrouping): (boolean | undefined)[] {
  const inferred = new Array<boolean | undefined>(topology.functions.length).fill(undefined);
  const { ofFunction: groupOf, size } = kernelGroups;
  // Indexed loops: this runs once per prediction, largely before the optimizing compiler has
  // it, where for...of allocates an iterator and a result per entry.
  const functions = topology.functions;
  for (let i = 0; i < functions.length; i++) {
    const f = functions[i]!;
    const g = groupOf[f.index];
    if (g === undefined) continue;
    let siblings = 0;
    let sharesWithSibling = false;
    const onBus = f.onBus.functions;
    for (let j = 0; j < onBus.length; j++) {
      const s = onBus[j]!;
      if (!isSlotSibling(f, s)) continue;
      siblings++;
      if (groupOf[s.index] === g) {
        sharesWithSibling = true;
        break;
      }
    }
    if (sharesWithSibling) {
      inferred[f.index] = false;
      continue;
    }
    if (f.isBridge) {
      let grouped = 0;
      let elsewhere = false;
      const children = topology.childrenOf(f);
      for (let j = 0; j < children.length; j++) {
        const cg = groupOf[children[j]!.index];
        if (cg === undefined) continue;
        grouped++;
        if (cg !== g) {
          elsewhere = true;
          break;
        }
      }
      if (elsewhere) {
        inferred[f.index] = true;
        continue;
      }
      if (grouped > 0) {
        const above = f.onBus.bridge;
        const aboveIsolated = above === null || (groupOf[above.index] !== undefined && groupOf[above.index] !== g);
        if (aboveIsolated) inferred[f.index] = false;
        continue;
      }
    }
    if (siblings > 0 && size.get(g) === 1) inferred[f.index] = true;
  }
  return inferred;
}
