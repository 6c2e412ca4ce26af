// Settled states at their edges (docs/mutation.md): an empty provisioning state is nothing to wait for, and a
// NIC two VMs name is waited for once.
import { describe, expect, it } from 'vitest';
import { isSettled, unsettledResources } from '../../src/core/settled.js';
import { reportCluster, settings } from './fixtures.js';

describe('what the settle wait waits for', () => {
  it('an empty or missing provisioning state is settled; a non-terminal one is not', () => {
    expect(isSettled('')).toBe(true);
    expect(isSettled(undefined)).toBe(true);
    expect(isSettled('updating')).toBe(false);
  });

  it('a NIC named by two workers, still Updating, is listed once', () => {
    const inv = reportCluster();
    inv.nics[0]!.provisioningState = 'Updating';
    inv.vms[1]!.nicRefs = [{ ...inv.vms[0]!.nicRefs[0]!, id: inv.vms[0]!.nicRefs[0]!.id.toUpperCase() }];
    expect(unsettledResources(inv, settings()).map((r) => [r.kind, r.provisioningState])).toEqual([
      ['nic', 'Updating'],
    ]);
  });
});
