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
import { isSlotSibling, type Topology } from './topology.ts';

export function inferIsolationFromGroups(topology: Topology, groupOf: ReadonlyMap<string, number>): Map<string, boolean> {
  const inferred = new Map<string, boolean>();
  const size = new Map<number, number>();
  for (const g of groupOf.values()) size.set(g, (size.get(g) ?? 0) + 1);
  for (const f of topology.functions) {
    const g = groupOf.get(f.address);
    if (g === undefined) continue;
    // Plain loops over the bus and the bridge's children: this runs for every function.
    let siblings = 0;
    let sharesWithSibling = false;
    for (const s of topology.onBus(f.busKey)) {
      if (!isSlotSibling(f, s)) continue;
      siblings++;
      if (groupOf.get(s.address) === g) {
        sharesWithSibling = true;
        break;
      }
    }
    if (sharesWithSibling) {
      inferred.set(f.address, false);
      continue;
    }
    if (f.isBridge) {
      let grouped = 0;
      let elsewhere = false;
      for (const c of topology.childrenOf(f)) {
        const cg = groupOf.get(c.address);
        if (cg === undefined) continue;
        grouped++;
        if (cg !== g) {
          elsewhere = true;
          break;
        }
      }
      if (elsewhere) {
        inferred.set(f.address, true);
        continue;
      }
      if (grouped > 0) {
        const above = topology.bridgeAbove(f.busKey);
        const aboveIsolated = above === null || (groupOf.has(above.address) && groupOf.get(above.address) !== g);
        if (aboveIsolated) inferred.set(f.address, false);
        continue;
      }
    }
    if (siblings > 0 && size.get(g) === 1) inferred.set(f.address, true);
  }
  return inferred;
}
