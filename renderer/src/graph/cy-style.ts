/**
 * The graph's Cytoscape stylesheet for one palette. Sizes come from the layout's constants so
 * the boxes Cytoscape draws around the members are exactly the ones the layout kept free.
 */
import type { StylesheetJson } from 'cytoscape';
import type { VerdictClass } from '../../../main/core/graph/elements.ts';
import { LAYOUT } from '../../../main/core/graph/layout.ts';
import type { Palette } from './palette.ts';

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif';

export function graphStyle(p: Palette): StylesheetJson {
  const verdicts = Object.entries(p.verdicts) as [VerdictClass, Palette['verdicts'][VerdictClass]][];
  // A device: a stripe on the left and a border in the verdict's colour, the body tinted.
  const nodeVerdicts = verdicts.map(([verdict, c]) => ({
    selector: `node.function[verdict = "${verdict}"], node.vf-summary[verdict = "${verdict}"]`,
    style: { 'border-color': c.stroke, 'background-gradient-stop-colors': `${c.stroke} ${c.stroke} ${c.fill} ${c.fill}` },
  }));
  const boxVerdicts = verdicts.map(([verdict, c]) => ({ selector: `node.box[verdict = "${verdict}"]`, style: { 'border-color': c.stroke } }));
  return [
    {
      selector: 'node',
      style: {
        shape: 'round-rectangle',
        width: LAYOUT.nodeWidth,
        height: LAYOUT.heights.function,
        'background-color': p.nodeFill,
        'background-fill': 'linear-gradient',
        'background-gradient-direction': 'to-right',
        'background-gradient-stop-positions': '0% 3% 3% 100%',
        'background-gradient-stop-colors': `${p.verdicts.unknown.stroke} ${p.verdicts.unknown.stroke} ${p.nodeFill} ${p.nodeFill}`,
        'border-width': 1.5,
        'border-color': p.verdicts.unknown.stroke,
        'background-image': 'data(icon)',
        'background-width': 22,
        'background-height': 22,
        'background-position-x': 14,
        'background-position-y': '50%',
        'background-clip': 'none',
        'background-image-containment': 'over',
        'background-image-smoothing': 'yes',
        label: 'data(label)',
        color: p.text,
        'font-family': FONT,
        'font-size': 11,
        'line-height': 1.35,
        'text-wrap': 'wrap',
        'text-max-width': `${LAYOUT.nodeWidth - 58}px`,
        'text-justification': 'left',
        'text-valign': 'center',
        'text-halign': 'center',
        'text-margin-x': 16,
        'min-zoomed-font-size': 7,
        'overlay-opacity': 0,
        'underlay-opacity': 0,
      },
    },
    { selector: 'node.host', style: { height: LAYOUT.heights.host, 'font-size': 12, 'font-weight': 'bold', 'background-fill': 'solid', 'border-color': p.muted, 'border-width': 2 } },
    { selector: 'node.root-complex', style: { height: LAYOUT.heights['root-complex'], 'background-fill': 'solid', 'border-color': p.muted } },
    { selector: 'node.bus', style: { height: LAYOUT.heights.bus, 'background-fill': 'solid', 'border-style': 'dashed', 'border-color': p.muted } },
    { selector: 'node.vf-summary', style: { height: LAYOUT.heights['vf-summary'], 'border-style': 'dashed' } },
    ...nodeVerdicts,
    { selector: 'node.pf', style: { 'border-style': 'double', 'border-width': 3 } },
    {
      selector: 'node.box',
      style: {
        shape: 'round-rectangle',
        'background-fill': 'solid',
        'background-color': p.boxFill,
        'background-image': 'none',
        'background-opacity': 1,
        'border-width': 1,
        'border-color': p.boxStroke,
        'border-style': 'solid',
        padding: `${LAYOUT.boxPadding}px`,
        'compound-sizing-wrt-labels': 'exclude',
        label: 'data(label)',
        'font-size': 10,
        'font-weight': 'normal',
        color: p.muted,
        'text-valign': 'top',
        'text-halign': 'center',
        'text-margin-x': 0,
        'text-margin-y': -2,
        'text-max-width': '400px',
        'min-zoomed-font-size': 8,
        'corner-radius': 6,
      },
    },
    ...boxVerdicts,
    { selector: 'node.box.shared', style: { 'background-color': p.sharedBoxFill, 'border-width': 2, 'font-weight': 'bold', color: p.text } },
    {
      selector: 'edge',
      style: {
        width: 1.5,
        'line-color': p.edge,
        'curve-style': 'taxi',
        'taxi-direction': 'rightward',
        'taxi-turn': '24px',
        'taxi-turn-min-distance': 4,
        'target-label': 'data(label)',
        'target-text-offset': 48,
        'target-text-margin-y': -8,
        'font-family': FONT,
        'font-size': 9,
        color: p.muted,
        'text-background-color': p.canvas,
        'text-background-opacity': 1,
        'text-background-padding': '1px',
        'min-zoomed-font-size': 8,
        'overlay-opacity': 0,
      },
    },
    { selector: 'edge.sriov', style: { 'line-style': 'dashed', 'line-dash-pattern': [4, 3] } },
    { selector: 'edge.downgraded', style: { 'line-color': p.edgeDowngraded, width: 2.5, color: p.edgeDowngraded, 'font-weight': 'bold' } },
    { selector: '.context', style: { opacity: 0.45 } },
    { selector: '.hidden', style: { display: 'none' } },
    { selector: 'node.match', style: { 'border-width': 3, 'border-color': p.accent } },
    { selector: 'edge.path', style: { 'line-color': p.accent, width: 3 } },
    { selector: 'node.path', style: { 'border-color': p.accent, 'border-width': 2.5 } },
    { selector: 'node:selected', style: { 'border-color': p.accent, 'border-width': 4, 'underlay-color': p.accent, 'underlay-opacity': 0.18, 'underlay-padding': 6 } },
  ];
}
