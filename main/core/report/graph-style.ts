/**
 * The look of the app's graph for the SVG writer: colours and legend come from the shared
 * main/core/graph/palette.ts; label clipping and the font repeat renderer/src/graph (cy-style.ts,
 * cy-elements.ts), which main/core cannot import — test/core/report/graph-style.test.ts holds them
 * equal to the app's.
 */
import type { VerdictClass } from '../graph/elements.ts';
import { PALETTES, VERDICT_LEGEND } from '../graph/palette.ts';

/** The app's label font (cy-style.ts); resvg and browsers without system-ui fall to DejaVu Sans. */
export const GRAPH_FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif';

/** Printed reports use the app's light theme. */
export const GRAPH_PALETTE = PALETTES.light;

/** The app's legend: order and words. */
export const GRAPH_LEGEND: readonly { verdict: VerdictClass; label: string }[] = VERDICT_LEGEND.map(({ verdict, label }) => ({ verdict, label }));

/** cy-elements.ts: characters of a title and a subtitle that fit on one line of a node. */
export const TITLE_CHARS = 30;
export const SUBTITLE_CHARS = 34;

/** cy-elements.ts `clip`. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}
