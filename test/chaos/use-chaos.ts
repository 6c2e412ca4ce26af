// The chaos environment of a test file, started once (LROs that end after 20 ms, so runs meet them in flight
// only when a test asks for it), the emulator reset before each test, stopped after them.

import { forgetArmPacers } from '../../src/azure/pacer.js';
import { useFixture } from '../support/fixture.js';
import { type ChaosEnv, startChaos } from './harness.js';

export const FAST_CHAOS_LRO = { inProgressPolls: 0, retryAfterSeconds: 0, autoCompleteMs: 20 };

export function useChaos(): ChaosEnv {
  return useFixture('the chaos environment', {
    start: () => startChaos({ lro: FAST_CHAOS_LRO }),
    reset: (env) => {
      env.emulator.reset();
      forgetArmPacers(env.emulator.endpoint); // a reset world's buckets are full again
    },
    stop: (env) => env.stop(),
  });
}
