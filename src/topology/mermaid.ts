// The model as a Mermaid flowchart (GitHub, Azure DevOps and most wikis render it in markdown): tables,
// their subnets (a missing association drawn as such), workers grouped by subnet or scale set with healthy
// ones folded into a count, one edge per route styled by its state, foreign routes apart and greyed, a legend.
import {
  type ClusterView,
  clusterFindings,
  type Finding,
  foldedGroups,
  type RouteState,
  type RouteView,
  type TableView,
  type TopologyModel,
  type WorkerView,
  workerStates,
} from './model.js';
import { KIND_LABEL, KIND_STYLE, LEGEND_KINDS, mermaidClass, type StyleKind } from './style.js';

/** Mermaid label text: quotes and angle brackets as entity codes (labels are quoted, <br/> is ours). */
function mermaidText(text: string): string {
  return text
    .replaceAll('#', '#35;')
    .replaceAll('"', '#quot;')
    .replaceAll('<', '#lt;')
    .replaceAll('>', '#gt;');
}

const label = (...lines: string[]) => `"${lines.map(mermaidText).join('<br/>')}"`;

interface Edge {
  from: string;
  to: string;
  text: string;
  kind: StyleKind;
}

interface Drawing {
  lines: string[];
  edges: Edge[];
}

function classDefs(): string[] {
  return (Object.keys(KIND_STYLE) as StyleKind[]).map((kind) => {
    const s = KIND_STYLE[kind];
    const dash = s.dash ? `,stroke-dasharray:${s.dash}` : '';
    return `  classDef ${mermaidClass(kind)} fill:${s.fill},stroke:${s.stroke},stroke-width:${s.width}px,color:#000${dash}`;
  });
}

/** Mermaid draws a solid, a dotted (-.->) or a thick (==>) line; the colour comes from linkStyle. */
function arrow(kind: StyleKind, text: string): string {
  const t = `|${label(text)}|`;
  if (kind === 'foreign') return `-.-${t}`;
  if (KIND_STYLE[kind].dash) return `-.->${t}`;
  return kind === 'ok' || kind === 'repaired' ? `-->${t}` : `==>${t}`;
}

function linkStyle(index: number, kind: StyleKind): string {
  const s = KIND_STYLE[kind];
  const dash = s.dash ? `,stroke-dasharray:${s.dash}` : '';
  return `  linkStyle ${index} stroke:${s.stroke},stroke-width:${s.width}px${dash}`;
}

function workerLabel(w: WorkerView, state: RouteState): string {
  const lines = [w.name ?? `worker at ${w.ips[0] ?? '?'}`];
  if (w.ips.length > 0) lines.push(w.ips.join(', '));
  if (w.podCidrs.length > 0) lines.push(`pods ${w.podCidrs.join(', ')}`);
  if (state !== 'ok') lines.push(KIND_LABEL[state].toUpperCase());
  lines.push(...w.problems.map((p) => p.toUpperCase()));
  return label(...lines);
}

function routeText(r: RouteView): string {
  const prefix = r.prefix ?? r.name;
  if (r.state === 'wrong-next-hop') return `${prefix} wrong next hop ${r.nextHop ?? '?'}`;
  if (r.state === 'refused') return `refused: ${r.detail?.split(':')[0] ?? ''}`;
  if (r.state === 'ok') return prefix;
  return `${prefix} ${KIND_LABEL[r.state]}`;
}

function drawTable(d: Drawing, id: string, table: TableView): void {
  const title = table.exists ? `route table ${table.name}` : `route table ${table.name} (MISSING)`;
  d.lines.push(
    `    ${id}[(${label(title, `resource group ${table.resourceGroup}`)})]:::${mermaidClass('table')}`,
  );
  table.subnets.forEach((s, i) => {
    const sid = `${id}s${i}`;
    const kind: StyleKind = s.associated === false ? 'unassociated' : 'subnet';
    const state =
      s.associated === false ? 'NOT ASSOCIATED' : s.associated ? 'associated' : 'association not read';
    d.lines.push(
      `    ${sid}[${label(`subnet ${s.name}`, `vnet ${s.virtualNetwork}`, state)}]:::${mermaidClass(kind)}`,
    );
    d.edges.push({ from: id, to: sid, text: state, kind });
  });
  if (table.foreignRoutes.length === 0) return;
  d.lines.push(`    subgraph ${id}f[${label(`foreign routes in ${table.name} (not ours, kept)`)}]`);
  table.foreignRoutes.forEach((f, i) => {
    const hop = `${f.nextHopType ?? '?'}${f.nextHop ? ` ${f.nextHop}` : ''}`;
    d.lines.push(
      `      ${id}f${i}[${label(f.name, `${f.prefix ?? '?'} -> ${hop}`)}]:::${mermaidClass('foreign')}`,
    );
    d.edges.push({ from: id, to: `${id}f${i}`, text: 'foreign', kind: 'foreign' });
  });
  d.lines.push('    end');
}

