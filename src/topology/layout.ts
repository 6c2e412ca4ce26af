// A deterministic layout of the model on a grid, so that no two labels can overlap whatever the cluster:
// per cluster, the route tables with their subnets and foreign routes in a left column, the workers on the
// right in one panel per group (subnet or scale set), as cards in a fixed grid, healthy ones beyond a
// threshold folded into one card with a count. Every label sits inside its own box; boxes never overlap.
import {
  type ClusterView,
  FOLD_HEALTHY_BEYOND,
  foldedGroups,
  type RouteState,
  type TopologyModel,
  workerStates,
} from './model.js';
import { KIND_LABEL, type StyleKind } from './style.js';

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
  kind: StyleKind;
  /** Lines of text, each cut to fit the box. */
  lines: string[];
  /** What the box stands for: 'table', 'subnet', 'worker', 'folded', 'foreign', 'no-worker', 'panel', 'cluster'. */
  role: string;
  /** Model key (table id, subnet id, worker key, route name) for tests and links. */
  ref: string;
}

interface Line {
  from: { x: number; y: number };
  to: { x: number; y: number };
  kind: StyleKind;
  ref: string;
}

export interface Layout {
  width: number;
  height: number;
  boxes: Box[];
  lines: Line[];
}

const CHAR_WIDTH = 7.4; // 12px monospace, generous
export const LINE_HEIGHT = 15;
const PAD = 8;
const GAP = 14;
const LEFT_W = 300;
const CARD_W = 216;
const COLUMNS = 4;
const WORKERS_X = 20 + LEFT_W + 90;

/** Cuts a line to what fits in `width` px (an ellipsis marks the cut). */
export function fitText(text: string, width: number): string {
  const max = Math.floor((width - 2 * PAD) / CHAR_WIDTH);
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}…`;
}

const boxHeight = (lines: number) => lines * LINE_HEIGHT + 2 * PAD;

function box(
  x: number,
  y: number,
  w: number,
  kind: StyleKind,
  lines: string[],
  role: string,
  ref: string,
): Box {
  const fitted = lines.map((l) => fitText(l, w));
  return { x, y, w, h: boxHeight(fitted.length), kind, lines: fitted, role, ref };
}

interface Cursor {
  boxes: Box[];
  lines: Line[];
}

/** The left column: each table, its subnets, its foreign routes. Returns the column's bottom. */
function layoutTables(c: Cursor, cluster: ClusterView, top: number): { bottom: number; tableBoxes: Box[] } {
  let y = top;
  const tableBoxes: Box[] = [];
  for (const table of cluster.tables) {
    const title = table.exists ? `route table ${table.name}` : `route table ${table.name} (MISSING)`;
    const t = box(
      20,
      y,
      LEFT_W,
      table.exists ? 'table' : 'missing',
      [title, `resource group ${table.resourceGroup}`],
      'table',
      table.id,
    );
    c.boxes.push(t);
    tableBoxes.push(t);
    y += t.h + GAP / 2;
    for (const s of table.subnets) {
      const state =
        s.associated === false ? 'NOT ASSOCIATED' : s.associated ? 'associated' : 'association not read';
      const kind: StyleKind = s.associated === false ? 'unassociated' : 'subnet';
      const b = box(
        44,
        y,
        LEFT_W - 24,
        kind,
        [`subnet ${s.name}`, `vnet ${s.virtualNetwork}`, state],
        'subnet',
        s.id,
      );
      c.boxes.push(b);
      c.lines.push({ from: { x: 32, y: t.y + t.h }, to: { x: 44, y: b.y + b.h / 2 }, kind, ref: s.id });
      y += b.h + GAP / 2;
    }
    for (const f of table.foreignRoutes) {
      const hop = `${f.nextHopType ?? '?'}${f.nextHop ? ` ${f.nextHop}` : ''}`;
      const b = box(
        44,
        y,
        LEFT_W - 24,
        'foreign',
        [`foreign: ${f.name}`, `${f.prefix ?? '?'}`, `-> ${hop}`],
        'foreign',
        f.name,
      );
      c.boxes.push(b);
      c.lines.push({
        from: { x: 32, y: t.y + t.h },
        to: { x: 44, y: b.y + b.h / 2 },
        kind: 'foreign',
        ref: f.name,
      });
      y += b.h + GAP / 2;
    }
    y += GAP;
  }
  return { bottom: y, tableBoxes };
}

function workerLines(
  w: { name: string | undefined; ips: string[]; podCidrs: string[]; problems: string[] },
  state: RouteState,
) {
  return [
    w.name ?? `worker at ${w.ips[0] ?? '?'}`,
    w.ips.join(', ') || 'no IP',
    `pods ${w.podCidrs.join(', ') || '?'}`,
    state === 'ok' && w.problems.length > 0 ? w.problems.join(', ') : KIND_LABEL[state],
  ];
}

/** Places cards in a grid of COLUMNS inside a titled panel; returns the panel's bottom. */
function layoutGrid(
  c: Cursor,
  title: string,
  cards: Array<Omit<Box, 'x' | 'y' | 'w' | 'h'>>,
  top: number,
): number {
  const cardH = boxHeight(Math.max(1, ...cards.map((k) => k.lines.length)));
  const rows = Math.ceil(cards.length / COLUMNS);
  const panelW = COLUMNS * CARD_W + (COLUMNS + 1) * GAP;
  const panelH = LINE_HEIGHT + 2 * PAD + rows * (cardH + GAP) + GAP / 2;
  c.boxes.push({ ...box(WORKERS_X, top, panelW, 'subnet', [title], 'panel', title), h: panelH });
  cards.forEach((card, i) => {
    const x = WORKERS_X + GAP + (i % COLUMNS) * (CARD_W + GAP);
    const y = top + LINE_HEIGHT + 2 * PAD + Math.floor(i / COLUMNS) * (cardH + GAP);
    c.boxes.push({ ...card, x, y, w: CARD_W, h: cardH, lines: card.lines.map((l) => fitText(l, CARD_W)) });
  });
  return top + panelH + GAP;
}

function layoutWorkers(c: Cursor, cluster: ClusterView, top: number, foldBeyond: number): number {
  const states = workerStates(cluster);
  let y = top;
  for (const g of foldedGroups(cluster, foldBeyond)) {
    const cards = g.shown.map((w) => {
      const state = states.get(w.key) ?? 'ok';
      const kind: StyleKind = state === 'ok' && w.problems.length > 0 ? 'refused' : state;
      return { kind, lines: workerLines(w, state), role: 'worker', ref: w.key };
    });
    if (g.folded.length > 0)
      cards.push({
        kind: 'ok',
        lines: [`${g.folded.length} more healthy workers`, 'every route ok'],
        role: 'folded',
        ref: `${g.group}#folded`,
      });
    y = layoutGrid(c, `${g.group}: ${g.shown.length + g.folded.length} workers`, cards, y);
  }
  // A stale route in several tables is one card (the lines from each table meet there).
  const strays = [
    ...new Map(
      cluster.tables.flatMap((t) => t.routes.filter((r) => r.worker === undefined)).map((r) => [r.name, r]),
    ).values(),
  ];
  if (strays.length > 0) {
    const cards = strays.map((r) => ({
      kind: r.state as StyleKind,
      lines: [`no worker at ${r.nextHop ?? '?'}`, r.prefix ?? r.name, KIND_LABEL[r.state]],
      role: 'no-worker',
      ref: r.name,
    }));
    y = layoutGrid(c, 'next hops that are no worker', cards, y);
  }
  return y;
}

