// Importing the entry registers exactly the three functions, with these options. Outside the Functions host,
// @azure/functions runs in test mode (registrations are skipped with a warning), so the calls are spied on.
import { app } from '@azure/functions';
import { afterAll, describe, expect, it, vi } from 'vitest';

describe('src/index.ts', () => {
  const timer = vi.spyOn(app, 'timer').mockImplementation(() => undefined);
  const eventGrid = vi.spyOn(app, 'eventGrid').mockImplementation(() => undefined);
  const http = vi.spyOn(app, 'http').mockImplementation(() => undefined);
  const others = (['get', 'post', 'put', 'patch', 'deleteRequest', 'storageQueue', 'generic'] as const).map(
    (name) => vi.spyOn(app, name).mockImplementation(() => undefined),
  );
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  afterAll(() => vi.restoreAllMocks());

  it('registers reconcileOnSchedule, verifyOnSchedule, reconcileOnResourceChange and driftReport, and warns once that telemetry is off', async () => {
    await import('../../src/index.js');

    expect(timer).toHaveBeenCalledTimes(2);
    expect(timer).toHaveBeenCalledWith('reconcileOnSchedule', {
      schedule: '%RECONCILE_SCHEDULE%',
      handler: expect.any(Function),
    });
    expect(timer).toHaveBeenCalledWith('verifyOnSchedule', {
      schedule: '%VERIFY_SCHEDULE%',
      handler: expect.any(Function),
    });
    expect(eventGrid).toHaveBeenCalledTimes(1);
    expect(eventGrid).toHaveBeenCalledWith('reconcileOnResourceChange', { handler: expect.any(Function) });
    expect(http).toHaveBeenCalledTimes(1);
    expect(http).toHaveBeenCalledWith('driftReport', {
      methods: ['GET'],
      authLevel: 'function',
      handler: expect.any(Function),
    });
    for (const other of others) expect(other).not.toHaveBeenCalled();

    // Without Application Insights settings, telemetry is off with exactly one warning.
    const telemetryWarnings = warn.mock.calls.filter((c) => String(c[0]).includes('telemetry is off'));
    expect(telemetryWarnings).toHaveLength(1);
  });
});