function drawWorkers(d: Drawing, cid: string, cluster: ClusterView): Map<string, string> {
  const states = workerStates(cluster);
  const nodeOf = new Map<string, string>();
  foldedGroups(cluster).forEach((g, gi) => {
    d.lines.push(`    subgraph ${cid}g${gi}[${label(g.group)}]`);
    g.shown.forEach((w, wi) => {
      const id = `${cid}g${gi}w${wi}`;
      const state = states.get(w.key) ?? 'ok';
      const kind: StyleKind = w.problems.length > 0 && state === 'ok' ? 'refused' : state;
      d.lines.push(`      ${id}[${workerLabel(w, state)}]:::${mermaidClass(kind)}`);
      nodeOf.set(w.key, id);
    });
    if (g.folded.length > 0) {
      const id = `${cid}g${gi}more`;
      d.lines.push(
        `      ${id}[${label(`${g.folded.length} more healthy workers`)}]:::${mermaidClass('ok')}`,
      );
      for (const w of g.folded) nodeOf.set(w.key, id);
    }
    d.lines.push('    end');
  });
  return nodeOf;
}

function drawRoutes(d: Drawing, tid: string, table: TableView, nodeOf: Map<string, string>): void {
  const foldedEdges = new Map<string, number>();
  table.routes.forEach((r, i) => {
    let to = r.worker === undefined ? undefined : nodeOf.get(r.worker);
    if (to === undefined) {
      to = `${tid}x${i}`;
      d.lines.push(`    ${to}[${label(`no worker at ${r.nextHop ?? '?'}`)}]:::${mermaidClass(r.state)}`);
    }
    if (to.endsWith('more')) {
      foldedEdges.set(to, (foldedEdges.get(to) ?? 0) + 1);
      return;
    }
    d.edges.push({ from: tid, to, text: routeText(r), kind: r.state });
  });
  for (const [to, count] of foldedEdges)
    d.edges.push({ from: tid, to, text: `${count} routes ok`, kind: 'ok' });
}

function drawCluster(d: Drawing, ci: number, cluster: ClusterView): void {
  const cid = `c${ci}`;
  d.lines.push(`  subgraph ${cid}[${label(`cluster ${cluster.name}`)}]`);
  d.lines.push('    direction LR');
  const nodeOf = drawWorkers(d, cid, cluster);
  cluster.tables.forEach((table, ti) => {
    drawTable(d, `${cid}t${ti}`, table);
    drawRoutes(d, `${cid}t${ti}`, table, nodeOf);
  });
  d.lines.push('  end');
}

function drawLegend(d: Drawing): void {
  d.lines.push(`  subgraph legend[${label('Legend')}]`);
  d.lines.push('    direction LR');
  for (const kind of LEGEND_KINDS)
    d.lines.push(`    legend_${mermaidClass(kind)}[${label(KIND_LABEL[kind])}]:::${mermaidClass(kind)}`);
  d.lines.push('  end');
}

/** Invisible links lay the legend out in a row; drawn after the routes, so linkStyle indices stay theirs. */
function legendRow(): string {
  return `  ${LEGEND_KINDS.map((k) => `legend_${mermaidClass(k)}`).join(' ~~~ ')}`;
}

/** The flowchart text (without the ``` fence). */
export function toMermaid(model: TopologyModel): string {
  const d: Drawing = { lines: ['flowchart LR'], edges: [] };
  model.clusters.forEach((cluster, ci) => {
    drawCluster(d, ci, cluster);
  });
  drawLegend(d);
  for (const e of d.edges) d.lines.push(`  ${e.from} ${arrow(e.kind, e.text)} ${e.to}`);
  for (const [i, e] of d.edges.entries()) d.lines.push(linkStyle(i, e.kind));
  d.lines.push(legendRow());
  d.lines.push(...classDefs());
  return d.lines.join('\n');
}

function findingLine(f: Finding): string {
  const kind = f.state in KIND_LABEL ? KIND_LABEL[f.state as StyleKind] : f.state;
  return `- **${kind}** \`${f.subject}\`: ${f.message}`;
}

function foreignLine(cluster: ClusterView): string[] {
  const foreign = cluster.tables.flatMap((t) => t.foreignRoutes.map((f) => `\`${f.name}\` in ${t.name}`));
  return foreign.length === 0 ? [] : [`- foreign routes (not ours, kept as they are): ${foreign.join(', ')}`];
}

/** The markdown section: worst things first in text, then the diagram. */
export function mermaidSection(model: TopologyModel): string[] {
  const out: string[] = [];
  for (const cluster of model.clusters) {
    const findings = clusterFindings(cluster);
    out.push(
      model.clusters.length > 1 ? `Cluster ${cluster.name}, worst first:` : 'Worst first:',
      ...(findings.length === 0 ? ['- nothing found: every route ok'] : findings.map(findingLine)),
      ...foreignLine(cluster),
      '',
    );
  }
  out.push('```mermaid', toMermaid(model), '```');
  return out;
}