/** One line per route from its table to its worker's card (or the folded card, once per table). */
function routeLines(c: Cursor, cluster: ClusterView, tableBoxes: Box[]): void {
  const cardOf = new Map<string, Box>();
  for (const b of c.boxes) if (b.role === 'worker' || b.role === 'no-worker') cardOf.set(b.ref, b);
  const folded = c.boxes.filter((b) => b.role === 'folded');
  cluster.tables.forEach((table, i) => {
    const t = tableBoxes[i]!;
    const from = { x: t.x + t.w, y: t.y + t.h / 2 };
    for (const r of table.routes) {
      const card = cardOf.get(r.worker ?? r.name);
      if (card) c.lines.push({ from, to: { x: card.x, y: card.y + card.h / 2 }, kind: r.state, ref: r.name });
    }
    for (const f of folded) c.lines.push({ from, to: { x: f.x, y: f.y + f.h / 2 }, kind: 'ok', ref: f.ref });
  });
}

export function layout(model: TopologyModel, foldBeyond = FOLD_HEALTHY_BEYOND): Layout {
  const c: Cursor = { boxes: [], lines: [] };
  let y = 20;
  for (const cluster of model.clusters) {
    const header = box(20, y, 8 * CARD_W, 'table', [`cluster ${cluster.name}`], 'cluster', cluster.name);
    c.boxes.push(header);
    const top = y + header.h + GAP;
    const left = layoutTables(c, cluster, top);
    const right = layoutWorkers(c, cluster, top, foldBeyond);
    routeLines(c, cluster, left.tableBoxes);
    y = Math.max(left.bottom, right) + GAP;
  }
  const width = WORKERS_X + COLUMNS * CARD_W + (COLUMNS + 2) * GAP;
  for (const b of c.boxes) if (b.role === 'cluster') b.w = width - 40;
  return { width, height: y, boxes: c.boxes, lines: c.lines };
}
