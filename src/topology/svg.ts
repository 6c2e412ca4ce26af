// The laid-out model as one self-contained SVG: inline styles (one class per kind, the legend drawn with the
// same classes), no fonts, images or scripts from anywhere. The HTML page embeds the same SVG.
import { type Box, fitText, type Layout, LINE_HEIGHT, layout } from './layout.js';
import { clusterFindings, type Finding, FOLD_HEALTHY_BEYOND, type TopologyModel } from './model.js';
import { KIND_LABEL, KIND_STYLE, LEGEND_KINDS, type StyleKind } from './style.js';

export function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const cls = (kind: StyleKind) => `k-${kind}`;

function styleSheet(): string {
  const rules = (Object.keys(KIND_STYLE) as StyleKind[]).map((kind) => {
    const s = KIND_STYLE[kind];
    const dash = s.dash ? `stroke-dasharray:${s.dash};` : '';
    return `.${cls(kind)}{stroke:${s.stroke};stroke-width:${s.width}px;${dash}}rect.${cls(kind)}{fill:${s.fill}}`;
  });
  return [
    'text{font:12px monospace;fill:#111}',
    'text.title{font-weight:bold}',
    'path.edge{fill:none;opacity:.85}',
    'rect.panel{fill:none;stroke:#b0bec5;stroke-width:1px}',
    ...rules,
  ].join('\n');
}

function textLines(b: Box, className = 'label'): string {
  const spans = b.lines
    .map((l, i) => `<tspan x="${b.x + 8}" dy="${i === 0 ? 0 : LINE_HEIGHT}">${escapeXml(l)}</tspan>`)
    .join('');
  return `<text class="${className}" data-ref="${escapeXml(b.ref)}" x="${b.x + 8}" y="${b.y + 8 + 11}">${spans}</text>`;
}

function drawBox(b: Box): string {
  const rect =
    b.role === 'panel'
      ? `<rect class="panel" x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" rx="6"/>`
      : `<rect class="${cls(b.kind)} box" data-role="${b.role}" data-kind="${b.kind}" data-ref="${escapeXml(b.ref)}" x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" rx="4"/>`;
  return `${rect}${textLines(b, b.role === 'cluster' || b.role === 'panel' ? 'label title' : 'label')}`;
}

function drawLine(l: Layout['lines'][number]): string {
  const mid = (l.from.x + l.to.x) / 2;
  const d = `M${l.from.x},${l.from.y} C${mid},${l.from.y} ${mid},${l.to.y} ${l.to.x},${l.to.y}`;
  return `<path class="edge ${cls(l.kind)}" data-kind="${l.kind}" data-ref="${escapeXml(l.ref)}" d="${d}"/>`;
}

const LEGEND_ITEM_W = 230;

/** The legend: one swatch per kind, styled by the very classes the drawing uses. */
function legend(width: number): { svg: string; height: number } {
  const perRow = Math.max(1, Math.floor((width - 40) / LEGEND_ITEM_W));
  const parts = LEGEND_KINDS.map((kind, i) => {
    const x = 20 + (i % perRow) * LEGEND_ITEM_W;
    const y = 40 + Math.floor(i / perRow) * 28;
    return `<g class="legend-item" data-kind="${kind}"><rect class="${cls(kind)} swatch" data-kind="${kind}" x="${x}" y="${y}" width="34" height="18" rx="3"/><text class="label" x="${x + 42}" y="${y + 13}">${escapeXml(fitText(KIND_LABEL[kind], LEGEND_ITEM_W - 34))}</text></g>`;
  });
  const rows = Math.ceil(LEGEND_KINDS.length / perRow);
  return {
    svg: `<g class="legend"><text class="label title" x="20" y="26">Legend</text>${parts.join('')}</g>`,
    height: 40 + rows * 28 + 10,
  };
}

export function findingText(f: Finding): string {
  const kind = f.state in KIND_LABEL ? KIND_LABEL[f.state as StyleKind] : f.state;
  return `${kind}: ${f.subject}: ${f.message}`;
}

/** The findings under the drawing, worst first (the HTML page lists them in full beside it). */
function findingsBlock(model: TopologyModel, top: number, width: number): { svg: string; height: number } {
  const lines = model.clusters.flatMap((c) =>
    clusterFindings(c).map((f) => `${model.clusters.length > 1 ? `${c.name}: ` : ''}${findingText(f)}`),
  );
  const shown = lines.slice(0, 40);
  if (lines.length > shown.length) shown.push(`… and ${lines.length - shown.length} more`);
  const rows = [
    `Worst first (${lines.length} finding(s)):`,
    ...(lines.length === 0 ? ['nothing found'] : shown),
  ];
  const svg = rows
    .map(
      (r, i) =>
        `<text class="label finding${i === 0 ? ' title' : ''}" x="20" y="${top + 14 + i * LINE_HEIGHT}">${escapeXml(fitText(r, width - 24))}</text>`,
    )
    .join('');
  return { svg, height: rows.length * LINE_HEIGHT + 20 };
}

export interface SvgOptions {
  /** Healthy workers beyond this many per group fold into one card (default FOLD_HEALTHY_BEYOND). */
  foldBeyond?: number;
}

export function toSvg(model: TopologyModel, options: SvgOptions = {}): string {
  const drawn = layout(model, options.foldBeyond ?? FOLD_HEALTHY_BEYOND);
  const key = legend(drawn.width);
  const body = [...drawn.lines.map(drawLine), ...drawn.boxes.map(drawBox)].join('\n');
  const findings = findingsBlock(model, key.height + drawn.height, drawn.width);
  const height = key.height + drawn.height + findings.height;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="topology" width="${drawn.width}" height="${height}" viewBox="0 0 ${drawn.width} ${height}" role="img" aria-label="${escapeXml(model.title)}">`,
    `<title>${escapeXml(`${model.title} (read ${model.readAt})`)}</title>`,
    `<style>\n${styleSheet()}\n</style>`,
    `<rect x="0" y="0" width="${drawn.width}" height="${height}" fill="#fff"/>`,
    key.svg,
    `<g class="drawing" transform="translate(0 ${key.height})">\n${body}\n</g>`,
    `<g class="findings">${findings.svg}</g>`,
    '</svg>',
  ].join('\n');
}
