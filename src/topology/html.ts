// One self-contained page: the findings worst first, the drawing with its legend (inline SVG), the foreign
// routes. No script, font, image or style from anywhere: the Content-Security-Policy forbids every fetch.
import { clusterFindings, type TopologyModel } from './model.js';
import { escapeXml, findingText, type SvgOptions, toSvg } from './svg.js';

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

function findingsList(model: TopologyModel): string {
  const parts: string[] = [];
  for (const cluster of model.clusters) {
    const findings = clusterFindings(cluster);
    const foreign = cluster.tables.flatMap((t) =>
      t.foreignRoutes.map(
        (f) => `${f.name} in ${t.name} (${f.prefix ?? '?'} -> ${f.nextHopType ?? '?'} ${f.nextHop ?? ''})`,
      ),
    );
    parts.push(
      `<section class="cluster" data-cluster="${escapeXml(cluster.name)}"><h2>Cluster ${escapeXml(cluster.name)}: ${findings.length} finding(s), worst first</h2>`,
      findings.length === 0
        ? '<p>Nothing found: every route ok.</p>'
        : `<ol class="findings">${findings.map((f) => `<li data-kind="${escapeXml(f.state)}">${escapeXml(findingText(f))}</li>`).join('')}</ol>`,
      foreign.length === 0
        ? ''
        : `<p class="foreign">Foreign routes (not ours, kept as they are): ${escapeXml(foreign.join('; '))}</p>`,
      '</section>',
    );
  }
  return parts.join('\n');
}

export function toHtml(model: TopologyModel, options: SvgOptions = {}): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(model.title)}</title>
<style>
body{font:14px system-ui,sans-serif;margin:16px;color:#111}
h1{font-size:20px}h2{font-size:16px}
ol.findings li{margin:2px 0;font-family:monospace}
.picture{overflow:auto;border:1px solid #ddd}
</style>
</head>
<body>
<h1>${escapeXml(model.title)}</h1>
<p>Read at ${escapeXml(model.readAt)}.</p>
${findingsList(model)}
<div class="picture">
${toSvg(model, options)}
</div>
</body>
</html>
`;
}
