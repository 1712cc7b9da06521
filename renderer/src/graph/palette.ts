/**
 * The palette (main/core/graph/palette.ts, shared with the reports) and how the page applies it.
 */
import type { Palette } from '../../../main/core/graph/palette.ts';

export { PALETTES, VERDICT_LEGEND, type Palette, type Theme, type VerdictColours } from '../../../main/core/graph/palette.ts';

/** Sets the palette as CSS custom properties on `root` (CSSOM, allowed by a strict style-src). */
export function applyPalette(root: HTMLElement, palette: Palette): void {
  const set = (name: string, value: string) => root.style.setProperty(name, value);
  set('--canvas', palette.canvas);
  set('--accent', palette.accent);
  for (const [verdict, colours] of Object.entries(palette.verdicts)) {
    set(`--v-${verdict}`, colours.stroke);
    set(`--v-${verdict}-fill`, colours.fill);
  }
}
