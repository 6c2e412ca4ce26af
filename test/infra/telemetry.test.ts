// Every metric, dimension and health-record field that an alert rule or the workbook queries is one the
// telemetry code emits (src/telemetry/catalog.ts), under the same name.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HealthStatus } from '../../src/core/types.js';
import { HEALTH_RECORD_FIELDS, HEALTH_RECORD_NAME, METRICS } from '../../src/telemetry/catalog.js';
import { INFRA_DIR, lexBicep, readInfra, verbatimStrings } from './bicep.js';

interface Query {
  where: string;
  kql: string;
}

const alertsBicep = lexBicep(readInfra('app/alerts.bicep'));
const alertQueries: Query[] = verbatimStrings(alertsBicep).map((kql, i) => ({
  where: `alerts.bicep #${i + 1}`,
  kql,
}));

interface WorkbookItem {
  type: number;
  name: string;
  content: {
    query?: string;
    queryType?: number;
    items?: WorkbookItem[];
    visualization?: string;
    graphSettings?: { nodeIdField: string; sourceIdField: string; targetIdField: string };
    tileSettings?: { titleContent: { columnMatch: string } };
  };
}
const workbook = JSON.parse(readFileSync(join(INFRA_DIR, 'workbook.json'), 'utf8')) as {
  items: WorkbookItem[];
};
const workbookQueries: Query[] = workbook.items
  .filter((item) => item.type === 3 && typeof item.content.query === 'string')
  .map((item) => ({ where: `workbook.json ${item.name}`, kql: item.content.query! }));

const metricByName = new Map<string, readonly string[]>(
  Object.values(METRICS).map((m) => [m.name, m.dimensions as readonly string[]]),
);

/** Metric names a query reads from AppMetrics (Name == "x" / Name in ("x", "y")). */
function metricNames(kql: string): string[] {
  const names: string[] = [];
  for (const m of kql.matchAll(/\bName\s*==\s*"([^"]+)"/gu)) names.push(m[1]!);
  for (const m of kql.matchAll(/\bName\s+in\s*\(([^)]*)\)/gu)) {
    for (const s of m[1]!.matchAll(/"([^"]+)"/gu)) names.push(s[1]!);
  }
  return names;
}

