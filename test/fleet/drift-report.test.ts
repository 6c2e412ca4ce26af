// The HTTP drift report of a fleet: ?cluster= names the cluster; with one cluster it may be left out.
import { HttpRequest } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { loadFleet } from '../../src/fleet/load.js';
import { createHandlers } from '../../src/functions/handlers.js';
import type { ReconcileOptions } from '../../src/reconcile.js';
import { healthyResult, invocation, SETTINGS } from '../functions/helpers.js';

const fleetFile = JSON.stringify({
  clusters: ['blue', 'green'].map((name) => ({
    name,
    subscriptionId: SETTINGS.AZURE_SUBSCRIPTION_ID,
    clusterCidr: '10.200.0.0/16',
    workers: [{ resourceGroup: `${name}-nodes` }],
    routeTables: [
      { name: `${name}-routes`, resourceGroup: name, subnets: [{ virtualNetwork: 'vnet', name: 'nodes' }] },
    ],
  })),
});

function handlersOf(fleet: 'file' | 'settings') {
  const reconciled: string[] = [];
  const handlers = createHandlers({
    reconcile: async ({ config }: ReconcileOptions) => {
      reconciled.push(config.cluster.name);
      return healthyResult({ trigger: 'http' });
    },
    loadConfig: () => loadFleet(SETTINGS)[0]!.config,
    ...(fleet === 'file' ? { loadFleet: () => loadFleet({ CLUSTERS_FILE: 'f.json' }, () => fleetFile) } : {}),
  });
  const report = (query: string) =>
    handlers.driftReport(
      new HttpRequest({ method: 'GET', url: `http://localhost/api/driftReport${query}` }),
      invocation('driftReport').context,
    );
  return { report, reconciled };
}

describe('the drift report over a fleet', () => {
  it('plans the cluster ?cluster= names, and only that one', async () => {
    const { report, reconciled } = handlersOf('file');
    const answer = await report('?cluster=green');
    expect(answer.status).toBe(200);
    expect(answer.jsonBody).toMatchObject({ cluster: 'green', inSync: true });
    expect(reconciled).toEqual(['green']);
  });

  it('asks for a cluster when the fleet has several, and names them for an unknown one', async () => {
    const { report, reconciled } = handlersOf('file');
    expect(await report('')).toMatchObject({
      status: 400,
      jsonBody: { error: 'cluster', clusters: ['blue', 'green'] },
    });
    expect(await report('?cluster=red')).toMatchObject({
      status: 404,
      jsonBody: { message: "no cluster 'red' in this deployment's fleet (blue, green)" },
    });
    expect(reconciled).toEqual([]);
  });

  it("needs no parameter for the app settings' one cluster", async () => {
    const { report, reconciled } = handlersOf('settings');
    expect(await report('')).toMatchObject({ status: 200, jsonBody: { cluster: 'default' } });
    expect(reconciled).toEqual(['default']);
  });
});
