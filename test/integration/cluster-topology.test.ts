// One cluster over three subnets in two peered vnets in two regions (examples/multi-region.world.json): every
// table holds every worker's pod route, every subnet is associated with its region's table, and a peering that
// would drop pod traffic is a finding naming it, never repaired.
import { describe, expect, it } from 'vitest';
import { render } from '../../src/cli/render.js';
import type { Config } from '../../src/config.js';
import type { ReconcileResult } from '../../src/core/types.js';
import { reconcile } from '../../src/reconcile.js';
import { healthRecord } from '../../src/telemetry/record.js';
import { verify } from '../../src/verify.js';
import { useMultiRegion } from '../support/multi-region.js';

const world = useMultiRegion();
const POD_ROUTES = {
  'kubernetes-route-10-200-0-0-24': '10.200.0.0/24 -> 10.240.0.10',
  'kubernetes-route-10-200-1-0-24': '10.200.1.0/24 -> 10.240.1.10',
  'kubernetes-route-10-200-2-0-24': '10.200.2.0/24 -> 10.241.0.10',
};

const run = (config: Config = world.config(), dryRun = false): Promise<ReconcileResult> =>
  reconcile({ config, trigger: 'timer', clients: world.clients(config), dryRun });

function storedRoutes(rg: string, table: string): Record<string, string> {
  const id = `/subscriptions/${world.emulator.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Network/routeTables/${table}`;
  const stored = world.emulator.getResource(id) as {
    properties: {
      routes: Array<{ name: string; properties: { addressPrefix: string; nextHopIpAddress: string } }>;
    };
  };
  return Object.fromEntries(
    stored.properties.routes.map((r) => [
      r.name,
      `${r.properties.addressPrefix} -> ${r.properties.nextHopIpAddress}`,
    ]),
  );
}

function associatedTable(rg: string, vnet: string, subnet: string): string | undefined {
  const id = `/subscriptions/${world.emulator.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks/${vnet}/subnets/${subnet}`;
  const stored = world.emulator.getResource(id) as { properties: { routeTable?: { id: string } } };
  return stored.properties.routeTable?.id.split('/').pop();
}

function westPeerings(): unknown {
  const id = `/subscriptions/${world.emulator.subscriptionId}/resourceGroups/k8s-west/providers/Microsoft.Network/virtualNetworks/vnet-west`;
  return (world.emulator.getResource(id) as { properties: { virtualNetworkPeerings: unknown } }).properties
    .virtualNetworkPeerings;
}

/** Sets one flag of one peering, as the network team would (the whole vnet, GET shape). */
async function setPeering(rg: string, vnet: string, flags: Record<string, unknown>): Promise<void> {
  const id = `/subscriptions/${world.emulator.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks/${vnet}`;
  const stored = world.emulator.getResource(id) as {
    properties: { virtualNetworkPeerings: Array<{ properties: Record<string, unknown> }> };
  };
  const peering = stored.properties.virtualNetworkPeerings[0]!;
  Object.assign(peering.properties, flags);
  delete peering.properties.peeringState;
  world.emulator.upsertResource(stored, { emitEvent: false });
}

