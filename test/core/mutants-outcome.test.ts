// The plan a run reports when its first read failed (docs/mutation.md lists the mutants this kills): an empty
// plan that promises nothing, so no surface reads "nothing to repair" into a run that saw nothing.
import { describe, expect, it } from 'vitest';
import { outcome } from '../../src/core/outcome.js';

describe('a run whose first read failed', () => {
  it('reports an empty plan that does not claim there is nothing to repair', () => {
    const result = outcome({ initial: undefined, confirmed: undefined, final: undefined, failed: true });
    expect(result.found).toEqual({
      nothingToRepair: false,
      drift: [],
      refused: [],
      actions: [],
      tableWrite: null,
      associateSubnets: [],
      enableIpForwarding: [],
      desiredRoutes: [],
    });
    expect(result.remaining).toEqual(result.found);
    expect(result.refused).toEqual([]);
  });
});