/** Properties.x / Properties["x"] / customDimensions.x references. */
function propertyNames(kql: string): string[] {
  const names: string[] = [];
  for (const m of kql.matchAll(/\b(?:Properties|customDimensions)(?:\.(\w+)|\[\s*["'](\w+)["']\s*\])/gu)) {
    names.push(m[1] ?? m[2]!);
  }
  return names;
}

function tables(kql: string): string[] {
  return [
    ...kql.matchAll(/\b(AppMetrics|AppEvents|AzureActivity|customMetrics|customEvents|AppTraces|traces)\b/gu),
  ].map((m) => m[1]!);
}

const allQueries = [...alertQueries, ...workbookQueries];

describe('queries in alerts and workbook', () => {
  it('were found (7 alert rules, a dozen workbook panels)', () => {
    expect(alertQueries).toHaveLength(7);
    expect(workbookQueries.length).toBeGreaterThanOrEqual(10);
  });

  it.each(allQueries.map((q) => [q.where, q] as const))(
    '%s reads only emitted names and dimensions',
    (_w, q) => {
      const used = tables(q.kql);
      expect(used.length, 'reads no known table').toBeGreaterThan(0);
      // The Activity log (AzureActivity) only for the changed-by-others rule.
      const allowed = q.kql.includes('AzureActivity') ? ['AzureActivity'] : ['AppMetrics', 'AppEvents'];
      expect(
        used.filter((t) => !allowed.includes(t)),
        'workspace tables only',
      ).toEqual([]);
      // Segment the query per table so each dimension is checked against what that table holds.
      const segments = q.kql
        .split(/(?=\b(?:AppMetrics|AppEvents)\b)/u)
        .filter((s) => /AppMetrics|AppEvents/u.test(s));
      for (const segment of segments) {
        const props = propertyNames(segment);
        const names = metricNames(segment);
        if (segment.startsWith('AppEvents')) {
          expect(names, segment).toEqual([HEALTH_RECORD_NAME]);
          for (const p of props)
            expect(HEALTH_RECORD_FIELDS as readonly string[], `${q.where}: ${p}`).toContain(p);
        } else {
          expect(names.length, `${q.where}: AppMetrics without a metric name`).toBeGreaterThan(0);
          const allowed = new Set<string>();
          for (const n of names) {
            expect([...metricByName.keys()], `${q.where}: unknown metric ${n}`).toContain(n);
            for (const d of metricByName.get(n) ?? []) allowed.add(d);
          }
          for (const p of props)
            expect([...allowed], `${q.where}: dimension ${p} of ${names.join(', ')}`).toContain(p);
        }
      }
    },
  );

  it('compare the result dimension with HealthStatus values only', () => {
    const failed: HealthStatus = 'Failed';
    const statuses: readonly HealthStatus[] = ['Healthy', 'Repaired', 'Drifted', 'Refused', 'Failed'];
    for (const q of allQueries) {
      for (const m of q.kql.matchAll(/Properties\.(?:result|status)\)?\s*==\s*"([^"]+)"/gu)) {
        expect(statuses, q.where).toContain(m[1]);
      }
    }
    expect(alertQueries.some((q) => q.kql.includes(`tostring(Properties.result) == "${failed}"`))).toBe(true);
  });
});

describe('alert rules', () => {
  const rulesText = alertsBicep.source;
  const ruleBlock = (name: string) => {
    const start = rulesText.indexOf(`name: '${name}'`);
    expect(start, name).toBeGreaterThan(0);
    return rulesText.slice(start, rulesText.indexOf('\n  }\n', start));
  };
  const queryOf = (varName: string) => {
    const m = new RegExp(`var ${varName} = '''([\\s\\S]*?)'''`, 'u').exec(rulesText);
    expect(m, varName).not.toBeNull();
    return m![1]!;
  };

  it('heartbeat: absence of runs and health records over 3 periods', () => {
    const block = ruleBlock('podroutes-heartbeat');
    expect(block).toMatch(/query: heartbeatQuery/u);
    expect(block).toMatch(/operator: 'LessThan'\s+threshold: 1/u);
    expect(block).toMatch(/windowMinutes: heartbeatWindowMinutes/u);
    expect(readInfra('main.bicep')).toMatch(/param heartbeatWindowMinutes int = 15/u);
    const q = queryOf('heartbeatQuery');
    expect(metricNames(q).sort()).toEqual([HEALTH_RECORD_NAME, METRICS.runs.name].sort());
  });

  it.each([
    ['podroutes-reconcile-failed', 'failedRunsQuery', METRICS.runs.name, 'failedRunsThreshold'],
    [
      'podroutes-drift-unrepaired',
      'unrepairedDriftQuery',
      METRICS.driftUnrepaired.name,
      'unrepairedDriftThreshold',
    ],
    ['podroutes-refused', 'refusedQuery', METRICS.refused.name, '0'],
    ['podroutes-arm-throttled', 'throttledQuery', METRICS.throttled.name, 'throttledIntervalsThreshold'],
    ['podroutes-routes-not-in-effect', 'routesNotInEffectQuery', METRICS.verifyFindings.name, '0'],
  ])('%s queries %s on %s with threshold %s', (rule, queryVar, metric, threshold) => {
    const block = ruleBlock(rule);
    expect(block).toContain(`query: ${queryVar}`);
    expect(block).toMatch(new RegExp(`threshold: ${threshold}\\b`, 'u'));
    expect(metricNames(queryOf(queryVar))).toEqual([metric]);
    const measure = /metricMeasureColumn: '(\w+)'/u.exec(block)?.[1];
    expect(measure).toBeTruthy();
    expect(queryOf(queryVar)).toMatch(new RegExp(`summarize ${measure} = `, 'u'));
    for (const d of [...block.matchAll(/dimensions: \[\s+'(\w+)'/gu)].map((m) => m[1]!)) {
      expect(queryOf(queryVar)).toMatch(new RegExp(`by ${d} = tostring\\(Properties\\.\\w+\\)`, 'u'));
    }
  });

  it('each describe what it means and what to do', () => {
    const descriptions = [...rulesText.matchAll(/description: '(MEANS: [^\n]+)'/gu)].map((m) => m[1]!);
    expect(descriptions).toHaveLength(7);
    for (const d of descriptions) expect(d).toMatch(/MEANS: .+ DO: .+/u);
  });
});

describe('workbook', () => {
  it('shows drift, repairs, refusals, run duration and health over time', () => {
    const used = new Set(workbookQueries.flatMap((q) => metricNames(q.kql)));
    for (const m of [
      METRICS.driftDetected,
      METRICS.driftRepaired,
      METRICS.refused,
      METRICS.duration,
      METRICS.health,
    ]) {
      expect([...used]).toContain(m.name);
    }
    expect([...used]).toContain(HEALTH_RECORD_NAME);
    expect(readInfra('app/workbook.bicep')).toMatch(
      /serializedData: loadTextContent\('\.\.\/workbook\.json'\)/u,
    );
  });
});

describe('workbook topology', () => {
  const item = (name: string) => workbook.items.find((i) => i.name === name)!.content;

  it("draws a graph of tables, subnets and workers from the health records' topology field", () => {
    const graph = item('topology-graph');
    expect(graph.visualization).toBe('graph');
    const { nodeIdField, sourceIdField, targetIdField } = graph.graphSettings!;
    // Nodes union links: the node id and the link ends are columns the query projects.
    for (const column of [nodeIdField, sourceIdField, targetIdField])
      expect(graph.query).toMatch(new RegExp(`project [^\\n]*\\b${column} = `, 'u'));
    expect(graph.query).toMatch(/nodes\n\| union links$/u);
    expect(graph.query).toContain('Properties.topology');
    expect(HEALTH_RECORD_FIELDS).toContain('topology');
  });

  it('shows one status tile per route table (its last run)', () => {
    const tiles = item('route-table-status-tiles');
    expect(tiles.visualization).toBe('tiles');
    expect(tiles.tileSettings!.titleContent.columnMatch).toBe('RouteTable');
    expect(tiles.query).toMatch(/summarize arg_max\(TimeGenerated, \*\) by RouteTable/u);
  });
});

describe('alerts that reach people', () => {
  const rulesText = alertsBicep.source;

  it('the action group takes webhook receivers with the common alert schema', () => {
    const group = rulesText.slice(
      rulesText.indexOf('resource actionGroup'),
      rulesText.indexOf('// Heartbeat'),
    );
    expect(group).toMatch(
      /webhookReceivers: \[\s+for receiver in items\(webhooks\): \{[^}]*useCommonAlertSchema: true/u,
    );
    expect(rulesText).toMatch(/@secure\(\)\n@description\(.*\)\nparam alertWebhooks string = ''/u);
    expect(readInfra('main.bicep')).toMatch(/alertWebhooks: alertWebhooks/u);
  });

  it("changed-by-others: route table and route writes in the Activity log not made by the app's identity, who and what as dimensions", () => {
    const template = /var otherWritesQueryTemplate = '''([\s\S]*?)'''/u.exec(rulesText)![1]!;
    for (const op of [
      'routeTables/write',
      'routeTables/delete',
      'routeTables/routes/write',
      'routeTables/routes/delete',
    ])
      expect(template).toContain(`"Microsoft.Network/${op}"`);
    expect(template).toMatch(/\| where Caller !in~ \(dynamic\(__APP_PRINCIPALS__\)\)/u);
    expect(template).toMatch(
      /summarize Changes = count\(\) by Caller, Operation = OperationNameValue, Resource = _ResourceId/u,
    );
    const block = rulesText.slice(rulesText.indexOf("name: 'podroutes-changed-by-others'"));
    expect(block).toMatch(/query: otherWritesQuery\n/u);
    expect(block).toMatch(/dimensions: \[\s+'Caller'\s+'Operation'\s+'Resource'\s+\]/u);
    const main = readInfra('main.bicep');
    expect(main).toMatch(
      /appPrincipalIds: \[\s+identity\.outputs\.principalId\s+identity\.outputs\.clientId\s+\]/u,
    );
    expect(main).toMatch(
      /resource activityLogExport 'Microsoft\.Insights\/diagnosticSettings@[^']+' = if \(exportActivityLog\)/u,
    );
    expect(main).toMatch(/category: 'Administrative'/u);
  });
});

/** The official Kusto parser (Kusto.Language, from Microsoft's @kusto/language-service-next), syntax only. */
interface KustoLanguage {
  KustoCode: {
    Parse(text: string): {
      GetDiagnostics(): { Count: number; getItem(i: number): { Message: string; Start: number } };
    };
  };
}
function kustoParser(): KustoLanguage {
  const load = createRequire(import.meta.url);
  load('@kusto/language-service-next/bridge.min.js');
  load('@kusto/language-service-next/Kusto.Language.Bridge.min.js');
  return (globalThis as unknown as { Kusto: { Language: KustoLanguage } }).Kusto.Language;
}

describe('every alert and workbook query', () => {
  const kusto = kustoParser();
  // The changed-by-others template gets its lists at deployment (bicep replace()): parse it filled in.
  const filled = (kql: string) =>
    kql
      .replaceAll(
        '__TABLE_IDS__',
        '["/subscriptions/s/resourcegroups/k/providers/microsoft.network/routetables/t"]',
      )
      .replaceAll('__APP_PRINCIPALS__', '["00000000-0000-0000-0000-000000000001"]');

  it.each(allQueries.map((q) => [q.where, q] as const))('%s parses with the Kusto parser', (_w, q) => {
    const diagnostics = kusto.KustoCode.Parse(filled(q.kql)).GetDiagnostics();
    const messages = Array.from({ length: diagnostics.Count }, (_, i) => diagnostics.getItem(i).Message);
    expect(messages).toEqual([]);
  });

  it('the parser refuses a broken query (so the check above can fail)', () => {
    expect(kusto.KustoCode.Parse('AppEvents | where Name == ').GetDiagnostics().Count).toBeGreaterThan(0);
  });
});