describe('a cluster over three subnets in two peered vnets in two regions', () => {
  it('converges: both tables hold every pod route, every subnet is associated with its region’s table', async () => {
    world.emulator.clearRequests();
    const first = await run();
    expect(first.error).toBeUndefined();
    expect(first.status).toBe('Repaired');
    // The tables run in parallel: both are read before either is written.
    const log = world.emulator.requests().map((r) => `${r.method} ${r.path.split('/').pop()}`);
    const firstPut = log.findIndex((r) => /^PUT pods-(east|west)$/u.test(r));
    expect(firstPut).toBeGreaterThan(Math.max(log.indexOf('GET pods-east'), log.indexOf('GET pods-west')));
    expect(log.filter((r) => /^PUT pods-(east|west)$/u.test(r)).sort()).toEqual([
      'PUT pods-east',
      'PUT pods-west',
    ]);
    expect(first.cluster).toBe('multi-region');
    expect(first.tables?.map((t) => [t.routeTable.name, t.status])).toEqual([
      ['pods-east', 'Repaired'],
      ['pods-west', 'Repaired'],
    ]);
    expect(first.peerings).toEqual([]);
    expect(storedRoutes('k8s-east', 'pods-east')).toEqual(POD_ROUTES);
    expect(storedRoutes('k8s-west', 'pods-west')).toEqual(POD_ROUTES);
    expect(associatedTable('k8s-east', 'vnet-east', 'nodes-a')).toBe('pods-east');
    expect(associatedTable('k8s-east', 'vnet-east', 'nodes-b')).toBe('pods-east');
    expect(associatedTable('k8s-west', 'vnet-west', 'nodes-c')).toBe('pods-west');

    const second = await run();
    expect(second.status).toBe('Healthy');
    expect(second.arm.writes).toBe(0);
  });

  it('reads the workers once and a constant number of times per table', async () => {
    await run();
    world.emulator.clearRequests();
    const healthy = await run();
    expect(healthy.status).toBe('Healthy');
    const reads = world.emulator.requests().map((r) => `${r.method} ${r.path.toLowerCase()}`);
    const count = (pattern: RegExp) => reads.filter((r) => pattern.test(r)).length;
    // Per worker group: VMs, NICs, scale sets; per vnet: its peerings; per table: itself and each subnet.
    expect(count(/virtualmachines$/u)).toBe(2);
    expect(count(/networkinterfaces$/u)).toBe(2);
    expect(count(/virtualnetworkpeerings$/u)).toBe(2);
    expect(count(/routetables\/pods-(east|west)$/u)).toBe(2);
    expect(count(/subnets\/nodes-[abc]$/u)).toBe(3);
    expect(healthy.arm.reads).toBe(reads.length);
  });

  it('associates the subnet left unassociated in the second region with that region’s table', async () => {
    const plan = await run(world.config(), true);
    const west = plan.tables?.find((t) => t.routeTable.name === 'pods-west');
    expect(west?.plan.associateSubnets.map((a) => a.subnetId.split('/').pop())).toEqual(['nodes-c']);
    expect(
      plan.plan.drift
        .filter((d) => d.kind === 'subnet-not-associated')
        .map((d) => d.subject.split('/').pop()),
    ).toEqual(['nodes-b', 'nodes-c']);
    await run();
    expect(associatedTable('k8s-west', 'vnet-west', 'nodes-c')).toBe('pods-west');
  });

  it('plan shows each table with its own routes and drift, not the whole cluster’s drift under the first table', async () => {
    await run();
    const eastId = `/subscriptions/${world.emulator.subscriptionId}/resourceGroups/k8s-east/providers/Microsoft.Network/routeTables/pods-east`;
    const east = world.emulator.getResource(eastId) as { properties: { routes: Array<{ name: string }> } };
    east.properties.routes = east.properties.routes.filter(
      (r) => r.name !== 'kubernetes-route-10-200-2-0-24',
    );
    world.emulator.upsertResource(east as never, { emitEvent: false });
    const text = render('table', 'plan', await run(world.config(), true));
    const [eastPart, westPart] = text.split('Route table pods-west');
    expect(eastPart).toMatch(/Route table pods-east/u);
    expect(eastPart).toMatch(/kubernetes-route-10-200-2-0-24 .*\(absent\) .*missing-route/u);
    expect(westPart).not.toMatch(/missing-route/u);
    expect(westPart).toMatch(/kubernetes-route-10-200-2-0-24 .*Succeeded .*ok/u);
    const markdown = render('markdown', 'plan', await run(world.config(), true));
    expect(markdown).toMatch(/^# Pod route plan: cluster multi-region$/mu);
    expect(markdown.match(/^## Route table pods-(east|west)$/gmu)).toEqual([
      '## Route table pods-east',
      '## Route table pods-west',
    ]);
  });

  it('reports a peering that does not allow forwarded traffic, names it, and never writes it', async () => {
    await setPeering('k8s-west', 'vnet-west', { allowForwardedTraffic: false });
    const peeringsBefore = JSON.stringify(westPeerings());
    const result = await run();
    expect(result.peerings?.map((f) => f.subject.split('/').pop())).toEqual(['west-to-east']);
    expect(result.peerings?.[0]?.problems.join(' ')).toMatch(/allowForwardedTraffic is off/u);
    expect(result.refused.filter((r) => r.reason === 'peering-drops-pod-traffic')).toHaveLength(1);
    expect(result.plan.refused.map((r) => r.reason)).toContain('peering-drops-pod-traffic');
    // The routes are still repaired; the cluster is not healthy while pod traffic would be dropped.
    expect(result.tables?.map((t) => t.status)).toEqual(['Repaired', 'Repaired']);
    expect(result.status).toBe('Refused');
    // Shown in plan/apply (table and JSON) and in the health record.
    expect(render('table', 'apply', result)).toMatch(/x peering-drops-pod-traffic: peering 'west-to-east'/u);
    expect(render('table', 'apply', result)).toMatch(
      /pods-west \(resource group k8s-west, 1 subnet\(s\)\): Repaired/u,
    );
    const json = JSON.parse(render('json', 'apply', result));
    expect(json.schemaVersion).toBe(1);
    expect(json.peerings[0].subject).toMatch(/virtualNetworkPeerings\/west-to-east$/u);
    expect(json.tables.map((t: { routeTable: { name: string } }) => t.routeTable.name)).toEqual([
      'pods-east',
      'pods-west',
    ]);
    expect(healthRecord(result).refusals).toMatch(/peering-drops-pod-traffic/u);
    expect(JSON.stringify(westPeerings())).toBe(peeringsBefore);
    expect(
      world.emulator.requests().filter((r) => /virtualnetworkpeerings/iu.test(r.path) && r.method !== 'GET'),
    ).toEqual([]);
  });

  it('reports a peering that is only Initiated on one side (the other side deleted) from both vnets', async () => {
    const id = `/subscriptions/${world.emulator.subscriptionId}/resourceGroups/k8s-west/providers/Microsoft.Network/virtualNetworks/vnet-west`;
    const vnet = world.emulator.getResource(id) as { properties: { virtualNetworkPeerings: unknown[] } };
    vnet.properties.virtualNetworkPeerings = [];
    world.emulator.upsertResource(vnet, { emitEvent: false });
    const result = await run(world.config(), true);
    expect(result.peerings?.map((f) => [f.subject.split('/').pop(), f.problems])).toEqual([
      ['east-to-west', ['peeringState is Initiated, not Connected']],
      ['vnet-west', ['no peering to it']],
    ]);
    expect(result.status).toBe('Drifted');
  });

  it('verify samples workers per subnet, so every table and subnet is checked, and reports a broken peering', async () => {
    await run();
    const config = world.config();
    const checked = await verify({ config, trigger: 'cli', workers: 1, clients: world.clients(config) });
    expect(checked.error).toBeUndefined();
    expect(checked.status).toBe('Effective');
    // One worker per subnet: worker-0 (nodes-a), worker-1 (nodes-b), worker-2 (nodes-c).
    expect(checked.workers.map((w) => [w.worker, w.status])).toEqual([
      ['worker-0', 'checked'],
      ['worker-1', 'checked'],
      ['worker-2', 'checked'],
    ]);
    expect(checked.subnetIds?.map((id) => id.split('/').pop())).toEqual(['nodes-a', 'nodes-b', 'nodes-c']);

    await setPeering('k8s-east', 'vnet-east', { allowVirtualNetworkAccess: false });
    const broken = await verify({ config, trigger: 'cli', workers: 1, clients: world.clients(config) });
    expect(broken.status).toBe('Findings');
    expect(broken.peerings?.map((f) => [f.subject.split('/').pop(), f.problems])).toEqual([
      ['east-to-west', ['allowVirtualNetworkAccess is off']],
    ]);
  });
});

describe('the picture of a cluster of several tables (issue 20 on issue 19)', () => {
  it('draws both tables with their own subnets, the unassociated one marked, and names a broken peering', async () => {
    const { clusterFromReconcile } = await import('../../src/topology/from-result.js');
    const { clusterScope } = await import('../../src/topology/scope.js');
    const { mermaidSection } = await import('../../src/topology/mermaid.js');
    await setPeering('k8s-west', 'vnet-west', { allowForwardedTraffic: false });
    const config = world.config();
    const planned = await run(config, true);
    const picture = clusterFromReconcile(planned, clusterScope(config));
    expect(picture.tables.map((t) => t.name)).toEqual(['pods-east', 'pods-west']);
    // The world starts with nodes-a associated, nodes-b (east) and nodes-c (west) not.
    const subnets = picture.tables.map((t) => [t.name, t.subnets.map((s) => `${s.name}:${s.associated}`)]);
    expect(subnets).toEqual([
      ['pods-east', ['nodes-a:true', 'nodes-b:false']],
      ['pods-west', ['nodes-c:false']],
    ]);
    expect(picture.findings.some((f) => f.message.startsWith('peering-drops-pod-traffic'))).toBe(true);
    const text = mermaidSection({ title: 'plan', readAt: planned.startedAt, clusters: [picture] }).join('\n');
    expect(text).toContain('pods-east');
    expect(text).toContain('pods-west');
  });
});
