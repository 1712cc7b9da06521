/**
 * The colours of both themes and the verdict legend, in one place: the app's graph (Cytoscape
 * style, canvas layers, the page's CSS custom properties) and the reports' SVG read them here.
 */
import type { VerdictClass } from './elements.ts';

export type Theme = 'light' | 'dark';

export interface VerdictColours {
  /** Border, stripe and legend swatch. */
  stroke: string;
  /** Node fill. */
  fill: string;
}

export interface Palette {
  canvas: string;
  text: string;
  muted: string;
  nodeFill: string;
  edge: string;
  edgeDowngraded: string;
  boxFill: string;
  boxStroke: string;
  sharedBoxFill: string;
  accent: string;
  verdicts: Record<VerdictClass, VerdictColours>;
}

export const PALETTES: Record<Theme, Palette> = {
  light: {
    canvas: '#f7f8fa',
    text: '#1d232b',
    muted: '#5c6670',
    nodeFill: '#ffffff',
    edge: '#a3acb6',
    edgeDowngraded: '#d9480f',
    boxFill: '#eef1f5',
    boxStroke: '#c3cad3',
    sharedBoxFill: '#fff6e8',
    accent: '#3b5bdb',
    verdicts: {
      ready: { stroke: '#2b8a3e', fill: '#ebf7ee' },
      'whole-group': { stroke: '#d97706', fill: '#fff4e0' },
      blocked: { stroke: '#d6336c', fill: '#fdecf2' },
      'host-critical': { stroke: '#6741d9', fill: '#f1edfd' },
      vfio: { stroke: '#1971c2', fill: '#e8f2fc' },
      vm: { stroke: '#0c8599', fill: '#e3f6f8' },
      bridge: { stroke: '#868e96', fill: '#f4f5f7' },
      unknown: { stroke: '#adb5bd', fill: '#ffffff' },
    },
  },
  dark: {
    canvas: '#15191f',
    text: '#e6e9ee',
    muted: '#97a1ad',
    nodeFill: '#1f252d',
    edge: '#5b6572',
    edgeDowngraded: '#ff8a4c',
    boxFill: '#1b2028',
    boxStroke: '#3a424d',
    sharedBoxFill: '#2a2418',
    accent: '#7c95ff',
    verdicts: {
      ready: { stroke: '#51cf66', fill: '#1d2e23' },
      'whole-group': { stroke: '#fcc419', fill: '#332a14' },
      blocked: { stroke: '#f06595', fill: '#35202a' },
      'host-critical': { stroke: '#9775fa', fill: '#2a2340' },
      vfio: { stroke: '#4dabf7', fill: '#1a2a3b' },
      vm: { stroke: '#3bc9db', fill: '#163036' },
      bridge: { stroke: '#7d8794', fill: '#232930' },
      unknown: { stroke: '#5c6672', fill: '#1f252d' },
    },
  },
};

/** The legend's order and words. */
export const VERDICT_LEGEND: readonly { verdict: VerdictClass; label: string; meaning: string }[] = [
  { verdict: 'ready', label: 'Ready', meaning: 'can be passed through on its own (with its own functions)' },
  { verdict: 'whole-group', label: 'Whole group', meaning: 'only together with the other devices of its IOMMU group' },
  { verdict: 'blocked', label: 'Blocked', meaning: 'shares its group with something the host needs' },
  { verdict: 'host-critical', label: 'Host-critical', meaning: 'the host needs it itself' },
  { verdict: 'vfio', label: 'vfio-pci', meaning: 'bound to vfio-pci, ready for a VM' },
  { verdict: 'vm', label: 'Owned by a VM', meaning: 'listed as a <hostdev> of a libvirt domain' },
  { verdict: 'bridge', label: 'Bridge', meaning: 'a PCI bridge: it stays with the host' },
  { verdict: 'unknown', label: 'No verdict', meaning: 'no analysis for it' },
];
