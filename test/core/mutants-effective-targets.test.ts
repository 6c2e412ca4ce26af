// Scenarios around the judgement: which workers' NICs verify reads (power state, NICs, subnet), the sampling
// window, and the counts of a run's summary. docs/mutation.md lists the mutants of src/core/effective.ts they kill.
import { describe, expect, it } from 'vitest';
import { deriveDesired, type Worker } from '../../src/core/desired.js';
import {
  type PrefixCheck,
  sampleWorkers,
  summarizeVerification,
  verifyTargets,
  type WorkerVerification,
} from '../../src/core/effective.js';
import { reportCluster, SUBNET_ID, settings, vm } from './fixtures.js';

const workers = (): Worker[] => deriveDesired(reportCluster(), settings()).workers;
const worker1 = (): Worker => workers().find((w) => w.vm.name === 'worker-1')!;
const powerOf = (w: Worker, state: string) => new Map([[w.vm.id.toLowerCase(), state]]);

/** worker-1 with a second, non-primary NIC reference (a management NIC, say). */
function withTwoNics(w: Worker): Worker {
  const two = vm('worker-1', '10.200.1.0/24');
  const extra = { id: two.nicRefs[0]!.id.replace('worker-1-nic', 'worker-1-mgmt'), primary: false };
  return { ...w, vm: { ...w.vm, nicRefs: [extra, ...w.vm.nicRefs] } };
}

describe('which NIC verify reads for a worker', () => {
  it('reads a running worker with one NIC and has nothing to remark', () => {
    const w = worker1();
    const [target] = verifyTargets([w], ['worker-1'], SUBNET_ID, powerOf(w, 'PowerState/running'));
    expect(target).toEqual({ worker: 'worker-1', nicId: w.nic!.id, notes: [] });
  });

  it('says why a stopped VM is not read, in plain words', () => {
    const w = worker1();
    const [target] = verifyTargets([w], ['worker-1'], SUBNET_ID, powerOf(w, 'PowerState/stopped'));
    expect(target?.notApplicable).toEqual({
      reason: 'vm-not-running',
      message: "VM 'worker-1' is stopped: Azure has no effective routes for its NIC until it runs",
    });
  });

  it('names the primary NIC in the note of a worker with two NICs', () => {
    const [target] = verifyTargets([withTwoNics(worker1())], ['worker-1'], SUBNET_ID, new Map());
    expect(target?.notes).toEqual([
      "worker 'worker-1' has 2 NICs; only the primary one ('worker-1-nic') is checked: pod traffic leaves through it",
    ]);
  });

  it('reports a worker whose primary NIC is not in the inventory, and still notes its two NICs', () => {
    const w = { ...withTwoNics(worker1()), nic: undefined };
    const [target] = verifyTargets([w], ['worker-1'], SUBNET_ID, new Map());
    expect(target).toEqual({
      worker: 'worker-1',
      nicId: undefined,
      notApplicable: { reason: 'no-nic', message: "worker 'worker-1' has no network interface" },
      notes: ["worker 'worker-1' has 2 NICs; only the primary one is checked: pod traffic leaves through it"],
    });
  });

  it('does not read a NIC ARM gave without a subnet, and says so', () => {
    const w = worker1();
    const noSubnet = {
      ...w.nic!,
      ipConfigurations: [{ ...w.nic!.ipConfigurations[0]!, subnetId: undefined }],
    };
    const [target] = verifyTargets([{ ...w, nic: noSubnet }], ['worker-1'], SUBNET_ID, new Map());
    expect(target?.notApplicable).toEqual({
      reason: 'nic-outside-subnet',
      message: `NIC 'worker-1-nic' of worker 'worker-1' is in no subnet, not the cluster subnet ${SUBNET_ID}: the route table does not apply to it`,
    });
  });
});

describe('the sampling window', () => {
  const names = ['w-3', 'w-1', 'w-2', 'w-0'];
  it('takes every worker once when the sample is the fleet size or more, whatever the offset', () => {
    expect(sampleWorkers(names, 4, 1)).toEqual(['w-0', 'w-1', 'w-2', 'w-3']);
    expect(sampleWorkers(names, 5, 3)).toEqual(['w-0', 'w-1', 'w-2', 'w-3']);
  });

  it('takes none for a negative size or an empty fleet', () => {
    expect(sampleWorkers(names, -1, 2)).toEqual([]);
    expect(sampleWorkers([], 2, 1)).toEqual([]);
  });
});

const check = (prefix: string, verdict: PrefixCheck['verdict'], confirmed?: boolean): PrefixCheck => ({
  verdict,
  prefix,
  toWorker: 'w',
  expectedNextHop: '10.240.0.21',
  winner: undefined,
  message: `${prefix} ${verdict}`,
  ...(confirmed === undefined ? {} : { confirmed }),
});
const checked = (worker: string, ...checks: PrefixCheck[]): WorkerVerification => ({
  worker,
  nicId: `${worker}-nic`,
  status: 'checked',
  checks,
  notes: [],
});
const stopped = (worker: string): WorkerVerification => ({
  worker,
  nicId: undefined,
  status: 'not-applicable',
  reason: 'vm-not-running',
  checks: [],
  notes: [],
});
const failedRead = (worker: string, confirmed: boolean): WorkerVerification => ({
  worker,
  nicId: `${worker}-nic`,
  status: 'read-failed',
  reason: 'read-failed',
  message: 'operation failed',
  checks: [],
  notes: [],
  confirmed,
});

describe('the summary of a run', () => {
  it('counts each worker and each confirmed finding under its own heading', () => {
    const run = [
      checked('w0', check('10.200.1.0/24', 'ok'), check('10.200.2.0/24', 'missing', true)),
      checked('w1', check('10.200.0.0/24', 'ok')),
      checked('w2', check('10.200.0.0/24', 'ok')),
      stopped('w3'),
      failedRead('w4', true),
    ];
    expect(summarizeVerification(run)).toEqual({
      workers: 5,
      checked: 3,
      notApplicable: 1,
      ok: 3,
      shadowed: 0,
      missing: 1,
      readFailed: 1,
      unconfirmed: 0,
      effective: false,
    });
  });

  it('is not effective with one confirmed and one unconfirmed finding', () => {
    const run = [
      checked('w0', check('10.200.1.0/24', 'missing', true)),
      checked('w1', check('10.200.0.0/24', 'shadowed', false)),
    ];
    expect(summarizeVerification(run)).toEqual({
      workers: 2,
      checked: 2,
      notApplicable: 0,
      ok: 0,
      shadowed: 0,
      missing: 1,
      readFailed: 0,
      unconfirmed: 1,
      effective: false,
    });
  });
});
