// One style per kind, shared by the Mermaid, SVG and HTML pictures so that the legend means the same
// everywhere: a colour and a line pattern (colour alone fails the colour-blind and black-and-white prints).
import { ROUTE_STATES, type RouteState } from './model.js';

export type StyleKind = RouteState | 'foreign' | 'unassociated' | 'subnet' | 'table';

export interface KindStyle {
  stroke: string;
  fill: string;
  /** SVG stroke-dasharray; '' for a solid line. */
  dash: string;
  /** Line width in px. */
  width: number;
}

export const KIND_STYLE: Record<StyleKind, KindStyle> = {
  missing: { stroke: '#c62828', fill: '#ffebee', dash: '6 4', width: 3 },
  'wrong-next-hop': { stroke: '#e65100', fill: '#fff3e0', dash: '', width: 3 },
  'not-in-effect': { stroke: '#6a1b9a', fill: '#f3e5f5', dash: '2 3', width: 3 },
  shadowed: { stroke: '#795548', fill: '#efebe9', dash: '8 3 2 3', width: 3 },
  refused: { stroke: '#ad1457', fill: '#fce4ec', dash: '1 3', width: 2 },
  stale: { stroke: '#827717', fill: '#f9fbe7', dash: '4 2', width: 2 },
  'not-provisioned': { stroke: '#0277bd', fill: '#e1f5fe', dash: '3 3', width: 2 },
  repaired: { stroke: '#00897b', fill: '#e0f2f1', dash: '', width: 2 },
  ok: { stroke: '#2e7d32', fill: '#f1f8e9', dash: '', width: 1 },
  foreign: { stroke: '#9e9e9e', fill: '#f5f5f5', dash: '2 2', width: 1 },
  unassociated: { stroke: '#c62828', fill: '#ffebee', dash: '6 4', width: 3 },
  subnet: { stroke: '#455a64', fill: '#eceff1', dash: '', width: 1 },
  table: { stroke: '#1a237e', fill: '#e8eaf6', dash: '', width: 2 },
};

/** Legend order: worst first, then the neutral kinds. */
export const LEGEND_KINDS: readonly StyleKind[] = [
  'unassociated',
  ...ROUTE_STATES,
  'foreign',
  'table',
  'subnet',
];

export const KIND_LABEL: Record<StyleKind, string> = {
  missing: 'missing route',
  'wrong-next-hop': 'wrong next hop',
  'not-in-effect': 'not in effect',
  shadowed: 'shadowed by another prefix',
  refused: 'refused (reason shown)',
  stale: 'stale (no such worker)',
  'not-provisioned': 'not provisioned',
  repaired: 'repaired',
  ok: 'ok',
  foreign: 'foreign route (not ours)',
  unassociated: 'subnet not associated',
  subnet: 'subnet',
  table: 'route table',
};

/** Mermaid class names: letters and digits only. */
export const mermaidClass = (kind: StyleKind) =>
  `k${kind.replace(/-([a-z])/gu, (_, c: string) => c.toUpperCase())}`;
