// Pictures to draw: a large two-table cluster with every kind of finding, built as the fleet will build it.
import type {
  ClusterView,
  RouteState,
  RouteView,
  TableView,
  TopologyModel,
  WorkerView,
} from '../../src/topology/model.js';

const SUB = '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/net';

/** Worker i's problem, if any: the first few workers carry each drift kind once. */
const PROBLEMS: RouteState[] = ['missing', 'wrong-next-hop', 'not-in-effect', 'shadowed', 'not-provisioned'];

function worker(i: number): WorkerView {
  const group = i % 2 === 0 ? 'subnet workers-a' : 'scale set pool-b';
  return {
    key: `worker-${i}`,
    name: `worker-${i}`,
    ips: [`10.240.${Math.floor(i / 250)}.${(i % 250) + 4}`],
    podCidrs: [`10.200.${i}.0/24`],
    group,
    problems: i === 7 ? ['IP forwarding off'] : [],
  };
}

function routes(workers: WorkerView[], table: number): RouteView[] {
  const out: RouteView[] = workers.map((w, i) => ({
    name: `kubernetes-route-10-200-${i}-0-24`,
    prefix: w.podCidrs[0],
    nextHop: PROBLEMS[i] === 'missing' ? undefined : w.ips[0],
    worker: w.key,
    state: table === 0 ? (PROBLEMS[i] ?? 'ok') : 'ok',
    detail: PROBLEMS[i],
  }));
  out.push({
    name: 'kubernetes-route-10-200-250-0-24',
    prefix: '10.200.250.0/24',
    nextHop: '10.240.9.9',
    worker: undefined,
    state: 'stale',
    detail: 'no worker claims it',
  });
  out.push({
    name: 'worker-9-refused',
    prefix: undefined,
    nextHop: undefined,
    worker: 'worker-9',
    state: 'refused',
    detail: 'invalid-pod-cidr: tag pod-cidr=banana',
  });
  return out;
}

function table(i: number, workers: WorkerView[]): TableView {
  return {
    id: `${SUB}/providers/Microsoft.Network/routeTables/pods-${i}`,
    name: `pods-${i}`,
    resourceGroup: 'net',
    exists: true,
    subnets: [0, 1].map((s) => ({
      id: `${SUB}/providers/Microsoft.Network/virtualNetworks/vnet-${i}/subnets/workers-${s}`,
      name: `workers-${s}`,
      virtualNetwork: `vnet-${i}`,
      associated: !(i === 1 && s === 1),
    })),
    routes: routes(workers, i),
    foreignRoutes: [
      {
        name: 'firewall-default-route',
        prefix: '0.0.0.0/0',
        nextHopType: 'VirtualAppliance',
        nextHop: '10.240.0.4',
      },
    ],
  };
}

export function largeCluster(workerCount: number): TopologyModel {
  const workers = Array.from({ length: workerCount }, (_, i) => worker(i));
  const cluster: ClusterView = {
    name: 'big',
    tables: [table(0, workers), table(1, workers)],
    workers,
    findings: PROBLEMS.map((state, i) => ({ state, severity: i, subject: `worker-${i}`, message: state })),
  };
  return {
    title: `A ${workerCount}-worker cluster`,
    readAt: '2026-12-04T03:00:00.000Z',
    clusters: [cluster],
  };
}
