import { describe, expect, it } from 'vitest';
import { SingleFlight } from '../../src/functions/single-flight.js';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('SingleFlight', () => {
  it('shares one follow-up among every request made during a run; results never predate a request', async () => {
    const flight = new SingleFlight<number>();
    const gates = [deferred<void>(), deferred<void>(), deferred<void>()];
    let started = 0;
    const task = async () => {
      const n = started++;
      await gates[n]?.promise;
      return n;
    };
    const first = flight.run('t', task);
    const during = [flight.run('t', task), flight.run('t', task), flight.run('t', task)];
    expect(started).toBe(1);
    gates[0]?.resolve();
    expect(await first).toBe(0);
    // The follow-up started after run 0; a request made now must wait for a run that starts after it.
    await Promise.resolve();
    expect(started).toBe(2);
    const late = flight.run('t', task);
    gates[1]?.resolve();
    expect(await Promise.all(during)).toEqual([1, 1, 1]);
    gates[2]?.resolve();
    expect(await late).toBe(2);
    expect(started).toBe(3);
    expect(flight.inFlight).toBe(0);
  });

  it('keys are independent', async () => {
    const flight = new SingleFlight<string>();
    const results = await Promise.all([flight.run('a', async () => 'a'), flight.run('b', async () => 'b')]);
    expect(results).toEqual(['a', 'b']);
  });

  it('a failed run rejects its callers and does not block the follow-up', async () => {
    const flight = new SingleFlight<number>();
    const gate = deferred<void>();
    const first = flight.run('t', async () => {
      await gate.promise;
      throw new Error('first failed');
    });
    const second = flight.run('t', async () => 2);
    gate.resolve();
    await expect(first).rejects.toThrow('first failed');
    await expect(second).resolves.toBe(2);
    expect(flight.inFlight).toBe(0);
  });

  it('a task that throws synchronously rejects instead of throwing', async () => {
    const flight = new SingleFlight<number>();
    await expect(
      flight.run('t', () => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(flight.inFlight).toBe(0);
  });
});
