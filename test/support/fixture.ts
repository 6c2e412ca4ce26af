// One fixture per test file (an emulated cluster, a chaos environment): started before the file's tests, reset
// before each of them, stopped after them all. The handle it returns reads through to the started fixture, so a
// test writes `cluster.run()` as it would with a variable assigned in beforeAll.
import { afterAll, beforeAll, beforeEach } from 'vitest';

interface FixtureLifecycle<T> {
  start: () => Promise<T>;
  /** Before each test (e.g. the emulator's faults, requests and state back to the world file). */
  reset?: (fixture: T) => void;
  stop: (fixture: T) => Promise<void>;
}

export function useFixture<T extends object>(name: string, lifecycle: FixtureLifecycle<T>): T {
  let started: T | undefined;
  const current = (): T => {
    if (started === undefined) throw new Error(`${name} used before its beforeAll started it`);
    return started;
  };
  beforeAll(async () => {
    started = await lifecycle.start();
  });
  afterAll(async () => {
    if (started !== undefined) await lifecycle.stop(started);
  });
  const { reset } = lifecycle;
  if (reset) beforeEach(() => reset(current()));
  return new Proxy({} as T, {
    get: (_target, key) => Reflect.get(current(), key),
    has: (_target, key) => Reflect.has(current(), key),
  });
}
