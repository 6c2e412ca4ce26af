// What the pictures need to know about each worker, read once by the run: its name, primary NIC's IPs, the
// pod CIDRs its tag claims (as written, valid or not) and its subnet. Pure.
import { findWorkers } from '../core/desired.js';
import type { Inventory, PlanSettings, WorkerFacts } from '../core/types.js';

export function workerFacts(inventory: Inventory, settings: PlanSettings): WorkerFacts[] {
  return findWorkers(inventory, settings).map((w) => {
    const primary = w.nic?.ipConfigurations.find((c) => c.primary) ?? w.nic?.ipConfigurations[0];
    return {
      name: w.vm.name,
      ips: Object.values(w.ips).filter((ip): ip is string => typeof ip === 'string'),
      podCidrs: w.tagValue
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p !== ''),
      subnetId: primary?.subnetId,
    };
  });
}
